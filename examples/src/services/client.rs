//! The caller: each request a `timebox::call` of the client's budget,
//! sent with hyper-util's client through a [`PropagateLayer`], so the edge
//! is told how long it has and the call ends at the deadline whatever the
//! edge does.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::{self, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use timebox::tower::{BoxError, Propagate, PropagateLayer};
use tower::{Layer, ServiceExt};

use super::Settings;
use super::journal::{Hop, Journal};

/// How a request ended, as its caller saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `200 OK` in time, with this body.
    Ok(String),
    /// Another status in time, with this body: `504` when a tier inside ran
    /// out of budget first and said so.
    Status(u16, String),
    /// The caller's own deadline passed first.
    TimedOut,
    /// The request failed another way.
    Failed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Ok(body) => write!(f, "200 {body}"),
            Outcome::Status(status, body) => write!(f, "{status} {body}"),
            Outcome::TimedOut => f.write_str("timed out at the client"),
            Outcome::Failed(why) => write!(f, "failed: {why}"),
        }
    }
}

/// The caller of the edge. Cheap to clone: clones share the connection
/// pool. Make it inside a Tokio runtime.
#[derive(Debug, Clone)]
pub struct Client {
    http: Propagate<legacy::Client<HttpConnector, Empty<Bytes>>>,
    edge: SocketAddr,
    budget: Duration,
    journal: Journal,
}

impl Client {
    /// A client of the edge at `edge`, giving each request
    /// `settings.budget`.
    pub fn new(settings: Settings, journal: Journal, edge: SocketAddr) -> Client {
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let http = legacy::Client::builder(TokioExecutor::new()).build(connector);
        Client {
            http: PropagateLayer::new().margin(settings.margin).layer(http),
            edge,
            budget: settings.budget,
            journal,
        }
    }

    /// `GET /item/{id}` from the edge, as a timed call of the client's
    /// budget. Dropping the future hangs up.
    pub async fn get(&self, id: u64) -> Outcome {
        let this = self.clone();
        match timebox::call(self.budget, async move { this.send(id).await }).await {
            Ok(Ok((200, body))) => Outcome::Ok(body),
            Ok(Ok((status, body))) => Outcome::Status(status, body),
            Ok(Err(err)) => match err.downcast_ref::<timebox::Error>() {
                Some(err) if err.is_elapsed() => Outcome::TimedOut,
                _ => Outcome::Failed(err.to_string()),
            },
            Err(err) if err.is_elapsed() => Outcome::TimedOut,
            Err(err) => Outcome::Failed(err.to_string()),
        }
    }

    async fn send(self, id: u64) -> Result<(u16, String), BoxError> {
        let visit = self.journal.enter(id, Hop::Client);
        let uri = format!("http://{}/item/{id}", self.edge);
        let request = http::Request::get(uri).body(Empty::new())?;
        let response = self.http.oneshot(request).await?;
        let status = response.status().as_u16();
        let body = response.into_body().collect().await?.to_bytes();
        visit.answered(status);
        Ok((status, String::from_utf8_lossy(&body).into_owned()))
    }

    /// The client's timed calls alive now: its share of `timebox::live()`.
    pub fn live() -> u64 {
        super::live_in(file!())
    }
}
