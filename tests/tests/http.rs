//! Real HTTP over loopback: the server and client of `cargo run --example
//! http` (from the `timebox-examples` library), driven with a mixed batch.
//! A caller that gives up ends its request on both sides, and the server
//! works no longer than the budget the caller sent in `grpc-timeout`.

use std::time::Duration;

use timebox_examples::http::{
    Client, Endpoint, Outcome, Server, Settings, live_calls, live_handlers,
};
use timebox_tests::{SETTLE, serial};
use tokio::runtime::Runtime;
use tokio::time::Instant;

/// Generous slack for timing bounds on a loaded CI machine.
const SLACK: Duration = Duration::from_secs(10);

/// Every test here runs on the two-worker runtime, real clock.
fn runtime() -> Runtime {
    timebox_tests::Flavor::MultiThread2.runtime()
}

/// Waits (bounded by [`SETTLE`], with backoff) until nothing is alive on
/// either side: no client call, no server handler, no timed body at all.
async fn settle(server: &Server) {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        let alive = (
            live_calls(),
            server.in_flight(),
            live_handlers(),
            timebox::live(),
        );
        if alive == (0, 0, 0, 0) {
            return;
        }
        assert!(
            start.elapsed() < SETTLE,
            "still alive after {SETTLE:?}: (client calls, server handlers, \
             timed handler bodies, timebox::live()) = {alive:?}"
        );
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn gave_up(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::TimedOut | Outcome::ServerTimedOut)
}

#[test]
fn a_mixed_batch_ends_with_nothing_alive_on_either_side() {
    let _serial = serial();
    runtime().block_on(async {
        // The ceiling is far beyond the test: only the caller's budget,
        // carried across the wire or ended by hanging up, can stop /hang.
        let ceiling = Duration::from_secs(60);
        let timeout = Duration::from_secs(2);
        let server = Server::start(Settings::with_ceiling(ceiling))
            .await
            .expect("listens on 127.0.0.1");
        let client = Client::new(server.addr());

        let quick = Endpoint::Slow(Duration::from_millis(20));
        let late = Endpoint::Slow(Duration::from_secs(30));
        let batch: Vec<Endpoint> = (0..10)
            .flat_map(|_| [Endpoint::Fast, quick, late, Endpoint::Hang])
            .collect();
        let start = Instant::now();
        let calls: Vec<_> = batch
            .iter()
            .map(|&endpoint| {
                let client = client.clone();
                tokio::spawn(async move { client.call(endpoint, timeout).await })
            })
            .collect();
        let mut outcomes = Vec::new();
        for call in calls {
            outcomes.push(call.await.expect("a call does not panic"));
        }
        let took = start.elapsed();
        assert!(
            took < timeout + SLACK,
            "the batch took {took:?}: its deadline did not end it"
        );

        for (endpoint, outcome) in batch.iter().zip(&outcomes) {
            if *endpoint == Endpoint::Fast || *endpoint == quick {
                assert_eq!(*outcome, Outcome::Ok, "{endpoint}");
            } else {
                assert!(gave_up(outcome), "{endpoint}: {outcome:?}");
            }
        }

        settle(&server).await;
        assert!(
            start.elapsed() < ceiling / 2,
            "the server's handlers ended with their callers, not at the ceiling"
        );

        let stats = server.stats();
        assert_eq!(stats.requests, 40, "{stats:?}");
        assert_eq!(stats.in_flight, 0, "{stats:?}");
        assert_eq!(stats.answered, 20, "/fast and the quick /slow: {stats:?}");
        assert_eq!(
            stats.stopped_at_deadline + stats.dropped,
            20,
            "/hang and the late /slow were stopped, by the caller's \
             deadline or by its hanging up: {stats:?}"
        );
        assert_eq!(stats.with_budget, 40, "every call sent its budget");
        let (min, max) = (stats.min_budget.unwrap(), stats.max_budget.unwrap());
        assert!(
            max <= timeout,
            "the server was sent at most the caller's timeout: {max:?}"
        );
        assert!(
            min > Duration::ZERO,
            "a budget was sent before it ran out: {min:?}"
        );

        server.shutdown().await;
    });
}

#[test]
fn the_server_works_no_longer_than_the_budget_it_is_sent() {
    let _serial = serial();
    runtime().block_on(async {
        let ceiling = Duration::from_secs(1);
        let server = Server::start(Settings::with_ceiling(ceiling))
            .await
            .expect("listens on 127.0.0.1");
        let client = Client::new(server.addr());

        // Plain requests with no deadline of their own: the client keeps
        // waiting, so whatever stops the handler is the server's own
        // deadline, min(header, ceiling).
        let cases: [(&str, Option<&str>, u16, &str); 6] = [
            ("/hang", Some("200m"), 504, "timed out after 200ms"),
            ("/slow?ms=30000", Some("150m"), 504, "timed out after 150ms"),
            ("/hang", Some("5S"), 504, "timed out after 1s"),
            ("/hang", None, 504, "timed out after 1s"),
            ("/hang", Some("soon"), 504, "timed out after 1s"),
            ("/fast", Some("200m"), 200, "fast"),
        ];
        let start = Instant::now();
        let calls: Vec<_> = cases
            .iter()
            .map(|&(path, header, _, _)| {
                let client = client.clone();
                tokio::spawn(async move {
                    let reply = client.get(path, header);
                    tokio::time::timeout(SLACK, reply).await
                })
            })
            .collect();
        for (call, (path, header, status, says)) in calls.into_iter().zip(cases) {
            let reply = call
                .await
                .expect("a request does not panic")
                .unwrap_or_else(|_| panic!("{path} {header:?}: the server never answered"))
                .unwrap_or_else(|err| panic!("{path} {header:?}: {err}"));
            assert_eq!(reply.status, status, "{path} {header:?}: {reply:?}");
            assert!(
                reply.body.contains(says),
                "{path} {header:?}: {:?} does not say {says:?}",
                reply.body
            );
        }
        assert!(start.elapsed() < ceiling + SLACK);

        settle(&server).await;
        let stats = server.stats();
        assert_eq!(stats.requests, 6, "{stats:?}");
        assert_eq!(
            (stats.answered, stats.stopped_at_deadline, stats.dropped),
            (1, 5, 0),
            "the handlers stopped on their own deadline, the callers never hung up: {stats:?}"
        );
        assert_eq!(stats.with_budget, 4, "a malformed header is ignored");
        assert_eq!(stats.min_budget, Some(Duration::from_millis(150)));
        assert_eq!(stats.max_budget, Some(Duration::from_secs(5)));

        server.shutdown().await;
    });
}
