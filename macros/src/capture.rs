//! Every argument moves into the body, as in a plain `async fn`: an
//! `async move` block only captures the names its code mentions, so an
//! argument the body never names (a `_permit` held for its drop) would
//! otherwise stay with the caller and be dropped when the caller returns.

use proc_macro2::TokenStream;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{FnArg, Pat, Token};

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
            FnArg::Typed(typed) => bindings(&typed.pat, &mut names),
        }
    }
    if names.is_empty() {
        return TokenStream::new();
    }
    quote!(let _ = (#(&#names,)*);)
}

/// The names a pattern binds.
fn bindings(pat: &Pat, names: &mut Vec<TokenStream>) {
    match pat {
        Pat::Ident(p) => {
            let ident = &p.ident;
            names.push(quote!(#ident));
            if let Some((_, sub)) = &p.subpat {
                bindings(sub, names);
            }
        }
        Pat::Tuple(p) => p.elems.iter().for_each(|e| bindings(e, names)),
        Pat::TupleStruct(p) => p.elems.iter().for_each(|e| bindings(e, names)),
        Pat::Struct(p) => p.fields.iter().for_each(|f| bindings(&f.pat, names)),
        Pat::Slice(p) => p.elems.iter().for_each(|e| bindings(e, names)),
        Pat::Reference(p) => bindings(&p.pat, names),
        Pat::Paren(p) => bindings(&p.pat, names),
        Pat::Type(p) => bindings(&p.pat, names),
        // Every case of an or-pattern binds the same names.
        Pat::Or(p) => {
            if let Some(first) = p.cases.first() {
                bindings(first, names);
            }
        }
        _ => {}
    }
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
