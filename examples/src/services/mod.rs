//! Three services over loopback, and a deadline that crosses them by
//! itself: the parts of `cargo run --example services`, which the tests
//! drive too.
//!
//! ```text
//! client ──HTTP──▶ edge (axum) ──HTTP, reqwest──▶ api (axum) ──gRPC, tonic──▶ storage (tonic)
//!  timebox::call      DeadlineLayer   grpc_timeout::stamp   DeadlineLayer   PropagateLayer ──HTTP──▶ storage (axum)
//! ```
//!
//! The client gives each request a budget ([`Settings::budget`]). Every
//! hop runs its handler under a [`DeadlineLayer`](timebox::tower::DeadlineLayer)
//! (the smaller of its ceiling and the budget it was sent) and sends what
//! is left, less a margin, to the next, so the budget shrinks hop by hop.
//! Storage stalls on every [`Settings::stall_every`]th item: its deadline
//! comes first, it answers `DEADLINE_EXCEEDED` / `504`, and the error
//! travels back up in time. When the client hangs up instead, each tier's
//! transport drops the next one's handler, down to storage. Every hop
//! writes what it saw into a [`Journal`].
//!
//! ```
//! use timebox_examples::services::{Hop, Outcome, Settings, System};
//!
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> std::io::Result<()> {
//! let system = System::start(Settings::default()).await?;
//! assert!(matches!(system.client.get(1).await, Outcome::Ok(_)));
//! let budget = |hop| system.journal.get(1, hop).and_then(|r| r.budget).unwrap();
//! assert!(budget(Hop::Client) > budget(Hop::Edge));
//! assert!(budget(Hop::Edge) > budget(Hop::Api));
//! assert!(budget(Hop::Api) > budget(Hop::StorageGrpc));
//! # Ok(())
//! # }
//! ```

mod api;
mod client;
mod edge;
mod journal;
mod storage;

use std::io;
use std::time::Duration;

use tokio::sync::watch;

pub use api::ApiTier;
pub use client::{Client, Outcome};
pub use edge::EdgeTier;
pub use journal::{End, Hop, Journal, Record, Visit};
pub use storage::StorageTier;

/// The code tonic-prost-build generated from `proto/storage.proto`.
#[allow(missing_docs, unreachable_pub, missing_debug_implementations)]
#[allow(clippy::all, clippy::pedantic)]
pub mod proto {
    tonic::include_proto!("storage");
}

/// How the services behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// What the client gives each request.
    pub budget: Duration,
    /// The most any tier gives a request, whatever it was sent.
    pub ceiling: Duration,
    /// What each hop keeps back from the budget it sends on.
    pub margin: Duration,
    /// Storage stalls on the items whose id is a multiple of this.
    pub stall_every: u64,
    /// How long storage takes for the others.
    pub read_time: Duration,
}

impl Settings {
    /// These settings with a client budget of `budget`.
    pub fn with_budget(self, budget: Duration) -> Self {
        Settings { budget, ..self }
    }

    /// Whether storage stalls on item `id`.
    pub fn stalls(&self, id: u64) -> bool {
        id % self.stall_every == 0
    }
}

impl Default for Settings {
    /// A 300 ms client budget, 1 s ceilings, 5 ms margins, every fifth item
    /// stalled, 10 ms reads.
    fn default() -> Self {
        Settings {
            budget: Duration::from_millis(300),
            ceiling: Duration::from_secs(1),
            margin: Duration::from_millis(5),
            stall_every: 5,
            read_time: Duration::from_millis(10),
        }
    }
}

/// All three tiers and a client on the current runtime (the example puts
/// each on a runtime of its own, as separate services would be).
#[derive(Debug)]
pub struct System {
    /// Where every hop writes what it saw.
    pub journal: Journal,
    /// The client of the edge.
    pub client: Client,
    /// The edge.
    pub edge: EdgeTier,
    /// The API tier.
    pub api: ApiTier,
    /// The storage tier.
    pub storage: StorageTier,
}

impl System {
    /// Starts storage, the API tier and the edge on 127.0.0.1, and a client
    /// of the edge.
    pub async fn start(settings: Settings) -> io::Result<System> {
        let journal = Journal::new();
        let storage = StorageTier::start(settings, journal.clone()).await?;
        let api = ApiTier::start(
            settings,
            journal.clone(),
            storage.grpc_addr(),
            storage.http_addr(),
        )
        .await?;
        let edge = EdgeTier::start(settings, journal.clone(), api.addr()).await?;
        let client = Client::new(settings, journal.clone(), edge.addr());
        Ok(System {
            journal,
            client,
            edge,
            api,
            storage,
        })
    }

    /// Each tier's timed calls alive now, client first:
    /// `[client, edge, api, storage]`.
    pub fn live() -> [u64; 4] {
        [
            Client::live(),
            EdgeTier::live(),
            ApiTier::live(),
            StorageTier::live(),
        ]
    }
}

/// The timed calls alive now whose site is in `file`: one tier's share of
/// [`timebox::live`] when the tiers share a process. A tier's sites are its
/// layers and calls, reported at the lines that made them.
fn live_in(file: &str) -> u64 {
    timebox::snapshot()
        .sites()
        .iter()
        .filter(|site| site.file == file)
        .map(|site| site.live)
        .sum()
}

/// Resolves once told to stop, or once the sender is dropped.
async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}
