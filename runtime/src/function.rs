//! The attribute's function form: `timebox::call` and `timebox::call_inline`
//! time any future — a closure's, a trait object's, one whose budget is known
//! only at run time — with the same scope, clamping, registry and outcomes as
//! `#[timed]`. The tower layers are built on the same two helpers.

use std::future::{Future, IntoFuture};
use std::panic::Location;
use std::time::Duration;

#[cfg(feature = "tower")]
use tokio::time::Instant;

use crate::Error;
use crate::mode::Spec;
use crate::mode::inline::run_inline;
use crate::mode::task::run;
use crate::registry::site_at;

/// Where a layer's calls are counted.
#[cfg(feature = "tower")]
pub(crate) use crate::registry::Site;

/// The name of the sites [`call`] and [`call_inline`] report under.
const NAME: &str = "timebox::call";

/// Runs `fut` as a timed call of `budget` in spawn mode: the function form
/// of [`#[timed]`](crate::timed).
///
/// The future runs as its own task in a new scope (so [`remaining`],
/// [`token`], [`spawn`] and nested timed calls work inside it), clamped to
/// the enclosing timed call's deadline, and the caller waits for it until
/// the deadline. Every outcome is the attribute's: the value, an [`Error`]
/// of kind [`Elapsed`] or [`Cancelled`], or the body's panic resumed; and
/// whatever happens the task ends, also when the returned future is
/// dropped. Nothing starts until the returned future is first polled.
///
/// The call is counted in [`live`] and [`snapshot`] at the caller's file
/// and line, under the name `"timebox::call"`.
///
/// [`remaining`]: crate::remaining
/// [`token`]: crate::token
/// [`spawn`]: crate::spawn
/// [`Elapsed`]: crate::ErrorKind::Elapsed
/// [`Cancelled`]: crate::ErrorKind::Cancelled
/// [`live`]: crate::live
/// [`snapshot`]: crate::snapshot()
///
/// ```
/// use std::time::Duration;
/// use timebox::ErrorKind;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // A budget from configuration, a future from a closure.
/// let budget = Duration::from_millis(250);
/// let fetch = |key: &'static str| async move { key.len() };
/// assert_eq!(timebox::call(budget, fetch("abc")).await, Ok(3));
///
/// let stalled = timebox::call(budget, std::future::pending::<()>());
/// let err = stalled.await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Elapsed);
/// assert_eq!(err.to_string(), "`timebox::call` timed out after 250ms");
///
/// tokio::task::yield_now().await; // the runtime drops the aborted task
/// assert_eq!(timebox::live(), 0);
/// # }
/// ```
///
/// # Panics
///
/// When first polled outside a Tokio runtime, as `tokio::spawn` does. A
/// panic in `fut` resumes in the caller.
#[track_caller]
pub fn call<F>(
    budget: Duration,
    fut: F,
) -> impl Future<Output = Result<F::Output, Error>> + Send + 'static
where
    F: IntoFuture,
    F::IntoFuture: Send + 'static,
    F::Output: Send + 'static,
{
    let spec = Spec::new(site_at(NAME, Location::caller()), budget);
    let body = fut.into_future();
    async move { run(spec, body).await }
}

/// Runs `fut` as a timed call of `budget` in the caller's own task: the
/// function form of [`#[timed(inline)]`](crate::timed).
///
/// Nothing is spawned, so `fut` may borrow and need not be `Send`; it is
/// polled inside a new scope (clamped to the enclosing timed call, as
/// [`call`] is) until its value, the deadline or its cancellation, and
/// dropping the returned future drops `fut` at once. The deadline starts
/// when the returned future is first polled. Counted in [`live`] at the
/// caller's file and line, under the name `"timebox::call"`.
///
/// [`live`]: crate::live
///
/// ```
/// use std::time::Duration;
/// use timebox::ErrorKind;
///
/// struct Cache {
///     entries: Vec<String>,
/// }
///
/// impl Cache {
///     async fn find(&self, key: &str) -> Option<&String> {
///         self.entries.iter().find(|e| e.starts_with(key))
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let cache = Cache { entries: vec!["apple".into()] };
/// let budget = Duration::from_millis(20);
/// // Borrows `cache` and the key: inline, not spawned.
/// let found = timebox::call_inline(budget, cache.find("app")).await;
/// assert_eq!(found, Ok(Some(&"apple".to_string())));
///
/// // Inside a timed call the budget is clamped to what the caller has left.
/// let outer = timebox::call_inline(Duration::from_millis(5), async {
///     timebox::call_inline(Duration::from_secs(60), std::future::pending::<()>()).await
/// });
/// let err = outer.await.unwrap().unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Elapsed);
/// assert_eq!(err.timeout(), Duration::from_millis(5));
/// # }
/// ```
#[track_caller]
pub fn call_inline<F>(budget: Duration, fut: F) -> impl Future<Output = Result<F::Output, Error>>
where
    F: IntoFuture,
{
    let spec = Spec::new(site_at(NAME, Location::caller()), budget);
    run_inline(spec, fut.into_future())
}

/// An inline timed call of `site` whose budget was fixed at `start`, before
/// the returned future is first polled: its deadline is `start + budget`
/// (or the enclosing call's, if sooner), however late the first poll is.
///
/// The layers need this: a server stack may run its own timer from the same
/// `grpc-timeout` header, started when the request arrived, and the call's
/// deadline must not come after it. The time left at the first poll is
/// rounded down to whole microseconds, so it never exceeds the budget and
/// errors print it readably. The service's `Err` counts as the outcome
/// `err`.
#[cfg(feature = "tower")]
pub(crate) async fn inline_from<F>(
    site: &'static Site,
    start: Instant,
    budget: Duration,
    body: F,
) -> Result<F::Output, Error>
where
    F: Future,
    F::Output: crate::mode::Returned,
{
    let spent = Instant::now().saturating_duration_since(start);
    let left = budget.saturating_sub(spent);
    let left = Duration::new(left.as_secs(), left.subsec_micros() * 1_000);
    // The service's own `Err` is counted `err`.
    crate::mode::judged(run_inline(Spec::new(site, left), body)).await
}

/// The site named `name` of the call at `location`: for the layers, which
/// report at the line that built them.
#[cfg(feature = "tower")]
pub(crate) fn layer_site(
    name: &'static str,
    location: &'static Location<'static>,
) -> &'static Site {
    site_at(name, location)
}
