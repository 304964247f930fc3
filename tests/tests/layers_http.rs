//! The layers over real HTTP on 127.0.0.1: an axum server behind
//! `DeadlineLayer`, called by reqwest (with `grpc_timeout::stamp`) and by
//! hyper-util's client (through `PropagateLayer`). What budget the handler
//! sees for each header, the 504, the handler dropped when the client hangs
//! up, and nothing left alive on either side.

use std::future::pending;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::{self, connect::HttpConnector};
use hyper_util::rt::TokioExecutor;
use timebox::grpc_timeout;
use timebox::tower::{DeadlineLayer, Propagate, PropagateLayer};
use timebox_tests::{DropCounter, SETTLE, serial};
use tokio::net::TcpListener;
use tokio::runtime::Runtime;
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tower::{Layer, ServiceExt};

/// hyper-util's pooled client, propagating deadlines.
type Client = Propagate<legacy::Client<HttpConnector, Empty<Bytes>>>;

/// Slack for timing bounds on a loaded CI machine.
const SLACK: Duration = Duration::from_secs(1);

/// Every test here runs on the two-worker runtime, real clock.
fn runtime() -> Runtime {
    timebox_tests::Flavor::MultiThread2.runtime()
}

/// A server whose `/budget` answers with the budget its handler was given
/// (in microseconds), whose `/stall` never answers, and whose `/timed`
/// returns a `timebox::Error` through axum's `IntoResponse`.
struct Server {
    addr: SocketAddr,
    handlers: DropCounter,
    task: JoinHandle<()>,
}

impl Server {
    async fn start(ceiling: Duration) -> Server {
        let handlers = DropCounter::new();
        let app = Router::new()
            .route("/budget", get(budget))
            .route("/stall", get(stall))
            .route("/timed", get(timed_out))
            .layer(DeadlineLayer::new(ceiling).name("api"))
            .with_state(handlers.clone());
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Server {
            addr,
            handlers,
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn budget() -> String {
    let left = timebox::remaining().expect("inside the request's scope");
    left.as_micros().to_string()
}

async fn stall(State(handlers): State<DropCounter>) -> String {
    let _guard = handlers.token();
    pending::<()>().await;
    unreachable!()
}

#[timebox::timed(ms = 30)]
async fn timed_out() -> Result<String, timebox::Error> {
    pending::<()>().await;
    Ok(String::new())
}

fn reqwest_client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

/// The budget the server's handler saw, for a request with these headers.
async fn seen(server: &Server, headers: &[&str]) -> Duration {
    let mut request = reqwest_client().get(server.url("/budget"));
    for value in headers {
        request = request.header(grpc_timeout::HEADER, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    Duration::from_micros(response.text().await.unwrap().parse().unwrap())
}

#[test]
fn the_handler_sees_the_smaller_of_the_ceiling_and_the_header() {
    let _serial = serial();
    runtime().block_on(async {
        let ceiling = Duration::from_millis(800);
        let server = Server::start(ceiling).await;
        let near = |seen: Duration, sent: Duration| seen <= sent && seen + SLACK / 2 > sent;

        assert!(
            near(seen(&server, &[]).await, ceiling),
            "absent: the ceiling"
        );
        let sent = Duration::from_millis(250);
        assert!(near(seen(&server, &["250m"]).await, sent));
        assert!(
            near(seen(&server, &["5S"]).await, ceiling),
            "larger: the ceiling"
        );
        for malformed in ["soon", "250", "1.5S", "-3m", "123456789u"] {
            let budget = seen(&server, &[malformed]).await;
            assert!(near(budget, ceiling), "{malformed:?}: {budget:?}");
        }
        assert!(near(
            seen(&server, &["3S", "bad", "90m"]).await,
            Duration::from_millis(90)
        ));
        timebox_tests::settle().await;
    });
}

#[test]
fn no_budget_left_is_an_immediate_504() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_secs(60)).await;
        let start = Instant::now();
        let response = reqwest_client()
            .get(server.url("/stall"))
            .header(grpc_timeout::HEADER, "0n")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 504);
        assert!(start.elapsed() < SLACK);
        timebox_tests::settle().await;
    });
}

#[test]
fn a_stalled_handler_is_answered_504_at_its_budget_and_dropped() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_secs(60)).await;
        let start = Instant::now();
        let response = reqwest_client()
            .get(server.url("/stall"))
            .header(grpc_timeout::HEADER, "150m")
            .send()
            .await
            .unwrap();
        let took = start.elapsed();
        assert_eq!(response.status(), 504);
        assert!(took >= Duration::from_millis(150) && took < Duration::from_millis(150) + SLACK);
        assert_eq!(server.handlers.count(), 1);
        timebox_tests::settle().await;
    });
}

#[test]
fn a_client_that_hangs_up_drops_the_handler() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_secs(60)).await;
        let client = reqwest_client();
        let calls: Vec<_> = (0..4)
            .map(|_| tokio::spawn(client.get(server.url("/stall")).send()))
            .collect();
        // Wait until every handler is running, then hang up.
        let start = std::time::Instant::now();
        while timebox::live() < 4 {
            assert!(start.elapsed() < SETTLE, "the handlers never started");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for call in calls {
            call.abort();
        }
        let hung_up = std::time::Instant::now();
        while server.handlers.count() < 4 {
            assert!(
                hung_up.elapsed() < SETTLE,
                "handlers outlived their clients"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        // Long before the 60 s ceiling.
        assert!(hung_up.elapsed() < SLACK);
        timebox_tests::settle().await;
    });
}

#[test]
fn an_axum_handler_returns_a_timebox_error() {
    let _serial = serial();
    runtime().block_on(async {
        let server = Server::start(Duration::from_secs(5)).await;
        let response = reqwest_client()
            .get(server.url("/timed"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 504);
        assert_eq!(
            response.text().await.unwrap(),
            "`timed_out` timed out after 30ms"
        );
        timebox_tests::settle().await;
    });
}

#[test]
fn propagate_sends_the_callers_budget_and_nothing_outside_a_call() {
    let _serial = serial();
    runtime().block_on(async {
        let ceiling = Duration::from_secs(5);
        let server = Server::start(ceiling).await;
        let http = legacy::Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
        let client = PropagateLayer::new().layer(http);
        let get = |client: Client, uri: String| async move {
            let request = http::Request::get(uri).body(Empty::new()).unwrap();
            let response = client.oneshot(request).await?;
            let status = response.status();
            let body = response.into_body().collect().await?.to_bytes();
            Ok::<_, timebox::tower::BoxError>((status, String::from_utf8_lossy(&body).into_owned()))
        };

        let budget = Duration::from_millis(400);
        let inside = timebox::call(budget, get(client.clone(), server.url("/budget")));
        let (status, body) = inside.await.unwrap().unwrap();
        assert_eq!(status, 200);
        let seen = Duration::from_micros(body.parse().unwrap());
        let margin = Duration::from_millis(5);
        assert!(seen <= budget - margin, "{seen:?}");
        assert!(
            seen > (budget - margin).saturating_sub(SLACK / 2),
            "{seen:?}"
        );

        let (_, body) = get(client.clone(), server.url("/budget")).await.unwrap();
        let seen = Duration::from_micros(body.parse().unwrap());
        assert!(
            seen > ceiling - SLACK,
            "outside a call: no header, the ceiling"
        );

        // A stalled server: the client's call ends at its deadline with a
        // timebox::Error, and the server drops its handler too (the
        // connection closes, or its own deadline, 5 ms earlier, passes).
        let start = Instant::now();
        let stalled = timebox::call(budget, get(client, server.url("/stall")));
        match stalled.await {
            Ok(Ok((status, _))) => assert_eq!(status, 504, "the server's deadline came first"),
            Ok(Err(err)) => assert!(err.downcast_ref::<timebox::Error>().unwrap().is_elapsed()),
            Err(err) => assert!(err.is_elapsed()),
        }
        assert!(start.elapsed() < budget + SLACK);
        let dropped = std::time::Instant::now();
        while server.handlers.count() < 1 {
            assert!(dropped.elapsed() < SETTLE);
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        timebox_tests::settle().await;
    });
}
