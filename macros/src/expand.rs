//! The rewrite: the signature is kept token for token, and the body is
//! packed into an `async move` block handed to one runtime helper.
//!
//! Input:
//!     #[timed(secs = 1)]
//!     async fn f(args) -> R { body }
//! Output:
//!     async fn f(args) -> R {
//!         ::timebox::__private::finish(::timebox::__private::run(
//!             ::timebox::__private::Spec::new({ static SITE: Site = ..; &SITE }, Duration::from_secs(1)),
//!             async move { body },
//!         ).await)
//!     }
//! `run` gives `Result<T, timebox::Error>`; `finish` converts the error into
//! the declared one. With `fallback = X`, a `match` turns `Err` into `X`.

use proc_macro2::{Group, Ident, Span, TokenStream, TokenTree};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, parse_quote};

use crate::check::Mode;
use crate::config::{Config, Timeout};
use crate::item::TimedFn;

pub(crate) fn function(func: TimedFn, config: &Config, mode: Mode) -> TokenStream {
    let TimedFn {
        attrs,
        vis,
        sig,
        brace,
        inner_attrs,
        body,
    } = func;
    let krate = config
        .krate
        .clone()
        .unwrap_or_else(|| parse_quote!(::timebox));
    let private = quote!(#krate::__private);

    let name = match &config.name {
        Some(name) => name.value(),
        None => sig.ident.to_string().trim_start_matches("r#").to_string(),
    };
    let site = quote_spanned! {sig.ident.span()=>
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
    let timeout = match &config.timeout {
        Some((
            _,
            _,
            Timeout::Fixed {
                secs,
                nanos,
                millis,
            },
        )) => fixed_duration(&private, *secs, *nanos, *millis),
        Some((_, _, Timeout::Expr(expr))) => expr.to_token_stream(),
        None => quote!(#private::Duration::from_secs(1)),
    };
    let grace = config.grace.as_ref().map(|(_, ms)| quote!(.grace_ms(#ms)));
    let spec = quote!(#private::Spec::new(#site, #timeout) #grace);

    let mut block = TokenStream::new();
    brace.surround(&mut block, |tokens| body.to_tokens(tokens));
    let capture = crate::capture::all_arguments(&sig.inputs);
    let async_span = sig.asyncness.map_or_else(Span::call_site, |a| a.span());
    let body = quote_spanned!(async_span=> async move { #capture #block });

    let helper = match mode {
        Mode::Spawn => quote_spanned!(async_span=> run),
        Mode::Inline => quote_spanned!(async_span=> run_inline),
    };
    let result = quote!(#private::#helper(#spec, #body).await);
    let call = match &config.fallback {
        Some(fallback) => {
            let value = quote::format_ident!("value", span = Span::mixed_site());
            quote! {
                match #result {
                    ::core::result::Result::Ok(#value) => #value,
                    ::core::result::Result::Err(_) => #fallback,
                }
            }
        }
        None => {
            let ret_span = match &sig.output {
                ReturnType::Type(_, ty) => ty.span(),
                ReturnType::Default => sig.ident.span(),
            };
            // Spanned at the return type, so that a type breaking the rule
            // gets its one error there.
            let private = respan(private.clone(), ret_span);
            let value = Ident::new("__timebox_result", ret_span);
            quote_spanned! {ret_span=>
                let #value = #result;
                #private::finish(#value)
            }
        }
    };

    quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #call
        }
    }
}

/// A literal timeout as the simplest `Duration` constructor that states it.
fn fixed_duration(private: &TokenStream, secs: u64, nanos: u32, millis: bool) -> TokenStream {
    if millis {
        let ms = secs * 1000 + u64::from(nanos / 1_000_000);
        quote!(#private::Duration::from_millis(#ms))
    } else if nanos == 0 {
        quote!(#private::Duration::from_secs(#secs))
    } else {
        quote!(#private::Duration::new(#secs, #nanos))
    }
}

/// The same tokens, every one of them given `span`.
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
