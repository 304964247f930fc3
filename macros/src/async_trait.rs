//! `#[timed]` on a method of an `#[async_trait]` impl or trait: async-trait
//! expands first and hands over a plain fn returning a boxed future; the
//! `async move` block inside it is what gets timed.
//!
//! Input (async-trait 0.1's expansion of `async fn get(&self) -> R { body }`):
//!
//! ```text
//!     fn get<'life0, 'async_trait>(&'life0 self)
//!         -> ::core::pin::Pin<Box<dyn ::core::future::Future<Output = R> + ::core::marker::Send + 'async_trait>>
//!     where 'life0: 'async_trait, Self: 'async_trait
//!     {
//!         Box::pin(async move {
//!             if let ::core::option::Option::Some(__ret) = ::core::option::Option::None::<R> {
//!                 #[allow(unreachable_code)] return __ret;
//!             }
//!             let __self = self;
//!             let __ret: R = { body };
//!             #[allow(unreachable_code)] __ret
//!         })
//!     }
//! ```
//!
//! Output: the signature and the statements around the block as they were,
//! the block's statements timed as an `async fn`'s body is, against `R`:
//!
//! ```text
//!         Box::pin(async move {
//!             let result = ::timebox::__private::run_inline(spec, async move {
//!                 if false { let r: R = loop {}; return r; }
//!                 if let .. { return __ret; } let __self = self; ..
//!             }).await;
//!             ::timebox::__private::finish(result)
//!         })
//! ```

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::parse::Parser;
use syn::{
    Attribute, Block, Expr, GenericArgument, PathArguments, ReturnType, Stmt, Type, TypeParamBound,
};

use crate::config::FinalConfig;
use crate::diagnostics::Errors;
use crate::expand;
use crate::item::{self, TimedFn};

/// What the annotated fn is, for the rewrite.
pub(crate) enum Shape {
    /// An `async fn`, or a fn that the usual checks reject.
    Plain,
    /// A fn returning `Pin<Box<dyn Future<Output = R> ..>>` whose body ends
    /// in `Box::pin(async move { .. })`, as `#[async_trait]` writes it.
    Boxed(Boxed),
    /// A fn returning a boxed future built some other way: nothing to time.
    Unrecognized(syn::Error),
}

/// What the rewrite needs of such a fn, beside its signature.
pub(crate) struct Boxed {
    /// `R`, as the return type that the `Result` rule and `fallback` read:
    /// none for `()`, as for an `async fn` without one.
    pub(crate) output: ReturnType,
    /// The fn's body, parsed: its tail holds the `async move` block.
    stmts: Vec<Stmt>,
}

/// Recognizes async-trait's expansion (the module's "Input").
pub(crate) fn shape(func: &TimedFn) -> Shape {
    let sig = &func.sig;
    if sig.asyncness.is_some() || sig.constness.is_some() {
        return Shape::Plain;
    }
    let (ReturnType::Type(arrow, _), Some(output)) = (&sig.output, future_output(&sig.output))
    else {
        return Shape::Plain;
    };
    // A body that does not parse is no async-trait expansion either.
    let mut stmts = Block::parse_within
        .parse2(func.body.clone())
        .unwrap_or_default();
    if pinned_block(&mut stmts).is_none() {
        return Shape::Unrecognized(syn::Error::new_spanned(
            sig.fn_token,
            format!(
                "`#[timed]` times an `async fn`, or the `Box::pin(async move {{ .. }})` that `#[async_trait]` makes of one, and `{0}` returns a boxed future built otherwise: write `async fn {0}`, in an `#[async_trait]` impl if it implements such a trait",
                sig.ident
            ),
        ));
    }
    let output = match peel(output) {
        Type::Tuple(unit) if unit.elems.is_empty() => ReturnType::Default,
        _ => ReturnType::Type(*arrow, Box::new(output.clone())),
    };
    Shape::Boxed(Boxed { output, stmts })
}

/// The module's "Output".
pub(crate) fn expand(func: TimedFn, boxed: Boxed, config: &FinalConfig) -> TokenStream {
    let TimedFn {
        attrs,
        vis,
        sig,
        brace,
        inner_attrs,
        body: _,
    } = func;
    let Boxed { output, mut stmts } = boxed;
    if let Some(future) = pinned_block(&mut stmts) {
        if let Expr::Async(future_block) = &*future {
            // The user's `async`, where async-trait spanned the block.
            let async_token = future_block.async_token;
            let block = &future_block.block;
            let stmts = &block.stmts;
            let mut inner = TokenStream::new();
            block.brace_token.surround(&mut inner, |tokens| {
                tokens.extend(expand::pin_output(&output));
                tokens.extend(quote!(#(#stmts)*));
            });
            let call = expand::call(config, &sig.ident, &output, async_token.span, inner);
            let mut outer = TokenStream::new();
            block
                .brace_token
                .surround(&mut outer, |tokens| tokens.extend(call));
            let async_attrs = &future_block.attrs;
            let capture = future_block.capture;
            let timed = quote!(#(#async_attrs)* #async_token #capture #outer);
            *future = Expr::Verbatim(timed);
        }
    }
    let mut body = TokenStream::new();
    brace.surround(&mut body, |tokens| {
        tokens.extend(quote!(#(#inner_attrs)*));
        for stmt in &stmts {
            stmt.to_tokens(tokens);
        }
    });
    quote! {
        #(#attrs)*
        #vis #sig #body
    }
}

/// `#[async_trait]` on the method itself, where `#[timed]` comes first and
/// async-trait would find a fn: it goes on the `impl` block or the trait.
/// The attribute is reported and removed, and the method is timed as the
/// `async fn` it is.
pub(crate) fn reject_on_method(attrs: &mut Vec<Attribute>, errors: &mut Errors) {
    attrs.retain(|attr| {
        let misplaced = item::is_named(attr, "async_trait");
        if misplaced {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[async_trait]` goes on the `impl` block and on the trait, not on a method: write `#[async_trait] impl Trait for T { #[timed(..)] async fn f(..) .. }`",
            ));
        }
        !misplaced
    });
}

/// `R` of `Pin<Box<dyn Future<Output = R> + ..>>`, paths as written
/// (`::core::pin::Pin`, `Pin`).
fn future_output(output: &ReturnType) -> Option<&Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let boxed = only_argument(ty, "Pin")?;
    let Type::TraitObject(object) = peel(only_argument(boxed, "Box")?) else {
        return None;
    };
    object.bounds.iter().find_map(|bound| {
        let TypeParamBound::Trait(bound) = bound else {
            return None;
        };
        let last = bound.path.segments.last()?;
        let PathArguments::AngleBracketed(args) = &last.arguments else {
            return None;
        };
        if last.ident != "Future" {
            return None;
        }
        args.args.iter().find_map(|arg| match arg {
            GenericArgument::AssocType(assoc) if assoc.ident == "Output" => Some(&assoc.ty),
            _ => None,
        })
    })
}

/// `T` of `name<T>`.
fn only_argument<'a>(ty: &'a Type, name: &str) -> Option<&'a Type> {
    let Type::Path(path) = peel(ty) else {
        return None;
    };
    let last = path.path.segments.last()?;
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match (last.ident == name, args.args.len(), args.args.first()) {
        (true, 1, Some(GenericArgument::Type(ty))) if path.qself.is_none() => Some(ty),
        _ => None,
    }
}

/// The type inside parentheses and invisible groups.
fn peel(ty: &Type) -> &Type {
    match ty {
        Type::Paren(paren) => peel(&paren.elem),
        Type::Group(group) => peel(&group.elem),
        ty => ty,
    }
}

/// The `async move { .. }` of the tail `Box::pin(async move { .. })`,
/// after any statements and inside blocks (`#[allow(..)] { .. }`).
fn pinned_block(stmts: &mut [Stmt]) -> Option<&mut Expr> {
    match stmts.last_mut()? {
        Stmt::Expr(tail, None) => pinned_in(tail),
        _ => None,
    }
}

fn pinned_in(expr: &mut Expr) -> Option<&mut Expr> {
    match expr {
        Expr::Block(block) if block.label.is_none() => pinned_block(&mut block.block.stmts),
        Expr::Group(group) => pinned_in(&mut group.expr),
        Expr::Call(call) if is_box_pin(&call.func) && call.args.len() == 1 => {
            let future = call.args.first_mut()?;
            matches!(future, Expr::Async(block) if block.capture.is_some()).then_some(future)
        }
        _ => None,
    }
}

/// `Box::pin`, `::std::boxed::Box::pin`, ..
fn is_box_pin(func: &Expr) -> bool {
    let Expr::Path(path) = func else {
        return false;
    };
    let mut names = path.path.segments.iter().rev().map(|s| &s.ident);
    path.qself.is_none()
        && names.next().is_some_and(|name| name == "pin")
        && names.next().is_some_and(|name| name == "Box")
}
