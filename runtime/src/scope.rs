//! The deadline scope: a task-local that tells a timed body how long it has
//! and whether it was cancelled, and that nested timed calls inherit from, so
//! a child never outlives its parent's budget.

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::registry::Site;
use crate::testing::Tracker;

tokio::task_local! {
    static CURRENT: Arc<Scope>;
}

/// What a call was allowed: its label, deadline and the timeout it really got.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    pub(crate) name: &'static str,
    pub(crate) deadline: Instant,
    /// `deadline - start`: the configured timeout, or less if clamped.
    pub(crate) timeout: Duration,
    /// The enclosing call whose deadline came first, if any.
    pub(crate) clamped_by: Option<&'static str>,
}

/// Where a scope's body is in its life, for zombie detection.
pub(crate) const BODY_ALIVE: u8 = 0;
pub(crate) const BODY_ENDED: u8 = 1;
pub(crate) const BODY_ZOMBIE: u8 = 2;

/// The state one timed call (or one `timebox::spawn` child) shares between
/// the code that owns it and the body that runs in it.
#[derive(Debug)]
pub(crate) struct Scope {
    /// `None` for a tracking scope and the children spawned in it.
    pub(crate) budget: Option<Budget>,
    /// The site whose body runs in this scope.
    pub(crate) site: &'static Site,
    /// How long a cancelled body may keep running before it is a zombie,
    /// less the one second of slack every body gets.
    pub(crate) grace: Duration,
    token: CancellationToken,
    /// Set when this scope is cancelled through [`Scope::cancel`]; read
    /// without a lock by [`is_cancelled`].
    cancelled: AtomicBool,
    /// Set once the token has been handed out: from then on, someone else
    /// may cancel it directly, so the flag alone no longer tells.
    shared: AtomicBool,
    /// `BODY_ALIVE`, `BODY_ENDED` or `BODY_ZOMBIE`.
    pub(crate) body: AtomicU8,
    parent: Option<Arc<Scope>>,
    /// The `assert_no_leaks` scope this one was opened in, however deep.
    pub(crate) tracker: Option<Arc<Tracker>>,
    children: Mutex<Children>,
}

/// The `timebox::spawn` children of a scope, aborted when it closes.
#[derive(Debug, Default)]
struct Children {
    closed: bool,
    tasks: Vec<(AbortHandle, Arc<Scope>)>,
}

impl Scope {
    fn new(
        site: &'static Site,
        budget: Option<Budget>,
        grace: Duration,
        parent: Option<Arc<Scope>>,
        tracker: Option<Arc<Tracker>>,
    ) -> Arc<Scope> {
        let token = match &parent {
            Some(p) => p.token.child_token(),
            None => CancellationToken::new(),
        };
        let tracker = tracker.or_else(|| parent.as_ref().and_then(|p| p.tracker.clone()));
        Arc::new(Scope {
            budget,
            site,
            grace,
            token,
            cancelled: AtomicBool::new(false),
            shared: AtomicBool::new(false),
            body: AtomicU8::new(BODY_ALIVE),
            parent,
            tracker,
            children: Mutex::new(Children::default()),
        })
    }

    /// Opens the scope of a timed call started now: deadline clamped to the
    /// enclosing scope's, token a child of the enclosing scope's token.
    pub(crate) fn open(
        site: &'static Site,
        timeout: Duration,
        grace: Duration,
    ) -> (Arc<Scope>, Budget) {
        let parent = CURRENT.try_with(Arc::clone).ok();
        let now = Instant::now();
        let own = now.checked_add(timeout).unwrap_or_else(|| far_future(now));
        let (deadline, clamped_by) = match parent.as_ref().and_then(|p| p.budget.as_ref()) {
            Some(outer) if outer.deadline < own => (outer.deadline, Some(outer.name)),
            _ => (own, None),
        };
        let budget = Budget {
            name: site.name(),
            deadline,
            timeout: deadline.saturating_duration_since(now),
            clamped_by,
        };
        (
            Scope::new(site, Some(budget.clone()), grace, parent, None),
            budget,
        )
    }

    /// The scope of a `timebox::spawn` child of `parent`: same deadline,
    /// child token, and the parent aborts it when it closes.
    pub(crate) fn child(parent: &Arc<Scope>, site: &'static Site) -> Arc<Scope> {
        Scope::new(
            site,
            parent.budget.clone(),
            Duration::ZERO,
            Some(Arc::clone(parent)),
            None,
        )
    }

    /// A scope with no deadline that only attributes what starts in it to
    /// `tracker`.
    pub(crate) fn tracking(site: &'static Site, tracker: Arc<Tracker>) -> Arc<Scope> {
        Scope::new(site, None, Duration::ZERO, None, Some(tracker))
    }

    /// The scope the current task runs in, if any.
    pub(crate) fn current() -> Option<Arc<Scope>> {
        CURRENT.try_with(Arc::clone).ok()
    }

    /// Runs `fut` with this scope as the current one.
    pub(crate) fn enter<F: Future>(self: Arc<Self>, fut: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self, fut)
    }

    /// Cancels this call and, through the token tree, every call nested in it.
    pub(crate) fn cancel(&self) {
        self.cancelled.store(true, Ordering::Release);
        self.token.cancel();
    }

    /// The call that owns this scope has returned: cancel what is left of
    /// it, as Go's `defer cancel()` does, and abort its spawned children.
    pub(crate) fn close(&self) {
        self.cancel();
        let tasks = {
            let mut children = lock(&self.children);
            children.closed = true;
            std::mem::take(&mut children.tasks)
        };
        for (task, scope) in tasks {
            if !task.is_finished() {
                task.abort();
                crate::zombie::watch(&scope);
            }
        }
    }

    /// Makes a spawned task a child of this scope: aborted when it closes,
    /// or at once if it already has.
    pub(crate) fn adopt(&self, task: AbortHandle, scope: Arc<Scope>) {
        let mut children = lock(&self.children);
        if children.closed {
            drop(children);
            task.abort();
            return;
        }
        if children.tasks.len() >= 16 && children.tasks.len().is_power_of_two() {
            // A long-lived scope spawning many short children: forget the
            // finished ones now and then, so the list stays small.
            children.tasks.retain(|(task, _)| !task.is_finished());
        }
        children.tasks.push((task, scope));
    }

    /// Resolves when this scope's token is cancelled, by [`Scope::cancel`],
    /// by a user holding [`token`], or by an enclosing scope.
    pub(crate) fn cancelled(&self) -> tokio_util::sync::WaitForCancellationFuture<'_> {
        self.token.cancelled()
    }

    fn is_cancelled(&self) -> bool {
        let mut scope = Some(self);
        while let Some(s) = scope {
            if s.cancelled.load(Ordering::Acquire)
                || (s.shared.load(Ordering::Acquire) && s.token.is_cancelled())
            {
                return true;
            }
            scope = s.parent.as_deref();
        }
        false
    }

    fn share_token(&self) -> CancellationToken {
        self.shared.store(true, Ordering::Release);
        self.token.clone()
    }
}

/// The scope's locks guard plain data that a panic cannot leave half
/// updated, so a poisoned lock is used as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// About 30 years from `now`: a deadline that is never reached, for budgets
/// too large to add to an `Instant`.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(86_400 * 365 * 30)
}

/// The deadline of the current timed call; `None` outside one.
///
/// ```
/// use timebox::timed;
///
/// #[timed(secs = 2)]
/// async fn call() -> Result<bool, timebox::Error> {
///     Ok(timebox::deadline().is_some())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(timebox::deadline(), None);
/// assert_eq!(call().await, Ok(true));
/// # }
/// ```
pub fn deadline() -> Option<Instant> {
    CURRENT
        .try_with(|s| s.budget.as_ref().map(|b| b.deadline))
        .ok()
        .flatten()
}

/// Time left before the current timed call's deadline (zero once it passed);
/// `None` outside a timed call. Hand it to a library that takes a timeout,
/// or put it in a request header so the callee stops when you do.
///
/// ```
/// use std::time::Duration;
/// use timebox::timed;
///
/// #[timed(ms = 500)]
/// async fn call() -> Result<Duration, timebox::Error> {
///     Ok(timebox::remaining().unwrap())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// assert_eq!(call().await, Ok(Duration::from_millis(500)));
/// assert_eq!(timebox::remaining(), None);
/// # }
/// ```
pub fn remaining() -> Option<Duration> {
    let deadline = deadline()?;
    Some(deadline.saturating_duration_since(Instant::now()))
}

/// The current timed call's cancellation token; `None` outside a timed call.
///
/// It is cancelled when the call times out or is cancelled, so a library
/// that takes a [`CancellationToken`] stops with the call. Cancelling it
/// yourself cancels the call: the body is dropped and the caller gets an
/// error of kind [`Cancelled`](crate::ErrorKind::Cancelled).
///
/// ```
/// use timebox::{timed, ErrorKind};
///
/// #[timed(secs = 5)]
/// async fn give_up() -> Result<(), timebox::Error> {
///     timebox::token().unwrap().cancel();
///     std::future::pending::<()>().await;
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(give_up().await.unwrap_err().kind(), ErrorKind::Cancelled);
/// # }
/// ```
pub fn token() -> Option<CancellationToken> {
    CURRENT.try_with(|s| s.share_token()).ok()
}

/// Resolves when the current timed call is cancelled (by its deadline, its
/// caller going away, or its token); never resolves outside a timed call.
///
/// ```
/// use timebox::timed;
///
/// #[timed(secs = 5)]
/// async fn call() -> Result<&'static str, timebox::Error> {
///     tokio::select! {
///         _ = timebox::cancelled() => Ok("cancelled"),
///         _ = tokio::task::yield_now() => Ok("still running"),
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(call().await, Ok("still running"));
/// # }
/// ```
pub async fn cancelled() {
    match CURRENT.try_with(Arc::clone) {
        Ok(scope) => scope.cancelled().await,
        Err(_) => std::future::pending().await,
    }
}

/// Whether the current timed call has been cancelled; `false` outside one.
/// Lock-free: cheap enough to call in a hot loop.
///
/// ```
/// use timebox::timed;
///
/// #[timed(secs = 5)]
/// async fn call() -> Result<bool, timebox::Error> {
///     Ok(timebox::is_cancelled())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(call().await, Ok(false));
/// assert!(!timebox::is_cancelled());
/// # }
/// ```
pub fn is_cancelled() -> bool {
    CURRENT.try_with(|s| s.is_cancelled()).unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    static OUTER: Site = Site::new("outer", module_path!(), file!(), line!());
    static INNER: Site = Site::new("inner", module_path!(), file!(), line!());

    fn open(site: &'static Site, timeout: Duration) -> (Arc<Scope>, Budget) {
        Scope::open(site, timeout, Duration::ZERO)
    }

    #[tokio::test(start_paused = true)]
    async fn nested_scope_is_clamped_to_parent_deadline() {
        let (outer, outer_budget) = open(&OUTER, Duration::from_millis(50));
        let (_, inner) = Arc::clone(&outer)
            .enter(async { open(&INNER, Duration::from_secs(60)) })
            .await;
        assert_eq!(inner.deadline, outer_budget.deadline);
        assert_eq!(inner.timeout, Duration::from_millis(50));
        assert_eq!(inner.clamped_by, Some("outer"));

        let (_, roomy) = outer
            .enter(async { open(&INNER, Duration::from_millis(10)) })
            .await;
        assert_eq!(roomy.timeout, Duration::from_millis(10));
        assert_eq!(roomy.clamped_by, None);
    }

    #[tokio::test]
    async fn huge_timeouts_do_not_overflow() {
        let (_, budget) = open(&OUTER, Duration::MAX);
        assert!(budget.timeout > Duration::from_secs(86_400 * 365));
    }

    #[tokio::test]
    async fn cancelling_a_parent_reaches_the_child() {
        let (outer, _) = open(&OUTER, Duration::from_secs(5));
        let (inner, _) = Arc::clone(&outer)
            .enter(async { open(&INNER, Duration::from_secs(5)) })
            .await;
        assert!(!inner.is_cancelled());
        outer.cancel();
        assert!(inner.is_cancelled());
        inner.cancelled().await;
    }

    #[tokio::test]
    async fn a_shared_token_cancelled_by_hand_is_seen() {
        let (scope, _) = open(&OUTER, Duration::from_secs(5));
        let token = scope.share_token();
        assert!(!scope.is_cancelled());
        token.cancel();
        assert!(scope.is_cancelled());
    }

    #[tokio::test]
    async fn closing_aborts_children_and_later_adoptions() {
        let (scope, _) = open(&OUTER, Duration::from_secs(5));
        let child = Scope::child(&scope, &INNER);
        assert_eq!(
            child.budget.as_ref().map(|b| b.deadline),
            scope.budget.as_ref().map(|b| b.deadline)
        );
        let first = tokio::spawn(std::future::pending::<()>());
        scope.adopt(first.abort_handle(), Arc::clone(&child));
        scope.close();
        assert!(first.await.unwrap_err().is_cancelled());
        assert!(child.is_cancelled());

        let late = tokio::spawn(std::future::pending::<()>());
        scope.adopt(late.abort_handle(), child);
        assert!(late.await.unwrap_err().is_cancelled());
    }

    #[test]
    fn outside_a_scope_there_is_nothing() {
        assert_eq!(deadline(), None);
        assert_eq!(remaining(), None);
        assert!(token().is_none());
        assert!(!is_cancelled());
    }
}
