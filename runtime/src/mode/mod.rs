//! What the two run modes share: the [`Spec`] of a call, the rule on its
//! return type ([`TimedResult`], [`finish`]), the runtime a call needs
//! ([`require_timers`]), the race of a body against its scope's
//! cancellation ([`Race`]), and how an ending becomes an outcome and an
//! error. (A call's deadline is a [`DeadlineTimer`].) [`task`] runs the
//! body as its own task, [`inline`] in the caller's.

pub(crate) mod inline;
pub(crate) mod task;

use std::cell::Cell;
use std::future::Future;
use std::panic::catch_unwind;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use tokio::runtime::{Handle, Id as RuntimeId};
use tokio::task::Id as TaskId;
use tokio_util::sync::WaitForCancellationFutureOwned;

use crate::error::{Error, ErrorKind};
use crate::outcome::Outcome;
use crate::registry::Site;
use crate::report;
use crate::scope::{Held, Scope};
#[cfg(doc)]
use crate::timer::DeadlineTimer;

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
pub trait TimedResult: Returned {
    /// The value a timed-out or cancelled call returns.
    fn from_timebox_error(err: Error) -> Self;
}

impl<T, E: From<Error>> TimedResult for Result<T, E> {
    fn from_timebox_error(err: Error) -> Self {
        Err(E::from(err))
    }
}

/// What a body's value tells the counters: a `Result::Err` that reaches
/// the caller is counted `err`, not `ok`.
#[doc(hidden)]
pub trait Returned {
    /// Whether the value is an `Err`.
    fn is_err(&self) -> bool;
}

impl<T, E> Returned for Result<T, E> {
    fn is_err(&self) -> bool {
        Result::is_err(self)
    }
}

/// A call whose value is judged when it arrives: [`task::Call`] and
/// [`inline::InlineCall`]. Until told otherwise every value counts `ok`.
#[doc(hidden)]
pub trait Judged: Future<Output = Result<Self::Value, Error>> + Sized {
    /// The body's value.
    type Value;

    /// The call, counting a value for which `is_err` holds as `err`.
    fn judged_by(self, is_err: fn(&Self::Value) -> bool) -> Self;
}

/// The judge of a value that is never an error.
pub(crate) fn never_err<T>(_: &T) -> bool {
    false
}

/// `call`, counting a returned `Err` as the outcome `err`.
pub(crate) fn judged<C>(call: C) -> C
where
    C: Judged,
    C::Value: Returned,
{
    call.judged_by(Returned::is_err)
}

/// How a function with a `fallback` has its values judged, chosen by its
/// return type `R` without a bound on it: generated code calls
/// `(&Judge::<R>::new()).__timebox_judged(call)` with [`JudgeResult`] and
/// [`JudgeAnything`] in scope. Method lookup tries the receiver as it is
/// before borrowing it again, so a `Result` (whatever it is named) takes
/// [`JudgeResult`] and counts an `Err` as `err`, and any other type falls
/// back to [`JudgeAnything`], whose every value counts `ok`.
#[doc(hidden)]
#[derive(Debug)]
pub struct Judge<R>(std::marker::PhantomData<fn() -> R>);

impl<R> Default for Judge<R> {
    fn default() -> Self {
        Judge::new()
    }
}

impl<R> Judge<R> {
    /// The judge of a function returning `R`.
    pub const fn new() -> Self {
        Judge(std::marker::PhantomData)
    }
}

/// See [`Judge`]: the values of a `Result`. (The method's name is one no
/// user trait in scope at the call site is likely to share.)
#[doc(hidden)]
pub trait JudgeResult<T, E> {
    /// `call`, counting an `Err` as `err`.
    fn __timebox_judged<C: Judged<Value = Result<T, E>>>(&self, call: C) -> C {
        judged(call)
    }
}

impl<T, E> JudgeResult<T, E> for Judge<Result<T, E>> {}

/// See [`Judge`]: the values of any other type. `R` ties the call's value
/// to the judge's type, so a `_` left in `R` (an `impl Trait`) is inferred.
#[doc(hidden)]
pub trait JudgeAnything<R> {
    /// `call` as it is: every value counts `ok`.
    fn __timebox_judged<C: Judged<Value = R>>(&self, call: C) -> C {
        call
    }
}

impl<R> JudgeAnything<R> for &Judge<R> {}

/// A `#[timed]` function's return value when it has no `fallback`: the
/// body's value, or the timebox error converted into the declared error
/// type; a returned `Err` counts as the outcome `err`. Generated code calls
/// it spanned at the declared return type, so a type that breaks the rule
/// gets one error, there (the future it returns asks nothing more).
#[doc(hidden)]
pub fn finish<R: TimedResult, C: Judged<Value = R>>(call: C) -> Finish<C> {
    Finish {
        call: call.judged_by(R::is_err),
        convert: R::from_timebox_error,
    }
}

pin_project_lite::pin_project! {
    /// The future [`finish`] returns: the call's value, or its error
    /// converted.
    #[doc(hidden)]
    #[derive(Debug)]
    #[must_use = "a timed call does nothing unless awaited"]
    pub struct Finish<C: Judged> {
        #[pin]
        call: C,
        convert: fn(Error) -> C::Value,
    }
}

impl<C: Judged> Future for Finish<C> {
    type Output = C::Value;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C::Value> {
        let this = self.project();
        this.call
            .poll(cx)
            .map(|result| result.unwrap_or_else(*this.convert))
    }
}

/// Panics, at the caller's line, unless this thread runs in a Tokio runtime
/// with timers: every call needs its deadline's timer, so a misused call
/// fails the same way whatever its body does, before anything starts.
///
/// Tokio cannot be asked whether a runtime has timers; making one (without
/// arming it) panics when it has none. That probe runs once per runtime per
/// thread: the last runtime that passed is remembered by its id, and the
/// last task that called from it by its id, which is cheaper to read (a
/// task never changes runtime).
#[track_caller]
pub(crate) fn require_timers(site: &'static Site) {
    thread_local! {
        static PASSED: Cell<(Option<TaskId>, Option<RuntimeId>)> = const { Cell::new((None, None)) };
    }
    let task = tokio::task::try_id();
    let (last_task, last_runtime) = PASSED.get();
    if task.is_some() && task == last_task {
        return;
    }
    let Ok(handle) = Handle::try_current() else {
        panic!(
            "`{}` (a #[timed] fn) was called outside a Tokio runtime: call it from within \
             `#[tokio::main]`, `#[tokio::test]` or `Runtime::block_on`",
            site.name()
        );
    };
    let runtime = Some(handle.id());
    if runtime != last_runtime {
        let has_timers = catch_unwind(|| drop(tokio::time::sleep(Duration::ZERO))).is_ok();
        if !has_timers {
            panic!(
                "`{}` (a #[timed] fn) was called on a Tokio runtime without timers: build the \
                 runtime with `enable_time()` or `enable_all()` (`#[tokio::main]` and \
                 `#[tokio::test]` enable them)",
                site.name()
            );
        }
    }
    PASSED.set((task, runtime));
}

/// How a call that ended without a value ended, by one rule for both modes,
/// for its counter and its error alike: a cancellation that comes of the
/// deadline it runs under being reached is a timeout. (A call nested in one
/// with less time left inherits that deadline; when it passes, the nested
/// call's own timer and its parent's cancellation fire at the same instant,
/// and either may be seen first. The parent marks its scope before it
/// cancels: see [`Scope::reach_deadline`].)
pub(crate) fn attribute(scope: &Scope, kind: ErrorKind) -> ErrorKind {
    match kind {
        ErrorKind::Cancelled if scope.deadline_reached() => ErrorKind::Elapsed,
        kind => kind,
    }
}

/// How a call whose body's value reached its caller is counted: `ok`, or
/// `err` for an error (`is_err`); but an error once the deadline was
/// reached (a nested call that inherited it ran out of it, and its error is
/// on its way up) is counted `elapsed`, as the call's own timer, which
/// fired at the same instant, would have counted it.
pub(crate) fn judge<T>(is_err: fn(&T) -> bool, value: &T, scope: &Scope) -> Outcome {
    if !is_err(value) {
        Outcome::Ok
    } else if scope.deadline_reached() {
        Outcome::Elapsed
    } else {
        Outcome::Err
    }
}

/// The outcome a call that ended without a value this way is counted as.
pub(crate) fn outcome_of(kind: ErrorKind) -> Outcome {
    match kind {
        ErrorKind::Elapsed => Outcome::Elapsed,
        _ => Outcome::Cancelled,
    }
}

/// The error the call that owns `scope` returns when it ends this way,
/// reported as it is returned.
pub(crate) fn no_value(scope: &Scope, kind: ErrorKind) -> Error {
    let budget = scope
        .budget
        .as_ref()
        .expect("a timed call's scope has a budget");
    let err = Error::new(kind, budget);
    report::no_value(&scope.site.origin, &err);
    err
}

/// A body raced against its scope's cancellation, one poll at a time: the
/// body is polled in its scope unless the scope is cancelled, and the scope
/// wakes whoever polls when it is. A token handed out (which anyone may
/// cancel directly) is watched too, from the moment it exists. (The scope
/// is passed to each poll, so a future may hold both.)
#[derive(Debug, Default)]
pub(crate) struct Race {
    registered: Option<Waker>,
    token: Option<Pin<Box<WaitForCancellationFutureOwned>>>,
    started: bool,
}

impl Race {
    /// `Some(value)` once the body is done, `None` once the scope is
    /// cancelled.
    pub(crate) fn poll<F: Future>(
        &mut self,
        scope: &mut Held,
        body: Pin<&mut F>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<F::Output>> {
        if !scope.is_cancelled() {
            self.started = true;
            if let Poll::Ready(value) = scope.run_in(|| body.poll(cx)) {
                return Poll::Ready(Some(value));
            }
        }
        self.poll_cancelled(scope, cx).map(|()| None)
    }

    /// Whether the body was ever polled.
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// Ready once the scope is cancelled.
    fn poll_cancelled(&mut self, scope: &Scope, cx: &mut Context<'_>) -> Poll<()> {
        let fresh = self
            .registered
            .as_ref()
            .is_none_or(|w| !w.will_wake(cx.waker()));
        let cancelled = if fresh {
            self.registered = Some(cx.waker().clone());
            scope.watch(cx.waker())
        } else {
            scope.is_cancelled()
        };
        if cancelled {
            // Seen through the scope's token maybe: make it the scope's own,
            // so calls nested in it end too. (Idempotent.)
            scope.cancel();
            return Poll::Ready(());
        }
        if self.token.is_none() && scope.has_token() {
            self.token = Some(Box::pin(scope.token().cancelled_owned()));
        }
        if let Some(token) = &mut self.token {
            if token.as_mut().poll(cx).is_ready() {
                // Cancelled by hand: cancel the scope, and so what it holds.
                scope.cancel();
                return Poll::Ready(());
            }
        }
        Poll::Pending
    }
}
