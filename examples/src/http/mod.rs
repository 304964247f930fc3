//! A real web request under a deadline, over loopback: a hyper 1 server with
//! a fast, a slow and a stalled endpoint, and a client whose `#[timed]` calls
//! carry their remaining budget to the server in a `grpc-timeout` header.
//!
//! - [`Server`] answers `/fast` at once, `/slow?ms=N` after N ms, and never
//!   answers `/hang`. Each handler runs under
//!   `#[timed(duration = min(header budget, ceiling))]`, so the server stops
//!   working on a request whose caller has given up, and counts its handlers
//!   in flight with a drop guard.
//! - [`Client`] calls an [`Endpoint`] through a `#[timed]` function that puts
//!   [`timebox::remaining`] into the request's `grpc-timeout` header.
//!
//! ```
//! use std::time::Duration;
//! use timebox_examples::http::{Client, Endpoint, Outcome, Server, Settings};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! let server = Server::start(Settings::default()).await?;
//! let client = Client::new(server.addr());
//! let budget = Duration::from_millis(300);
//! assert_eq!(client.call(Endpoint::Fast, budget).await, Outcome::Ok);
//! // `/hang` never answers: the call gives up at its deadline (or the
//! // server, sent the same budget, runs out in the same instant and says 504).
//! let stalled = client.call(Endpoint::Hang, budget).await;
//! assert!(matches!(stalled, Outcome::TimedOut | Outcome::ServerTimedOut));
//! assert_eq!(server.stats().with_budget, 2);
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod client;
mod server;

/// The timed bodies alive now whose site is in `module`: one side's share
/// of [`timebox::live`] when client and server share a process.
fn live_in(module: &str) -> u64 {
    timebox::snapshot()
        .sites()
        .iter()
        .filter(|site| site.module == module)
        .map(|site| site.live)
        .sum()
}

pub use client::{CallError, Client, Endpoint, Outcome, Reply, live_calls};
pub use server::{Server, ServerStats, Settings, live_handlers};
