//! Example programs of timebox: see `examples/`.
//!
//! The library holds what an example shares with the test suite, so that the
//! test drives the very code the example shows: [`http`], the loopback HTTP
//! server and client of `cargo run --example http`; [`services`], the three
//! tiers of `cargo run --example services`; [`flags`], the examples'
//! command line; and [`chart`], the SVG line chart of
//! `cargo run --example leak_demo -- --svg FILE`.

#![forbid(unsafe_code)]

pub mod chart;
pub mod flags;
pub mod http;
pub mod services;
