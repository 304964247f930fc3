//! Checks on the annotated function that the attribute can answer better
//! than rustc would: wrong kind of fn, a second `#[timed]`, borrowed
//! arguments in spawn mode, no return type. Each gives one spanned error.

use proc_macro2::{Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{FnArg, ReceiverKind, ReturnType};

use crate::config::{Config, Errors};
use crate::item::TimedFn;

/// Where the body runs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// As its own task: needs `Send + 'static`.
    Spawn,
    /// In the caller's task.
    Inline,
}

/// Checks the function and picks the mode. A function whose arguments are
/// borrowed gets one error suggesting `inline`, and is then expanded in
/// inline mode so that no `'static` errors cascade from it.
pub(crate) fn function(item: &TimedFn, config: &Config, errors: &mut Errors) -> Mode {
    let sig = &item.sig;
    if let Some(constness) = &sig.constness {
        errors.push(syn::Error::new_spanned(
            constness,
            "`#[timed]` cannot go on a `const fn`: it must be an `async fn`",
        ));
    } else if sig.asyncness.is_none() {
        errors.push(syn::Error::new_spanned(
            sig.fn_token,
            "`#[timed]` goes on an `async fn`: write `async fn`",
        ));
    }
    if config.fallback.is_none() && matches!(sig.output, ReturnType::Default) {
        errors.push(syn::Error::new_spanned(
            &sig.ident,
            "a `#[timed]` function must return `Result<T, E>` where `E: From<timebox::Error>`: add a return type such as `-> Result<(), timebox::Error>`, or add `fallback = ()` to `#[timed(...)]`",
        ));
    }
    if config.inline.is_some() {
        return Mode::Inline;
    }
    match sig.inputs.iter().find(|arg| borrows(arg)) {
        Some(arg) => {
            errors.push(syn::Error::new_spanned(arg, borrowed_message(arg)));
            Mode::Inline
        }
        None => Mode::Spawn,
    }
}

fn borrowed_message(arg: &FnArg) -> String {
    let what = match arg {
        FnArg::Receiver(_) => "`self` by reference".to_string(),
        FnArg::Typed(typed) => format!("the borrowed argument `{}`", typed.to_token_stream()),
    };
    let instead = match arg {
        FnArg::Receiver(_) => "take `self: Arc<Self>` (or `self` by value)",
        FnArg::Typed(_) => "take an owned type (`String` for `&str`, `Arc<T>` or `T` for `&T`)",
    };
    format!(
        "`#[timed]` runs the body as a spawned task, which cannot hold {what}: add `inline` to run it in the caller's task, as in `#[timed(secs = 1, inline)]`, or {instead}"
    )
}

/// Whether an argument holds a borrow that a `'static` task cannot keep.
fn borrows(arg: &FnArg) -> bool {
    match arg {
        FnArg::Receiver(receiver) => match &receiver.kind {
            ReceiverKind::Reference(_, lifetime, _) => {
                lifetime.as_ref().is_none_or(|l| l.ident != "static")
            }
            ReceiverKind::Typed(_, ty) => has_non_static_borrow(ty.to_token_stream()),
            _ => false,
        },
        FnArg::Typed(typed) => has_non_static_borrow(typed.ty.to_token_stream()),
    }
}

/// Scans a type's tokens for `&` not followed by `'static`, or for a
/// lifetime other than `'static`.
fn has_non_static_borrow(tokens: TokenStream) -> bool {
    let tts: Vec<TokenTree> = tokens.into_iter().collect();
    tts.iter().enumerate().any(|(i, tt)| match tt {
        TokenTree::Group(group) => has_non_static_borrow(group.stream()),
        TokenTree::Punct(p) if p.as_char() == '&' => !is_static_lifetime(&tts[i + 1..]),
        TokenTree::Punct(p) if p.as_char() == '\'' && p.spacing() == Spacing::Joint => {
            !matches!(tts.get(i + 1), Some(TokenTree::Ident(id)) if id == "static")
        }
        _ => false,
    })
}

fn is_static_lifetime(tts: &[TokenTree]) -> bool {
    matches!(
        tts,
        [TokenTree::Punct(p), TokenTree::Ident(id), ..] if p.as_char() == '\'' && id == "static"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn arg(tokens: TokenStream) -> FnArg {
        syn::parse2(tokens).unwrap()
    }

    #[test]
    fn borrowed_arguments_are_found() {
        for borrowed in [
            parse_quote!(&self),
            parse_quote!(&'a mut self),
            parse_quote!(name: &str),
            parse_quote!(items: Vec<&u8>),
            parse_quote!(cow: Cow<'a, str>),
            parse_quote!(f: impl Fn() + 'a),
            parse_quote!(self: &Self),
        ] {
            assert!(borrows(&arg(borrowed)));
        }
    }

    #[test]
    fn owned_and_static_arguments_pass() {
        for owned in [
            parse_quote!(self),
            parse_quote!(mut self),
            parse_quote!(self: Arc<Self>),
            parse_quote!(&'static self),
            parse_quote!(name: &'static str),
            parse_quote!(items: Vec<String>),
            parse_quote!(f: Box<dyn Fn() + Send + 'static>),
            parse_quote!((a, b): (u32, u64)),
        ] {
            assert!(!borrows(&arg(owned)));
        }
    }
}
