//! Spawn mode: the body runs as its own task inside a fresh scope, and the
//! caller waits on the task's `JoinHandle` (its bounded one-shot output slot)
//! until the deadline. Every way out of the wait ends the task.

use std::future::Future;
use std::panic::resume_unwind;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tokio::task::JoinHandle;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::WaitForCancellationFutureOwned;

use super::{
    Judged, Race, Spec, attribute, judge, never_err, no_value, outcome_of, require_timers,
};
use crate::error::{Error, ErrorKind};
use crate::guard::{Live, caller_gone};
use crate::outcome::Outcome;
use crate::report::{self, CallRecord};
use crate::scope::{Held, Owned, Scope};
use crate::timer::DeadlineTimer;

/// Spawn mode: spawns the body in a new scope and returns the caller's
/// side, which waits for it until the deadline and ends it whatever happens.
/// A plain function, so misuse (no runtime, no timers) panics at the
/// caller's line.
#[doc(hidden)]
#[track_caller]
pub fn run<F>(spec: Spec, body: F) -> Call<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    require_timers(spec.site);
    let now = Instant::now();
    let (scope, budget) = Scope::open(spec.site, spec.timeout, spec.grace, now);
    let timer = DeadlineTimer::new(budget.deadline);
    let (record, body) = report::instrument(&spec.site.origin, &budget, now, body);
    let handle = spawn(Arc::clone(&scope), body);
    if !spec.grace.is_zero() {
        scope.tie_to_parent(handle.abort_handle());
    }
    Call {
        pending: Some(PendingCall {
            handle,
            scope: Owned::new(scope),
            armed: true,
            is_err: never_err,
            record,
        }),
        timer,
        token: None,
    }
}

/// Spawns the body's task. (Not `#[track_caller]`: the task is timebox's,
/// spawned here, whoever calls.)
fn spawn<F>(scope: Arc<Scope>, body: F) -> JoinHandle<Option<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    crate::spawner::spawn(BodyTask {
        body,
        live: Live::new(scope),
        race: Race::default(),
        grace: None,
    })
}

pin_project! {
    /// The spawned future: the body, polled in its scope and watched for
    /// cancellation. It owns the live-count guard, so the body counts as
    /// live until this is dropped, even before its first poll (the body,
    /// declared first, is dropped first). `None` means cancelled. (A struct
    /// rather than an `async fn`, which would hold the body twice, as its
    /// argument and as its pinned local, and copy both into the task.)
    struct BodyTask<F> {
        #[pin]
        body: F,
        live: Live,
        race: Race,
        // Set once the body is cancelled with a grace period: it keeps being
        // polled, so it can clean up, until it ends or the grace's timer
        // fires. Whatever it returns then is discarded. (Boxed: only calls
        // that use grace carry its weight.)
        grace: Option<Box<Grace>>,
    }
}

/// A body's grace period: its timer, and the scope the body cleans up in,
/// closed when the body ends, so what the cleanup started ends with it.
struct Grace {
    timer: Pin<Box<Sleep>>,
    scope: Held,
}

impl Grace {
    fn start(of: &Scope) -> Box<Grace> {
        let now = Instant::now();
        Box::new(Grace {
            timer: Box::pin(tokio::time::sleep_until(now + of.grace())),
            scope: Held::new(Scope::cleanup(of, now)),
        })
    }
}

impl Drop for Grace {
    fn drop(&mut self) {
        self.scope.close();
    }
}

impl<F: Future> Future for BodyTask<F> {
    type Output = Option<F::Output>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        if this.grace.is_none() {
            let held = this.live.held();
            match this.race.poll(held, this.body.as_mut(), cx) {
                Poll::Ready(Some(value)) => return Poll::Ready(Some(value)),
                Poll::Pending => return Poll::Pending,
                // A body cancelled before it ever ran is not started for
                // its grace.
                Poll::Ready(None) if !this.race.started() || held.grace().is_zero() => {
                    return Poll::Ready(None);
                }
                Poll::Ready(None) => *this.grace = Some(Grace::start(held)),
            }
        }
        let Some(grace) = this.grace else {
            return Poll::Ready(None);
        };
        if grace.scope.run_in(|| this.body.poll(cx)).is_ready() {
            return Poll::Ready(None);
        }
        grace.timer.as_mut().poll(cx).map(|()| None)
    }
}

/// How the wait for the body ended.
enum Waited<T> {
    Value(T),
    Panicked(Box<dyn std::any::Any + Send>),
    Ended(ErrorKind),
}

pin_project! {
    /// The caller's side of a spawn-mode call: waits for the body's output
    /// until the deadline.
    #[doc(hidden)]
    #[derive(Debug)]
    #[must_use = "a timed call does nothing unless awaited"]
    pub struct Call<T> {
        pending: Option<PendingCall<T>>,
        // Armed on the call's first poll.
        timer: DeadlineTimer,
        // With grace only: the body's task lives on after cancellation, so
        // the caller watches the token itself.
        token: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    }
}

impl<T> Future for Call<T> {
    type Output = Result<T, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let Some(pending) = this.pending else {
            panic!("a timebox `Call` was polled after it completed");
        };
        let waited = match pending.poll_wait(cx, this.timer, this.token) {
            Poll::Ready(waited) => waited,
            Poll::Pending => return Poll::Pending,
        };
        match this.pending.take() {
            Some(pending) => Poll::Ready(pending.deliver(waited)),
            None => Poll::Pending,
        }
    }
}

impl<T> Judged for Call<T> {
    type Value = T;

    fn judged_by(mut self, is_err: fn(&T) -> bool) -> Self {
        if let Some(pending) = &mut self.pending {
            pending.is_err = is_err;
        }
        self
    }
}

/// A call whose caller is waiting. Dropping it closes the scope (its
/// `timebox::spawn` children are aborted); dropping it while still armed
/// means the caller's future was dropped mid-wait, which cancels the body.
#[derive(Debug)]
struct PendingCall<T> {
    handle: JoinHandle<Option<T>>,
    /// Carries the call's site, budget and grace.
    scope: Owned,
    armed: bool,
    /// Tells a value counted `err` from one counted `ok`.
    is_err: fn(&T) -> bool,
    record: CallRecord,
}

impl<T> PendingCall<T> {
    /// Waits for the body's output, its cancellation (with grace) or the
    /// deadline. The timer is armed on the first poll, as a hand-written
    /// `timeout` on the `JoinHandle` arms it: the caller then sleeps until
    /// the body's end or the deadline wakes it. Waking itself instead, to
    /// arm the timer a turn later, would put it at the back of the run
    /// queue (where the body's wake-up finds it already queued), and under
    /// a burst those extra entries spill into the global queue, where calls
    /// wait out their deadline.
    fn poll_wait(
        &mut self,
        cx: &mut Context<'_>,
        timer: &mut DeadlineTimer,
        token: &mut Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    ) -> Poll<Waited<T>> {
        // The handle is polled first: a value that is ready when the
        // deadline is seen wins the tie. (After a runtime shutdown the task
        // has ended already: the call is cancelled, its timer never polled.)
        if let Poll::Ready(joined) = Pin::new(&mut self.handle).poll(cx) {
            return Poll::Ready(match joined {
                Ok(Some(value)) => Waited::Value(value),
                Ok(None) => Waited::Ended(ErrorKind::Cancelled),
                Err(err) => match err.try_into_panic() {
                    Ok(payload) => Waited::Panicked(payload),
                    Err(_) => Waited::Ended(ErrorKind::Cancelled),
                },
            });
        }
        if !self.scope.grace().is_zero() {
            let token = token.get_or_insert_with(|| Box::pin(self.scope.token().cancelled_owned()));
            if token.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Waited::Ended(ErrorKind::Cancelled));
            }
        }
        timer.poll(cx).map(Waited::Ended)
    }

    /// The caller's answer, once the wait is over.
    fn deliver(mut self, waited: Waited<T>) -> Result<T, Error> {
        self.armed = false;
        match waited {
            Waited::Value(value) => {
                self.ended(judge(self.is_err, &value, &self.scope));
                Ok(value)
            }
            Waited::Panicked(payload) => {
                self.ended(Outcome::Panicked);
                drop(self);
                resume_unwind(payload)
            }
            Waited::Ended(kind) => {
                let kind = attribute(&self.scope, kind);
                if kind == ErrorKind::Elapsed {
                    self.scope.reach_deadline();
                }
                self.ended(outcome_of(kind));
                self.stop();
                Err(no_value(&self.scope, kind))
            }
        }
    }

    /// The call ended this way: counted at its site, reported.
    fn ended(&self, outcome: Outcome) {
        self.scope.site.record(outcome);
        self.record.ended(&self.scope.site.origin, outcome);
    }

    /// Ends the body: cancels its scope and, unless it has a grace period to
    /// clean up in, aborts its task at once. A body that outlives this by
    /// its grace and a second is reported as a zombie.
    fn stop(&self) {
        self.scope.cancel();
        if self.scope.grace().is_zero() {
            self.handle.abort();
        }
        if !self.handle.is_finished() {
            self.scope.body_cancelled();
        }
    }
}

impl<T> Drop for PendingCall<T> {
    fn drop(&mut self) {
        if self.armed {
            // The caller's future was dropped mid-wait.
            let outcome = caller_gone(&self.scope);
            self.ended(outcome);
            self.stop();
        }
        self.scope.close();
    }
}
