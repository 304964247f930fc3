//! Inline mode: no spawn. The body runs in the caller's own task, inside the
//! same kind of scope, raced against the scope's token and the deadline, so
//! it may borrow and need not be `Send`. Dropping the call drops the body.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::time::Instant;

use super::{
    Judged, Race, Spec, attribute, judge, never_err, no_value, outcome_of, require_timers,
};
use crate::error::{Error, ErrorKind};
use crate::guard::InlineGuard;
use crate::report;
use crate::scope::Scope;
use crate::timer::DeadlineTimer;

/// Inline mode: the body runs in the caller's task, in a new scope, until
/// its value, its deadline or its cancellation.
///
/// A plain function, so misuse (no runtime, no timers) panics at the
/// caller's line whatever the body does. The deadline's timer is armed once
/// the body waits: a body that never waits costs no timer.
#[doc(hidden)]
#[track_caller]
#[inline]
pub fn run_inline<F: Future>(spec: Spec, body: F) -> InlineCall<impl Future<Output = F::Output>> {
    require_timers(spec.site);
    let now = Instant::now();
    let (scope, budget) = Scope::open(spec.site, spec.timeout, spec.grace, now);
    let timer = DeadlineTimer::new(budget.deadline);
    let (record, body) = report::instrument(&spec.site.origin, &budget, now, body);
    InlineCall {
        body: Body::Running { body },
        timer,
        race: Race::default(),
        is_err: never_err,
        guard: Some(InlineGuard::new(scope, record)),
    }
}

pin_project! {
    /// An inline call in flight. Dropped at any point (even unpolled), it
    /// drops the body first, then its guard counts it as ended, records the
    /// outcome and closes the scope: the fields drop in that order.
    #[doc(hidden)]
    #[derive(Debug)]
    #[must_use = "a timed call does nothing unless awaited"]
    pub struct InlineCall<B: Future> {
        #[pin]
        body: Body<B>,
        // Armed once the body waits.
        timer: DeadlineTimer,
        race: Race,
        // Tells a value counted `err` from one counted `ok`.
        is_err: fn(&B::Output) -> bool,
        // Until the call ends.
        guard: Option<InlineGuard>,
    }
}

pin_project! {
    /// The body, until it is dropped in place when the call ends.
    #[project = BodyProj]
    #[derive(Debug)]
    enum Body<B> {
        Running { #[pin] body: B },
        Done,
    }
}

impl<B: Future> Future for InlineCall<B> {
    type Output = Result<B::Output, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let (Some(guard), BodyProj::Running { body }) =
            (this.guard.as_mut(), this.body.as_mut().project())
        else {
            panic!("a timebox inline call was polled after it completed");
        };
        let polled = this.race.poll(guard.held(), body, cx);
        let scope = guard.scope();
        let result = match polled {
            Poll::Ready(Some(value)) => Ok(value),
            Poll::Ready(None) => Err(attribute(scope, ErrorKind::Cancelled)),
            Poll::Pending => match this.timer.poll(cx) {
                Poll::Ready(kind) => Err(attribute(scope, kind)),
                Poll::Pending => return Poll::Pending,
            },
        };
        if let Err(ErrorKind::Elapsed) = result {
            // Before the body, and the calls nested in it, are dropped:
            // they are cancelled by the deadline, and counted so.
            scope.reach_deadline();
            scope.cancel();
        }
        // As a block's locals would: the body goes first, then its count.
        this.body.set(Body::Done);
        let Some(mut guard) = this.guard.take() else {
            unreachable!("checked above");
        };
        let scope = guard.scope();
        let counted = match &result {
            Ok(value) => judge(*this.is_err, value, scope),
            Err(kind) => outcome_of(*kind),
        };
        guard.end(counted);
        let result = result.map_err(|kind| no_value(guard.scope(), kind));
        // Closes the scope.
        drop(guard);
        Poll::Ready(result)
    }
}

impl<B: Future> Judged for InlineCall<B> {
    type Value = B::Output;

    fn judged_by(mut self, is_err: fn(&B::Output) -> bool) -> Self {
        self.is_err = is_err;
        self
    }
}
