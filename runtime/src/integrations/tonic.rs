//! `timebox::Error` as a tonic status (feature `tonic`).

use std::sync::Arc;

use ::tonic::Status;

use crate::{Error, ErrorKind};

/// A timed call that ran out becomes `Code::DeadlineExceeded`, one that was
/// cancelled `Code::Cancelled`; the message is the error's, and the error
/// stays reachable as the status' source. So a tonic method returning
/// `Result<Response<T>, Status>` can use `?` on a timed call (needs the
/// `tonic` feature).
///
/// ```
/// use std::time::Duration;
/// use tonic::{Code, Status};
///
/// async fn get(key: u64) -> Result<tonic::Response<u64>, Status> {
///     let value = timebox::call(Duration::from_millis(20), async move {
///         std::future::pending::<()>().await;
///         key
///     })
///     .await?;
///     Ok(tonic::Response::new(value))
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let status = get(7).await.unwrap_err();
/// assert_eq!(status.code(), Code::DeadlineExceeded);
/// assert_eq!(status.message(), "`timebox::call` timed out after 20ms");
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tonic")))]
impl From<Error> for Status {
    fn from(err: Error) -> Self {
        let message = err.to_string();
        let mut status = match err.kind() {
            ErrorKind::Elapsed => Status::deadline_exceeded(message),
            _ => Status::cancelled(message),
        };
        status.set_source(Arc::new(err));
        status
    }
}
