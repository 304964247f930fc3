//! The server side: every request a timed call whose budget is the smaller
//! of a ceiling and the caller's `grpc-timeout`, answered `504` (or gRPC
//! `DEADLINE_EXCEEDED`) when it runs out. [`DeadlineLayer`] makes a
//! [`Deadline`] service, whose future is a [`ResponseFuture`].
//!
//! ```
//! use std::convert::Infallible;
//! use std::time::Duration;
//! use http::{Request, Response};
//! use timebox::tower::deadline::{Deadline, DeadlineLayer, ResponseFuture};
//! use tower::{Layer, Service, service_fn};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let handler = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new("ok")) });
//! let mut service: Deadline<_> = DeadlineLayer::new(Duration::from_secs(1)).layer(handler);
//! let answer: ResponseFuture<&str, Infallible> = service.call(Request::new(()));
//! assert_eq!(*answer.await.unwrap().body(), "ok");
//! # }
//! ```

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use tokio::time::Instant;
use tower_layer::Layer;
use tower_service::Service;

use super::Timed;
use crate::function::{Site, inline_from, layer_site};
use crate::grpc_timeout::header_map::budget_of;
use crate::{Error, ErrorKind};

/// The site name of a [`DeadlineLayer`] that was not given one.
const DEFAULT_NAME: &str = "request";

const GRPC_STATUS: HeaderName = HeaderName::from_static("grpc-status");
const GRPC_MESSAGE: HeaderName = HeaderName::from_static("grpc-message");

/// Runs each request as a timed call under the caller's deadline, capped by
/// a ceiling: the server side of deadline propagation.
///
/// For a request the budget is the smaller of the ceiling and the request's
/// `grpc-timeout` header. Without the header, or with one that does not
/// parse, it is the ceiling; a larger value never raises it; with several
/// headers the smallest valid one counts. The handler runs inside the
/// call's scope, as a `#[timed]` body does: [`remaining`](crate::remaining),
/// [`token`](crate::token), [`spawn`](crate::spawn) and nested timed calls
/// all see this deadline, so the handler can pass it on.
///
/// When the deadline passes first the handler is dropped and the client gets
///
/// - for HTTP, `504 Gateway Timeout` with an empty (`Default`) body;
/// - for gRPC (a request whose `content-type` is `application/grpc`,
///   `application/grpc+…` or `application/grpc-web…`), `200 OK` with
///   `grpc-status: 4` (`DEADLINE_EXCEEDED`) and a `grpc-message` in the
///   headers and no body: a trailers-only answer, which tonic's client reads
///   as `Code::DeadlineExceeded`.
///
/// A call cancelled another way (a [`token`](crate::token) cancelled by
/// hand, an enclosing call ending) answers `503 Service Unavailable`, or
/// `grpc-status: 1` (`CANCELLED`). Either answer carries the
/// [`timebox::Error`](crate::Error) in its extensions. When the response
/// future is dropped before it is ready (the client hung up), the handler
/// is dropped with it.
///
/// Each request is counted in [`live`](crate::live) and
/// [`snapshot`](crate::snapshot()) under the layer's [name](Self::name)
/// (default `"request"`), at the file and line that called
/// [`DeadlineLayer::new`].
///
/// ```
/// use std::time::Duration;
/// use axum::{Router, routing::get};
/// use timebox::tower::DeadlineLayer;
/// # use tower::ServiceExt;
///
/// async fn handler() -> String {
///     // Pass what is left on to the next service, or stop when it runs out.
///     format!("{:?} left", timebox::remaining().unwrap())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let app: Router = Router::new()
///     .route("/", get(handler))
///     .layer(DeadlineLayer::new(Duration::from_secs(2)).name("api"));
/// # let request = http::Request::get("/").header("grpc-timeout", "250m").body(axum::body::Body::empty()).unwrap();
/// # let response = app.oneshot(request).await.unwrap();
/// # let body = axum::body::to_bytes(response.into_body(), 100).await.unwrap();
/// # assert_eq!(body, "250ms left");
/// # }
/// ```
///
/// With tonic, `Server::builder().layer(DeadlineLayer::new(ceiling))`.
/// tonic's server also reads `grpc-timeout` and, when it runs out, answers
/// `CANCELLED`; the layer's deadline is fixed when the request reaches it,
/// never later than tonic's, so the client sees `DEADLINE_EXCEEDED`.
#[derive(Clone, Copy)]
pub struct DeadlineLayer {
    ceiling: Duration,
    name: &'static str,
    location: &'static Location<'static>,
    site: &'static Site,
}

impl DeadlineLayer {
    /// A layer that gives each request at most `ceiling`, less if the
    /// caller sent less. Its requests are reported at the caller's line.
    ///
    /// `Duration::ZERO` answers every request at once with a timeout;
    /// `Duration::MAX` means "as long as the caller allows".
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use http::{Request, Response};
    /// use tower::{Layer, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let layer = timebox::tower::DeadlineLayer::new(Duration::from_secs(1));
    /// let handler = service_fn(|_: Request<()>| async {
    ///     Ok::<_, Infallible>(Response::new(timebox::remaining().unwrap()))
    /// });
    /// // No `grpc-timeout` header: the request gets the ceiling.
    /// let response = layer.layer(handler).oneshot(Request::new(())).await.unwrap();
    /// assert_eq!(*response.body(), Duration::from_secs(1));
    /// # }
    /// ```
    #[track_caller]
    pub fn new(ceiling: Duration) -> Self {
        let location = Location::caller();
        DeadlineLayer {
            ceiling,
            name: DEFAULT_NAME,
            location,
            site: layer_site(DEFAULT_NAME, location),
        }
    }

    /// Names the requests' timed calls: the label in their errors, traces
    /// and leak reports. Default: `"request"`.
    ///
    /// ```
    /// use std::convert::Infallible;
    /// use std::time::Duration;
    /// use http::{Request, Response};
    /// use tower::{Layer, ServiceExt, service_fn};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() {
    /// let layer = timebox::tower::DeadlineLayer::new(Duration::from_millis(10)).name("api");
    /// let stalled = service_fn(|_: Request<()>| async {
    ///     std::future::pending::<Result<Response<()>, Infallible>>().await
    /// });
    /// let response = layer.layer(stalled).oneshot(Request::new(())).await.unwrap();
    /// let err = response.extensions().get::<timebox::Error>().unwrap();
    /// assert_eq!(err.to_string(), "`api` timed out after 10ms");
    /// # }
    /// ```
    pub fn name(self, name: &'static str) -> Self {
        DeadlineLayer {
            name,
            site: layer_site(name, self.location),
            ..self
        }
    }

    /// The budget of a request with these headers.
    fn budget(&self, headers: &HeaderMap) -> Duration {
        budget_of(headers).map_or(self.ceiling, |sent| sent.min(self.ceiling))
    }
}

impl fmt::Debug for DeadlineLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadlineLayer")
            .field("ceiling", &self.ceiling)
            .field("name", &self.name)
            .field("location", &self.location)
            .finish()
    }
}

impl<S> Layer<S> for DeadlineLayer {
    type Service = Deadline<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Deadline {
            inner,
            layer: *self,
        }
    }
}

/// The service [`DeadlineLayer`] wraps around a server: see there.
///
/// ```
/// use std::convert::Infallible;
/// use std::time::Duration;
/// use http::{Request, Response, StatusCode};
/// use timebox::tower::DeadlineLayer;
/// use tower::{Layer, ServiceExt, service_fn};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let stalled = service_fn(|_: Request<()>| async {
///     std::future::pending::<()>().await;
///     Ok::<_, Infallible>(Response::new(String::new()))
/// });
/// let service = DeadlineLayer::new(Duration::from_millis(50)).layer(stalled);
/// let response = service.oneshot(Request::new(())).await.unwrap();
/// assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
/// # }
/// ```
#[derive(Clone)]
pub struct Deadline<S> {
    inner: S,
    layer: DeadlineLayer,
}

impl<S> Deadline<S> {
    /// The wrapped service.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tower::Layer;
    /// let service = timebox::tower::DeadlineLayer::new(Duration::from_secs(1)).layer(7);
    /// assert_eq!(*service.get_ref(), 7);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The wrapped service, mutably.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tower::Layer;
    /// let mut service = timebox::tower::DeadlineLayer::new(Duration::from_secs(1)).layer(7);
    /// *service.get_mut() += 1;
    /// assert_eq!(service.into_inner(), 8);
    /// ```
    pub fn get_mut(&mut self) -> &mut S {
        &mut self.inner
    }

    /// The wrapped service, unwrapped.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use tower::Layer;
    /// let service = timebox::tower::DeadlineLayer::new(Duration::from_secs(1)).layer(7);
    /// assert_eq!(service.into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: fmt::Debug> fmt::Debug for Deadline<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, B, R> Service<Request<B>> for Deadline<S>
where
    S: Service<Request<B>, Response = Response<R>>,
    S::Future: Send + 'static,
    R: Default,
{
    type Response = Response<R>;
    type Error = S::Error;
    type Future = ResponseFuture<R, S::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The deadline starts now, when the request reaches the layer, not
        // when the server first polls the answer.
        let start = Instant::now();
        let budget = self.layer.budget(request.headers());
        let grpc = grpc_content_type(request.headers());
        let handler = self.inner.call(request);
        ResponseFuture {
            call: Box::pin(inline_from(self.layer.site, start, budget, handler)),
            grpc,
        }
    }
}

/// The answer of a [`Deadline`] service: the handler's, or the timeout's.
///
/// ```
/// # use std::convert::Infallible;
/// # use std::time::Duration;
/// # use http::{Request, Response};
/// # use tower::{Layer, Service, service_fn};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let mut service = timebox::tower::DeadlineLayer::new(Duration::from_secs(1))
///     .layer(service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new("hi")) }));
/// let future: timebox::tower::deadline::ResponseFuture<&str, Infallible> =
///     service.call(Request::new(()));
/// assert_eq!(*future.await.unwrap().body(), "hi");
/// # }
/// ```
#[must_use = "futures do nothing unless polled"]
pub struct ResponseFuture<R, E> {
    call: Timed<Result<Response<R>, E>>,
    /// The request's `content-type`, when it was gRPC.
    grpc: Option<HeaderValue>,
}

impl<R, E> fmt::Debug for ResponseFuture<R, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture")
            .field("grpc", &self.grpc.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: Default, E> Future for ResponseFuture<R, E> {
    type Output = Result<Response<R>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        this.call.as_mut().poll(cx).map(|timed| match timed {
            Ok(answer) => answer,
            Err(err) => Ok(no_answer(err, this.grpc.take())),
        })
    }
}

/// The request's `content-type` if it is gRPC's: `application/grpc`
/// itself, or followed by `+` (a codec), `-` (grpc-web) or `;`, in any case.
fn grpc_content_type(headers: &HeaderMap) -> Option<HeaderValue> {
    const GRPC: &[u8] = b"application/grpc";
    let value = headers.get(CONTENT_TYPE)?;
    let bytes = value.as_bytes();
    let (head, rest) = bytes.split_at_checked(GRPC.len())?;
    let grpc =
        head.eq_ignore_ascii_case(GRPC) && matches!(rest.first(), None | Some(b'+' | b'-' | b';'));
    grpc.then(|| value.clone())
}

/// What the client gets when the handler had no answer in time: 504 / 503,
/// or gRPC's trailers-only `DEADLINE_EXCEEDED` / `CANCELLED`.
fn no_answer<R: Default>(err: Error, grpc: Option<HeaderValue>) -> Response<R> {
    let mut response = Response::new(R::default());
    let elapsed = err.kind() == ErrorKind::Elapsed;
    match grpc {
        None => {
            *response.status_mut() = if elapsed {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::SERVICE_UNAVAILABLE
            };
        }
        Some(content_type) => {
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, content_type);
            let code = if elapsed { "4" } else { "1" };
            headers.insert(GRPC_STATUS, HeaderValue::from_static(code));
            if let Ok(message) = HeaderValue::try_from(percent_encode(&err.to_string())) {
                headers.insert(GRPC_MESSAGE, message);
            }
        }
    }
    response.extensions_mut().insert(err);
    response
}

/// `grpc-message` encoding: printable ASCII but `%` as is, every other byte
/// of the UTF-8 as `%XX`.
fn percent_encode(message: &str) -> String {
    let mut encoded = String::with_capacity(message.len());
    for byte in message.bytes() {
        if (0x20..=0x7e).contains(&byte) && byte != b'%' {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content_type(value: &str) -> Option<HeaderValue> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_str(value).unwrap());
        grpc_content_type(&headers)
    }

    #[test]
    fn grpc_requests_are_told_by_their_content_type() {
        for grpc in [
            "application/grpc",
            "application/grpc+proto",
            "application/grpc-web+proto",
            "Application/GRPC",
            "application/grpc; charset=utf-8",
        ] {
            assert!(content_type(grpc).is_some(), "{grpc}");
        }
        for http in ["application/json", "application/grpcx", "text/grpc", "app"] {
            assert!(content_type(http).is_none(), "{http}");
        }
        assert!(grpc_content_type(&HeaderMap::new()).is_none());
    }

    #[test]
    fn grpc_messages_are_percent_encoded() {
        assert_eq!(percent_encode("`a` took 5ms"), "`a` took 5ms");
        assert_eq!(percent_encode("100% é\n"), "100%25 %C3%A9%0A");
    }

    #[test]
    fn budgets_are_capped_by_the_ceiling() {
        let layer = DeadlineLayer::new(Duration::from_secs(1));
        let budget = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("grpc-timeout", HeaderValue::from_str(value).unwrap());
            layer.budget(&headers)
        };
        assert_eq!(layer.budget(&HeaderMap::new()), Duration::from_secs(1));
        assert_eq!(budget("250m"), Duration::from_millis(250));
        assert_eq!(budget("5S"), Duration::from_secs(1));
        assert_eq!(budget("soon"), Duration::from_secs(1));
        assert_eq!(budget("0n"), Duration::ZERO);
    }
}
