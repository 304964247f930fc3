//! The compile-time interface of `#[timed]`: what compiles (`ui/pass`) and
//! the exact error each misuse gives (`ui/fail`, reviewed `.stderr` files).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
