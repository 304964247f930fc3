//! Tower middleware that carries deadlines across the wire (feature `tower`).
//!
//! - **Server side**, [`DeadlineLayer`]: each request runs as a timed call
//!   whose budget is the smaller of a ceiling and the `grpc-timeout` the
//!   caller sent. The handler runs inside that call's scope, so
//!   [`remaining`](crate::remaining), [`token`](crate::token),
//!   [`spawn`](crate::spawn) and nested `#[timed]` calls see the caller's
//!   deadline. When it passes the client gets `504 Gateway Timeout`, or for
//!   gRPC the status `DEADLINE_EXCEEDED`; when the client hangs up, the
//!   handler is dropped.
//! - **Client side**, [`PropagateLayer`]: inside a timed call, each request
//!   carries what is left of the call's budget (less a margin) in
//!   `grpc-timeout`, and the call ends at the deadline with a
//!   [`timebox::Error`](crate::Error). Outside a timed call it changes
//!   nothing.
//!
//! Both work with any `tower_service::Service` over `http` types: axum and
//! tonic servers, hyper-util's and tonic's clients.
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::Duration;
//! use http::{Request, Response, StatusCode};
//! use timebox::tower::DeadlineLayer;
//! use tower::{Layer, ServiceExt, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! // A handler that reports how long it was given.
//! let handler = service_fn(|_: Request<()>| async {
//!     let left = timebox::remaining().unwrap();
//!     Ok::<_, Infallible>(Response::new(format!("{left:?}")))
//! });
//! let service = DeadlineLayer::new(Duration::from_secs(2)).layer(handler);
//!
//! let request = Request::get("/").header("grpc-timeout", "300m").body(()).unwrap();
//! let response = service.oneshot(request).await.unwrap();
//! assert_eq!(response.status(), StatusCode::OK);
//! assert_eq!(response.body(), "300ms");
//! # }
//! ```
//!
//! # Inline, not spawned
//!
//! The layers' timed calls are inline: the handler (or the outgoing
//! request) is polled in the task that polls the layer's future, as
//! [`call_inline`](crate::call_inline) does. hyper already gives every
//! HTTP/1 connection and every HTTP/2 stream a task of its own, so a second
//! task per request would add a spawn and a scheduler hop and buy nothing;
//! inline, a client that hangs up drops the handler at once, and its
//! panics unwind through the server's task as they would without the layer.
//! The price is the one every inline body pays: a handler that blocks its
//! thread cannot be answered for until it yields. The call itself is boxed
//! (one allocation per request), because its future cannot be named.
//!
//! # What propagates, and what does not
//!
//! The deadline does, in `grpc-timeout` (the gRPC wire format, also read by
//! tonic, grpc-go, grpc-java and Envoy), on every request sent through
//! [`PropagateLayer`] or [`grpc_timeout::stamp`](crate::grpc_timeout::stamp)
//! inside a timed call. Cancellation travels the other way, as the
//! transport's own: a handler dropped by its deadline or by its caller drops
//! its outgoing requests, hyper closes (HTTP/1) or resets (HTTP/2) them, and
//! the next server drops its handler in turn. Nothing else crosses: the
//! caller's [`token`](crate::token), its call names and its
//! [`spawn`](crate::spawn)ed tasks stay in its process, and a server without
//! a deadline layer (or tonic's own header handling) only sees the header.

pub mod deadline;
pub mod propagate;

pub use deadline::{Deadline, DeadlineLayer};
pub use propagate::{Propagate, PropagateLayer};

/// The error type of [`Propagate`]: what the wrapped client failed with, or
/// the [`timebox::Error`](crate::Error) that ended the call.
///
/// ```
/// let err: timebox::tower::BoxError = "connection refused".into();
/// assert!(err.downcast_ref::<timebox::Error>().is_none());
/// ```
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A layer's timed call of a future with output `T`, boxed: its type cannot
/// be named.
type Timed<T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, crate::Error>> + Send>>;
