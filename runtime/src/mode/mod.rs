//! What the two run modes share: the [`Spec`] of a call, the rule on its
//! return type ([`TimedResult`], [`finish`]), the race of a body against its
//! scope's cancellation ([`Race`]), and how an ending becomes an outcome and
//! an error. [`task`] runs the body as its own task, [`inline`] in the
//! caller's.

pub(crate) mod inline;
pub(crate) mod task;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::budget::Budget;
use crate::error::{Error, ErrorKind};
use crate::outcome::Outcome;
use crate::registry::Site;
use crate::report;
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

/// The outcome a call that ended without a value this way is counted as.
pub(crate) fn outcome_of(kind: ErrorKind) -> Outcome {
    match kind {
        ErrorKind::Elapsed => Outcome::Elapsed,
        _ => Outcome::Cancelled,
    }
}

/// The error a call of `site` with `budget` returns when it ends this way,
/// reported as it is returned.
pub(crate) fn no_value(site: &'static Site, kind: ErrorKind, budget: &Budget) -> Error {
    let err = Error::new(kind, budget);
    report::no_value(&site.origin, &err);
    err
}

/// A body raced against its scope's cancellation, one poll at a time: the
/// body is polled in its scope unless the scope is cancelled, and the scope
/// wakes whoever polls when it is. A token handed out (which anyone may
/// cancel directly) is watched too, from the moment it exists.
pub(crate) struct Race<'a> {
    scope: &'a Arc<Scope>,
    registered: Option<Waker>,
    token: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    started: bool,
}

impl<'a> Race<'a> {
    pub(crate) fn new(scope: &'a Arc<Scope>) -> Self {
        Race {
            scope,
            registered: None,
            token: None,
            started: false,
        }
    }

    /// `Some(value)` once the body is done, `None` once the scope is
    /// cancelled.
    pub(crate) fn poll<F: Future>(
        &mut self,
        body: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<F::Output>> {
        if !self.scope.is_cancelled() {
            self.started = true;
            if let Poll::Ready(value) = self.scope.run_in(|| body.poll(cx)) {
                return Poll::Ready(Some(value));
            }
        }
        self.poll_cancelled(cx).map(|()| None)
    }

    /// Whether the body was ever polled.
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// Ready once the scope is cancelled.
    fn poll_cancelled(&mut self, cx: &mut Context<'_>) -> Poll<()> {
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
