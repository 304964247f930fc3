//! The deadline scope: a task-local that tells a timed body how long it has
//! and whether it was cancelled, and that nested timed calls inherit from, so
//! a child never outlives its parent's budget.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::registry::Site;

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

/// The state one timed call shares between its caller and its body.
#[derive(Debug)]
pub(crate) struct Scope {
    pub(crate) budget: Budget,
    token: CancellationToken,
    /// Set when this scope is cancelled through [`Scope::cancel`]; read
    /// without a lock by [`is_cancelled`].
    cancelled: AtomicBool,
    /// Set once the token has been handed out: from then on, someone else
    /// may cancel it directly, so the flag alone no longer tells.
    shared: AtomicBool,
    parent: Option<Arc<Scope>>,
}

impl Scope {
    /// Opens the scope of a new call started now: deadline clamped to the
    /// enclosing scope's, token a child of the enclosing scope's token.
    pub(crate) fn open(site: &'static Site, timeout: Duration) -> Arc<Scope> {
        let parent = CURRENT.try_with(Arc::clone).ok();
        let now = Instant::now();
        let own = now.checked_add(timeout).unwrap_or_else(|| far_future(now));
        let (deadline, clamped_by) = match &parent {
            Some(p) if p.budget.deadline < own => (p.budget.deadline, Some(p.budget.name)),
            _ => (own, None),
        };
        let token = match &parent {
            Some(p) => p.token.child_token(),
            None => CancellationToken::new(),
        };
        Arc::new(Scope {
            budget: Budget {
                name: site.name(),
                deadline,
                timeout: deadline.saturating_duration_since(now),
                clamped_by,
            },
            token,
            cancelled: AtomicBool::new(false),
            shared: AtomicBool::new(false),
            parent,
        })
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
    CURRENT.try_with(|s| s.budget.deadline).ok()
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
    CURRENT
        .try_with(|s| s.budget.deadline.saturating_duration_since(Instant::now()))
        .ok()
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

    #[tokio::test(start_paused = true)]
    async fn nested_scope_is_clamped_to_parent_deadline() {
        let outer = Scope::open(&OUTER, Duration::from_millis(50));
        let outer_deadline = outer.budget.deadline;
        let inner = outer
            .clone()
            .enter(async { Scope::open(&INNER, Duration::from_secs(60)) })
            .await;
        assert_eq!(inner.budget.deadline, outer_deadline);
        assert_eq!(inner.budget.timeout, Duration::from_millis(50));
        assert_eq!(inner.budget.clamped_by, Some("outer"));

        let roomy = outer
            .enter(async { Scope::open(&INNER, Duration::from_millis(10)) })
            .await;
        assert_eq!(roomy.budget.timeout, Duration::from_millis(10));
        assert_eq!(roomy.budget.clamped_by, None);
    }

    #[tokio::test]
    async fn huge_timeouts_do_not_overflow() {
        let scope = Scope::open(&OUTER, Duration::MAX);
        assert!(scope.budget.timeout > Duration::from_secs(86_400 * 365));
    }

    #[tokio::test]
    async fn cancelling_a_parent_reaches_the_child() {
        let outer = Scope::open(&OUTER, Duration::from_secs(5));
        let inner = outer
            .clone()
            .enter(async { Scope::open(&INNER, Duration::from_secs(5)) })
            .await;
        assert!(!inner.is_cancelled());
        outer.cancel();
        assert!(inner.is_cancelled());
        inner.cancelled().await;
    }

    #[tokio::test]
    async fn a_shared_token_cancelled_by_hand_is_seen() {
        let scope = Scope::open(&OUTER, Duration::from_secs(5));
        let token = scope.share_token();
        assert!(!scope.is_cancelled());
        token.cancel();
        assert!(scope.is_cancelled());
    }

    #[test]
    fn outside_a_scope_there_is_nothing() {
        assert_eq!(deadline(), None);
        assert_eq!(remaining(), None);
        assert!(token().is_none());
        assert!(!is_cancelled());
    }
}
