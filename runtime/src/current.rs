//! What a body asks of the call it runs in: its deadline, the time left, its
//! cancellation token and whether it was cancelled. Thin public accessors
//! over the current [`Scope`]; outside a timed call each has a neutral answer.

use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::scope::Scope;

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
    Scope::with_current(|s| s.budget.as_ref().map(|b| b.deadline)).flatten()
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
///
/// During a grace period the call is cancelled already, so the token is
/// too, as [`is_cancelled`] says.
pub fn token() -> Option<CancellationToken> {
    Scope::with_current(|s| s.in_timed_call().then(|| own_token(s))).flatten()
}

/// The scope's token; in a cleanup scope, one cancelled already: to the
/// body, its call is cancelled (what the cleanup starts is not).
fn own_token(scope: &Scope) -> CancellationToken {
    if scope.cleaning_up() {
        let cancelled = CancellationToken::new();
        cancelled.cancel();
        return cancelled;
    }
    scope.token()
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
    if Scope::with_current(|s| s.cleaning_up()) == Some(true) {
        // In its grace period: the call was cancelled.
        return;
    }
    match token() {
        Some(token) => token.cancelled_owned().await,
        None => std::future::pending().await,
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
    Scope::with_current(|s| s.in_timed_call() && (s.cleaning_up() || s.is_cancelled()))
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_a_scope_there_is_nothing() {
        assert_eq!(deadline(), None);
        assert_eq!(remaining(), None);
        assert!(token().is_none());
        assert!(!is_cancelled());
    }
}
