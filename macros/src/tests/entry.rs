//! The entry's fail-soft rules: whatever is wrong, exactly one error, and
//! the function is still emitted (expanded with a default config where the
//! attribute was wrong), so nothing cascades and the IDE keeps working.

use super::{compile_errors, tokens};
use crate::entry;

const FETCH: &str = "async fn fetch(n: u32) -> Result<u32, timebox::Error> { Ok(n) }";

/// Expands `#[timed(args)] item`.
fn expand(args: &str, item: &str) -> String {
    entry::timed(tokens(args), tokens(item)).to_string()
}

#[test]
fn a_good_attribute_expands_without_error() {
    let out = expand("secs = 1", FETCH);
    assert_eq!(compile_errors(&tokens(&out)), 0, "{out}");
    assert!(out.contains(":: timebox :: __private :: run"), "{out}");
    assert!(
        out.contains("async fn fetch (n : u32)"),
        "the signature is kept: {out}"
    );
}

#[test]
fn a_bad_attribute_still_expands_the_function() {
    for args in [
        "",
        "timeout = 5",
        "secs = \"1\"",
        "secs =",
        "1",
        "secs = 1,, ms = 2x",
    ] {
        let out = expand(args, FETCH);
        assert!(compile_errors(&tokens(&out)) >= 1, "{args}: {out}");
        assert!(
            out.contains(":: timebox :: __private :: run"),
            "{args}: the function must still be expanded: {out}"
        );
    }
}

#[test]
fn one_mistake_is_one_error() {
    for (args, item) in [
        ("secs = \"1\"", FETCH),
        ("secs = 1, fallback =", "async fn f() -> u32 { 1 }"),
        (
            "secs = 1, inline = true",
            "async fn f(&self) -> Result<(), E> { Ok(()) }",
        ),
        ("secs = 1", "async fn f(&self) -> Result<(), E> { Ok(()) }"),
        (
            "secs = 1",
            "async fn f(name: &str) -> Result<(), E> { Ok(()) }",
        ),
        (
            "secs = 1",
            "async fn f(ref name: String) -> Result<(), E> { Ok(()) }",
        ),
        ("secs = 1", "async fn f() { }"),
        ("secs = 1", "fn f() -> Result<(), E> { Ok(()) }"),
        ("secs = 1", "const fn f() -> Result<(), E> { Ok(()) }"),
        ("secs = 1", "struct S;"),
        ("secs = 1", "impl S { }"),
        ("secs = 1", "async fn f(&self) -> Result<(), E>;"),
        (
            "secs = 1",
            "#[timed(ms = 1)] async fn f() -> Result<(), E> { Ok(()) }",
        ),
    ] {
        let out = expand(args, item);
        assert_eq!(
            compile_errors(&tokens(&out)),
            1,
            "#[timed({args})] {item}\n=> {out}"
        );
    }
}

#[test]
fn what_is_not_a_function_is_left_as_written() {
    for item in [
        "struct S { a: u32 }",
        "impl S { fn f() {} }",
        "fn f() -> u32 { 1 }",
    ] {
        let out = expand("secs = 1", item);
        assert!(out.starts_with(&tokens(item).to_string()), "{out}");
    }
}

/// A half-typed body is not parsed, only carried: it expands without an
/// error of the macro's own, and rustc reports the body's syntax error.
#[test]
fn a_body_that_does_not_parse_still_expands() {
    let item = "async fn f(n: u32) -> Result<u32, E> { let x = n * ; x. }";
    let out = expand("secs = 1", item);
    assert_eq!(compile_errors(&tokens(&out)), 0, "{out}");
    assert!(out.contains("let x = n * ; x ."), "{out}");
}

/// A malformed inner attribute is left to rustc, inside the body.
#[test]
fn a_malformed_inner_attribute_is_left_in_the_body() {
    let item = "async fn f() -> Result<u32, E> { #![allow] #! Ok(1) }";
    let out = expand("secs = 1", item);
    assert_eq!(compile_errors(&tokens(&out)), 0, "{out}");
}

/// A signature syn cannot read is left to rustc, unchanged.
#[test]
fn a_signature_that_does_not_parse_is_reported_once() {
    let out = expand("secs = 1", "async fn f(x: ) -> Result<u32, E> { Ok(1) }");
    assert_eq!(compile_errors(&tokens(&out)), 1, "{out}");
}
