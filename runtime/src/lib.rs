//! Timed async calls that cannot leak, and a way to find the ones that do.
//!
//! # The leak
//!
//! `tokio::time::timeout(d, tokio::spawn(work))` gives up waiting after `d`,
//! but dropping a `JoinHandle` detaches its task: `work` keeps running, and if
//! it is stuck it stays stuck forever. Under load those tasks pile up the way
//! goroutines blocked on an unbuffered channel did in the Go service this
//! crate's story comes from.
//!
//! # The attribute
//!
//! ```
//! use timebox::timed;
//!
//! #[timed(ms = 50)]
//! async fn lookup(key: String) -> Result<usize, timebox::Error> {
//!     Ok(key.len())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! assert_eq!(lookup("abc".into()).await, Ok(3));
//! # }
//! ```
//!
//! The body of `lookup` runs as a spawned task in a *scope* that carries its
//! deadline and a cancellation token. The caller waits for the task's output
//! until the deadline. Whatever happens, the task ends:
//!
//! | what happens | the caller gets | the task |
//! |---|---|---|
//! | the body returns | its value | has ended |
//! | the deadline passes | `Err(e)`, `e.kind() == ErrorKind::Elapsed` | is cancelled and aborted |
//! | the caller's future is dropped | nothing | is cancelled and aborted |
//! | the body panics | the same panic, resumed | has ended |
//! | the task ends without a value (runtime shutdown, token cancelled) | `Err(e)`, `ErrorKind::Cancelled` | has ended |
//!
//! The error reaches the declared error type through `From<timebox::Error>`.
//! A nested timed call never outlives its parent's budget: its deadline is
//! clamped to the enclosing call's, and its token is a child of the parent's.
//!
//! # Seeing it
//!
//! [`live`] counts timed bodies alive right now. A number that keeps growing
//! is a leak; with `#[timed]` it returns to zero when the calls are over.

#![forbid(unsafe_code)]

mod body;
mod call;
mod error;
pub mod grpc_timeout;
mod inline;
mod registry;
mod report;
mod scope;
mod snapshot;
mod spawn;
pub mod testing;
mod zombie;

pub use error::{Error, ErrorKind};
pub use registry::live;
pub use scope::{cancelled, deadline, is_cancelled, remaining, token};
pub use snapshot::{SiteStats, Snapshot, snapshot};
pub use spawn::spawn;

/// Runs an `async fn`'s body as a timed, cancellable call that cannot leak.
///
/// ```
/// use timebox::{timed, ErrorKind};
///
/// #[timed(ms = 20)]
/// async fn stalled() -> Result<(), timebox::Error> {
///     std::future::pending::<()>().await;
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let err = stalled().await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Elapsed);
/// // The body was aborted; the runtime drops it at its next turn.
/// tokio::task::yield_now().await;
/// assert_eq!(timebox::live(), 0);
/// # }
/// ```
///
/// # Keys
///
/// | key | value | meaning |
/// |---|---|---|
/// | `secs` | integer or float literal, > 0 | timeout in seconds |
/// | `ms` | integer literal, > 0 | timeout in milliseconds |
/// | `duration` | expression of type `std::time::Duration` | evaluated by the caller before the body starts; may read the arguments |
/// | `name` | string literal | label in errors and leak reports; default: the function's name |
/// | `crate` | string literal holding a path | where to find `timebox` when it is re-exported |
///
/// Exactly one of `secs`, `ms` and `duration` is required.
///
/// # Rules
///
/// - The signature is kept as written; only the body is rewritten.
/// - The declared return type must be `Result<T, E>` with
///   `E: From<timebox::Error>`: `timebox::Error`, `std::io::Error`,
///   `anyhow::Error` and `Box<dyn Error + Send + Sync>` all qualify.
/// - The body is spawned, so arguments are moved into the task and the body
///   must be `Send + 'static`.
/// - Every misuse is a compile error at the offending token, saying what to
///   write instead.
pub use timebox_macros::timed;

/// What generated code uses. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::call::{Call, Spec, TimedResult, finish, run};
    pub use crate::inline::run_inline;
    pub use crate::registry::{Site, registry_roundtrip};
    pub use core::time::Duration;
}
