//! Guards that travel with a body (a timed call's body or a `timebox::spawn`
//! child): one keeps it counted as live from its start until its future is
//! dropped, one records its outcome however it ends.

use std::sync::Arc;

use tokio::time::Instant;

use crate::outcome::Outcome;
use crate::registry::{BodyRef, Site};
use crate::scope::Scope;

/// Keeps the body of a scope counted in [`live`](crate::live) for as long
/// as it exists. It travels inside the body's future, so it is dropped
/// exactly when the body is: on completion, abort, cancellation or runtime
/// shutdown. The scope carries the site and the body's record.
#[derive(Debug)]
pub(crate) struct Live(Arc<Scope>);

impl Live {
    /// Takes over the body that [`Scope::open`] counted as started; the
    /// call's caller closes the scope.
    pub(crate) fn new(scope: Arc<Scope>) -> Self {
        if let Some(tracker) = &scope.tracker {
            tracker.started(scope.site);
        }
        Live(scope)
    }

    pub(crate) fn scope(&self) -> &Arc<Scope> {
        &self.0
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        let scope = &self.0;
        if let Some(tracker) = &scope.tracker {
            tracker.ended(scope.site);
        }
        if let Some(body) = scope.body {
            scope.site.end(body);
        }
    }
}

/// The body of a `timebox::spawn` child inside a call: its scope has no
/// caller to close it, so it closes when the body ends, and what the child
/// spawned ends with it.
#[derive(Debug)]
pub(crate) struct LiveChild(Live);

impl LiveChild {
    /// Takes over the body that [`Scope::child`] counted as started.
    pub(crate) fn new(scope: Arc<Scope>) -> Self {
        LiveChild(Live::new(scope))
    }
}

impl Drop for LiveChild {
    fn drop(&mut self) {
        // Before the inner guard counts the body as ended.
        self.0.scope().close();
    }
}

/// The same for a body with no scope: a `timebox::spawn` child started
/// outside any timed call.
#[derive(Debug)]
pub(crate) struct LiveRoot {
    site: &'static Site,
    body: BodyRef,
}

impl LiveRoot {
    pub(crate) fn start(site: &'static Site, now: Instant) -> Self {
        LiveRoot {
            site,
            body: site.start(now),
        }
    }
}

impl Drop for LiveRoot {
    fn drop(&mut self) {
        self.site.end(self.body);
    }
}

/// Records how a body ran by its own code ended. Dropped before
/// [`OutcomeGuard::set`], the body never finished: it panicked (the panic
/// is unwinding through it) or it was dropped.
#[derive(Debug)]
pub(crate) struct OutcomeGuard {
    site: Option<&'static Site>,
    /// A timed call's (inline mode), not a child's: dropped unset, its
    /// caller went away, which is reported as the cancellation it is.
    call: bool,
}

impl OutcomeGuard {
    /// The outcome of a `timebox::spawn` child.
    pub(crate) fn new(site: &'static Site) -> Self {
        OutcomeGuard {
            site: Some(site),
            call: false,
        }
    }

    /// The outcome of a timed call run by its caller's own task.
    pub(crate) fn call(site: &'static Site) -> Self {
        OutcomeGuard {
            site: Some(site),
            call: true,
        }
    }

    pub(crate) fn set(&mut self, outcome: Outcome) {
        if let Some(site) = self.site.take() {
            site.record(outcome);
        }
    }
}

impl Drop for OutcomeGuard {
    fn drop(&mut self) {
        let Some(site) = self.site else { return };
        if std::thread::panicking() {
            self.set(Outcome::Panicked);
        } else {
            self.set(Outcome::Cancelled);
            if self.call {
                crate::report::caller_gone(&site.origin);
            }
        }
    }
}
