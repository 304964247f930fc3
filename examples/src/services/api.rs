//! The API tier: an axum server behind a [`DeadlineLayer`] whose handler
//! asks the storage tier for an item over gRPC (a tonic client) and for its
//! metadata over HTTP (hyper-util's client), both through a
//! [`PropagateLayer`]: each request carries what is left of the handler's
//! budget, and ends when it runs out.

use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use http::StatusCode;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::{self, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use timebox::tower::{BoxError, DeadlineLayer, Propagate, PropagateLayer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};
use tower::{Layer, ServiceExt};

use super::journal::{Hop, Journal};
use super::proto::GetRequest;
use super::proto::storage_client::StorageClient;
use super::{Settings, stopped};

/// The API tier, serving until dropped.
#[derive(Debug)]
pub struct ApiTier {
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    server: JoinHandle<()>,
}

impl ApiTier {
    /// Serves `GET /item/{id}` on 127.0.0.1, on the current runtime, calling
    /// the storage tier at `grpc` and `http`.
    pub async fn start(
        settings: Settings,
        journal: Journal,
        grpc: SocketAddr,
        http: SocketAddr,
    ) -> io::Result<ApiTier> {
        let channel = Endpoint::from_shared(format!("http://{grpc}"))
            .map_err(io::Error::other)?
            .connect_lazy();
        let propagate = PropagateLayer::new().margin(settings.margin);
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = legacy::Client::builder(TokioExecutor::new()).build(connector);
        let api = Api {
            journal,
            storage: StorageClient::new(propagate.layer(channel)),
            meta: propagate.layer(client),
            meta_addr: http,
        };
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let app = Router::new()
            .route("/item/{id}", get(item))
            .layer(DeadlineLayer::new(settings.ceiling).name("api"))
            .with_state(api);
        let (stop, stopping) = watch::channel(false);
        let server = axum::serve(listener, app).with_graceful_shutdown(stopped(stopping));
        let server = tokio::spawn(async move {
            if let Err(err) = server.await {
                eprintln!("api: server failed: {err}");
            }
        });
        Ok(ApiTier { addr, stop, server })
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

impl Drop for ApiTier {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        self.server.abort();
    }
}

type MetaClient = Propagate<legacy::Client<HttpConnector, Empty<Bytes>>>;

#[derive(Debug, Clone)]
struct Api {
    journal: Journal,
    storage: StorageClient<Propagate<Channel>>,
    meta: MetaClient,
    meta_addr: SocketAddr,
}

/// `GET /item/{id}`: the item from storage over gRPC and its metadata over
/// HTTP, at once.
async fn item(State(api): State<Api>, Path(id): Path<u64>) -> Response {
    let visit = api.journal.enter(id, Hop::Api);
    let response = fetch(api, id).await.into_response();
    visit.answered(response.status().as_u16());
    response
}

async fn fetch(api: Api, id: u64) -> Result<String, ApiError> {
    let mut storage = api.storage.clone();
    let uri = format!("http://{}/meta/{id}", api.meta_addr);
    let (item, meta) = tokio::join!(
        storage.get(GetRequest { id }),
        get_text(api.meta.clone(), uri)
    );
    let item = item.map_err(ApiError::Grpc)?.into_inner();
    let meta = meta?;
    Ok(format!("item {} = {} ({meta})", item.id, item.value))
}

/// One `GET` through the propagating client, as text.
async fn get_text(client: MetaClient, uri: String) -> Result<String, ApiError> {
    let request = http::Request::get(uri)
        .body(Empty::new())
        .map_err(|e| ApiError::Http(e.into()))?;
    let response = client.oneshot(request).await.map_err(ApiError::Http)?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| ApiError::Http(e.into()))?
        .to_bytes();
    let text = String::from_utf8_lossy(&body).into_owned();
    if status.is_success() {
        Ok(text)
    } else {
        Err(ApiError::Status(status, text))
    }
}

/// Whether a tonic client call ended by tonic's own client-side timeout: a
/// `tonic::TimeoutExpired` in the status' sources.
fn gave_up_on_its_deadline(status: &tonic::Status) -> bool {
    let mut source = std::error::Error::source(status);
    while let Some(err) = source {
        if err.is::<tonic::TimeoutExpired>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// Why the API tier has no item: storage said so, or could not be reached
/// in time.
#[derive(Debug)]
enum ApiError {
    /// The gRPC call failed: storage ran out of time (`DEADLINE_EXCEEDED`),
    /// or the call did.
    Grpc(tonic::Status),
    /// The HTTP call ended without an answer: a transport error, or the
    /// [`timebox::Error`] that ended it at the deadline.
    Http(BoxError),
    /// Storage answered HTTP with an error status.
    Status(StatusCode, String),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Grpc(status) if status.code() == tonic::Code::DeadlineExceeded => (
                StatusCode::GATEWAY_TIMEOUT,
                format!("storage (grpc): {}", status.message()),
            )
                .into_response(),
            // tonic's channel enforces the `grpc-timeout` it sends, from
            // when it sends it, and reports that as CANCELLED: it is the
            // deadline all the same.
            ApiError::Grpc(status) if gave_up_on_its_deadline(&status) => (
                StatusCode::GATEWAY_TIMEOUT,
                "storage (grpc): no answer within the budget sent".to_string(),
            )
                .into_response(),
            ApiError::Grpc(status) => {
                (StatusCode::BAD_GATEWAY, format!("storage (grpc): {status}")).into_response()
            }
            // `IntoResponse for timebox::Error`: 504, the message as body.
            ApiError::Http(err) => match err.downcast::<timebox::Error>() {
                Ok(err) => err.into_response(),
                Err(err) => {
                    (StatusCode::BAD_GATEWAY, format!("storage (http): {err}")).into_response()
                }
            },
            ApiError::Status(status, text) => {
                (status, format!("storage (http): {status} {text}")).into_response()
            }
        }
    }
}
