//! The edge: the public HTTP server (axum) behind a [`DeadlineLayer`],
//! forwarding `GET /item/{id}` to the API tier with reqwest, whose request
//! [`grpc_timeout::stamp`] marks with what is left of the budget.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use timebox::grpc_timeout;
use timebox::tower::DeadlineLayer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::journal::{Hop, Journal};
use super::{Settings, stopped};

/// The edge, serving until dropped.
#[derive(Debug)]
pub struct EdgeTier {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl EdgeTier {
    /// Serves `GET /item/{id}` on 127.0.0.1, on the current runtime,
    /// forwarding to the API tier at `api`.
    pub async fn start(
        settings: Settings,
        journal: Journal,
        api: SocketAddr,
    ) -> io::Result<EdgeTier> {
        let http = reqwest::Client::builder()
            .no_proxy()
            .tcp_nodelay(true)
            .build()
            .map_err(io::Error::other)?;
        let edge = Edge { journal, http, api };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/item/{id}", get(item))
            .route("/debug/timebox", get(debug_page))
            .layer(DeadlineLayer::new(settings.ceiling).name("edge"))
            .with_state(edge);
        let (stop, stopping) = watch::channel(false);
        let server = axum::serve(listener, app).with_graceful_shutdown(stopped(stopping));
        let server = tokio::spawn(async move {
            if let Err(err) = server.await {
                eprintln!("edge: server failed: {err}");
            }
        });
        Ok(EdgeTier { addr, stop, server })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// This tier's timed calls alive now: its share of `timebox::live()`.
    pub fn live() -> u64 {
        super::live_in(file!())
    }
}

impl Drop for EdgeTier {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        self.server.abort();
    }
}

#[derive(Debug, Clone)]
struct Edge {
    journal: Journal,
    http: reqwest::Client,
    api: SocketAddr,
}

/// `GET /item/{id}`: whatever the API tier answers, in time.
async fn item(State(edge): State<Edge>, Path(id): Path<u64>) -> Response {
    let visit = edge.journal.enter(id, Hop::Edge);
    let response = forward(&edge, id).await.into_response();
    visit.answered(response.status().as_u16());
    response
}

async fn forward(edge: &Edge, id: u64) -> Result<String, EdgeError> {
    let url = format!("http://{}/item/{id}", edge.api);
    let mut request = edge.http.get(url).build()?;
    // reqwest is not a tower service: stamp the budget by hand. The edge's
    // own deadline (its DeadlineLayer) ends the call if the API is late.
    grpc_timeout::stamp(request.headers_mut());
    let response = edge.http.execute(request).await?;
    let status = response.status();
    let text = response.text().await?;
    if status.is_success() {
        Ok(text)
    } else {
        Err(EdgeError::Upstream(status, text))
    }
}

/// Why the edge has no item for its client.
#[derive(Debug)]
enum EdgeError {
    /// The API tier answered with an error status.
    Upstream(StatusCode, String),
    /// The API tier could not be reached, or its answer read.
    Transport(reqwest::Error),
}

impl From<reqwest::Error> for EdgeError {
    fn from(err: reqwest::Error) -> Self {
        EdgeError::Transport(err)
    }
}

impl IntoResponse for EdgeError {
    fn into_response(self) -> Response {
        match self {
            EdgeError::Upstream(status, text) => (status, format!("api: {text}")).into_response(),
            EdgeError::Transport(err) => {
                (StatusCode::BAD_GATEWAY, format!("api: {err}")).into_response()
            }
        }
    }
}

/// `GET /debug/timebox`: this process's timed sites and what happened since
/// the page's base, as Go's `net/http/pprof` serves goroutines.
async fn debug_page(request: axum::extract::Request) -> impl IntoResponse {
    timebox::debug::page(&request)
}
