//! Every argument moves into the body, as in a plain `async fn`: an
//! `async move` block only captures the names its code mentions, so an
//! argument the body never names (a `_permit` held for its drop) would
//! otherwise stay with the caller and be dropped when the caller returns.

use proc_macro2::TokenStream;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};
use syn::{Block, Expr, FnArg, Ident, PatIdent, PatOr, Token, Type};

/// A statement that mentions every binding of the arguments, so that an
/// `async move` block containing it takes them all.
pub(crate) fn all_arguments(inputs: &Punctuated<FnArg, Token![,]>) -> TokenStream {
    let mut names = Vec::new();
    for input in inputs {
        match input {
            FnArg::Receiver(receiver) => {
                let self_token = receiver.self_token;
                names.push(quote!(#self_token));
            }
            FnArg::Typed(typed) => {
                let mut bindings = Bindings(Vec::new());
                bindings.visit_pat(&typed.pat);
                names.extend(bindings.0.into_iter().map(|ident| quote!(#ident)));
            }
        }
    }
    if names.is_empty() {
        return TokenStream::new();
    }
    quote!(let _ = (#(&#names,)*);)
}

/// The names a pattern binds: its identifiers, not those of the types,
/// expressions and blocks inside it.
struct Bindings<'ast>(Vec<&'ast Ident>);

impl<'ast> Visit<'ast> for Bindings<'ast> {
    fn visit_pat_ident(&mut self, pat: &'ast PatIdent) {
        self.0.push(&pat.ident);
        visit::visit_pat_ident(self, pat);
    }

    // Every case of an or-pattern binds the same names.
    fn visit_pat_or(&mut self, pat: &'ast PatOr) {
        if let Some(first) = pat.cases.first() {
            self.visit_pat(first);
        }
    }

    fn visit_type(&mut self, _: &'ast Type) {}

    fn visit_expr(&mut self, _: &'ast Expr) {}

    fn visit_block(&mut self, _: &'ast Block) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn mentions_every_binding() {
        let sig: syn::Signature = parse_quote! {
            fn f(self, _permit: Permit, (a, mut b): (u8, u8), Point { x, y: why }: Point, [first, ..]: [u8; 2], _: u8)
        };
        assert_eq!(
            all_arguments(&sig.inputs).to_string(),
            quote!(let _ = (&self, &_permit, &a, &b, &x, &why, &first,);).to_string()
        );
    }

    #[test]
    fn no_arguments_no_statement() {
        let sig: syn::Signature = parse_quote!(fn f());
        assert!(all_arguments(&sig.inputs).is_empty());
    }
}
