//! Guards that travel with a body (a timed call's body or a `timebox::spawn`
//! child): one keeps it counted as live from its start until its future is
//! dropped, one records its outcome however it ends; an inline call's one
//! guard does both, and closes its scope.

use std::sync::Arc;

use tokio::time::Instant;

use crate::error::{Error, ErrorKind};
use crate::outcome::Outcome;
use crate::registry::{BodyRef, Site};
use crate::report::CallRecord;
use crate::scope::{Held, Owned, Scope};

/// Keeps the body of a scope counted in [`live`](crate::live) for as long
/// as it exists. It travels inside the body's future, so it is dropped
/// exactly when the body is: on completion, abort, cancellation or runtime
/// shutdown. The scope carries the site and the body's record.
#[derive(Debug)]
pub(crate) struct Live(Held);

impl Live {
    /// Takes over the body that [`Scope::open`] counted as started; the
    /// call's caller closes the scope.
    pub(crate) fn new(scope: Arc<Scope>) -> Self {
        body_started(&scope);
        Live(Held::new(scope))
    }

    pub(crate) fn scope(&self) -> &Arc<Scope> {
        &self.0
    }

    /// The scope, to lend to the thread for a poll of the body.
    pub(crate) fn held(&mut self) -> &mut Held {
        &mut self.0
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        body_ended(&self.0);
    }
}

/// The body of `scope`, counted as started by [`Scope::open`], is handed
/// over to a guard: counted in the leak check it runs under, if any.
fn body_started(scope: &Scope) {
    if let Some(tracker) = scope.tracker() {
        tracker.started(scope.site);
    }
}

/// The body of `scope` is gone: counted as ended.
fn body_ended(scope: &Scope) {
    if let Some(tracker) = scope.tracker() {
        tracker.ended(scope.site);
    }
    if let Some(body) = scope.body {
        scope.site.end(body);
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

/// Records how a body ran by its own code (a `timebox::spawn` child)
/// ended. Dropped before [`OutcomeGuard::set`], the body never finished: it
/// panicked (the panic is unwinding through it) or it was dropped.
#[derive(Debug)]
pub(crate) struct OutcomeGuard {
    site: Option<&'static Site>,
}

impl OutcomeGuard {
    pub(crate) fn new(site: &'static Site) -> Self {
        OutcomeGuard { site: Some(site) }
    }

    pub(crate) fn set(&mut self, outcome: Outcome) {
        if let Some(site) = self.site.take() {
            site.record(outcome);
        }
    }
}

impl Drop for OutcomeGuard {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.set(Outcome::Panicked);
        } else {
            self.set(Outcome::Cancelled);
        }
    }
}

/// All an inline call holds until it ends, in one guard: its scope (lent
/// to the thread for each poll of the body, closed when the call ends, so
/// the body's `timebox::spawn` children do not outlive it), its body's
/// count in [`live`](crate::live), and its outcome, recorded however it
/// ends. Dropped before [`InlineGuard::end`], the call never finished: a
/// panic is unwinding through it, or its caller went away (see
/// [`caller_gone`]). Its owner drops the body first.
#[derive(Debug)]
pub(crate) struct InlineGuard {
    scope: Owned,
    record: CallRecord,
    ended: bool,
}

impl InlineGuard {
    /// Takes over the body that [`Scope::open`] counted as started.
    pub(crate) fn new(scope: Arc<Scope>, record: CallRecord) -> Self {
        body_started(&scope);
        InlineGuard {
            scope: Owned::new(scope),
            record,
            ended: false,
        }
    }

    pub(crate) fn scope(&self) -> &Arc<Scope> {
        &self.scope
    }

    /// The scope, to lend to the thread for a poll of the body.
    pub(crate) fn held(&mut self) -> &mut Held {
        self.scope.held()
    }

    /// The call ended this way, its body dropped already: the body is
    /// counted as ended, then the outcome is recorded. (The scope closes
    /// when this is dropped.)
    pub(crate) fn end(&mut self, outcome: Outcome) {
        if std::mem::replace(&mut self.ended, true) {
            return;
        }
        let scope = &self.scope;
        body_ended(scope);
        scope.site.record(outcome);
        self.record.ended(&scope.site.origin, outcome);
    }
}

impl Drop for InlineGuard {
    fn drop(&mut self) {
        if !self.ended {
            let outcome = if std::thread::panicking() {
                Outcome::Panicked
            } else {
                caller_gone(&self.scope)
            };
            self.end(outcome);
        }
        self.scope.close();
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
