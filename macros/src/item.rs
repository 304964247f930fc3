//! The annotated function, parsed just far enough to rewrite its body: the
//! body stays opaque tokens, so a half-typed body still expands and the IDE
//! keeps completing inside it.

use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{Attribute, Signature, Token, Visibility, braced, token};

/// `#[attrs] vis sig { #![inner] body }`
pub(crate) struct TimedFn {
    pub(crate) attrs: Vec<Attribute>,
    pub(crate) vis: Visibility,
    pub(crate) sig: Signature,
    pub(crate) brace: token::Brace,
    pub(crate) inner_attrs: Vec<Attribute>,
    pub(crate) body: TokenStream,
}

impl Parse for TimedFn {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let attrs = input.call(Attribute::parse_outer)?;
        let vis: Visibility = input.parse()?;
        let lookahead = input.fork();
        let sig: Signature = match input.parse() {
            Ok(sig) => sig,
            Err(_) => return Err(not_a_function(&lookahead)),
        };
        if input.peek(Token![;]) {
            return Err(syn::Error::new_spanned(
                input.parse::<Token![;]>()?,
                "`#[timed]` needs a function body: put it on the method in the `impl` block, not on the trait's declaration",
            ));
        }
        let content;
        let brace = braced!(content in input);
        let inner_attrs = content.call(Attribute::parse_inner)?;
        let body: TokenStream = content.parse()?;
        Ok(TimedFn {
            attrs,
            vis,
            sig,
            brace,
            inner_attrs,
            body,
        })
    }
}

fn not_a_function(input: ParseStream<'_>) -> syn::Error {
    let message = "`#[timed]` goes on an `async fn` with a body, such as `#[timed(secs = 1)] async fn fetch() -> Result<T, timebox::Error> { .. }`";
    match input.cursor().token_tree() {
        Some((tt, _)) => syn::Error::new_spanned(tt, message),
        None => syn::Error::new(input.span(), message),
    }
}
