//! `timebox::Error` as an axum response (feature `axum`).

use axum_core::response::{IntoResponse, Response};
use http::StatusCode;

use crate::{Error, ErrorKind};

/// A timed call that ran out answers `504 Gateway Timeout`, one that was
/// cancelled `503 Service Unavailable`; the body is the error's message, as
/// `text/plain`. So an axum handler may return `Result<T, timebox::Error>`
/// and be `#[timed]` as it is (needs the `axum` feature).
///
/// ```
/// use axum_core::response::IntoResponse;
/// use http::StatusCode;
/// use timebox::timed;
///
/// #[timed(ms = 20)]
/// async fn handler() -> Result<String, timebox::Error> {
///     std::future::pending::<()>().await;
///     Ok("never".into())
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let response = handler().await.into_response();
/// assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
/// let body = axum::body::to_bytes(response.into_body(), 1024).await.unwrap();
/// assert_eq!(body, "`handler` timed out after 20ms");
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = match self.kind() {
            ErrorKind::Elapsed => StatusCode::GATEWAY_TIMEOUT,
            _ => StatusCode::SERVICE_UNAVAILABLE,
        };
        (status, self.to_string()).into_response()
    }
}
