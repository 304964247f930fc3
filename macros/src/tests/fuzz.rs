//! The parser against random input: random token trees, and random mixes
//! of real keys and values. It never panics, and always gives either a
//! config (with a timeout) or errors; the whole attribute always expands to
//! items that parse.

use proc_macro2::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};
use proptest::prelude::*;

use super::parse;
use crate::entry;

const WORDS: &[&str] = &[
    "secs",
    "ms",
    "duration",
    "fallback",
    "grace",
    "name",
    "inline",
    "crate",
    "timeout",
    "sec",
    "self",
    "Self",
    "super",
    "true",
    "false",
    "x",
    "Duration",
    "from_secs",
    "impl",
    "async",
    "fn",
    "_",
];

const LITERALS: &[&str] = &[
    "0",
    "1",
    "1u8",
    "1u64",
    "500ms",
    "2s",
    "1.5",
    "0.0",
    "1e400",
    "1e-12",
    "1e-400",
    "0e5",
    "99999999999999999999",
    "18446744073709551615",
    "0x10",
    "1_000",
    "1.5f32",
    "2.0f64",
    "1f16",
    "\"1\"",
    "\"500ms\"",
    "\"\"",
    "\"  \"",
    "\"::a::b\"",
    "\"crate::x\"",
    "\"not a path\"",
    "'c'",
    "b'c'",
    "b\"x\"",
    "c\"x\"",
    "r#\"raw\"#",
    "1.",
    "-0",
];

const PUNCTS: &[char] = &[
    '=', ',', ':', ';', '-', '+', '&', '\'', '#', '!', '.', '*', '/', '<', '>', '@', '?', '|', '$',
];

fn leaf() -> impl Strategy<Value = TokenTree> {
    prop_oneof![
        4 => prop::sample::select(WORDS).prop_map(|w| {
            TokenTree::Ident(if w == "_" {
                Ident::new("x_", Span::call_site())
            } else {
                Ident::new(w, Span::call_site())
            })
        }),
        1 => prop::sample::select(&["secs", "name", "type", "match"][..])
            .prop_map(|w| TokenTree::Ident(Ident::new_raw(w, Span::call_site()))),
        3 => prop::sample::select(LITERALS)
            .prop_map(|l| TokenTree::Literal(l.parse::<Literal>().unwrap())),
        1 => any::<u64>().prop_map(|n| TokenTree::Literal(Literal::u64_unsuffixed(n))),
        1 => any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| TokenTree::Literal(Literal::f64_unsuffixed(f.abs()))),
        1 => "[a-z0-9 .:_]{0,8}".prop_map(|s| TokenTree::Literal(Literal::string(&s))),
        4 => (prop::sample::select(PUNCTS), any::<bool>()).prop_map(|(c, joint)| {
            let spacing = if joint { Spacing::Joint } else { Spacing::Alone };
            TokenTree::Punct(Punct::new(c, spacing))
        }),
    ]
}

fn tree() -> impl Strategy<Value = TokenTree> {
    leaf().prop_recursive(3, 24, 6, |inner| {
        (
            prop::sample::select(
                &[
                    Delimiter::Parenthesis,
                    Delimiter::Bracket,
                    Delimiter::Brace,
                    Delimiter::None,
                ][..],
            ),
            prop::collection::vec(inner, 0..6),
        )
            .prop_map(|(delimiter, trees)| {
                TokenTree::Group(Group::new(delimiter, trees.into_iter().collect()))
            })
    })
}

fn stream() -> impl Strategy<Value = TokenStream> {
    prop::collection::vec(tree(), 0..12).prop_map(|trees| trees.into_iter().collect())
}

/// `key = value` entries with real keys and plausible values, joined by
/// commas (sometimes none, sometimes two).
fn entries() -> impl Strategy<Value = TokenStream> {
    let key = prop::sample::select(WORDS);
    let value = prop_oneof![
        prop::sample::select(LITERALS).prop_map(|l| l.to_string()),
        prop::sample::select(
            &[
                "Duration::from_secs(1)",
                "-1",
                "-0.5",
                "x.y",
                "a b",
                "",
                "1 +",
                "(5)",
                "Vec::new()",
                "::timebox",
                "= 1",
                "{ 1 }",
                "|| 1",
                "if a { b } else { c }",
            ][..]
        )
        .prop_map(str::to_string),
    ];
    let entry = (key, prop::option::of(value)).prop_map(|(key, value)| match value {
        Some(value) => format!("{key} = {value}"),
        None => key.to_string(),
    });
    let separator = prop::sample::select(&[", ", ", ", ", ", " ", ",, ", ", ; "][..]);
    prop::collection::vec((entry, separator), 0..6).prop_map(|parts| {
        let text: String = parts.iter().map(|(e, s)| format!("{e}{s}")).collect();
        text.parse().unwrap_or_default()
    })
}

const FUNCTIONS: &[&str] = &[
    "async fn f(n: u32) -> Result<u32, E> { Ok(n) }",
    "async fn f(&self, s: &str) -> u32 { 1 }",
    "async fn f() { }",
    "pub(crate) async fn f<T: Send + 'static>((a, b): (T, T), ref c: C) -> Result<impl Trait, E> where T: Clone { todo!() }",
    "fn f() -> u32 { 1 }",
    "struct S;",
];

/// Parsing, the checks, and the whole attribute on each kind of function.
fn never_panics(args: TokenStream) -> Result<(), TestCaseError> {
    let (config, errors) = parse(args.clone());
    match errors.into_result(config) {
        Ok(config) => {
            prop_assert!(
                config.timeout.is_some(),
                "accepted without a timeout: {args}"
            );
            prop_assert!(config.inline.is_none() || config.grace.is_none());
        }
        Err(err) => {
            for e in err {
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
    for function in FUNCTIONS {
        let out = entry::timed(args.clone(), function.parse().unwrap());
        let parsed = syn::parse2::<syn::File>(out.clone()).map(drop);
        prop_assert!(
            parsed.is_ok(),
            "#[timed({args})] {function}\n=> {out}\n{parsed:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2048,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_tokens(args in stream()) {
        never_panics(args)?;
    }

    #[test]
    fn random_entries(args in entries()) {
        never_panics(args)?;
    }
}
