//! The storage tier: a tonic gRPC service (`storage.Storage/Get`) and an
//! axum HTTP endpoint (`/meta/{id}`), each behind a [`DeadlineLayer`], so
//! each request runs under the budget its caller sent. Some ids stall, like
//! a stuck disk: only the deadline, or the caller hanging up, ends them.

use std::future::pending;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};

use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use timebox::timed;
use timebox::tower::DeadlineLayer;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};

use super::journal::{Hop, Journal};
use super::proto::storage_server::{Storage, StorageServer};
use super::proto::{GetRequest, Item};
use super::{Settings, stopped};

/// The storage tier, serving until dropped.
#[derive(Debug)]
pub struct StorageTier {
    grpc: SocketAddr,
    http: SocketAddr,
    stop: watch::Sender<bool>,
    servers: [JoinHandle<()>; 2],
}

impl StorageTier {
    /// Serves gRPC and HTTP on two ports of 127.0.0.1, on the current
    /// runtime, writing each request's hop into `journal`.
    pub async fn start(settings: Settings, journal: Journal) -> io::Result<StorageTier> {
        let (stop, stopping) = watch::channel(false);
        let disk = Disk { settings, journal };

        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let grpc = listener.local_addr()?;
        let service = StorageServer::new(disk.clone());
        let server = tonic::transport::Server::builder()
            .layer(DeadlineLayer::new(settings.ceiling).name("storage.grpc"))
            .add_service(service)
            .serve_with_incoming_shutdown(TcpIncoming::from(listener), stopped(stopping.clone()));
        let grpc_server = tokio::spawn(async move {
            if let Err(err) = server.await {
                eprintln!("storage: gRPC server failed: {err}");
            }
        });

        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let http = listener.local_addr()?;
        let app = Router::new()
            .route("/meta/{id}", get(meta))
            .layer(DeadlineLayer::new(settings.ceiling).name("storage.http"))
            .with_state(disk);
        let server = axum::serve(listener, app).with_graceful_shutdown(stopped(stopping));
        let http_server = tokio::spawn(async move {
            if let Err(err) = server.await {
                eprintln!("storage: HTTP server failed: {err}");
            }
        });

        Ok(StorageTier {
            grpc,
            http,
            stop,
            servers: [grpc_server, http_server],
        })
    }

    /// Where the gRPC service listens.
    pub fn grpc_addr(&self) -> SocketAddr {
        self.grpc
    }

    /// Where the HTTP endpoint listens.
    pub fn http_addr(&self) -> SocketAddr {
        self.http
    }

    /// This tier's timed calls alive now: its share of `timebox::live()`.
    pub fn live() -> u64 {
        super::live_in(file!())
    }
}

impl Drop for StorageTier {
    fn drop(&mut self) {
        self.stop.send_replace(true);
        for server in &self.servers {
            server.abort();
        }
    }
}

/// What both endpoints read from.
#[derive(Debug, Clone)]
struct Disk {
    settings: Settings,
    journal: Journal,
}

impl Disk {
    /// Reads item `id`: a short wait, or forever for the ids that stall.
    async fn read(&self, id: u64) -> String {
        if self.settings.stalls(id) {
            pending::<()>().await;
        }
        tokio::time::sleep(self.settings.read_time).await;
        format!("value-{id}")
    }
}

#[tonic::async_trait]
impl Storage for Disk {
    // The DeadlineLayer gave this method the caller's budget; `#[timed]`
    // gives the read at most a second of it. On the deadline the body is
    // dropped (the journal counts the visit at its deadline) and the caller
    // gets `Status::deadline_exceeded`, through `From<timebox::Error>`.
    #[timed(secs = 1, inline, name = "storage.get")]
    async fn get(&self, request: Request<GetRequest>) -> Result<Response<Item>, Status> {
        let id = request.get_ref().id;
        let visit = self.journal.enter(id, Hop::StorageGrpc);
        let value = self.read(id).await;
        visit.answered(200);
        Ok(Response::new(Item { id, value }))
    }
}

/// `GET /meta/{id}`: the item's metadata, under the caller's deadline.
async fn meta(State(disk): State<Disk>, Path(id): Path<u64>) -> String {
    let visit = disk.journal.enter(id, Hop::StorageHttp);
    let value = disk.read(id).await;
    visit.answered(200);
    format!("{} bytes", value.len())
}
