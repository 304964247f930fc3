//! Checks on the annotated function that the attribute can answer better
//! than rustc would: wrong kind of fn, a second `#[timed]`, borrowed
//! arguments in spawn mode, no return type. Each gives one spanned error.

use proc_macro2::{Spacing, TokenStream, TokenTree};
use quote::ToTokens;
use syn::{FnArg, Pat, PatIdent, ReceiverKind, ReturnType};

use crate::config::{Config, Errors};
use crate::item::TimedFn;
use crate::show::show;

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
            "`#[timed]` cannot go on a `const fn`: remove `const` and write `async fn`",
        ));
    } else if sig.asyncness.is_none() {
        errors.push(syn::Error::new_spanned(
            sig.fn_token,
            format!(
                "`#[timed]` goes on an `async fn`: write `async fn {}`",
                sig.ident
            ),
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
            errors.push(borrowed(arg, config));
            Mode::Inline
        }
        None => Mode::Spawn,
    }
}

/// The one error for a borrowed argument in spawn mode, at the borrowing
/// type (or at `&self`).
fn borrowed(arg: &FnArg, config: &Config) -> syn::Error {
    let inline = config.with("inline");
    match arg {
        FnArg::Receiver(receiver) => syn::Error::new_spanned(
            receiver,
            format!(
                "`#[timed]` runs the body as a spawned task, which cannot borrow `self`: add `inline` to run it in the caller's task, as in `{inline}`, or take `self: Arc<Self>`"
            ),
        ),
        FnArg::Typed(typed) if ref_binding(&typed.pat).is_some() => {
            let binding = ref_binding(&typed.pat).map(|p| &p.ident);
            let name = binding.map_or_else(String::new, |ident| format!(" `{ident}`"));
            syn::Error::new_spanned(
                &typed.pat,
                format!(
                    "`#[timed]` runs the body as a spawned task, which cannot hold the `ref` binding{name}: remove `ref` (the body owns its arguments), or add `inline` to run it in the caller's task, as in `{inline}`"
                ),
            )
        }
        FnArg::Typed(typed) => {
            let what = match &*typed.pat {
                syn::Pat::Ident(pat) => format!("`{}`", pat.ident),
                _ => "this argument".to_string(),
            };
            let owned = match &*typed.ty {
                syn::Type::Reference(r) if is_str(&r.elem) => "`String`".to_string(),
                syn::Type::Reference(r) => match &*r.elem {
                    syn::Type::Slice(slice) => {
                        format!("`Vec<{0}>` or `Arc<[{0}]>`", show(&slice.elem))
                    }
                    elem => format!("`{0}` or `Arc<{0}>`", show(elem)),
                },
                _ => "a type that owns its data".to_string(),
            };
            syn::Error::new_spanned(
                &typed.ty,
                format!(
                    "`#[timed]` runs the body as a spawned task, which cannot hold the borrowed argument {what}: add `inline` to run it in the caller's task, as in `{inline}`, or take {owned}"
                ),
            )
        }
    }
}

fn is_str(ty: &syn::Type) -> bool {
    matches!(ty, syn::Type::Path(p) if p.qself.is_none() && p.path.is_ident("str"))
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
        FnArg::Typed(typed) => {
            ref_binding(&typed.pat).is_some() || has_non_static_borrow(typed.ty.to_token_stream())
        }
    }
}

/// A `ref` binding in an argument's pattern: it borrows the argument from
/// the caller's future instead of moving it into the body.
fn ref_binding(pat: &Pat) -> Option<&PatIdent> {
    match pat {
        Pat::Ident(p) if p.by_ref.is_some() => Some(p),
        Pat::Ident(p) => p.subpat.as_ref().and_then(|(_, sub)| ref_binding(sub)),
        Pat::Tuple(p) => p.elems.iter().find_map(ref_binding),
        Pat::TupleStruct(p) => p.elems.iter().find_map(ref_binding),
        Pat::Struct(p) => p.fields.iter().find_map(|f| ref_binding(&f.pat)),
        Pat::Slice(p) => p.elems.iter().find_map(ref_binding),
        Pat::Or(p) => p.cases.iter().find_map(ref_binding),
        Pat::Paren(p) => ref_binding(&p.pat),
        Pat::Type(p) => ref_binding(&p.pat),
        _ => None,
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
