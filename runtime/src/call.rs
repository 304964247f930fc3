//! Spawn mode: the body runs as its own task inside a fresh scope, and the
//! caller waits on the task's `JoinHandle` (its bounded one-shot output slot)
//! until the deadline. Every way out of the wait ends the task.

use std::future::{Future, poll_fn};
use std::panic::resume_unwind;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio::time::{Instant, Sleep};
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::body::ScopedBody;
use crate::error::{Error, ErrorKind};
use crate::registry::{Outcome, Site};
use crate::scope::Budget;
use crate::scope::Scope;

/// What a `#[timed]` call is: where it comes from, how long it may take, and
/// how long a cancelled body may keep cleaning up.
#[derive(Debug, Clone, Copy)]
#[doc(hidden)]
pub struct Spec {
    pub(crate) site: &'static Site,
    pub(crate) timeout: Duration,
    pub(crate) grace: Duration,
}

impl Spec {
    /// A call from `site` that may take `timeout`.
    pub const fn new(site: &'static Site, timeout: Duration) -> Self {
        Spec {
            site,
            timeout,
            grace: Duration::ZERO,
        }
    }

    /// After cancellation the body keeps being polled this long.
    pub const fn grace_ms(self, ms: u64) -> Self {
        Spec {
            grace: Duration::from_millis(ms),
            ..self
        }
    }
}

/// The rule on a `#[timed]` function's return type when it has no
/// `fallback`: it must be able to carry a timebox [`Error`].
#[diagnostic::on_unimplemented(
    message = "a `#[timed]` function must return `Result<T, E>` where `E: From<timebox::Error>`, not `{Self}`",
    label = "this return type cannot carry a timeout error",
    note = "return `Result<T, timebox::Error>`, `std::io::Result<T>`, `anyhow::Result<T>` or another `Result` whose error converts from `timebox::Error`",
    note = "or add `fallback = <expr>` to `#[timed(...)]` to return a value of this type on timeout"
)]
#[doc(hidden)]
pub trait TimedResult {
    /// The value a timed-out or cancelled call returns.
    fn from_timebox_error(err: Error) -> Self;
}

impl<T, E: From<Error>> TimedResult for Result<T, E> {
    fn from_timebox_error(err: Error) -> Self {
        Err(E::from(err))
    }
}

/// A `#[timed]` function's return value when it has no `fallback`: the
/// body's value, or the timebox error converted into the declared error type.
/// Generated code calls it spanned at the declared return type, so a type
/// that breaks the rule gets one error, there.
#[doc(hidden)]
pub fn finish<R: TimedResult>(result: Result<R, Error>) -> R {
    result.unwrap_or_else(R::from_timebox_error)
}

/// Spawn mode: spawns the body in a new scope and returns the caller's
/// side, which waits for it until the deadline and ends it whatever happens.
#[doc(hidden)]
pub fn run<F>(spec: Spec, body: F) -> Call<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let now = Instant::now();
    let (scope, budget) = Scope::open(spec.site, spec.timeout, spec.grace, now);
    let body = crate::report::instrument(spec.site, &budget, body);
    let handle = tokio::spawn(body_task(ScopedBody::new(Arc::clone(&scope)), body));
    Call {
        pending: Some(PendingCall {
            handle,
            scope,
            budget,
            spec,
            armed: true,
        }),
        yielded: false,
        sleep: None,
        token: None,
    }
}

/// The spawned future: the body, polled in its scope and watched for
/// cancellation. It owns the live-count guard, so the body counts as live
/// until this is dropped, even before its first poll. `None` means
/// cancelled.
async fn body_task<F: Future>(live: ScopedBody, body: F) -> Option<F::Output> {
    let scope = live.scope();
    let mut body = pin!(body);
    let mut started = false;
    let value = {
        let mut watch = Watch::new(scope);
        poll_fn(|cx| {
            if !scope.is_cancelled() {
                started = true;
                if let Poll::Ready(value) = scope.run_in(|| body.as_mut().poll(cx)) {
                    return Poll::Ready(Some(value));
                }
            }
            watch.poll(cx).map(|()| None)
        })
        .await
    };
    // A body cancelled before it ever ran is not started for its grace.
    if value.is_none() && started && !scope.grace.is_zero() {
        // Cancelled with grace: keep polling so the body can clean up, then
        // drop it. Whatever it returns now is discarded. (The timer is
        // boxed: only calls that use grace carry its weight.)
        let mut grace = Box::pin(tokio::time::sleep(scope.grace));
        poll_fn(|cx| {
            if scope.run_in(|| body.as_mut().poll(cx)).is_ready() {
                return Poll::Ready(());
            }
            grace.as_mut().poll(cx)
        })
        .await;
    }
    value
}

/// Waits for a scope's cancellation on behalf of the task running its body:
/// the scope wakes it when cancelled; a token handed out (which anyone may
/// cancel directly) is watched too, from the moment it exists.
pub(crate) struct Watch<'a> {
    scope: &'a Scope,
    registered: Option<Waker>,
    token: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
}

impl<'a> Watch<'a> {
    pub(crate) fn new(scope: &'a Scope) -> Self {
        Watch {
            scope,
            registered: None,
            token: None,
        }
    }

    /// Ready once the scope is cancelled.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let fresh = self
            .registered
            .as_ref()
            .is_none_or(|w| !w.will_wake(cx.waker()));
        let cancelled = if fresh {
            self.registered = Some(cx.waker().clone());
            self.scope.watch(cx.waker())
        } else {
            self.scope.is_cancelled()
        };
        if cancelled {
            // Seen through the scope's token maybe: make it the scope's own,
            // so calls nested in it end too. (Idempotent.)
            self.scope.cancel();
            return Poll::Ready(());
        }
        if self.token.is_none() && self.scope.has_token() {
            self.token = Some(Box::pin(self.scope.token().cancelled_owned()));
        }
        if let Some(token) = &mut self.token {
            if token.as_mut().poll(cx).is_ready() {
                // Cancelled by hand: cancel the scope, and so what it holds.
                self.scope.cancel();
                return Poll::Ready(());
            }
        }
        Poll::Pending
    }
}

/// How the wait for the body ended.
enum Waited<T> {
    Value(T),
    Panicked(Box<dyn std::any::Any + Send>),
    Ended(ErrorKind),
}

/// The caller's side of a spawn-mode call: waits for the body's output
/// until the deadline.
#[doc(hidden)]
#[derive(Debug)]
#[must_use = "a timed call does nothing unless awaited"]
pub struct Call<T> {
    pending: Option<PendingCall<T>>,
    /// The caller has given the spawned task one turn.
    yielded: bool,
    /// Armed on the second poll: a body that is done by then never
    /// registers a timer.
    sleep: Option<Pin<Box<Sleep>>>,
    /// With grace only: the body's task lives on after cancellation, so the
    /// caller watches the token itself.
    token: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
}

impl<T> Future for Call<T> {
    type Output = Result<T, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let Some(pending) = &mut this.pending else {
            panic!("a timebox `Call` was polled after it completed");
        };
        let waited =
            match pending.poll_wait(cx, &mut this.yielded, &mut this.sleep, &mut this.token) {
                Poll::Ready(waited) => waited,
                Poll::Pending => return Poll::Pending,
            };
        match this.pending.take() {
            Some(pending) => Poll::Ready(pending.finish(waited)),
            None => Poll::Pending,
        }
    }
}

/// A call whose caller is waiting. Dropping it closes the scope (its
/// `timebox::spawn` children are aborted); dropping it while still armed
/// means the caller's future was dropped mid-wait, which cancels the body.
#[derive(Debug)]
struct PendingCall<T> {
    handle: JoinHandle<Option<T>>,
    scope: Arc<Scope>,
    budget: Budget,
    spec: Spec,
    armed: bool,
}

impl<T> PendingCall<T> {
    fn poll_wait(
        &mut self,
        cx: &mut Context<'_>,
        yielded: &mut bool,
        sleep: &mut Option<Pin<Box<Sleep>>>,
        token: &mut Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    ) -> Poll<Waited<T>> {
        // The handle is polled first: a value that is ready when the
        // deadline is seen wins the tie.
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
        if !self.spec.grace.is_zero() {
            let token = token.get_or_insert_with(|| Box::pin(self.scope.token().cancelled_owned()));
            if token.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Waited::Ended(ErrorKind::Cancelled));
            }
        }
        if !*yielded {
            // Let the freshly spawned task run once before arming a timer:
            // trivial bodies finish in that turn.
            *yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let deadline = self.budget.deadline;
        let sleep = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        sleep
            .as_mut()
            .poll(cx)
            .map(|()| Waited::Ended(ErrorKind::Elapsed))
    }

    fn finish(mut self, waited: Waited<T>) -> Result<T, Error> {
        self.armed = false;
        let site = self.spec.site;
        match waited {
            Waited::Value(value) => {
                site.record(Outcome::Ok);
                Ok(value)
            }
            Waited::Panicked(payload) => {
                site.record(Outcome::Panicked);
                drop(self);
                resume_unwind(payload)
            }
            Waited::Ended(kind) => {
                site.record(match kind {
                    ErrorKind::Elapsed => Outcome::Elapsed,
                    _ => Outcome::Cancelled,
                });
                self.stop();
                let err = Error::new(kind, &self.budget);
                crate::report::no_value(site, &err);
                Err(err)
            }
        }
    }

    /// Ends the body: cancels its scope and, unless it has a grace period to
    /// clean up in, aborts its task at once. A body that outlives this by
    /// its grace and a second is reported as a zombie.
    fn stop(&self) {
        self.scope.cancel();
        if self.spec.grace.is_zero() {
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
            self.spec.site.record(Outcome::Cancelled);
            self.stop();
        }
        self.scope.close();
    }
}
