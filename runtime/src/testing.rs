//! Leak assertions for tests: run a future in a tracking scope, then wait
//! (bounded, with backoff) until every timed body and `timebox::spawn` child
//! started in it, however deep, has ended. The scope decides what counts,
//! not a global number, so tests running in parallel do not disturb it.

use std::future::Future;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use crate::registry::Site;
use crate::scope::Scope;
use crate::tracker::Tracker;

/// The site of the tracking scope itself (it has no body to count).
static TRACKING: Site = Site::new("assert_no_leaks", module_path!(), file!(), line!());

/// Runs `fut`, then asserts that every timed body and `timebox::spawn` child
/// started while it ran has ended, waiting up to one second for cancelled
/// ones to be dropped. Returns `fut`'s output.
///
/// Tracking follows the scope: calls started inside `fut`, and inside those
/// calls, however deep, are attributed to it; tests running in parallel in
/// the same process are not. A plain `tokio::spawn` escapes tracking (it
/// does not carry the scope): use [`timebox::spawn`](crate::spawn).
///
/// # Panics
///
/// When something outlived the wait, with a message that starts with the
/// caller's file:line (the check's own line: `#[track_caller]`) and lists
/// the sites still alive, with their file:line. If `fut` itself panics,
/// that panic propagates unchanged and no leak check runs.
///
/// ```
/// use timebox::{testing::assert_no_leaks, timed};
///
/// #[timed(ms = 20)]
/// async fn stalled() -> Result<(), timebox::Error> {
///     std::future::pending::<()>().await;
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_no_leaks(async {
///     assert!(stalled().await.is_err());
/// })
/// .await;
/// # }
/// ```
#[track_caller]
pub fn assert_no_leaks<F: Future>(fut: F) -> impl Future<Output = F::Output> {
    LeakCheck::new().run(fut)
}

/// [`assert_no_leaks`] with settings.
///
/// ```
/// use std::time::Duration;
/// use timebox::testing::LeakCheck;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let answer = LeakCheck::new()
///     .wait(Duration::from_secs(3))
///     .run(async { 42 })
///     .await;
/// assert_eq!(answer, 42);
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct LeakCheck {
    wait: Duration,
}

impl Default for LeakCheck {
    fn default() -> Self {
        LeakCheck {
            wait: Duration::from_secs(1),
        }
    }
}

impl LeakCheck {
    /// The default check: waits up to one second.
    ///
    /// ```
    /// let check = timebox::testing::LeakCheck::new();
    /// # drop(check);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// How long to wait, in all, for bodies to end before failing.
    ///
    /// ```
    /// let patient = timebox::testing::LeakCheck::new().wait(std::time::Duration::from_secs(5));
    /// # drop(patient);
    /// ```
    pub fn wait(self, wait: Duration) -> Self {
        LeakCheck { wait }
    }

    /// Runs `fut` in a tracking scope, then checks as [`assert_no_leaks`]
    /// does; a failure names the line that called `run`.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// timebox::testing::LeakCheck::new().run(async {}).await;
    /// # }
    /// ```
    #[track_caller]
    pub fn run<F: Future>(self, fut: F) -> impl Future<Output = F::Output> {
        let caller = Location::caller();
        async move {
            let tracker = Arc::new(Tracker::default());
            let scope = Scope::tracking(&TRACKING, Arc::clone(&tracker));
            let output = Arc::clone(&scope).enter(fut).await;
            self.settle(&tracker, caller).await;
            scope.close();
            output
        }
    }

    async fn settle(&self, tracker: &Tracker, caller: &Location<'_>) {
        let start = std::time::Instant::now();
        let mut pause = Duration::from_micros(50);
        while tracker.total() > 0 {
            if start.elapsed() >= self.wait {
                if std::thread::panicking() {
                    return;
                }
                panic!("{}", report(tracker, self.wait, caller));
            }
            tokio::task::yield_now().await;
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

/// What a failed leak check says: how many bodies outlived it, and where,
/// in its own counts only (a site's process-wide counters would mix in
/// other tests' calls).
fn report(tracker: &Tracker, waited: Duration, caller: &Location<'_>) -> String {
    let mut alive = tracker.alive();
    alive.sort_by_key(|t| std::cmp::Reverse(t.alive));
    let total: u64 = alive.iter().map(|t| t.alive).sum();
    let bodies = if total == 1 { "body" } else { "bodies" };
    let mut text = format!(
        "assert_no_leaks at {}:{}: {total} {bodies} still alive {waited:?} after the future returned:\n{:>7} {:>9}  site\n",
        caller.file(),
        caller.line(),
        "alive",
        "started"
    );
    for t in alive {
        let origin = &t.site.origin;
        text += &format!(
            "{:>7} {:>9}  {} {}:{}\n",
            t.alive, t.started, origin.name, origin.file, origin.line
        );
    }
    text
}
