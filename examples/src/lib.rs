//! Example programs of timebox: see `examples/`.
//!
//! The library holds what an example shares with the test suite, so that the
//! test drives the very code the example shows: [`http`], the loopback HTTP
//! server and client of `cargo run --example http`; [`services`], the three
//! tiers of `cargo run --example services`; and [`flags`], the examples'
//! command line.

#![forbid(unsafe_code)]

pub mod flags;
pub mod http;
pub mod services;
