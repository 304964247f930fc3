//! The life of one body (a timed call's body or a `timebox::spawn` child):
//! counted as live from its start until its future is dropped, and its
//! outcome recorded however it ends.

use std::sync::Arc;

use tokio::time::Instant;

use crate::registry::{BodyRef, Outcome, Site};
use crate::scope::Scope;
use crate::testing::Tracker;

/// Keeps one body counted in [`live`](crate::live) for as long as it exists.
/// It travels inside the body's future, so it is dropped exactly when the
/// body is: on completion, abort, cancellation or runtime shutdown.
#[derive(Debug)]
pub(crate) struct LiveBody {
    site: &'static Site,
    body: BodyRef,
    tracker: Option<Arc<Tracker>>,
}

impl LiveBody {
    /// A body of `site` starts `now`, running in `scope` if it has one.
    pub(crate) fn start(site: &'static Site, scope: Option<&Scope>, now: Instant) -> Self {
        let body = site.start(now);
        let tracker = scope.and_then(|s| s.tracker.clone());
        if let Some(scope) = scope {
            let _ = scope.body.set(body);
        }
        if let Some(tracker) = &tracker {
            tracker.started(site);
        }
        LiveBody {
            site,
            body,
            tracker,
        }
    }
}

impl Drop for LiveBody {
    fn drop(&mut self) {
        if let Some(tracker) = &self.tracker {
            tracker.ended(self.site);
        }
        self.site.end(self.body);
    }
}

/// Records how a body ran by its own code ended. Dropped before
/// [`OutcomeGuard::set`], the body never finished: it panicked (the panic
/// is unwinding through it) or it was dropped.
#[derive(Debug)]
pub(crate) struct OutcomeGuard(Option<&'static Site>);

impl OutcomeGuard {
    pub(crate) fn new(site: &'static Site) -> Self {
        OutcomeGuard(Some(site))
    }

    pub(crate) fn set(&mut self, outcome: Outcome) {
        if let Some(site) = self.0.take() {
            site.record(outcome);
        }
    }
}

impl Drop for OutcomeGuard {
    fn drop(&mut self) {
        self.set(if std::thread::panicking() {
            Outcome::Panicked
        } else {
            Outcome::Cancelled
        });
    }
}
