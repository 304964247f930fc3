//! The attribute from tokens to tokens: parse, check, build, expand (an
//! `async fn`, or one that `#[async_trait]` rewrote). Every mistake is
//! reported once beside the function, so nothing cascades.

use proc_macro2::TokenStream;
use quote::quote;

use crate::async_trait::{self, Shape};
use crate::check;
use crate::config::Config;
use crate::diagnostics::Errors;
use crate::expand;
use crate::item::{self, TimedFn};

pub(crate) fn timed(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut func = match syn::parse2::<TimedFn>(item.clone()) {
        Ok(func) => func,
        // Not a function we can rewrite: leave it as it is, beside the error.
        Err(err) => {
            let err = err.to_compile_error();
            return quote!(#item #err);
        }
    };
    // Parse and check: the attribute alone, then with the function. The
    // function is emitted whatever they find, so the IDE keeps working.
    let mut errors = Errors::default();
    let config = Config::parse(args, &mut errors);
    config.check(&mut errors);
    reject_second_attribute(&mut func, &mut errors);
    async_trait::reject_on_method(&mut func.attrs, &mut errors);
    let boxed = match async_trait::shape(&func) {
        Shape::Plain => None,
        Shape::Boxed(boxed) => Some(boxed),
        Shape::Unrecognized(err) => {
            errors.push(err);
            let errors = errors.into_compile_errors();
            return quote!(#item #errors);
        }
    };
    let output = boxed.as_ref().map(|boxed| &boxed.output);
    let mode = check::function(&func, output, &config, &mut errors);
    if boxed.is_none() && (func.sig.asyncness.is_none() || func.sig.constness.is_some()) {
        // Rewriting a non-async body would add `.await` errors to the one
        // that says what to write: keep the function as written.
        let errors = errors.into_compile_errors();
        return quote!(#item #errors);
    }
    // Build and expand: defaults stand in for what was wrong.
    let expanded = match boxed {
        Some(boxed) => {
            let config = config.build(&func.sig, &boxed.output, mode);
            async_trait::expand(func, boxed, &config)
        }
        None => {
            let config = config.build(&func.sig, &func.sig.output, mode);
            expand::function(func, &config)
        }
    };
    let errors = errors.into_compile_errors();
    quote!(#expanded #errors)
}

/// A second `#[timed]` on the same function would wrap the body twice.
/// It is reported and removed.
fn reject_second_attribute(func: &mut TimedFn, errors: &mut Errors) {
    func.attrs.retain(|attr| {
        let is_timed = item::is_named(attr, "timed");
        if is_timed {
            errors.push(syn::Error::new_spanned(
                attr,
                "`#[timed]` is applied twice to this function: keep one",
            ));
        }
        !is_timed
    });
}
