//! Unit tests of the attribute as a function from tokens to tokens: the
//! argument parser (message and span of every mistake), the entry's
//! fail-soft behaviour, a property test over random input, expansion
//! snapshots, and the docs' key table against the macro's.

mod args;
mod async_trait;
mod docs;
mod entry;
mod fuzz;
mod snapshots;

use std::str::FromStr;

use proc_macro2::TokenStream;

use crate::config::Config;
use crate::diagnostics::Errors;

/// Parses `args` as the tokens of `#[timed(args)]`.
fn tokens(args: &str) -> TokenStream {
    TokenStream::from_str(args).unwrap_or_else(|err| panic!("{args:?} does not lex: {err}"))
}

/// The config and the errors of `#[timed(args)]`, as the entry sees them.
fn parse(args: TokenStream) -> (Config, Errors) {
    let mut errors = Errors::default();
    let config = Config::parse(args, &mut errors);
    config.check(&mut errors);
    (config, errors)
}

/// How many `compile_error!` invocations an expansion holds.
fn compile_errors(expansion: &TokenStream) -> usize {
    expansion.to_string().matches("compile_error").count()
}
