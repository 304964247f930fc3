//! `timebox::spawn`: `tokio::spawn` that joins the current scope. Inside a
//! timed call the child is aborted when the call returns, whatever the
//! outcome, so work a timed body starts cannot outlive it; everywhere it is
//! counted per call site, like timed bodies.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::guard::{LiveChild, LiveRoot, OutcomeGuard};
use crate::outcome::Outcome;
use crate::registry;
use crate::report;
use crate::scope::Scope;
use crate::spawner;

/// Spawns a task that belongs to the current timed call: a drop-in for
/// [`tokio::spawn`].
///
/// Inside a timed call the child runs in a scope of its own with the call's
/// deadline and a child of its token ([`remaining`](crate::remaining),
/// [`cancelled`](crate::cancelled) work in it), and it is aborted when the
/// call returns: on its value, its timeout, its cancellation, a panic, or the
/// caller going away. Outside a timed call it is an ordinary task. Either
/// way it is counted in [`live`](crate::live) and in
/// [`snapshot`](crate::snapshot) under the file and line of this call.
///
/// A plain `tokio::spawn` inside a timed body escapes all of this: the task
/// outlives the call and nobody counts it. That is the leak this crate
/// exists to prevent; use `timebox::spawn` instead.
///
/// ```
/// use std::time::Duration;
/// use timebox::timed;
///
/// #[timed(ms = 50)]
/// async fn fan_out() -> Result<(), timebox::Error> {
///     // A helper that would run forever: it ends when `fan_out` returns.
///     timebox::spawn(async {
///         loop {
///             tokio::time::sleep(Duration::from_millis(10)).await;
///         }
///     });
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// fan_out().await.unwrap();
/// tokio::task::yield_now().await; // the runtime drops the aborted child
/// assert_eq!(timebox::live(), 0);
/// # }
/// ```
///
/// # Panics
///
/// Like `tokio::spawn`, when called outside a Tokio runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let site = registry::site_at("timebox::spawn", Location::caller());
    match Scope::current() {
        Some(parent) => {
            let scope = Scope::child(&parent, site, Instant::now());
            // The child's own scope closes when the child ends, so what it
            // spawned ends with it.
            let live = LiveChild::new(Arc::clone(&scope));
            let outcome = OutcomeGuard::new(site);
            let task = spawner::spawn(Arc::clone(&scope).enter(child(
                outcome,
                live,
                report::in_current_span(future),
            )));
            parent.adopt(task.abort_handle(), &scope);
            task
        }
        None => {
            let outcome = OutcomeGuard::new(site);
            spawner::spawn(child(
                outcome,
                LiveRoot::start(site, Instant::now()),
                report::in_current_span(future),
            ))
        }
    }
}

/// The child's future (inside the span current where it was spawned: the
/// parent's, in a timed body), counted live until dropped, its outcome
/// recorded. Both guards exist before its first poll, so a child aborted
/// before it ever ran is still counted as cancelled.
async fn child<F: Future, L>(mut outcome: OutcomeGuard, _live: L, future: F) -> F::Output {
    let output = future.await;
    outcome.set(Outcome::Ok);
    output
}
