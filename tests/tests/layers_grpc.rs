//! The layers over real gRPC on 127.0.0.1: a tonic server behind
//! `DeadlineLayer`, real tonic clients (plain, and through
//! `PropagateLayer`), the example's generated `storage.Storage` service.
//! The trailers-only answer read as `Code::DeadlineExceeded`, the budget the
//! method sees, the method dropped when the client hangs up, and nothing
//! left alive.

use std::future::pending;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use timebox::tower::{DeadlineLayer, PropagateLayer};
use timebox_examples::services::proto::storage_client::StorageClient;
use timebox_examples::services::proto::storage_server::{Storage, StorageServer};
use timebox_examples::services::proto::{GetRequest, Item};
use timebox_tests::{DropCounter, SETTLE, serial};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tonic::transport::server::TcpIncoming;
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Request, Response, Status};
use tower::Layer;

const SLACK: Duration = Duration::from_secs(1);

/// Every test here runs on the two-worker runtime, real clock.
fn runtime() -> Runtime {
    timebox_tests::Flavor::MultiThread2.runtime()
}

/// Id 0 stalls; id 1 answers with the budget the method saw (in µs) as its
/// value; id 2 runs a timed read of 20 ms that stalls, and `?`s its error.
#[derive(Debug, Clone, Default)]
struct Method {
    dropped: DropCounter,
    budgets: Arc<Mutex<Vec<Duration>>>,
}

#[tonic::async_trait]
impl Storage for Method {
    async fn get(&self, request: Request<GetRequest>) -> Result<Response<Item>, Status> {
        let _guard = self.dropped.token();
        let id = request.get_ref().id;
        let budget = timebox::remaining().expect("inside the request's scope");
        self.budgets.lock().unwrap().push(budget);
        match id {
            0 => pending().await,
            1 => Ok(Response::new(Item {
                id,
                value: budget.as_micros().to_string(),
            })),
            _ => {
                let read = timebox::call_inline(Duration::from_millis(20), pending::<()>());
                read.await?;
                unreachable!()
            }
        }
    }
}

struct Server {
    addr: SocketAddr,
    method: Method,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(ceiling: Duration) -> Server {
        let method = Method::default();
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = tonic::transport::Server::builder()
            .layer(DeadlineLayer::new(ceiling).name("storage"))
            .add_service(StorageServer::new(method.clone()));
        let task = tokio::spawn(async move {
            router
                .serve_with_incoming(TcpIncoming::from(listener))
                .await
                .unwrap();
        });
        Server { addr, method, task }
    }

    fn channel(&self) -> Channel {
        Endpoint::from_shared(format!("http://{}", self.addr))
            .unwrap()
            .connect_lazy()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[test]
fn a_stalled_method_is_deadline_exceeded_for_a_tonic_client() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_millis(100)).await;
        let mut client = StorageClient::new(server.channel());
        let start = Instant::now();
        let status = client.get(GetRequest { id: 0 }).await.unwrap_err();
        let took = start.elapsed();
        assert_eq!(status.code(), Code::DeadlineExceeded, "{status:?}");
        // The budget counts from when the request reached the layer; the
        // error reports what was left when the call first ran, a few
        // microseconds less.
        let message = status.message();
        assert!(
            message.starts_with("`storage` timed out after 9"),
            "{message}"
        );
        assert!(took >= Duration::from_millis(100) && took < Duration::from_millis(100) + SLACK);
        assert_eq!(server.method.dropped.count(), 1);

        // A client budget above the ceiling does not raise it.
        let mut request = Request::new(GetRequest { id: 0 });
        request.set_timeout(Duration::from_secs(30));
        let status = client.get(request).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        timebox_tests::settle().await;
    });
}

#[test]
fn a_timed_read_inside_the_method_converts_to_a_status() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_secs(5)).await;
        let mut client = StorageClient::new(server.channel());
        let status = client.get(GetRequest { id: 2 }).await.unwrap_err();
        assert_eq!(status.code(), Code::DeadlineExceeded);
        assert_eq!(status.message(), "`timebox::call` timed out after 20ms");
        timebox_tests::settle().await;
    });
}

#[test]
fn the_method_sees_the_budget_the_client_sent() {
    let _serial = serial();
    runtime().block_on(async {
        let ceiling = Duration::from_secs(5);
        let server = Server::start(ceiling).await;
        let mut plain = StorageClient::new(server.channel());
        let budget_of = |item: Item| Duration::from_micros(item.value.parse().unwrap());

        // No deadline: the ceiling.
        let item = plain.get(GetRequest { id: 1 }).await.unwrap().into_inner();
        assert!(budget_of(item) > ceiling - SLACK);

        // tonic's own `set_timeout` writes grpc-timeout.
        let mut request = Request::new(GetRequest { id: 1 });
        request.set_timeout(Duration::from_millis(700));
        let item = plain.get(request).await.unwrap().into_inner();
        let seen = budget_of(item);
        let sent = Duration::from_millis(700);
        assert!(
            seen <= sent && seen > sent.saturating_sub(SLACK),
            "{seen:?}"
        );

        // Through PropagateLayer inside a timed call: what is left, less 5 ms.
        let propagating = StorageClient::new(PropagateLayer::new().layer(server.channel()));
        let budget = Duration::from_millis(400);
        let mut client = propagating.clone();
        let call = timebox::call(
            budget,
            async move { client.get(GetRequest { id: 1 }).await },
        );
        let seen = budget_of(call.await.unwrap().unwrap().into_inner());
        let sent = budget - Duration::from_millis(5);
        assert!(
            seen <= sent && seen > sent.saturating_sub(SLACK),
            "{seen:?}"
        );

        // Outside a call it sends nothing.
        let mut client = propagating;
        let item = client.get(GetRequest { id: 1 }).await.unwrap().into_inner();
        assert!(budget_of(item) > ceiling - SLACK);
        timebox_tests::settle().await;
    });
}

#[test]
fn a_propagated_call_to_a_stalled_method_ends_before_the_deadline() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_secs(60)).await;
        let mut client = StorageClient::new(PropagateLayer::new().layer(server.channel()));
        let budget = Duration::from_millis(300);
        let start = Instant::now();
        let call = timebox::call(
            budget,
            async move { client.get(GetRequest { id: 0 }).await },
        );
        let status = call.await.unwrap().unwrap_err();
        // tonic's channel enforces the grpc-timeout it sent (295 ms) and
        // calls that CANCELLED; the server dropped the method when the
        // stream was reset, or answered DEADLINE_EXCEEDED at its own
        // deadline: either way the call ended before the caller's.
        assert!(
            matches!(status.code(), Code::Cancelled | Code::DeadlineExceeded),
            "{status:?}"
        );
        assert!(start.elapsed() < budget + SLACK);
        let ended = std::time::Instant::now();
        while server.method.dropped.count() < 1 {
            assert!(ended.elapsed() < SETTLE, "the method outlived the call");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        timebox_tests::settle().await;
    });
}

#[test]
fn a_client_that_hangs_up_drops_the_method() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_secs(60)).await;
        let client = StorageClient::new(server.channel());
        let calls: Vec<_> = (0..4)
            .map(|_| {
                let mut client = client.clone();
                tokio::spawn(async move { client.get(GetRequest { id: 0 }).await })
            })
            .collect();
        let start = std::time::Instant::now();
        while timebox::live() < 4 {
            assert!(start.elapsed() < SETTLE, "the methods never started");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for call in calls {
            call.abort();
        }
        let hung_up = std::time::Instant::now();
        while server.method.dropped.count() < 4 {
            assert!(hung_up.elapsed() < SETTLE, "methods outlived their clients");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        assert!(hung_up.elapsed() < SLACK, "long before the 60 s ceiling");
        timebox_tests::settle().await;
    });
}
