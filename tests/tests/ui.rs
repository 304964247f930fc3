//! The compile-time interface of `#[timed]`: what compiles and runs
//! (`ui/pass`, each with a `main` that asserts) and the exact error each
//! misuse gives (`ui/fail`, one file per case, each with one error in its
//! reviewed `.stderr`). Fail cases are named by what is wrong: `arg_*` the
//! attribute's arguments, `item_*` what it is put on, `sig_*` the signature
//! in spawn mode, `body_*` the body, `lint_*` lints that must still fire.
//! Regenerate with `TRYBUILD=overwrite` only after reading every diff.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/pass/*.rs");
    cases.compile_fail("ui/fail/*.rs");
}
