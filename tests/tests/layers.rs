//! The tower layers against mock services (`tower::service_fn`) on the
//! paused clock, where budgets are exact: which budget a request gets, what
//! the client sees when it runs out, what the handler's scope holds, and
//! that nothing outlives a request.

use std::convert::Infallible;
use std::future::{Future, pending};
use std::time::Duration;

use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use timebox::tower::{BoxError, DeadlineLayer, PropagateLayer};
use timebox::{ErrorKind, grpc_timeout, timed};
use timebox_tests::{DropCounter, serial, settle};
use tokio::runtime::Builder;
use tokio::time::Instant;
use tower::{Layer, Service, ServiceExt, service_fn};

const CEILING: Duration = Duration::from_secs(1);

/// Runs `test` alone (tests that read `timebox::live()` must not overlap)
/// on a current-thread runtime with the clock paused: budgets are exact.
fn paused<F: Future>(test: F) -> F::Output {
    let _serial = serial();
    Builder::new_current_thread()
        .start_paused(true)
        .enable_all()
        .build()
        .expect("runtime builds")
        .block_on(test)
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn request(grpc_timeouts: &[&str]) -> Request<()> {
    let mut request = Request::new(());
    for value in grpc_timeouts {
        let value = HeaderValue::from_bytes(value.as_bytes()).unwrap();
        request.headers_mut().append(grpc_timeout::HEADER, value);
    }
    request
}

/// A handler that answers with the budget it was given.
async fn budget_of(request: Request<()>) -> Duration {
    let handler = service_fn(|_: Request<()>| async {
        Ok::<_, Infallible>(Response::new(timebox::remaining()))
    });
    let service = DeadlineLayer::new(CEILING).layer(handler);
    let response = service.oneshot(request).await.unwrap();
    response
        .into_body()
        .expect("the handler runs in a timed scope")
}

#[test]
fn the_budget_is_the_smaller_of_the_ceiling_and_the_header() {
    paused(async {
        assert_eq!(
            budget_of(request(&[])).await,
            CEILING,
            "absent: the ceiling"
        );
        assert_eq!(budget_of(request(&["250m"])).await, ms(250));
        assert_eq!(budget_of(request(&["2S"])).await, CEILING, "never raised");
        assert_eq!(budget_of(request(&["99999999H"])).await, CEILING);
        for malformed in ["", "soon", "250", "-1S", "1.5S", "123456789m", "250 m"] {
            assert_eq!(
                budget_of(request(&[malformed])).await,
                CEILING,
                "{malformed:?}"
            );
        }
        assert_eq!(
            budget_of(request(&["900m", "junk", "40m"])).await,
            ms(40),
            "several headers: the smallest valid one"
        );
        assert_eq!(budget_of(request(&["0n"])).await, Duration::ZERO);
        let mut opaque = Request::new(());
        let bytes = HeaderValue::from_bytes(b"2\xffS").unwrap();
        opaque.headers_mut().insert(grpc_timeout::HEADER, bytes);
        assert_eq!(budget_of(opaque).await, CEILING, "not text");
    });
}

fn stalled(
    drops: DropCounter,
) -> impl Service<Request<()>, Response = Response<String>, Error = Infallible, Future: Send> + Clone
{
    let drops = drops.clone();
    service_fn(move |_: Request<()>| {
        let guard = drops.token();
        async move {
            let _guard = guard;
            pending::<()>().await;
            Ok::<_, Infallible>(Response::new("never".to_string()))
        }
    })
}

#[test]
fn http_gets_504_at_the_deadline_and_the_handler_is_dropped() {
    paused(async {
        let drops = DropCounter::new();
        let service = DeadlineLayer::new(CEILING)
            .name("api")
            .layer(stalled(drops.clone()));
        let start = Instant::now();
        let response = service.oneshot(request(&["120m"])).await.unwrap();
        assert_eq!(start.elapsed(), ms(120));
        assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
        assert!(response.body().is_empty(), "the body is R::default()");
        assert!(response.headers().get("grpc-status").is_none());
        let err = response.extensions().get::<timebox::Error>().unwrap();
        assert_eq!(err.to_string(), "`api` timed out after 120ms");
        assert_eq!(drops.count(), 1);
        assert_eq!(timebox::live(), 0);
    });
}

#[test]
fn grpc_gets_a_trailers_only_deadline_exceeded() {
    paused(async {
        let drops = DropCounter::new();
        let service = DeadlineLayer::new(ms(80))
            .name("storage")
            .layer(stalled(drops.clone()));
        for content_type in [
            "application/grpc",
            "application/grpc+proto",
            "application/grpc-web",
        ] {
            let mut grpc = request(&[]);
            let value = HeaderValue::from_static(content_type);
            grpc.headers_mut().insert(http::header::CONTENT_TYPE, value);
            let response = service.clone().oneshot(grpc).await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            let headers = response.headers();
            assert_eq!(headers["content-type"], content_type);
            assert_eq!(headers["grpc-status"], "4");
            assert_eq!(headers["grpc-message"], "`storage` timed out after 80ms");
            assert!(response.body().is_empty(), "trailers-only: no body");
        }
        assert_eq!(drops.count(), 3);
    });
}

#[test]
fn a_cancelled_call_answers_503_or_grpc_cancelled() {
    paused(async {
        let gives_up = service_fn(|_: Request<()>| async {
            timebox::token().unwrap().cancel();
            pending::<()>().await;
            Ok::<_, Infallible>(Response::new(String::new()))
        });
        let service = DeadlineLayer::new(CEILING).layer(gives_up);
        let response = service.clone().oneshot(request(&[])).await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        let mut grpc = request(&[]);
        let value = HeaderValue::from_static("application/grpc");
        grpc.headers_mut().insert(http::header::CONTENT_TYPE, value);
        let response = service.oneshot(grpc).await.unwrap();
        assert_eq!(response.headers()["grpc-status"], "1");
        let err = response.extensions().get::<timebox::Error>().unwrap();
        assert_eq!(err.kind(), ErrorKind::Cancelled);
    });
}

#[timed(secs = 60, name = "lookup")]
async fn roomy_lookup() -> Result<(), timebox::Error> {
    pending().await
}

#[test]
fn the_handler_runs_in_the_requests_scope() {
    paused(async {
        let children = DropCounter::new();
        let spawn_drops = children.clone();
        let handler = service_fn(move |_: Request<()>| {
            let child_guard = spawn_drops.token();
            async move {
                let left = timebox::remaining();
                let token = timebox::token().is_some();
                timebox::spawn(async move {
                    let _guard = child_guard;
                    pending::<()>().await;
                });
                let nested = roomy_lookup().await.unwrap_err();
                let answer = (left, token, nested.to_string());
                Ok::<_, Infallible>(Response::new(answer))
            }
        });
        let service = DeadlineLayer::new(CEILING).name("api").layer(handler);
        // The nested call is clamped to the request's deadline and ends there,
        // just before the request would.
        let response = service.oneshot(request(&["50m"])).await.unwrap();
        let (left, token, nested) = response.into_body();
        assert_eq!(left, Some(ms(50)));
        assert!(token);
        assert_eq!(
            nested,
            "`lookup` timed out after 50ms (budget clamped by the enclosing `api` call)"
        );
        settle().await;
        assert_eq!(
            children.count(),
            1,
            "the spawned child ended with the request"
        );
    });
}

#[test]
fn dropping_the_response_future_drops_the_handler() {
    paused(async {
        let drops = DropCounter::new();
        let mut service = DeadlineLayer::new(CEILING).layer(stalled(drops.clone()));
        let answer = service.ready().await.unwrap().call(request(&[]));
        tokio::select! {
            _ = answer => unreachable!("the handler stalls"),
            () = tokio::time::sleep(ms(10)) => {}
        }
        assert_eq!(
            drops.count(),
            1,
            "dropped with the response future, at once"
        );
        assert_eq!(timebox::live(), 0);
    });
}

#[test]
fn requests_are_counted_at_the_layers_line_under_its_name() {
    paused(async {
        let base = timebox::snapshot();
        let line = line!() + 1;
        let layer = DeadlineLayer::new(ms(5)).name("orders");
        let drops = DropCounter::new();
        for _ in 0..3 {
            let _ = layer
                .layer(stalled(drops.clone()))
                .oneshot(request(&[]))
                .await;
        }
        let ok = service_fn(|_: Request<()>| async { Ok::<_, Infallible>(Response::new(())) });
        let _ = layer.layer(ok).oneshot(request(&[])).await;
        let diff = timebox::snapshot().since(&base);
        let row = diff
            .sites()
            .iter()
            .find(|s| s.name == "orders")
            .expect("a row for the layer");
        assert_eq!((row.file, row.line), (file!(), line));
        assert_eq!((row.started, row.ok, row.elapsed, row.live), (4, 1, 3, 0));
    });
}

#[test]
fn errors_of_the_handler_pass_through() {
    paused(async {
        let failing = service_fn(|_: Request<()>| async { Err::<Response<()>, _>("broken") });
        let err = DeadlineLayer::new(CEILING)
            .layer(failing)
            .oneshot(request(&[]))
            .await
            .unwrap_err();
        assert_eq!(err, "broken");
    });
}

/// A client that answers with the `grpc-timeout` values it was sent.
fn echo()
-> impl Service<Request<()>, Response = Response<Vec<String>>, Error = Infallible, Future: Send> + Clone
{
    service_fn(|request: Request<()>| async move {
        let sent = request
            .headers()
            .get_all(grpc_timeout::HEADER)
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        Ok::<_, Infallible>(Response::new(sent))
    })
}

async fn sent_in_a_call(budget: Duration, layer: PropagateLayer, headers: &[&str]) -> Vec<String> {
    let client = layer.layer(echo());
    let request = request(headers);
    let call = timebox::call_inline(budget, client.oneshot(request));
    call.await.unwrap().unwrap().into_body()
}

#[test]
fn inside_a_call_the_remaining_budget_less_the_margin_is_sent() {
    paused(async {
        let layer = PropagateLayer::new();
        assert_eq!(sent_in_a_call(ms(300), layer, &[]).await, ["295m"]);
        assert_eq!(
            sent_in_a_call(ms(300), layer, &["20m"]).await,
            ["20m"],
            "smaller kept"
        );
        assert_eq!(
            sent_in_a_call(ms(300), layer, &["9S"]).await,
            ["295m"],
            "larger replaced"
        );
        assert_eq!(sent_in_a_call(ms(300), layer, &["x", "1S"]).await, ["295m"]);
        let zero = layer.margin(Duration::ZERO);
        assert_eq!(sent_in_a_call(ms(300), zero, &[]).await, ["300m"]);
        let wide = layer.margin(ms(500));
        assert_eq!(
            sent_in_a_call(ms(300), wide, &[]).await,
            ["0n"],
            "nothing left to give"
        );
    });
}

#[test]
fn outside_a_call_the_request_and_the_call_are_unchanged() {
    paused(async {
        let client = PropagateLayer::new().layer(echo());
        let sent = client.clone().oneshot(request(&[])).await.unwrap();
        assert!(sent.body().is_empty(), "no header added");
        let sent = client.oneshot(request(&["7S"])).await.unwrap();
        assert_eq!(sent.body(), &["7S"], "an existing header is left alone");

        let refused = service_fn(|_: Request<()>| async {
            Err::<Response<()>, _>(std::io::Error::other("refused"))
        });
        let err = PropagateLayer::new()
            .layer(refused)
            .oneshot(request(&[]))
            .await
            .unwrap_err();
        assert_eq!(
            err.downcast_ref::<std::io::Error>().unwrap().to_string(),
            "refused"
        );
        assert_eq!(timebox::live(), 0, "nothing timed outside a call");
    });
}

#[test]
fn inside_a_call_the_request_ends_at_the_deadline() {
    paused(async {
        let drops = DropCounter::new();
        let client = PropagateLayer::new().layer(stalled(drops.clone()));
        let start = Instant::now();
        let outer = timebox::call_inline(ms(200), async {
            let err: BoxError = client.clone().oneshot(request(&[])).await.unwrap_err();
            (start.elapsed(), err)
        });
        let (took, err) = outer.await.unwrap();
        assert_eq!(took, ms(200), "at the call's deadline, not the margin's");
        let err = err
            .downcast_ref::<timebox::Error>()
            .expect("a timebox::Error");
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        assert_eq!(err.name(), "timebox::propagate");
        assert_eq!(drops.count(), 1, "the request was dropped");

        // Cancelled: the request ends with the call.
        let cancelled = timebox::call_inline(ms(200), async {
            let token = timebox::token().unwrap();
            let request = client.clone().oneshot(request(&[]));
            let cancel = async {
                tokio::time::sleep(ms(20)).await;
                token.cancel();
                pending::<()>().await
            };
            tokio::select! {
                result = request => result.unwrap_err(),
                () = cancel => unreachable!(),
            }
        });
        match cancelled.await {
            // The request saw the cancellation first...
            Ok(err) => {
                let err = err.downcast_ref::<timebox::Error>().unwrap();
                assert_eq!(err.kind(), ErrorKind::Cancelled);
            }
            // ...or the enclosing call did.
            Err(err) => assert_eq!(err.kind(), ErrorKind::Cancelled),
        }
        assert_eq!(drops.count(), 2);
        assert_eq!(timebox::live(), 0);
    });
}

#[test]
fn stamp_writes_only_inside_a_call() {
    paused(async {
        let mut headers = HeaderMap::new();
        assert!(!grpc_timeout::stamp(&mut headers));
        assert!(headers.is_empty());
        let inside = timebox::call(ms(1500), async {
            let mut headers = HeaderMap::new();
            headers.insert(grpc_timeout::HEADER, HeaderValue::from_static("garbage"));
            let stamped = grpc_timeout::stamp(&mut headers);
            (stamped, headers)
        });
        let (stamped, headers) = inside.await.unwrap();
        assert!(stamped);
        assert_eq!(headers[grpc_timeout::HEADER], "1495m");
    });
}
