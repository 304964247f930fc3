//! The rewrite: the signature is kept token for token, and the body is
//! packed into an `async move` block handed to one runtime helper.
//!
//! Input:
//!     #[timed(secs = 1)]
//!     async fn f(args) -> R { body }
//! Output:
//!     async fn f(args) -> R {
//!         let call = ::timebox::__private::run(
//!             ::timebox::__private::Spec::new({ static SITE: Site = ..; &SITE }, Duration::from_secs(1)),
//!             async move {
//!                 if false { let r: R = loop {}; return r; } // pins the block's output to R
//!                 let _ = (&args,);                          // moves every argument in
//!                 { body }
//!             },
//!         );
//!         ::timebox::__private::finish(call).await
//!     }
//! `run` gives a future of `Result<R, timebox::Error>`; `finish` counts a
//! returned `Err` as the outcome `err` and converts the timebox error into
//! the declared one. With `fallback = X`, a `match` turns `Err` into `X`
//! (and `Judge` counts a returned `Err` where `R` is a `Result`).

use proc_macro2::{Group, Ident, Literal, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::visit_mut::{self, VisitMut};
use syn::{ReturnType, Type, parse_quote};

use crate::config::{FinalConfig, Mode, OnTimeout};
use crate::item::TimedFn;
use crate::values::Timeout;

pub(crate) fn function(func: TimedFn, config: &FinalConfig) -> TokenStream {
    let TimedFn {
        attrs,
        vis,
        sig,
        brace,
        inner_attrs,
        body,
    } = func;

    // The user's statements go straight into the `async move` block, in
    // the user's braces: no nested block for lints such as `unused_braces`
    // to trip on.
    let pin = pin_output(&sig.output);
    let capture = crate::capture::all_arguments(&sig.inputs);
    let mut block = TokenStream::new();
    brace.surround(&mut block, |tokens| {
        tokens.extend(pin);
        tokens.extend(capture);
        body.to_tokens(tokens);
    });
    let async_span = sig.asyncness.map_or_else(Span::call_site, |a| a.span);
    let call = call(config, &sig.ident, &sig.output, async_span, block);

    // The body's own braces, so that the function's span is the user's
    // (lints such as `dead_code` look at it).
    let mut outer = TokenStream::new();
    brace.surround(&mut outer, |tokens| {
        tokens.extend(quote!(#(#inner_attrs)* #call));
    });
    quote! {
        #(#attrs)*
        #vis #sig #outer
    }
}

/// The statements that run `block` (the braces of an `async move` block,
/// with its statements) as the timed call of the fn named `ident`, and
/// give its `output`: the caller's side of the call.
///
/// The block and the call are spanned at `async_span`, the user's `async`:
/// a body that is not `Send` or not `'static` is reported there, with
/// notes pointing into it.
pub(crate) fn call(
    config: &FinalConfig,
    ident: &Ident,
    output: &ReturnType,
    async_span: Span,
    block: TokenStream,
) -> TokenStream {
    let krate = &config.krate;
    let private = quote!(#krate::__private);
    let spec = spec(config, &private, ident);
    let body = quote_spanned!(async_span=> async move #block);
    let helper = match config.mode {
        Mode::Spawn => quote!(#private::run),
        Mode::Inline => quote!(#private::run_inline),
    };
    let helper = respan(helper, async_span);
    let args = Group::new(proc_macro2::Delimiter::Parenthesis, quote!(#spec, #body));
    let args = respan_group(args, async_span);
    let call = quote_spanned!(async_span=> #helper #args);

    let value = quote::format_ident!("value", span = Span::mixed_site());
    let fallback = match &config.on_timeout {
        // The fallback is typed as the return type: a wrong one is a plain
        // "expected R" at the user's expression.
        OnTimeout::Fallback(fallback) => {
            let ty = output_type(output);
            let typed = quote::format_ident!("fallback", span = Span::mixed_site());
            let annotation = ty.map(|ty| quote!(: #ty));
            Some(quote!({
                let #typed #annotation = #fallback;
                #typed
            }))
        }
        // A stand-in (after an error in `fallback`) diverges: no `let`
        // after it, or an "unreachable expression" warning would join the
        // error.
        OnTimeout::StandIn(stand_in) => Some(stand_in.to_token_stream()),
        OnTimeout::Error => None,
    };
    match fallback {
        Some(fallback) => {
            // A returned `Err` is counted `err` where the type is a
            // `Result` (see `Judge`); any other value counts `ok`.
            let call = match output_type(output) {
                Some(ty) => quote!({
                    use #private::{JudgeAnything as _, JudgeResult as _};
                    (&#private::Judge::<#ty>::new()).__timebox_judged(#call)
                }),
                None => call,
            };
            quote! {
                match #call.await {
                ::core::result::Result::Ok(#value) => #value,
                    ::core::result::Result::Err(_) => #fallback,
                }
            }
        }
        None => {
            // Spanned at the return type's first token, so that a type
            // breaking the rule gets its one error there.
            let first = match output {
                ReturnType::Type(_, ty) => first_span(ty.to_token_stream()),
                ReturnType::Default => ident.span(),
            };
            let private = respan(private.clone(), first);
            // In the user's context: rustc points at an argument only when
            // it shares the call's context.
            let value = Ident::new("__timebox_call", first);
            quote_spanned! {first=>
                let #value = #call;
                #private::finish(#value).await
            }
        }
    }
}

/// `Spec::new(site, timeout)`, with `.grace_ms(..)` when there is grace.
fn spec(config: &FinalConfig, private: &TokenStream, ident: &Ident) -> TokenStream {
    let name = &config.name;
    // Spanned at the fn's name, so that `line!()` is its line.
    let site = quote_spanned! {ident.span()=>
        {
            static SITE: #private::Site = #private::Site::new(
                #name,
                ::core::module_path!(),
                ::core::file!(),
                ::core::line!(),
            );
            &SITE
        }
    };
    let (timeout, spec_span) = match &config.timeout {
        Timeout::Fixed {
            secs,
            nanos,
            millis,
        } => (
            fixed_duration(private, *secs, *nanos, *millis),
            Span::call_site(),
        ),
        // With `duration = EXPR`, the call is spanned at EXPR: a value of
        // the wrong type is reported there alone, not with a label on the
        // attribute.
        Timeout::Expr(expr) => (expr.to_token_stream(), first_span(expr.to_token_stream())),
    };
    // The runtime's default grace is none.
    let grace = (config.grace_ms > 0).then(|| {
        let ms = Literal::u64_unsuffixed(config.grace_ms);
        quote!(.grace_ms(#ms))
    });
    let spec_new = respan(quote!(#private::Spec::new), spec_span);
    let spec_args = respan_group(
        Group::new(proc_macro2::Delimiter::Parenthesis, quote!(#site, #timeout)),
        spec_span,
    );
    quote!(#spec_new #spec_args #grace)
}

/// `if false { let r: R = loop {}; return r; }` as the first statement of
/// the body's `async move` block: the block's output is `R` before any of
/// the user's code is checked, so a wrong value or a `?` without `From` is
/// reported in the body, at the user's token, against the declared type.
/// An `impl Trait` in `R` cannot be named there and becomes `_`.
pub(crate) fn pin_output(output: &ReturnType) -> TokenStream {
    let Some(ty) = output_type(output) else {
        return TokenStream::new();
    };
    let r = quote::format_ident!("output", span = Span::mixed_site());
    quote! {
        #[allow(unreachable_code)]
        if false {
            let #r: #ty = loop {};
            return #r;
        }
    }
}

/// The declared return type as it can be written inside the body: `()`
/// when there is none, `impl Trait` replaced by `_`; nothing when that
/// leaves only `_`.
fn output_type(output: &ReturnType) -> Option<TokenStream> {
    match output {
        ReturnType::Default => Some(quote!(())),
        ReturnType::Type(_, ty) => {
            let mut ty = (**ty).clone();
            ImplTraitEraser.visit_type_mut(&mut ty);
            match ty {
                Type::Infer(_) => None,
                ty => Some(ty.into_token_stream()),
            }
        }
    }
}

/// Replaces every `impl Trait` in a type by `_`.
struct ImplTraitEraser;

impl VisitMut for ImplTraitEraser {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(_) = ty {
            *ty = parse_quote!(_);
        } else {
            visit_mut::visit_type_mut(self, ty);
        }
    }
}

/// A literal timeout as the simplest `Duration` constructor that states it.
fn fixed_duration(private: &TokenStream, secs: u64, nanos: u32, millis: bool) -> TokenStream {
    if millis {
        let ms = Literal::u64_unsuffixed(secs * 1000 + u64::from(nanos / 1_000_000));
        quote!(#private::Duration::from_millis(#ms))
    } else if nanos == 0 {
        let secs = Literal::u64_unsuffixed(secs);
        quote!(#private::Duration::from_secs(#secs))
    } else {
        let secs = Literal::u64_unsuffixed(secs);
        let nanos = Literal::u32_unsuffixed(nanos);
        quote!(#private::Duration::new(#secs, #nanos))
    }
}

/// The same tokens, every one of them given `span` (groups' contents too).
fn respan(tokens: TokenStream, span: Span) -> TokenStream {
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(group) = &tt {
                let mut inner = Group::new(group.delimiter(), respan(group.stream(), span));
                inner.set_span(span);
                tt = TokenTree::Group(inner);
            }
            tt.set_span(span);
            tt
        })
        .collect()
}

/// The span of the first token.
fn first_span(tokens: TokenStream) -> Span {
    let first = tokens.into_iter().next();
    first.map_or_else(Span::call_site, |tt| match tt {
        TokenTree::Group(group) => group.span_open(),
        other => other.span(),
    })
}

/// The group's delimiters given `span`, its contents untouched: the call's
/// parentheses decide where the call's errors land, its arguments keep
/// their own spans.
fn respan_group(mut group: Group, span: Span) -> Group {
    group.set_span(span);
    group
}
