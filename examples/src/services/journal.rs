//! What each hop saw of a request: the budget it was given, and how it
//! ended. Every tier writes here as a request passes through it, so the
//! example (and the tests) can show the deadline shrinking hop by hop and
//! the cancellation reaching the last tier.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// A place a request passes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hop {
    /// The caller, in its `timebox::call`.
    Client,
    /// The edge's axum handler.
    Edge,
    /// The API tier's axum handler.
    Api,
    /// The storage tier's tonic method.
    StorageGrpc,
    /// The storage tier's axum handler.
    StorageHttp,
}

impl Hop {
    /// Every hop, from the caller inwards.
    pub const ALL: [Hop; 5] = [
        Hop::Client,
        Hop::Edge,
        Hop::Api,
        Hop::StorageGrpc,
        Hop::StorageHttp,
    ];
}

impl fmt::Display for Hop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Hop::Client => "client",
            Hop::Edge => "edge",
            Hop::Api => "api",
            Hop::StorageGrpc => "storage grpc",
            Hop::StorageHttp => "storage http",
        })
    }
}

/// How a hop's work on a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// It answered with this HTTP status (200 for a gRPC `OK`).
    Answered(u16),
    /// Its deadline passed first: it gave up, or was dropped, then.
    Deadline,
    /// It was dropped before its deadline: its caller hung up.
    HungUp,
}

impl fmt::Display for End {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            End::Answered(200) => f.write_str("ok"),
            End::Answered(status) => write!(f, "{status}"),
            End::Deadline => f.write_str("deadline"),
            End::HungUp => f.write_str("hung up"),
        }
    }
}

/// One hop's view of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The request's id.
    pub request: u64,
    /// Where.
    pub hop: Hop,
    /// The budget the hop was given: `timebox::remaining()` when it began.
    pub budget: Option<Duration>,
    /// How it ended; `None` while it is in flight.
    pub end: Option<End>,
    /// When it ended, as time before its deadline (zero if at or after it).
    pub left_at_end: Option<Duration>,
    /// When it ended, after it began.
    pub took: Option<Duration>,
    /// When it ended.
    pub ended_at: Option<Instant>,
}

/// The records of every hop of every request. Cheap to clone: clones share
/// the records.
#[derive(Debug, Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<Record>>>);

impl Journal {
    /// An empty journal.
    pub fn new() -> Journal {
        Journal::default()
    }

    /// `hop` begins work on `request`, inside its timed scope: records the
    /// budget it has. The returned [`Visit`] records how it ends.
    pub fn enter(&self, request: u64, hop: Hop) -> Visit {
        let mut records = self.lock();
        records.push(Record {
            request,
            hop,
            budget: timebox::remaining(),
            end: None,
            left_at_end: None,
            took: None,
            ended_at: None,
        });
        Visit {
            journal: self.clone(),
            at: records.len() - 1,
            began: Instant::now(),
            deadline: timebox::deadline(),
            ended: false,
        }
    }

    /// Every record so far.
    pub fn records(&self) -> Vec<Record> {
        self.lock().clone()
    }

    /// The record of `hop` for `request`, if it got there.
    pub fn get(&self, request: u64, hop: Hop) -> Option<Record> {
        self.lock()
            .iter()
            .find(|r| r.request == request && r.hop == hop)
            .cloned()
    }

    /// How many requests `hop` is working on now.
    pub fn in_flight(&self, hop: Hop) -> usize {
        self.lock()
            .iter()
            .filter(|r| r.hop == hop && r.end.is_none())
            .count()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Record>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A hop at work on a request. Say how it ended with
/// [`answered`](Visit::answered) or [`timed_out`](Visit::timed_out);
/// dropped unfinished, it ended at its deadline if that had passed, and
/// because its caller hung up if not.
#[derive(Debug)]
pub struct Visit {
    journal: Journal,
    at: usize,
    began: Instant,
    deadline: Option<Instant>,
    ended: bool,
}

impl Visit {
    /// It answered with `status`.
    pub fn answered(mut self, status: u16) {
        self.end(End::Answered(status));
    }

    /// It gave up at its deadline.
    pub fn timed_out(mut self) {
        self.end(End::Deadline);
    }

    fn end(&mut self, end: End) {
        self.ended = true;
        let now = Instant::now();
        let mut records = self.journal.lock();
        let record = &mut records[self.at];
        record.end = Some(end);
        record.left_at_end = self.deadline.map(|d| d.saturating_duration_since(now));
        record.took = Some(now - self.began);
        record.ended_at = Some(now);
    }
}

impl Drop for Visit {
    fn drop(&mut self) {
        if !self.ended {
            let passed = self.deadline.is_some_and(|d| Instant::now() >= d);
            self.end(if passed { End::Deadline } else { End::HungUp });
        }
    }
}
