//! Spawn mode: the body runs as its own task inside a fresh scope, and the
//! caller waits on the task's `JoinHandle` (its bounded one-shot output slot)
//! until the deadline. Every way out of the wait ends the task.

use std::future::{Future, poll_fn};
use std::panic::resume_unwind;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::task::JoinHandle;

use crate::body::LiveBody;
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

/// Spawn mode: spawn the body in a new scope, wait for it until the
/// deadline, and end it whatever happens.
#[doc(hidden)]
pub async fn run<F>(spec: Spec, body: F) -> Result<F::Output, Error>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let (scope, budget) = Scope::open(spec.site, spec.timeout, spec.grace);
    let live = LiveBody::start(spec.site, Some(&scope));
    let body = crate::report::instrument(spec.site, &budget, body);
    let task = body_task(live, Arc::clone(&scope), spec.grace, body);
    let mut pending = PendingCall {
        handle: tokio::spawn(Arc::clone(&scope).enter(task)),
        scope,
        budget,
        spec,
        armed: true,
    };
    let outcome = pending.wait().await;
    pending.finish(outcome)
}

/// The spawned future: the body raced against the scope's token. It owns
/// the live-count guard, so the body counts as live until this is dropped,
/// even if that happens before its first poll.
async fn body_task<F: Future>(
    _live: LiveBody,
    scope: Arc<Scope>,
    grace: Duration,
    body: F,
) -> Option<F::Output> {
    let mut body = pin!(body);
    let value = {
        let mut cancelled = pin!(scope.cancelled());
        poll_fn(|cx| {
            if let Poll::Ready(value) = body.as_mut().poll(cx) {
                return Poll::Ready(Some(value));
            }
            cancelled.as_mut().poll(cx).map(|()| None)
        })
        .await
    };
    if value.is_none() && !grace.is_zero() {
        // Cancelled with grace: keep polling so the body can clean up, then
        // drop it. Whatever it returns now is discarded.
        let _ = tokio::time::timeout(grace, body).await;
    }
    value
}

/// How the wait for the body ended.
enum Waited<T> {
    Value(T),
    Panicked(Box<dyn std::any::Any + Send>),
    Ended(ErrorKind),
}

/// A call whose caller is waiting. Dropping it closes the scope (its
/// `timebox::spawn` children are aborted); dropping it while still armed
/// means the caller's future was dropped mid-wait, which cancels the body.
struct PendingCall<T> {
    handle: JoinHandle<Option<T>>,
    scope: Arc<Scope>,
    budget: Budget,
    spec: Spec,
    armed: bool,
}

impl<T> PendingCall<T> {
    async fn wait(&mut self) -> Waited<T> {
        let mut sleep = pin!(tokio::time::sleep_until(self.budget.deadline));
        // Without grace a cancelled body ends its task at once, which the
        // handle reports; with grace the task lives on, so the caller must
        // see the cancellation itself.
        let watch_token = !self.spec.grace.is_zero();
        let mut cancelled = pin!(self.scope.cancelled());
        let handle = &mut self.handle;
        poll_fn(|cx| {
            // The handle is polled first: a value that is ready when the
            // deadline is seen wins the tie.
            if let Poll::Ready(joined) = std::pin::Pin::new(&mut *handle).poll(cx) {
                return Poll::Ready(match joined {
                    Ok(Some(value)) => Waited::Value(value),
                    Ok(None) => Waited::Ended(ErrorKind::Cancelled),
                    Err(err) => match err.try_into_panic() {
                        Ok(payload) => Waited::Panicked(payload),
                        Err(_) => Waited::Ended(ErrorKind::Cancelled),
                    },
                });
            }
            if watch_token && cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Waited::Ended(ErrorKind::Cancelled));
            }
            sleep
                .as_mut()
                .poll(cx)
                .map(|()| Waited::Ended(ErrorKind::Elapsed))
        })
        .await
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
        crate::zombie::watch(&self.scope);
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
