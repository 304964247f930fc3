//! The `#[timed]` attribute of the [`timebox`](https://docs.rs/timebox) crate.
//!
//! Depend on `timebox` and use `timebox::timed`: the attribute is documented
//! there, and its expansion calls into that crate's runtime.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod async_trait;
mod capture;
mod check;
mod config;
mod diagnostics;
mod entry;
mod expand;
mod item;
mod keys;
mod settings;
mod show;
#[cfg(test)]
mod tests;
mod values;

use proc_macro::TokenStream;

/// Runs an `async fn`'s body as a timed, cancellable call that cannot leak.
/// See `timebox::timed` for the keys and rules.
#[proc_macro_attribute]
pub fn timed(args: TokenStream, item: TokenStream) -> TokenStream {
    entry::timed(args.into(), item.into()).into()
}
