//! The annotated function, parsed just far enough to rewrite its body: the
//! body stays opaque tokens, so a half-typed body still expands and the IDE
//! keeps completing inside it.

use proc_macro2::{TokenStream, TokenTree};
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
            Err(err) if looks_like_fn(&lookahead) => return Err(err),
            Err(_) => return Err(not_a_function(&lookahead, &attrs)),
        };
        if input.peek(Token![;]) {
            return Err(syn::Error::new_spanned(
                input.parse::<Token![;]>()?,
                "`#[timed]` needs a function body: put it on the `async fn` in the `impl` block, not on the trait's declaration",
            ));
        }
        let content;
        let brace = braced!(content in input);
        // A malformed inner attribute is rustc's to report: it then stays in
        // the opaque body.
        let fork = content.fork();
        let inner_attrs = match fork.call(Attribute::parse_inner) {
            Ok(attrs) => {
                syn::parse::discouraged::Speculative::advance_to(&content, &fork);
                attrs
            }
            Err(_) => Vec::new(),
        };
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

/// Whether the item starts like a function (`const`, `async`, `unsafe`,
/// `extern`, `fn`), so that a failed parse is about its signature, not its
/// kind.
fn looks_like_fn(input: ParseStream<'_>) -> bool {
    let mut cursor = input.cursor();
    while let Some((ident, next)) = cursor.ident() {
        match ident.to_string().as_str() {
            "fn" => return true,
            "const" | "async" | "unsafe" | "safe" | "extern" | "default" => cursor = next,
            _ => return false,
        }
        // `extern "C"`
        if let Some((_, next)) = cursor.literal() {
            cursor = next;
        }
    }
    false
}

fn not_a_function(input: ParseStream<'_>, attrs: &[Attribute]) -> syn::Error {
    let Some((tt, _)) = input.cursor().token_tree() else {
        return syn::Error::new(input.span(), "`#[timed]` goes on an `async fn` with a body");
    };
    let keyword = match &tt {
        TokenTree::Ident(ident) => ident.to_string(),
        _ => String::new(),
    };
    // Above `#[async_trait]`, the attribute still sees it; below, it sees
    // the methods that async-trait rewrote, which name `'async_trait`.
    let async_trait = attrs.iter().any(|attr| is_named(attr, "async_trait"))
        || names_async_trait(input.cursor().token_stream());
    let message = match keyword.as_str() {
        "impl" if async_trait => {
            "`#[timed]` goes on the methods of an `#[async_trait]` impl, not on the impl: keep `#[async_trait]` on the `impl` block and put `#[timed(..)]` on each `async fn` to time, as in `#[async_trait] impl Trait for T { #[timed(secs = 1, inline)] async fn get(&self) .. }`".to_string()
        }
        "trait" if async_trait => {
            "`#[timed]` goes on the methods of an `#[async_trait]` trait, not on the trait: keep `#[async_trait]` on the trait and put `#[timed(..)]` on each default `async fn` to time, or on the methods of the `#[async_trait]` impls".to_string()
        }
        "impl" => {
            "`#[timed]` goes on each `async fn`, not on an `impl` block: move it onto the methods to time".to_string()
        }
        "trait" => {
            "`#[timed]` goes on an `async fn` with a body, not on a trait: put it on the methods of the `impl` blocks".to_string()
        }
        "struct" | "enum" | "union" | "type" | "mod" | "static" | "const" | "use" | "macro_rules" => format!(
            "`#[timed]` goes on an `async fn`, not on a `{keyword}` item, as in `#[timed(secs = 1)] async fn fetch() -> Result<T, timebox::Error> {{ .. }}`"
        ),
        _ => "`#[timed]` goes on an `async fn` with a body, as in `#[timed(secs = 1)] async fn fetch() -> Result<T, timebox::Error> { .. }`".to_string(),
    };
    syn::Error::new_spanned(tt, message)
}

/// Whether the attribute is `#[name]` or `#[path::to::name]`, arguments
/// or not.
pub(crate) fn is_named(attr: &Attribute, name: &str) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == name)
}

/// Whether the tokens hold the lifetime `'async_trait`.
fn names_async_trait(tokens: TokenStream) -> bool {
    let mut quote = false;
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Group(group) => names_async_trait(group.stream()),
        TokenTree::Punct(punct) => {
            quote = punct.as_char() == '\'';
            false
        }
        TokenTree::Ident(ident) => std::mem::take(&mut quote) && ident == "async_trait",
        TokenTree::Literal(_) => false,
    })
}
