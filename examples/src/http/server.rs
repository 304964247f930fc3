//! The upstream: an HTTP/1.1 server on 127.0.0.1 (hyper 1) whose handlers
//! run under the caller's deadline.
//!
//! | path | answer |
//! |---|---|
//! | `/fast` | `200` at once |
//! | `/slow?ms=N` | `200` after N ms |
//! | `/hang` | never: it accepts and stalls, like a stuck upstream |
//!
//! A request may carry its caller's remaining budget in a `grpc-timeout`
//! header. The handler runs under `#[timed(duration = budget)]` with
//! `budget = min(header, ceiling)` (the ceiling alone when the header is
//! missing or malformed), and answers `504 Gateway Timeout` with the timebox
//! error's message when the budget runs out first. If the caller hangs up
//! before that, hyper drops the handler, which ends its timed body as well.

use std::convert::Infallible;
use std::future::pending;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use timebox::{ErrorKind, grpc_timeout, timed};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// How the server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// The most time a handler ever gets, whatever the caller sends.
    pub ceiling: Duration,
}

impl Settings {
    /// A server whose handlers get at most `ceiling`.
    pub fn with_ceiling(ceiling: Duration) -> Self {
        Settings { ceiling }
    }
}

impl Default for Settings {
    /// A 2 s ceiling.
    fn default() -> Self {
        Settings::with_ceiling(Duration::from_secs(2))
    }
}

/// What the server has seen so far. Counts are since the server started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct ServerStats {
    /// Requests that reached a handler.
    pub requests: u64,
    /// Handlers running now: counted by a guard that each handler holds
    /// until hyper drops it, whether it answered or not.
    pub in_flight: usize,
    /// The most handlers that were ever in flight at once.
    pub peak_in_flight: usize,
    /// Handlers that answered within their budget (any status but 504).
    pub answered: u64,
    /// Handlers whose budget ran out first: they answered 504.
    pub stopped_at_deadline: u64,
    /// Handlers dropped before they answered: the caller hung up and hyper
    /// dropped the request.
    pub dropped: u64,
    /// Requests that carried a valid `grpc-timeout` header.
    pub with_budget: u64,
    /// The smallest budget a caller sent.
    pub min_budget: Option<Duration>,
    /// The largest budget a caller sent.
    pub max_budget: Option<Duration>,
}

/// State shared by the accept loop, the connections and the handlers.
#[derive(Debug)]
struct Shared {
    settings: Settings,
    in_flight: AtomicUsize,
    peak_in_flight: AtomicUsize,
    requests: AtomicU64,
    answered: AtomicU64,
    stopped_at_deadline: AtomicU64,
    dropped: AtomicU64,
    budgets: Mutex<Budgets>,
}

/// The `grpc-timeout` budgets callers sent.
#[derive(Debug, Default)]
struct Budgets {
    count: u64,
    min: Option<Duration>,
    max: Option<Duration>,
}

impl Shared {
    fn saw(&self, budget: Duration) {
        let mut seen = self.budgets.lock().unwrap_or_else(PoisonError::into_inner);
        seen.count += 1;
        seen.min = Some(seen.min.map_or(budget, |m| m.min(budget)));
        seen.max = Some(seen.max.map_or(budget, |m| m.max(budget)));
    }
}

/// A running server. Dropping it stops the accept loop and closes idle
/// connections; [`Server::shutdown`] also waits for them to end.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    accept: JoinHandle<()>,
}

impl Server {
    /// Binds 127.0.0.1 on a port the OS picks and serves on the current
    /// Tokio runtime.
    pub async fn start(settings: Settings) -> io::Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            settings,
            in_flight: AtomicUsize::new(0),
            peak_in_flight: AtomicUsize::new(0),
            requests: AtomicU64::new(0),
            answered: AtomicU64::new(0),
            stopped_at_deadline: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            budgets: Mutex::new(Budgets::default()),
        });
        let (stop, stopped) = watch::channel(false);
        let accept = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stopped));
        Ok(Server {
            addr,
            shared,
            stop,
            accept,
        })
    }

    /// Where the server listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Handlers running now (see [`ServerStats::in_flight`]).
    pub fn in_flight(&self) -> usize {
        self.shared.in_flight.load(Relaxed)
    }

    /// What the server has seen so far.
    pub fn stats(&self) -> ServerStats {
        let s = &self.shared;
        let budgets = s.budgets.lock().unwrap_or_else(PoisonError::into_inner);
        ServerStats {
            requests: s.requests.load(Relaxed),
            in_flight: s.in_flight.load(Relaxed),
            peak_in_flight: s.peak_in_flight.load(Relaxed),
            answered: s.answered.load(Relaxed),
            stopped_at_deadline: s.stopped_at_deadline.load(Relaxed),
            dropped: s.dropped.load(Relaxed),
            with_budget: budgets.count,
            min_budget: budgets.min,
            max_budget: budgets.max,
        }
    }

    /// Stops accepting, lets every connection finish the request it is
    /// serving (each is bounded by the ceiling), and waits for them; after
    /// the ceiling and a second more, the rest are aborted.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        let patience = self.shared.settings.ceiling + Duration::from_secs(1);
        if tokio::time::timeout(patience, &mut self.accept)
            .await
            .is_err()
        {
            self.accept.abort();
        }
    }
}

/// Accepts connections until told to stop (or the [`Server`] is dropped),
/// then waits for the open connections to shut down.
async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    loop {
        let stream = tokio::select! {
            () = stopped(&mut stop) => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of file descriptors, or a connection reset before
                    // it was accepted: back off a little and go on.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        while connections.try_join_next().is_some() {}
        connections.spawn(serve(stream, Arc::clone(&shared), stop.clone()));
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Serves one connection until the client closes it or the server stops.
async fn serve(stream: TcpStream, shared: Arc<Shared>, mut stop: watch::Receiver<bool>) {
    let _ = stream.set_nodelay(true);
    let service = service_fn(move |request| handle(request, Arc::clone(&shared)));
    let mut connection = pin!(
        http1::Builder::new()
            .timer(TokioTimer::new())
            .serve_connection(TokioIo::new(stream), service)
    );
    tokio::select! {
        _ = connection.as_mut() => {}
        () = stopped(&mut stop) => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// Resolves once the server is told to stop, or dropped.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// What a request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Fast,
    Slow(Duration),
    Hang,
    BadQuery,
    NotFound,
}

impl Route {
    fn of<B>(request: &Request<B>) -> Route {
        match request.uri().path() {
            "/fast" => Route::Fast,
            "/hang" => Route::Hang,
            "/slow" => request
                .uri()
                .query()
                .unwrap_or("")
                .split('&')
                .find_map(|pair| pair.strip_prefix("ms="))
                .and_then(|ms| ms.parse().ok())
                .map_or(Route::BadQuery, |ms| Route::Slow(Duration::from_millis(ms))),
            _ => Route::NotFound,
        }
    }
}

/// Keeps one handler counted in flight until hyper drops it, and tells
/// how it ended.
#[derive(Debug)]
struct InFlight {
    shared: Arc<Shared>,
    answered: bool,
}

impl InFlight {
    fn enter(shared: Arc<Shared>) -> InFlight {
        shared.requests.fetch_add(1, Relaxed);
        let now = shared.in_flight.fetch_add(1, Relaxed) + 1;
        shared.peak_in_flight.fetch_max(now, Relaxed);
        InFlight {
            shared,
            answered: false,
        }
    }

    fn answered(&mut self, status: StatusCode) {
        self.answered = true;
        let counter = if status == StatusCode::GATEWAY_TIMEOUT {
            &self.shared.stopped_at_deadline
        } else {
            &self.shared.answered
        };
        counter.fetch_add(1, Relaxed);
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.answered {
            self.shared.dropped.fetch_add(1, Relaxed);
        }
        self.shared.in_flight.fetch_sub(1, Relaxed);
    }
}

/// One request: read the caller's budget, do the work under
/// `min(budget, ceiling)`, and answer.
async fn handle(
    request: Request<Incoming>,
    shared: Arc<Shared>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut guard = InFlight::enter(Arc::clone(&shared));
    let sent = request
        .headers()
        .get(grpc_timeout::HEADER)
        .and_then(|value| value.to_str().ok())
        .and_then(grpc_timeout::parse);
    if let Some(budget) = sent {
        shared.saw(budget);
    }
    let ceiling = shared.settings.ceiling;
    let budget = sent.map_or(ceiling, |budget| budget.min(ceiling));
    let response = match work(Route::of(&request), budget).await {
        Ok(response) => response,
        Err(err) => {
            let status = match err.kind() {
                ErrorKind::Elapsed => StatusCode::GATEWAY_TIMEOUT,
                _ => StatusCode::SERVICE_UNAVAILABLE,
            };
            text(status, err.to_string())
        }
    };
    guard.answered(response.status());
    Ok(response)
}

/// The handler's work, under the budget: `/hang` never finishes, so only
/// the deadline (or the caller hanging up) ends it.
#[timed(duration = budget, name = "http_handler")]
async fn work(route: Route, budget: Duration) -> Result<Response<Full<Bytes>>, timebox::Error> {
    Ok(match route {
        Route::Fast => text(StatusCode::OK, "fast".into()),
        Route::Slow(ms) => {
            tokio::time::sleep(ms).await;
            text(StatusCode::OK, format!("slow after {ms:?}"))
        }
        Route::Hang => pending().await,
        Route::BadQuery => text(StatusCode::BAD_REQUEST, "want /slow?ms=N".into()),
        Route::NotFound => text(
            StatusCode::NOT_FOUND,
            "try /fast, /slow?ms=N or /hang".into(),
        ),
    })
}

fn text(status: StatusCode, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
}

/// The server's timed handler bodies alive now: the part of
/// [`timebox::live`] that is this module's.
pub fn live_handlers() -> u64 {
    super::live_in(module_path!())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(uri: &str) -> Route {
        Route::of(&Request::get(uri).body(()).unwrap())
    }

    #[test]
    fn routes() {
        assert_eq!(route("/fast"), Route::Fast);
        assert_eq!(route("/hang"), Route::Hang);
        assert_eq!(
            route("/slow?ms=250"),
            Route::Slow(Duration::from_millis(250))
        );
        assert_eq!(
            route("/slow?x=1&ms=7"),
            Route::Slow(Duration::from_millis(7))
        );
        assert_eq!(route("/slow"), Route::BadQuery);
        assert_eq!(route("/slow?ms=-1"), Route::BadQuery);
        assert_eq!(route("/"), Route::NotFound);
    }
}
