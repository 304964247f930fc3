//! Expansion snapshots: each `tests/expand/NAME.rs` holds functions under
//! `#[timed(...)]`; their expansion, pretty-printed, must equal
//! `tests/expand/NAME.expanded.rs`, so a reviewer sees what users get and
//! notices when it grows. Regenerate with
//! `TIMEBOX_SNAPSHOTS=overwrite cargo test -p timebox-macros`, then read
//! the diff.

use std::fs;
use std::path::Path;

use proc_macro2::TokenStream;
use quote::ToTokens;

use crate::entry;

/// Expands every item of `source` that has a `#[timed]` attribute, as the
/// compiler would: the first such attribute is the macro call, its
/// arguments are `args`, the rest of the item is `item`.
fn expand_file(source: &str) -> String {
    let file: syn::File = syn::parse_str(source).expect("snapshot input parses");
    let mut out = TokenStream::new();
    for mut item in file.items {
        let timed = match &mut item {
            syn::Item::Fn(func) => take_timed(&mut func.attrs),
            _ => None,
        };
        match timed {
            Some(args) => out.extend(entry::timed(args, item.into_token_stream())),
            None => item.to_tokens(&mut out),
        }
    }
    let expanded: syn::File = syn::parse2(out).expect("the expansion parses");
    prettyplease::unparse(&expanded)
}

fn take_timed(attrs: &mut Vec<syn::Attribute>) -> Option<TokenStream> {
    let at = attrs.iter().position(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "timed")
    })?;
    let attr = attrs.remove(at);
    Some(match attr.meta {
        syn::Meta::List(list) => list.tokens,
        _ => TokenStream::new(),
    })
}

#[test]
fn expansions_match_their_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/expand");
    let overwrite = std::env::var_os("TIMEBOX_SNAPSHOTS").is_some_and(|v| v == "overwrite");
    let mut inputs: Vec<_> = fs::read_dir(&dir)
        .expect("tests/expand exists")
        .map(|entry| entry.expect("readable").path())
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "rs")
                && !path.to_string_lossy().ends_with(".expanded.rs")
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut stale = Vec::new();
    for input in inputs {
        let source = fs::read_to_string(&input).expect("readable");
        let expanded = expand_file(&source);
        let snapshot = input.with_extension("expanded.rs");
        if overwrite {
            fs::write(&snapshot, &expanded).expect("writable");
        } else if fs::read_to_string(&snapshot).ok().as_deref() != Some(&expanded) {
            eprintln!(
                "==== {} is stale; the expansion is now:\n{expanded}",
                snapshot.display()
            );
            stale.push(snapshot.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale snapshots (regenerate with TIMEBOX_SNAPSHOTS=overwrite and review the diff): {stale:?}"
    );
}
