//! Guards that travel with a body (a timed call's body or a `timebox::spawn`
//! child): one keeps it counted as live from its start until its future is
//! dropped, one records its outcome however it ends.

use std::sync::Arc;

use tokio::time::Instant;

use crate::error::{Error, ErrorKind};
use crate::outcome::Outcome;
use crate::registry::{BodyRef, Site};
use crate::report::CallRecord;
use crate::scope::{Owned, Scope};

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
        if let Some(tracker) = scope.tracker() {
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
        if let Some(tracker) = scope.tracker() {
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
    /// A timed call's (inline mode), not a child's.
    call: Option<CallEnd>,
}

/// What the outcome guard of a timed call (inline mode) holds: the call's
/// reports, and its scope, closed once the outcome is recorded.
#[derive(Debug)]
struct CallEnd {
    record: CallRecord,
    scope: Owned,
}

impl OutcomeGuard {
    /// The outcome of a `timebox::spawn` child.
    pub(crate) fn new(site: &'static Site) -> Self {
        OutcomeGuard {
            site: Some(site),
            call: None,
        }
    }

    /// The outcome of the timed call that owns `scope`, run by its caller's
    /// own task. Dropped unset, its caller went away: the cancellation it
    /// is, reported as such, unless the deadline it runs under was reached
    /// (the caller is the parent whose deadline it inherited): then it
    /// timed out.
    /// The scope closes when this is dropped, after the outcome.
    pub(crate) fn call(record: CallRecord, scope: Arc<Scope>) -> Self {
        OutcomeGuard {
            site: Some(scope.site),
            call: Some(CallEnd {
                record,
                scope: Owned::new(scope),
            }),
        }
    }

    /// The scope of the call, for a timed call's guard.
    pub(crate) fn scope(&self) -> Option<&Arc<Scope>> {
        self.call.as_ref().map(|call| &*call.scope)
    }

    pub(crate) fn set(&mut self, outcome: Outcome) {
        if let Some(site) = self.site.take() {
            site.record(outcome);
            if let Some(call) = &self.call {
                call.record.ended(&site.origin, outcome);
            }
        }
    }
}

impl Drop for OutcomeGuard {
    fn drop(&mut self) {
        if self.site.is_some() {
            if std::thread::panicking() {
                self.set(Outcome::Panicked);
            } else if let Some(call) = &self.call {
                let outcome = caller_gone(&call.scope);
                self.set(outcome);
            } else {
                self.set(Outcome::Cancelled);
            }
        }
        if let Some(call) = &self.call {
            call.scope.close();
        }
    }
}

/// The caller of the timed call that owns `scope` went away mid-wait (its
/// future was dropped): how the call is counted, reported as it happens,
/// in both modes. Once the deadline it runs under was reached, the caller
/// is the parent whose deadline it inherited, and the call timed out;
/// before, it was cancelled.
pub(crate) fn caller_gone(scope: &Scope) -> Outcome {
    let origin = &scope.site.origin;
    match scope.budget.as_ref().filter(|_| scope.deadline_reached()) {
        Some(budget) => {
            crate::report::no_value(origin, &Error::new(ErrorKind::Elapsed, budget));
            Outcome::Elapsed
        }
        None => {
            crate::report::caller_gone(origin);
            Outcome::Cancelled
        }
    }
}
