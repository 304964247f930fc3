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
//! `Result<T, Box<dyn Error + Send + Sync>>` all work (see
//! [below](#errors-the-bodys-and-timeboxs) when the body has errors of its
//! own). Its output travels in the task's own `JoinHandle`, a bounded
//! one-shot slot: delivering it never blocks, and if the caller is gone the
//! runtime drops it.
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
//!   for it, and a value it returns then is dropped. The cleanup runs in a
//!   scope of its own, as with Trio's shielded scopes and Kotlin's
//!   `NonCancellable`: to the body its call stays cancelled
//!   ([`is_cancelled`] is true), but timed calls and [`spawn`] children made
//!   then are not, and run under the grace period's end as their deadline;
//!   they end with it. A grace period never outlives the call around it:
//!   when the enclosing call returns, the body is dropped, in its grace or
//!   not.
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
//! # Errors: the body's and timebox's
//!
//! A body that uses `?` on its own errors needs an error type that converts
//! from those *and* from `timebox::Error`: `Result<T, timebox::Error>`
//! cannot carry a `ParseIntError`. Take `anyhow::Error` (or
//! `Box<dyn Error + Send + Sync>`), which converts from every error, or
//! an enum of your own with one `From` per error, which `thiserror`
//! writes for you:
//!
//! ```
//! use timebox::timed;
//!
//! #[timed(ms = 100)]
//! async fn port(text: String) -> anyhow::Result<u16> {
//!     Ok(text.trim().parse()?) // a ParseIntError, or a timebox::Error on timeout
//! }
//!
//! #[derive(Debug, thiserror::Error)]
//! enum ConfigError {
//!     #[error(transparent)]
//!     Timebox(#[from] timebox::Error),
//!     #[error("not a port: {0}")]
//!     Parse(#[from] std::num::ParseIntError),
//! }
//!
//! #[timed(ms = 100)]
//! async fn strict_port(text: String) -> Result<u16, ConfigError> {
//!     Ok(text.trim().parse()?)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! assert_eq!(port(" 8080 ".into()).await.unwrap(), 8080);
//! assert!(matches!(strict_port("http".into()).await, Err(ConfigError::Parse(_))));
//! # }
//! ```
//!
//! The enum is also where framework errors meet: give it an axum
//! `IntoResponse` or a `From<ConfigError> for tonic::Status` that hands the
//! `Timebox` case to the conversions the `axum` and `tonic` features provide
//! (see [Services](#services)).
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
//! # Services
//!
//! A deadline is worth most when it crosses the wire: a request with 100 ms
//! left should not ask its upstream for a second. Four features carry it,
//! each off by default and each built alone:
//!
//! | feature | what it adds |
//! |---|---|
//! | `tower` | [`tower::DeadlineLayer`][deadline-layer] (server) and [`tower::PropagateLayer`][propagate-layer] (client); turns on `http` |
//! | `http` | `grpc_timeout::stamp`, for clients that are not tower services (reqwest) |
//! | `axum` | `impl axum_core::response::IntoResponse for Error`: `504` for `Elapsed`, `503` for `Cancelled`, the message as body |
//! | `tonic` | `impl From<Error> for tonic::Status`: `DeadlineExceeded` / `Cancelled`, with the message |
//!
//! **Server side.** [`tower::DeadlineLayer::new(ceiling)`][deadline-layer]
//! runs each request as a timed call of the smaller of the ceiling and the
//! request's `grpc-timeout` (absent or malformed: the ceiling). The handler
//! runs in its scope, so [`remaining`], [`token`], [`spawn`] and nested
//! `#[timed]` calls work there as in any body. When the deadline passes the
//! client gets `504`, or gRPC's `DEADLINE_EXCEEDED` as a trailers-only
//! answer; when the client hangs up, the handler is dropped. On an axum
//! `Router` it is `.layer(DeadlineLayer::new(ceiling))`; on a tonic server
//! `Server::builder().layer(DeadlineLayer::new(ceiling))`.
//!
//! **Client side.** [`tower::PropagateLayer`][propagate-layer] wraps a
//! tower client (hyper-util's `Client`, a tonic `Channel`): inside a timed call each request carries
//! the remaining budget less a margin (5 ms by default) in `grpc-timeout`,
//! and ends at the deadline with a [`timebox::Error`](Error). For reqwest,
//! stamp the request yourself with `grpc_timeout::stamp(request.headers_mut())`.
//!
//! ```
//! # #[cfg(all(feature = "tower", feature = "axum"))]
//! # mod demo {
//! use std::convert::Infallible;
//! use std::time::Duration;
//! use axum::{Router, routing::get};
//! use http::{Request, Response};
//! use timebox::tower::{DeadlineLayer, PropagateLayer};
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! // The handler runs under the caller's deadline, and its own calls carry it.
//! async fn handler() -> Result<String, timebox::Error> {
//!     // A stand-in for the next service: answers with the budget it was sent.
//!     let upstream = service_fn(|request: Request<()>| async move {
//!         let sent = request.headers()["grpc-timeout"].to_str().unwrap().to_string();
//!         Ok::<_, Infallible>(Response::new(sent))
//!     });
//!     let client = PropagateLayer::new().layer(upstream);
//!     let answer = client.oneshot(Request::new(())).await.unwrap();
//!     Ok(format!("upstream was given {}", answer.body()))
//! }
//!
//! pub async fn run() {
//!     let app: Router = Router::new()
//!         .route("/", get(handler))
//!         .layer(DeadlineLayer::new(Duration::from_secs(2)).name("api"));
//!     let request = Request::get("/")
//!         .header("grpc-timeout", "300m")
//!         .body(axum::body::Body::empty())
//!         .unwrap();
//!     let response = app.oneshot(request).await.unwrap();
//!     let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
//!     assert_eq!(body, "upstream was given 295m");
//! }
//! # }
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! # #[cfg(all(feature = "tower", feature = "axum"))]
//! # demo::run().await;
//! # }
//! ```
//!
//! **axum.** With the `axum` feature a handler may return
//! `Result<T, timebox::Error>`, and so be `#[timed]` or use [`call`] with
//! `?`. **tonic.** With the `tonic` feature a method returning
//! `Result<Response<T>, Status>` can `?` a timed call; time a method's body
//! with [`call_inline`] (it may borrow `&self`).
//!
//! **What propagates, and what does not.** The deadline crosses in
//! `grpc-timeout`, which tonic, grpc-go, grpc-java and Envoy read too; each
//! hop keeps the margin back, so the budget shrinks hop by hop and a
//! callee gives up (and says so) before its caller would; a tonic
//! `Channel` also enforces the header it sends, and reports that as
//! `Code::Cancelled`. Cancellation crosses as
//! the transport's own signal: a dropped handler drops its outgoing
//! requests, hyper closes or resets them, and the next server drops its
//! handler. Tokens, call names and spawned tasks stay in their process.
//! See the [`tower`][tower-module] module for the details, and
//! `cargo run --example services` for three tiers over loopback.
//!
#![cfg_attr(feature = "tower", doc = "[deadline-layer]: tower::DeadlineLayer")]
#![cfg_attr(feature = "tower", doc = "[propagate-layer]: tower::PropagateLayer")]
#![cfg_attr(feature = "tower", doc = "[tower-module]: mod@tower")]
#![cfg_attr(not(feature = "tower"), doc = "[deadline-layer]: #services")]
#![cfg_attr(not(feature = "tower"), doc = "[propagate-layer]: #services")]
#![cfg_attr(not(feature = "tower"), doc = "[tower-module]: #services")]
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
//! With the `tracing` feature every call's body runs in an INFO span named
//! `timed`, target `timebox`, with the fields `site`, `file`, `line`,
//! `timeout_ms` and `outcome` (recorded when the call ends; a
//! `timebox::spawn` child runs in the span it was spawned in); every
//! timeout and cancellation is a WARN event of target `timebox` with `site`,
//! `file`, `line`, `kind` (`Elapsed`, `Cancelled`, or `CallerGone` when the
//! caller's future was dropped mid-wait before the deadline it runs under
//! was reached; after, the caller is the parent whose deadline it
//! inherited, and it is `Elapsed`) and the error's message, and every
//! zombie a WARN event with `grace_ms`. With the `metrics` feature,
//! `timebox_calls_total{site, file, line, outcome}`, the histogram
//! `timebox_call_duration_seconds{site, file, line, outcome}` (from the
//! call's start to its end), `timebox_tasks_live{site, file, line}` and
//! `timebox_tasks_zombie{site, file, line}` (both 0 from a site's first
//! call) reach any `metrics` exporter.
//!
//! An outcome (the label, the span's field, and the [`SiteStats`] counter
//! of the same name) of a `#[timed]` call, or of a call through the tower
//! layers, is one of:
//!
//! | outcome | the call |
//! |---|---|
//! | `ok` | returned the body's value (for a `Result`, an `Ok`) |
//! | `err` | returned the body's `Err` in time: the work failed, not its time |
//! | `elapsed` | ran out of time: its own deadline, or one it inherited from an enclosing call, was reached (a nested call ended by it, and an `Err` its body returns after a call nested in it ran out of that deadline, count here too) |
//! | `cancelled` | was cancelled before the deadline it runs under was reached: by its token, its parent, a runtime shutdown, or its caller going away |
//! | `panicked` | its body panicked |
//!
//! [`call`] and [`call_inline`] count any value `ok` (their futures' output
//! can be any type), and a [`spawn`] child counts `ok` when it finishes,
//! `cancelled` when it is aborted (by its parent's end too) and `panicked`
//! when it panics.
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
//! - **Plain `tokio::spawn` is invisible** to scopes and leak checks: use
//!   [`spawn`]. To see plain tasks too, see [Every task](#every-task).
//!
//! # Every task
//!
//! Servers run each connection in a plain `tokio::spawn`, and a plain spawn
//! leaks like the Go goroutine did. Built with `--cfg tokio_unstable` (for
//! tokio's task hooks: `RUSTFLAGS="--cfg tokio_unstable"`, or `rustflags`
//! under `[build]` in `.cargo/config.toml`), `track_tasks(&mut builder)`
//! counts every task of that runtime at its spawn location: [`snapshot`]
//! gets a `"tokio::spawn"` row per location (`started`, `live`, `oldest`;
//! the outcome counters stay 0), [`Snapshot::since`] diffs them, and
//! [`testing::assert_no_leaks`] also fails on a plain spawn started inside
//! it, naming its `file:line`. timebox's own tasks are counted once, at
//! their timed site; [`live`] still counts timed bodies only. Without the
//! cfg, `track_tasks` does not exist and nothing else changes.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Under loom only the modelled modules build: the rest of their API is unused.
#![cfg_attr(timebox_loom, allow(dead_code, unused_imports))]

// Leaves: they import nothing of this crate (`budget` and `error` aside,
// which `error` names; `lock` and the lock-free leaves name `sync`).
mod budget;
mod error;
pub mod grpc_timeout;
mod latch;
mod lock;
mod origin;
mod outcome;
mod slots;
mod spawner;
mod stripes;
mod sync;
// Reporting: tracing and metrics, or nothing.
mod report;
// Accounting, its lock-light parts: zombie marks, leak-check tallies.
mod marks;
mod tracker;
// The loom models of the modules above: `RUSTFLAGS="--cfg timebox_loom"
// cargo test -p timebox --release --lib loom`.
#[cfg(all(test, timebox_loom))]
mod loom_tests;

/// Everything above the lock-free and lock-light modules: sites are statics
/// and the current scope a thread-local, so none of it builds under `--cfg timebox_loom`.
macro_rules! above_the_leaves {
    ($($item:item)*) => { $(#[cfg(not(timebox_loom))] $item)* };
}

above_the_leaves! {
    // A leaf, but per thread: a call's deadline timer, kept between calls.
    mod timer;
    // Accounting: the sites and their watchdog.
    mod registry;
    mod zombie;
    // The scope engine, and what a body asks of it.
    mod current;
    mod scope;
    // Guards that travel with a body; the two run modes.
    mod guard;
    mod mode;
    // The public layer.
    mod snapshot;
    mod spawn;
    #[cfg(tokio_unstable)]
    mod tasks;
    pub mod testing;
    // The attribute's function form, and the integrations built on it.
    #[cfg(feature = "http")]
    #[cfg_attr(docsrs, doc(cfg(feature = "http")))]
    pub mod debug;
    mod function;
    #[cfg(any(feature = "axum", feature = "tonic"))]
    mod integrations;
    #[cfg(feature = "tower")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
    pub mod tower;

    pub use current::{cancelled, deadline, is_cancelled, remaining, token};
    pub use function::{call, call_inline};
    pub use registry::live;
    pub use snapshot::{SiteStats, Snapshot, snapshot};
    pub use spawn::spawn;
    #[cfg(tokio_unstable)]
    pub use tasks::track_tasks;
}
pub use error::{Error, ErrorKind};

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
/// | `grace` | integer literal, milliseconds | spawn mode only: a cancelled body keeps being polled this long to clean up; the caller does not wait |
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
///
/// # In `#[async_trait]` impls
///
/// On a method of an `#[async_trait]` (or `#[tonic::async_trait]`) impl,
/// and on a default method of such a trait, `#[timed]` goes on the method,
/// below `#[async_trait]` on the impl. async-trait expands first and turns
/// the method into a fn returning `Pin<Box<dyn Future<Output = R> + Send>>`;
/// `#[timed]` recognizes that and times the future inside, with every key
/// and rule as above, read against `R`: `&self` needs `inline`, and
/// `self: Arc<Self>` with owned arguments runs in spawn mode. `#[timed]` on
/// the impl itself, or `#[async_trait]` on the method, is an error that
/// says which order to write.
///
/// ```
/// use async_trait::async_trait;
/// use timebox::{timed, ErrorKind};
///
/// #[async_trait]
/// trait Store {
///     async fn get(&self, key: String) -> Result<usize, timebox::Error>;
/// }
///
/// struct Slow;
///
/// #[async_trait]
/// impl Store for Slow {
///     #[timed(ms = 20, inline)]
///     async fn get(&self, key: String) -> Result<usize, timebox::Error> {
///         tokio::time::sleep(std::time::Duration::from_secs(1)).await;
///         Ok(key.len())
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let err = Slow.get("a".to_string()).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Elapsed);
/// # }
/// ```
///
/// The test suite's `tests/ui/pass/async_trait_*.rs` show spawn mode, the
/// default methods of a trait and a tonic-shaped service.
pub use timebox_macros::timed;

/// What generated code uses. Not public API: no stability promise.
#[doc(hidden)]
#[cfg(not(timebox_loom))]
pub mod __private {
    pub use crate::mode::inline::run_inline;
    pub use crate::mode::task::{Call, run};
    pub use crate::mode::{
        Finish, Judge, JudgeAnything, JudgeResult, Judged, Returned, Spec, TimedResult, finish,
    };
    pub use crate::registry::{Site, registry_roundtrip};
    pub use core::time::Duration;
}
