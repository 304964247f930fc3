//! The error a timed call returns when it has no value to give: it ran out of
//! time, or it was cancelled. It names the call and the budget it really had.

use std::fmt;
use std::time::Duration;

use crate::budget::Budget;

/// Why a timed call ended without a value.
///
/// ```
/// use timebox::ErrorKind;
///
/// fn retryable(kind: ErrorKind) -> bool {
///     matches!(kind, ErrorKind::Elapsed)
/// }
/// assert!(retryable(ErrorKind::Elapsed));
/// assert!(!retryable(ErrorKind::Cancelled));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The deadline passed before the body produced a value. The body was
    /// cancelled and its task aborted.
    Elapsed,
    /// The call was cancelled before its deadline: its token (or an enclosing
    /// call's) was cancelled, or its task ended without a value, as it does
    /// when the runtime shuts down.
    Cancelled,
}

/// A timed call ended without a value.
///
/// A `#[timed]` function converts it into its declared error type through
/// `From<timebox::Error>`, so `timebox::Error`, `std::io::Error`,
/// `anyhow::Error` and `Box<dyn std::error::Error + Send + Sync>` all work as
/// the `E` of `Result<T, E>`.
///
/// ```
/// use timebox::{timed, ErrorKind};
///
/// #[timed(ms = 10)]
/// async fn stalled() -> Result<(), timebox::Error> {
///     std::future::pending::<()>().await;
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let err = stalled().await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Elapsed);
/// assert_eq!(err.name(), "stalled");
/// assert_eq!(err.timeout(), std::time::Duration::from_millis(10));
/// assert_eq!(err.to_string(), "`stalled` timed out after 10ms");
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    name: &'static str,
    timeout: Duration,
    clamped_by: Option<&'static str>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, budget: &Budget) -> Self {
        Error {
            kind,
            name: budget.name,
            timeout: budget.timeout,
            clamped_by: budget.clamped_by,
        }
    }

    /// The error a call named `name` with a budget of `timeout` returns when
    /// it runs out of time: for mocks, and for tests of code that handles
    /// timebox errors.
    ///
    /// ```
    /// use std::time::Duration;
    /// use timebox::{Error, ErrorKind};
    ///
    /// let err = Error::elapsed("fetch", Duration::from_secs(1));
    /// assert_eq!(err.kind(), ErrorKind::Elapsed);
    /// assert_eq!(err.to_string(), "`fetch` timed out after 1s");
    /// ```
    pub fn elapsed(name: &'static str, timeout: Duration) -> Self {
        Error {
            kind: ErrorKind::Elapsed,
            name,
            timeout,
            clamped_by: None,
        }
    }

    /// The error a call named `name` with a budget of `timeout` returns when
    /// it is cancelled: for mocks and tests.
    ///
    /// ```
    /// use std::time::Duration;
    /// use timebox::{Error, ErrorKind};
    ///
    /// let err = Error::cancelled("fetch", Duration::from_millis(250));
    /// assert_eq!(err.kind(), ErrorKind::Cancelled);
    /// assert_eq!(err.to_string(), "`fetch` was cancelled before its 250ms deadline");
    /// ```
    pub fn cancelled(name: &'static str, timeout: Duration) -> Self {
        Error {
            kind: ErrorKind::Cancelled,
            ..Error::elapsed(name, timeout)
        }
    }

    /// Why the call ended without a value.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// # #[timebox::timed(secs = 1)]
    /// # async fn fetch() -> Result<(), timebox::Error> { std::future::pending().await }
    /// # let err = fetch().await.unwrap_err();
    /// match err.kind() {
    ///     timebox::ErrorKind::Elapsed => println!("too slow"),
    ///     timebox::ErrorKind::Cancelled => println!("cancelled"),
    ///     _ => println!("something newer"),
    /// }
    /// # }
    /// ```
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The call's label: the `name` key of `#[timed]`, or the function's name.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// # #[timebox::timed(secs = 1)]
    /// # async fn fetch() -> Result<(), timebox::Error> { std::future::pending().await }
    /// # let err = fetch().await.unwrap_err();
    /// assert_eq!(err.name(), "fetch");
    /// # }
    /// ```
    pub fn name(&self) -> &str {
        self.name
    }

    /// The budget the call really had: its own timeout, or less when an
    /// enclosing timed call had less time left.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// # #[timebox::timed(secs = 1)]
    /// # async fn fetch() -> Result<(), timebox::Error> { std::future::pending().await }
    /// # let err = fetch().await.unwrap_err();
    /// assert_eq!(err.timeout(), std::time::Duration::from_secs(1));
    /// # }
    /// ```
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Whether the deadline passed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// # #[timebox::timed(secs = 1)]
    /// # async fn fetch() -> Result<(), timebox::Error> { std::future::pending().await }
    /// # let err = fetch().await.unwrap_err();
    /// assert!(err.is_elapsed());
    /// # }
    /// ```
    pub fn is_elapsed(&self) -> bool {
        self.kind == ErrorKind::Elapsed
    }

    /// Whether the call was cancelled before its deadline.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// # #[timebox::timed(secs = 1)]
    /// # async fn fetch() -> Result<(), timebox::Error> { std::future::pending().await }
    /// # let err = fetch().await.unwrap_err();
    /// assert!(!err.is_cancelled());
    /// # }
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.kind == ErrorKind::Cancelled
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            ErrorKind::Elapsed => write!(f, "`{}` timed out after {:?}", self.name, self.timeout)?,
            ErrorKind::Cancelled => write!(
                f,
                "`{}` was cancelled before its {:?} deadline",
                self.name, self.timeout
            )?,
        }
        if let Some(parent) = self.clamped_by {
            write!(f, " (budget clamped by the enclosing `{parent}` call)")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// `Elapsed` becomes [`std::io::ErrorKind::TimedOut`], `Cancelled` becomes
/// [`std::io::ErrorKind::Other`] (never `Interrupted`, which std's I/O loops
/// retry). The timebox error stays reachable as the source.
///
/// ```
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// # #[timebox::timed(secs = 1)]
/// # async fn fetch() -> Result<(), timebox::Error> { std::future::pending().await }
/// # let err = fetch().await.unwrap_err();
/// let io: std::io::Error = err.into();
/// assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
/// # }
/// ```
impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        let kind = match err.kind {
            ErrorKind::Elapsed => std::io::ErrorKind::TimedOut,
            ErrorKind::Cancelled => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(kind: ErrorKind, clamped_by: Option<&'static str>) -> Error {
        Error {
            kind,
            name: "fetch",
            timeout: Duration::from_millis(1500),
            clamped_by,
        }
    }

    #[test]
    fn display_names_the_call_and_budget() {
        assert_eq!(
            error(ErrorKind::Elapsed, None).to_string(),
            "`fetch` timed out after 1.5s"
        );
        assert_eq!(
            error(ErrorKind::Cancelled, None).to_string(),
            "`fetch` was cancelled before its 1.5s deadline"
        );
        assert_eq!(
            error(ErrorKind::Elapsed, Some("handler")).to_string(),
            "`fetch` timed out after 1.5s (budget clamped by the enclosing `handler` call)"
        );
    }

    #[test]
    fn io_error_kinds_are_never_interrupted() {
        let io: std::io::Error = error(ErrorKind::Elapsed, None).into();
        assert_eq!(io.kind(), std::io::ErrorKind::TimedOut);
        let io: std::io::Error = error(ErrorKind::Cancelled, None).into();
        assert_eq!(io.kind(), std::io::ErrorKind::Other);
        let inner = io.get_ref().and_then(|e| e.downcast_ref::<Error>());
        assert_eq!(inner.map(Error::kind), Some(ErrorKind::Cancelled));
    }
}
