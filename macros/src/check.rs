//! Checks on the annotated function that the attribute can answer better
//! than rustc would: wrong kind of fn, a second `#[timed]`, borrowed
//! arguments in spawn mode, no return type. Each gives one spanned error.

use syn::visit::{self, Visit};
use syn::{
    Block, Expr, FnArg, Lifetime, Pat, PatIdent, PatReference, ReceiverKind, ReturnType, Signature,
    Type, TypeReference,
};

use crate::config::{Config, Mode};
use crate::diagnostics::Errors;
use crate::item::TimedFn;
use crate::show::show;

/// Checks the function and picks the mode. A function whose arguments are
/// borrowed gets one error suggesting `inline`, and is then expanded in
/// inline mode so that no `'static` errors cascade from it.
///
/// `boxed` is the output of the boxed future that the fn returns when
/// `#[async_trait]` wrote it: such a fn is not `async`, and its future's
/// output is what the `Result` rule reads.
pub(crate) fn function(
    item: &TimedFn,
    boxed: Option<&ReturnType>,
    config: &Config,
    errors: &mut Errors,
) -> Mode {
    let sig = &item.sig;
    let output = boxed.unwrap_or(&sig.output);
    // A fn that `#[async_trait]` rewrote is not `async`, and rightly so.
    if boxed.is_none() {
        kind(sig, errors);
    }
    if config.fallback.is_none() && matches!(output, ReturnType::Default) {
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

/// `#[timed]` goes on an `async fn`, which cannot be `const`.
fn kind(sig: &Signature, errors: &mut Errors) {
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
                // `#[async_trait]` names a pattern argument `__argN`.
                syn::Pat::Ident(pat) if !pat.ident.to_string().starts_with("__arg") => {
                    format!(" `{}`", pat.ident)
                }
                _ => String::new(),
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
                    "`#[timed]` runs the body as a spawned task, which cannot hold the borrowed argument{what}: add `inline` to run it in the caller's task, as in `{inline}`, or take {owned}"
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
            ReceiverKind::Typed(_, ty) => has_non_static_borrow(ty),
            _ => false,
        },
        FnArg::Typed(typed) => {
            ref_binding(&typed.pat).is_some() || has_non_static_borrow(&typed.ty)
        }
    }
}

/// A `ref` binding in an argument's pattern: it borrows the argument from
/// the caller's future instead of moving it into the body.
fn ref_binding(pat: &Pat) -> Option<&PatIdent> {
    let mut found = RefBinding(None);
    found.visit_pat(pat);
    found.0
}

/// The first `ref` binding of a pattern. One behind `&` borrows through the
/// caller's reference, which the argument's type already shows.
struct RefBinding<'ast>(Option<&'ast PatIdent>);

impl<'ast> Visit<'ast> for RefBinding<'ast> {
    fn visit_pat_ident(&mut self, pat: &'ast PatIdent) {
        if self.0.is_none() && pat.by_ref.is_some() {
            self.0 = Some(pat);
        }
        visit::visit_pat_ident(self, pat);
    }

    fn visit_pat_reference(&mut self, _: &'ast PatReference) {}

    fn visit_type(&mut self, _: &'ast Type) {}

    fn visit_expr(&mut self, _: &'ast Expr) {}

    fn visit_block(&mut self, _: &'ast Block) {}
}

/// A `&` without `'static`, or a lifetime other than `'static`, in a type.
fn has_non_static_borrow(ty: &Type) -> bool {
    let mut found = Borrow(false);
    found.visit_type(ty);
    found.0
}

struct Borrow(bool);

impl Visit<'_> for Borrow {
    fn visit_type_reference(&mut self, ty: &TypeReference) {
        self.0 |= ty.lifetime.is_none();
        visit::visit_type_reference(self, ty);
    }

    fn visit_lifetime(&mut self, lifetime: &Lifetime) {
        self.0 |= lifetime.ident != "static";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proc_macro2::TokenStream;
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
