//! The caller: hyper-util's pooled HTTP/1.1 client, with each call under a
//! `#[timed]` deadline whose remaining budget travels in the request's
//! `grpc-timeout` header.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper::{Request, Uri};
use hyper_util::client::legacy::{self, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use timebox::{ErrorKind, grpc_timeout, timed};

/// An endpoint of the [`Server`](super::Server).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Endpoint {
    /// `/fast`: answers at once.
    Fast,
    /// `/slow?ms=N`: answers after N ms.
    Slow(Duration),
    /// `/hang`: never answers.
    Hang,
}

impl Endpoint {
    /// The path and query of a request to this endpoint.
    pub fn path(&self) -> String {
        match self {
            Endpoint::Fast => "/fast".into(),
            Endpoint::Slow(after) => format!("/slow?ms={}", after.as_millis()),
            Endpoint::Hang => "/hang".into(),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.path())
    }
}

/// An answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The HTTP status code.
    pub status: u16,
    /// The body, as text.
    pub body: String,
}

/// Why a call has no [`Reply`]. It converts from [`timebox::Error`], so a
/// `#[timed]` function can return it.
#[derive(Debug)]
pub enum CallError {
    /// The call's deadline passed, or it was cancelled.
    Timebox(timebox::Error),
    /// The request could not be sent or its answer read.
    Http(Box<dyn std::error::Error + Send + Sync>),
}

impl CallError {
    fn http(err: impl std::error::Error + Send + Sync + 'static) -> CallError {
        CallError::Http(Box::new(err))
    }
}

impl From<timebox::Error> for CallError {
    fn from(err: timebox::Error) -> Self {
        CallError::Timebox(err)
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timebox(err) => err.fmt(f),
            CallError::Http(err) => write!(f, "http: {err}"),
        }
    }
}

impl std::error::Error for CallError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CallError::Timebox(err) => Some(err),
            CallError::Http(err) => Some(&**err),
        }
    }
}

/// How a timed call ended, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `200 OK` in time.
    Ok,
    /// The caller's deadline passed first: `#[timed]` gave up and ended the
    /// request.
    TimedOut,
    /// The server's copy of the deadline passed first: it answered `504`.
    ServerTimedOut,
    /// Anything else: another status, a transport error, a cancellation.
    Failed(String),
}

impl Outcome {
    fn of(result: Result<Reply, CallError>) -> Outcome {
        match result {
            Ok(reply) if reply.status == 200 => Outcome::Ok,
            Ok(reply) if reply.status == 504 => Outcome::ServerTimedOut,
            Ok(reply) => Outcome::Failed(format!("status {}: {}", reply.status, reply.body)),
            Err(CallError::Timebox(err)) if err.kind() == ErrorKind::Elapsed => Outcome::TimedOut,
            Err(err) => Outcome::Failed(err.to_string()),
        }
    }
}

/// A client of one [`Server`](super::Server). Cheap to clone: clones share
/// the connection pool.
#[derive(Debug, Clone)]
pub struct Client {
    http: legacy::Client<HttpConnector, Empty<Bytes>>,
    addr: SocketAddr,
}

impl Client {
    /// A client of the server at `addr`. Make it inside a Tokio runtime:
    /// connections are driven by tasks spawned there.
    pub fn new(addr: SocketAddr) -> Client {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        Client {
            http: legacy::Client::builder(TokioExecutor::new()).build(connector),
            addr,
        }
    }

    /// Calls `endpoint` with a deadline of `timeout`, telling the server how
    /// long it has. See [`Outcome`].
    pub async fn call(&self, endpoint: Endpoint, timeout: Duration) -> Outcome {
        Outcome::of(timed_get(self.clone(), endpoint.path(), timeout).await)
    }

    /// One plain `GET path`, with no deadline of its own, sending
    /// `grpc_timeout` as the `grpc-timeout` header when given.
    pub async fn get(&self, path: &str, grpc_timeout: Option<&str>) -> Result<Reply, CallError> {
        let uri: Uri = format!("http://{}{path}", self.addr)
            .parse()
            .map_err(CallError::http)?;
        let mut request = Request::get(uri);
        if let Some(value) = grpc_timeout {
            request = request.header(grpc_timeout::HEADER, value);
        }
        let request = request.body(Empty::new()).map_err(CallError::http)?;
        let response = self.http.request(request).await.map_err(CallError::http)?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(CallError::http)?
            .to_bytes();
        Ok(Reply {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}

/// The timed call: the request runs as its own task under `timeout`, and
/// the server is told what is left of it when the request leaves.
#[timed(duration = timeout, name = "http_call")]
async fn timed_get(client: Client, path: String, timeout: Duration) -> Result<Reply, CallError> {
    let budget = timebox::remaining().unwrap_or(timeout);
    client.get(&path, Some(&grpc_timeout::format(budget))).await
}

/// The client's timed calls alive now: the part of [`timebox::live`] that
/// is this module's.
pub fn live_calls() -> u64 {
    super::live_in(module_path!())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(Endpoint::Fast.path(), "/fast");
        assert_eq!(
            Endpoint::Slow(Duration::from_millis(250)).to_string(),
            "/slow?ms=250"
        );
        assert_eq!(Endpoint::Hang.path(), "/hang");
    }
}
