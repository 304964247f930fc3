//! The client side: inside a timed call, stamp the call's remaining budget
//! into each outgoing request and end the request at the call's deadline.
//! [`PropagateLayer`] makes a [`Propagate`] client, whose future is a
//! [`ResponseFuture`].
//!
//! ```
//! use std::convert::Infallible;
//! use http::{Request, Response};
//! use timebox::tower::propagate::{Propagate, PropagateLayer, ResponseFuture};
//! use tower::{Layer, Service, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let client = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new("ok")) });
//! let mut client: Propagate<_> = PropagateLayer::new().layer(client);
//! let answer: ResponseFuture<_> = client.call(Request::new(()));
//! assert_eq!(*answer.await.unwrap().body(), "ok");
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Request;
use pin_project_lite::pin_project;
use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

use super::{BoxError, Timed};
use crate::function::{Site, inline_from, layer_site};
use crate::grpc_timeout::header_map::{DEFAULT_MARGIN, write_budget};

/// The site name of the outgoing requests' timed calls.
const NAME: &str = "timebox::propagate";

/// Sends the current timed call's deadline with every request: the client
/// side of deadline propagation.
///
/// Inside a timed call (a `#[timed]` body, [`call`](crate::call), a
/// [`DeadlineLayer`](super::DeadlineLayer) handler), each request
///
/// - gets a `grpc-timeout` header of the call's remaining budget less the
///   [margin](Self::margin) (default 5 ms, the time an answer needs to come
///   back), unless it already carries a smaller valid one; a larger or
///   malformed one is replaced, and a budget below the margin is sent as
///   `0n`;
/// - ends at the call's deadline, if the server has not answered by then,
///   with a [`timebox::Error`](crate::Error) of kind
///   [`Elapsed`](crate::ErrorKind::Elapsed) as the boxed error (or
///   [`Cancelled`](crate::ErrorKind::Cancelled) when the call is cancelled);
///   the request is dropped, which hyper turns into a closed connection or
///   an HTTP/2 reset, so the server stops too.
///
/// Outside a timed call the request and the call are unchanged (only the
/// error is boxed).
///
/// Wrap the client from outside: the layer must see the caller's task, not
/// a connection pool's or a buffer's worker. Requests in flight through it
/// are counted in [`live`](crate::live) under `"timebox::propagate"`, at the
/// file and line that called [`PropagateLayer::new`].
///
/// ```
/// use std::convert::Infallible;
/// use std::time::Duration;
/// use http::{Request, Response};
/// use timebox::tower::PropagateLayer;
/// use tower::{Layer, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// // A stand-in for a real client: answers with the budget it was sent.
/// let client = service_fn(|request: Request<()>| async move {
///     let sent = request.headers().get("grpc-timeout").cloned();
///     Ok::<_, Infallible>(Response::new(sent))
/// });
/// let client = PropagateLayer::new().margin(Duration::from_millis(10)).layer(client);
///
/// let inside = timebox::call_inline(Duration::from_millis(300), async {
///     client.clone().oneshot(Request::new(())).await.unwrap()
/// });
/// assert_eq!(inside.await.unwrap().body().as_ref().unwrap(), "290m");
///
/// let outside = client.oneshot(Request::new(())).await.unwrap();
/// assert!(outside.body().is_none(), "outside a timed call, no header");
/// # }
/// ```
///
/// With tonic, wrap the channel: `MyClient::new(PropagateLayer::new().layer(channel))`.
/// tonic's `Channel` enforces the `grpc-timeout` it sends itself, from the
/// moment it sends it, so a server that does not answer in time makes a
/// tonic call fail `margin` before the deadline, with tonic's own
/// `Code::Cancelled` ("Timeout expired", its source a
/// `tonic::TimeoutExpired`); the layer's deadline is the backstop for
/// clients that do not. A server behind a
/// [`DeadlineLayer`](super::DeadlineLayer) whose ceiling is the smaller
/// budget answers `Code::DeadlineExceeded`.
#[derive(Clone, Copy)]
pub struct PropagateLayer {
    margin: Duration,
    site: &'static Site,
}

impl PropagateLayer {
    /// A layer with the default 5 ms margin, its requests reported at the
    /// caller's line.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use http::{Request, Response};
    /// use tower::{Layer, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let stalled = service_fn(|_: Request<()>| async {
    ///     std::future::pending::<Result<Response<()>, Infallible>>().await
    /// });
    /// let client = timebox::tower::PropagateLayer::new().layer(stalled);
    ///
    /// let call = timebox::call_inline(Duration::from_millis(50), client.oneshot(Request::new(())));
    /// let err = call.await.unwrap().unwrap_err();
    /// let err = err.downcast_ref::<timebox::Error>().unwrap();
    /// assert!(err.is_elapsed());
    /// # }
    /// ```
    #[track_caller]
    pub fn new() -> Self {
        PropagateLayer {
            margin: DEFAULT_MARGIN,
            site: layer_site(NAME, Location::caller()),
        }
    }

    /// Keeps `margin` back from the budget sent: the server is told to stop
    /// this much before the caller's deadline, so its answer (or its own
    /// timeout) arrives in time. `Duration::ZERO` sends the remaining budget
    /// as is, as grpc-go does.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use http::{Request, Response};
    /// use tower::{Layer, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let echo = service_fn(|request: Request<()>| async move {
    ///     Ok::<_, Infallible>(Response::new(request.headers()["grpc-timeout"].clone()))
    /// });
    /// let client = timebox::tower::PropagateLayer::new().margin(Duration::ZERO).layer(echo);
    ///
    /// let sent = timebox::call_inline(Duration::from_millis(300), client.oneshot(Request::new(())));
    /// assert_eq!(sent.await.unwrap().unwrap().body(), "300m");
    /// # }
    /// ```
    pub fn margin(self, margin: Duration) -> Self {
        PropagateLayer { margin, ..self }
    }
}

impl Default for PropagateLayer {
    /// [`PropagateLayer::new`].
    #[track_caller]
    fn default() -> Self {
        PropagateLayer::new()
    }
}

impl fmt::Debug for PropagateLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PropagateLayer")
            .field("margin", &self.margin)
            .finish_non_exhaustive()
    }
}

impl<S> Layer<S> for PropagateLayer {
    type Service = Propagate<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Propagate {
            inner,
            layer: *self,
        }
    }
}

/// The service [`PropagateLayer`] wraps around a client: see there.
///
/// ```
/// use std::convert::Infallible;
/// use http::{Request, Response};
/// use tower::{Layer, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let client = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new("hi")) });
/// let client: timebox::tower::Propagate<_> = timebox::tower::PropagateLayer::new().layer(client);
/// assert_eq!(*client.oneshot(Request::new(())).await.unwrap().body(), "hi");
/// # }
/// ```
#[derive(Clone)]
pub struct Propagate<S> {
    inner: S,
    layer: PropagateLayer,
}

impl<S> Propagate<S> {
    /// The wrapped client.
    ///
    /// ```
    /// # use tower::Layer;
    /// let client = timebox::tower::PropagateLayer::new().layer(7);
    /// assert_eq!(*client.get_ref(), 7);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped client, mutably.
    ///
    /// ```
    /// # use tower::Layer;
    /// let mut client = timebox::tower::PropagateLayer::new().layer(7);
    /// *client.get_mut() += 1;
    /// assert_eq!(*client.get_ref(), 8);
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped client, unwrapped.
    ///
    /// ```
    /// # use tower::Layer;
    /// let client = timebox::tower::PropagateLayer::new().layer(7);
    /// assert_eq!(client.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for Propagate<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Propagate")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, B> Service<Request<B>> for Propagate<S>
where
    S: Service<Request<B>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxError;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        let start = Instant::now();
        let Some(left) = crate::remaining() else {
            return ResponseFuture {
                state: State::Plain {
                    inner: self.inner.call(request),
                },
            };
        };
        write_budget(
            request.headers_mut(),
            left.saturating_sub(self.layer.margin),
        );
        let inner = self.inner.call(request);
        ResponseFuture {
            state: State::Timed {
                call: Box::pin(inline_from(self.layer.site, start, left, inner)),
            },
        }
    }
}

pin_project! {
    /// The answer of a [`Propagate`] client: the wrapped client's, or the
    /// [`timebox::Error`](crate::Error) that ended the call, boxed.
    ///
    /// ```
    /// # use std::convert::Infallible;
    /// # use http::{Request, Response};
    /// # use tower::{Layer, Service, service_fn};
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// # let client = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new("hi")) });
    /// let mut client = timebox::tower::PropagateLayer::new().layer(client);
    /// let future: timebox::tower::propagate::ResponseFuture<_> = client.call(Request::new(()));
    /// assert_eq!(*future.await.unwrap().body(), "hi");
    /// # }
    /// ```
    #[must_use = "futures do nothing unless polled"]
    pub struct ResponseFuture<F: Future> {
        #[pin]
        state: State<F>,
    }
}

pin_project! {
    #[project = StateProj]
    enum State<F: Future> {
        /// Outside a timed call: the client's own future.
        Plain { #[pin] inner: F },
        /// Inside one: the client's future under the call's deadline.
        Timed { call: Timed<F::Output> },
    }
}

impl<F: Future> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let timed = matches!(self.state, State::Timed { .. });
        f.debug_struct("ResponseFuture")
            .field("timed", &timed)
            .finish_non_exhaustive()
    }
}

impl<F, T, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, E>>,
    E: Into<BoxError>,
{
    type Output = Result<T, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project().state.project() {
            StateProj::Plain { inner } => inner.poll(cx).map_err(Into::into),
            StateProj::Timed { call } => call.as_mut().poll(cx).map(|timed| match timed {
                Ok(answer) => answer.map_err(Into::into),
                Err(err) => Err(err.into()),
            }),
        }
    }
}
