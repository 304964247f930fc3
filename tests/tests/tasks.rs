//! Every task, not only timed ones (`--cfg tokio_unstable`): with
//! `timebox::track_tasks`, a plain `tokio::spawn` leak is the top row of a
//! snapshot diff at its own line, `assert_no_leaks` fails naming it, and
//! timebox's own tasks are not counted twice. The server test is the Go
//! story's investigation over real TCP: a handler leaks a task per request,
//! and the diff names the line.
#![cfg(tokio_unstable)]

use std::convert::Infallible;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use timebox::testing::assert_no_leaks;
use timebox::{SiteStats, Snapshot, timed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn tracked_runtime() -> tokio::runtime::Runtime {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder.worker_threads(2).enable_all();
    timebox::track_tasks(&mut builder).build().unwrap()
}

fn row<'a>(diff: &'a Snapshot, name: &str, line: u32) -> Option<&'a SiteStats> {
    diff.sites()
        .iter()
        .find(|s| s.name == name && s.line == line && s.file.ends_with("tests/tasks.rs"))
}

/// A handler that leaks one task per request: the bug to find.
async fn handle(_: Request<hyper::body::Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    tokio::spawn(std::future::pending::<()>()); // LEAK_LINE
    Ok(Response::new(Full::new(Bytes::from_static(b"ok"))))
}

/// The line of the leaking spawn above.
fn leak_line() -> u32 {
    let source = include_str!("tasks.rs");
    let at = source
        .lines()
        .position(|l| l.contains("// LEAK_LINE") && !l.contains("position"));
    u32::try_from(at.unwrap() + 1).unwrap()
}

async fn serve(listener: TcpListener) {
    loop {
        let (stream, _) = listener.accept().await.unwrap();
        tokio::spawn(async move {
            let service = service_fn(handle);
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

async fn get(addr: std::net::SocketAddr) {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nhost: test\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.unwrap();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[test]
fn a_server_leaking_a_task_per_request_is_found_at_its_line() {
    tracked_runtime().block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(serve(listener));
        get(addr).await; // warm up: the accept loop and first connection
        let base = timebox::snapshot();
        for _ in 0..20 {
            get(addr).await;
        }
        // Connection tasks end a moment after the client saw its answer.
        let start = std::time::Instant::now();
        let diff = loop {
            let diff = timebox::snapshot().since(&base);
            let settled = diff.sites()[0].line == leak_line() && diff.sites()[0].live == 21;
            if settled || start.elapsed() > Duration::from_secs(10) {
                break diff;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        };
        // Live as of now, the warm-up's leak included; started since base.
        let top = &diff.sites()[0];
        assert_eq!(
            (top.name, top.line, top.live, top.started),
            ("tokio::spawn", leak_line(), 21, 20),
            "{diff}"
        );
        assert!(top.file.ends_with("tests/tasks.rs"), "{diff}");
        assert_eq!(timebox::live(), 0, "plain tasks are rows, not timed bodies");
    });
}

#[timed(ms = 20)]
async fn stalled() -> Result<(), timebox::Error> {
    timebox::spawn(std::future::pending::<()>());
    std::future::pending().await
}

#[test]
fn assert_no_leaks_names_a_plain_spawn_started_inside_it() {
    let rt = tracked_runtime();
    let failure = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(assert_no_leaks(async {
            tokio::spawn(std::future::pending::<()>()); // NAMED_LINE
        }));
    }));
    let message = *failure.unwrap_err().downcast::<String>().unwrap();
    let line = include_str!("tasks.rs")
        .lines()
        .position(|l| l.contains("// NAMED_LINE") && !l.contains("position"))
        .unwrap()
        + 1;
    assert!(
        message.contains(&format!("tokio::spawn tests/tests/tasks.rs:{line}")),
        "{message}"
    );
}

#[test]
fn timebox_tasks_are_counted_at_their_timed_site_only() {
    tracked_runtime().block_on(async {
        let base = timebox::snapshot();
        assert_no_leaks(async {
            assert!(stalled().await.is_err());
        })
        .await;
        let diff = timebox::snapshot().since(&base);
        assert!(
            diff.sites()
                .iter()
                .all(|s| s.name != "tokio::spawn" || !s.file.contains("runtime/src")),
            "a timebox task counted as a plain one:\n{diff}"
        );
        assert!(row(&diff, "stalled", 0).is_none());
        let timed = diff.sites().iter().find(|s| s.name == "stalled").unwrap();
        assert_eq!((timed.started, timed.elapsed), (1, 1), "{diff}");
    });
}
