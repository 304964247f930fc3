//! Timed async calls that cannot leak, and a way to find the ones that do.
//!
//! # The leak this crate prevents
//!
//! A Go service fired each outgoing request in a goroutine and waited with
//! `select` on the result or `time.After(1s)`. The result channel had no
//! buffer, so every request that finished after its caller gave up blocked
//! forever on its send: goroutines grew from 4 to 20,000 and the pod kept
//! restarting. Rust has the same trap: dropping a `JoinHandle` *detaches*
//! its task, so
//!
//! ```no_run
//! # async fn request() {}
//! # async fn f() {
//! # use std::time::Duration;
//! let _ = tokio::time::timeout(Duration::from_secs(1), tokio::spawn(request())).await;
//! # }
//! ```
//!
//! stops waiting after a second and leaves `request()` running, forever if
//! the upstream stalled.
//!
//! # The attribute
//!
//! [`#[timed]`](timed) on an `async fn` runs its body as a spawned task in a
//! *scope* that carries a deadline and a cancellation signal. The caller
//! waits for the task's output until the deadline; whatever happens, the
//! task ends.
//!
//! ```
//! use timebox::{timed, ErrorKind};
//!
//! #[timed(ms = 50)]
//! async fn lookup(key: String) -> Result<usize, timebox::Error> {
//!     Ok(key.len())
//! }
//!
//! #[timed(ms = 50)]
//! async fn stalled() -> Result<(), timebox::Error> {
//!     std::future::pending::<()>().await; // an upstream that never answers
//!     Ok(())
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! assert_eq!(lookup("abc".into()).await, Ok(3));
//!
//! let err = stalled().await.unwrap_err();
//! assert_eq!(err.kind(), ErrorKind::Elapsed);
//! assert_eq!(err.to_string(), "`stalled` timed out after 50ms");
//!
//! tokio::task::yield_now().await; // the runtime drops the aborted body
//! assert_eq!(timebox::live(), 0);
//! # }
//! ```
//!
//! # What happens on a call
//!
//! | what happens | the caller gets | the body |
//! |---|---|---|
//! | the body returns | its value, as is | has ended |
//! | the deadline passes | `Err(e)` with `e.kind() == ErrorKind::Elapsed` | is cancelled and its task aborted |
//! | the caller's future is dropped (`select!`, an outer timeout) | nothing | is cancelled and its task aborted |
//! | the body panics | the same panic, resumed with its payload | has ended |
//! | the task ends without a value (runtime shutdown, token cancelled) | `Err(e)` with `ErrorKind::Cancelled` | has ended |
//!
//! The [`Error`] reaches the declared error type through
//! `From<timebox::Error>`: `Result<T, timebox::Error>`,
//! `std::io::Result<T>`, `anyhow::Result<T>` and
//! `Result<T, Box<dyn Error + Send + Sync>>` all work. Its output travels in
//! the task's own `JoinHandle`, a bounded one-shot slot: delivering it never
//! blocks, and if the caller is gone the runtime drops it.
//!
//! An aborted body ends at its next `.await`; the runtime drops it a moment
//! after the caller has its error, so [`live`] reaches zero a scheduler turn
//! later. At the deadline itself, a value that is ready when the caller
//! looks wins; on the paused test clock the caller looks first, so a body
//! finishing exactly at the deadline reports `Elapsed`.
//!
//! # Modes and knobs
//!
//! - **`inline`** runs the body in the caller's own task, under the same
//!   deadline and scope: for bodies that borrow (`&self`, `&str`) or are not
//!   `Send`. Nothing is spawned; dropping the call drops the body at once.
//! - **`fallback = EXPR`** returns `EXPR` instead of an error on timeout or
//!   cancellation, so the function may return any type. It is evaluated by
//!   the caller, only then. Panics still propagate.
//! - **`grace = MS`** keeps a cancelled body polled that much longer, with
//!   [`cancelled`] resolved, so it can clean up; the caller does not wait
//!   for it, and a value it returns then is dropped.
//! - **`duration = EXPR`** computes the budget per call, from the arguments
//!   or a config.
//!
//! ```
//! use std::time::Duration;
//! use timebox::timed;
//!
//! struct Cache {
//!     default: u32,
//! }
//!
//! impl Cache {
//!     // Borrows self: inline. Falls back to a default instead of failing.
//!     #[timed(ms = 20, inline, fallback = self.default)]
//!     async fn get(&self, key: &str) -> u32 {
//!         if key == "slow" {
//!             std::future::pending::<()>().await;
//!         }
//!         7
//!     }
//! }
//!
//! // The budget comes from the argument; cleanup gets 100 ms after a timeout.
//! #[timed(duration = budget, grace = 100)]
//! async fn upload(budget: Duration) -> Result<(), timebox::Error> {
//!     tokio::select! {
//!         () = timebox::cancelled() => { /* flush, say goodbye */ }
//!         () = tokio::time::sleep(Duration::from_secs(5)) => {}
//!     }
//!     Ok(())
//! }
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let cache = Cache { default: 0 };
//! assert_eq!(cache.get("fast").await, 7);
//! assert_eq!(cache.get("slow").await, 0);
//! assert!(upload(Duration::from_millis(10)).await.is_err());
//! # }
//! ```
//!
//! # The function form
//!
//! [`call`] and [`call_inline`] are the attribute as functions, for what an
//! attribute cannot reach: closures, trait objects, budgets computed at run
//! time. Same scope, clamping, outcomes and leak accounting; the site is the
//! caller's line, named `"timebox::call"`.
//!
//! ```
//! use std::time::Duration;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let budget = Duration::from_millis(40); // from a config, say
//! let work: Vec<std::pin::Pin<Box<dyn std::future::Future<Output = u32> + Send>>> =
//!     vec![Box::pin(async { 1 }), Box::pin(std::future::pending())];
//! let mut results = Vec::new();
//! for job in work {
//!     results.push(timebox::call(budget, job).await.ok());
//! }
//! assert_eq!(results, [Some(1), None]);
//! # }
//! ```
//!
//! # Deadlines and cancellation
//!
//! A timed call inside another never outlives its parent: its deadline is
//! clamped to the parent's (the error says so), and it is cancelled with
//! the parent. Inside a body, [`deadline`] and [`remaining`] tell how long
//! it has (hand them to a library, or send them across the wire with
//! [`grpc_timeout`]), [`token`] gives a `CancellationToken` for libraries
//! that take one, and [`cancelled`] / [`is_cancelled`] tell whether to stop.
//! Cancelling the token yourself cancels the call.
//!
//! Work a body starts with [`spawn`] (a drop-in for `tokio::spawn`) belongs to
//! the call: it is aborted when the call returns, whatever the outcome. A
//! plain `tokio::spawn` inside a body escapes: that is the leak again.
//!
//! # Finding leaks
//!
//! [`live`] counts the bodies alive now, this crate's
//! `runtime.NumGoroutine()`. [`snapshot`] breaks it down per call site (file
//! and line), and [`Snapshot::since`] diffs two snapshots the way
//! `pprof -base` diffs two goroutine profiles: the site whose live count
//! grows is the one that leaks. In tests, [`testing::assert_no_leaks`] fails
//! when anything started inside it outlives it, naming the site.
//!
//! ```
//! use timebox::{testing::assert_no_leaks, timed};
//!
//! #[timed(ms = 10)]
//! async fn flaky() -> Result<(), timebox::Error> {
//!     std::future::pending::<()>().await;
//!     Ok(())
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let base = timebox::snapshot();
//! assert_no_leaks(async {
//!     let _ = flaky().await;
//! })
//! .await;
//! let diff = timebox::snapshot().since(&base);
//! let row = diff.sites().iter().find(|s| s.name == "flaky").unwrap();
//! assert_eq!((row.started, row.elapsed, row.live), (1, 1, 0));
//! # }
//! ```
//!
//! With the `tracing` feature every call gets a span and every timeout,
//! cancellation and zombie a WARN event; with the `metrics` feature,
//! `timebox_calls_total{site, outcome}`, `timebox_tasks_live{site}` and
//! `timebox_tasks_zombie{site}` reach any `metrics` exporter.
//!
//! # Limits
//!
//! - **Blocking code cannot be preempted.** A body stuck in
//!   `std::thread::sleep`, a blocking lock or a busy loop is only dropped when
//!   it reaches an `.await`. The caller still gets its error on time on the
//!   multi-thread runtime (on the current-thread runtime nothing else runs
//!   while the thread is blocked), and a body still alive its grace period
//!   plus one second after cancellation is reported as a *zombie*. Write
//!   such work as `tokio::task::spawn_blocking(..)` awaited by the body (the
//!   body then ends on time; the blocking closure runs to its end
//!   unobserved, so give it a way out: check a token from [`token`] in its
//!   loop).
//! - **Spawn mode needs `Send + 'static`**: arguments move into the task.
//!   Borrowed arguments get a compile error that suggests `inline`.
//! - **Recursion** needs a boxed step, as with `tokio::spawn` of a recursive
//!   async fn: the timed fn cannot prove its own future `Send` otherwise.
//!
//! ```
//! use std::future::Future;
//! use std::pin::Pin;
//! use timebox::timed;
//!
//! #[timed(secs = 1)]
//! async fn depth(n: u32) -> Result<u32, timebox::Error> {
//!     if n == 0 {
//!         return Ok(0);
//!     }
//!     Ok(1 + depth_boxed(n - 1).await?)
//! }
//!
//! fn depth_boxed(n: u32) -> Pin<Box<dyn Future<Output = Result<u32, timebox::Error>> + Send>> {
//!     Box::pin(depth(n))
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! assert_eq!(depth(5).await, Ok(5));
//! # }
//! ```
//!
//! - **Plain `tokio::spawn` is invisible** to scopes and leak checks; it
//!   shows only as the "untracked" count of a [`Snapshot`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod body;
mod call;
mod error;
mod function;
pub mod grpc_timeout;
mod inline;
#[cfg(any(feature = "axum", feature = "tonic"))]
mod integrations;
mod registry;
mod report;
mod scope;
mod snapshot;
mod spawn;
pub mod testing;
#[cfg(feature = "tower")]
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub mod tower;
mod zombie;

pub use error::{Error, ErrorKind};
pub use function::{call, call_inline};
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
/// | `fallback` | expression | returned on timeout or cancellation instead of an error, evaluated by the caller only then; the return type may then be anything |
/// | `grace` | integer literal, milliseconds, > 0 | spawn mode only: a cancelled body keeps being polled this long to clean up; the caller does not wait |
/// | `name` | string literal | label in errors, traces and leak reports; default: the function's name |
/// | `inline` | flag | no spawn: the body runs in the caller's task, under the same deadline and scope; for bodies that borrow or are not `Send` |
/// | `crate` | string literal holding a path | where to find `timebox` when it is re-exported |
///
/// Exactly one of `secs`, `ms` and `duration` is required.
///
/// # Rules, and the error a misuse gives
///
/// - It goes on an `async fn` with a body: `#[timed]` on a plain `fn`,
///   `const fn`, struct, impl block or trait declaration says what to write.
/// - The signature is kept as written; only the body is rewritten.
/// - Without `fallback` the declared return type must be `Result<T, E>`
///   with `E: From<timebox::Error>`; any other type gets one error, at the
///   return type, that states this rule.
/// - In spawn mode the body must be `Send + 'static`: arguments move into
///   the task. `&self` or a borrowed argument gets one error suggesting
///   `inline` or an owned type; a generic `T` without `Send + 'static` gets
///   rustc's own help at `T`.
/// - A bad key or value is one error at that token; the function is still
///   emitted (with a one-second default), so nothing cascades and the IDE
///   keeps working in the body. An unknown key lists the valid ones.
///
/// ```compile_fail
/// #[timebox::timed(timeout = 5)] // error: unknown `#[timed]` key `timeout`; ...
/// async fn fetch() -> Result<(), timebox::Error> {
///     Ok(())
/// }
/// ```
///
/// ```compile_fail
/// #[timebox::timed(secs = 1)] // error: a `#[timed]` function must return `Result<T, E>` ...
/// async fn fetch() -> u32 {
///     7
/// }
/// ```
pub use timebox_macros::timed;

/// What generated code uses. Not public API: no stability promise.
#[doc(hidden)]
pub mod __private {
    pub use crate::call::{Call, Spec, TimedResult, finish, run};
    pub use crate::inline::run_inline;
    pub use crate::registry::{Site, registry_roundtrip};
    pub use core::time::Duration;
}
