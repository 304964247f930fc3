//! A real web request under a deadline: a hyper server on 127.0.0.1 with a
//! fast, a slow and a stalled endpoint, and a client that calls them through
//! `#[timed]` many times at once. The client's remaining budget crosses the
//! wire in a `grpc-timeout` header, and the server runs each handler under
//! `min(that budget, its ceiling)`, so it stops when its caller gives up.
//! Although `/hang` never answers, nothing stays alive on either side once
//! the traffic stops; the exit code says whether that held.
//!
//! ```text
//! cargo run --example http
//! cargo run --example http -- --secs 2 --every-ms 25 --timeout-ms 500 --ceiling-ms 2000
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use timebox_examples::flags;
use timebox_examples::http::{Client, Endpoint, Outcome, Server, Settings as ServerSettings};
use timebox_examples::http::{live_calls, live_handlers};
use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinSet;

/// What the demo is asked to do: `--secs`, `--every-ms`, `--timeout-ms`,
/// `--ceiling-ms`.
#[derive(Debug, Clone, Copy)]
struct Settings {
    /// How long traffic runs.
    traffic: Duration,
    /// Time between two rounds of requests (one to each endpoint).
    every: Duration,
    /// How long a caller waits.
    timeout: Duration,
    /// The most time the server gives a handler.
    ceiling: Duration,
}

impl Settings {
    fn from_args() -> Self {
        let mut settings = Settings {
            traffic: Duration::from_secs(6),
            every: Duration::from_millis(25),
            timeout: Duration::from_millis(500),
            ceiling: Duration::from_secs(2),
        };
        let known = ["--secs", "--every-ms", "--timeout-ms", "--ceiling-ms"];
        for (flag, n) in flags::from_env("http", &known) {
            match flag.as_str() {
                "--secs" => settings.traffic = Duration::from_secs(n),
                "--every-ms" => settings.every = Duration::from_millis(n),
                "--timeout-ms" => settings.timeout = Duration::from_millis(n),
                _ => settings.ceiling = Duration::from_millis(n),
            }
        }
        settings
    }

    /// The `/slow` delays, in turn: two well within the caller's budget,
    /// two beyond it.
    fn slow_delays(&self) -> [Duration; 4] {
        let t = self.timeout;
        [t / 5, t * 3 / 5, t * 7 / 5, t * 3]
    }
}

/// How the calls to one endpoint ended.
#[derive(Debug, Default, Clone)]
struct Tally {
    sent: u64,
    ok: u64,
    timed_out: u64,
    server_timed_out: u64,
    failed: u64,
    first_failure: Option<String>,
}

type Tallies = Arc<Mutex<BTreeMap<Endpoint, Tally>>>;

fn record(tallies: &Tallies, endpoint: Endpoint, outcome: Option<Outcome>) {
    let mut tallies = tallies.lock().unwrap_or_else(PoisonError::into_inner);
    let tally = tallies.entry(endpoint).or_default();
    match outcome {
        None => tally.sent += 1,
        Some(Outcome::Ok) => tally.ok += 1,
        Some(Outcome::TimedOut) => tally.timed_out += 1,
        Some(Outcome::ServerTimedOut) => tally.server_timed_out += 1,
        Some(Outcome::Failed(why)) => {
            tally.failed += 1;
            tally.first_failure.get_or_insert(why);
        }
    }
}

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

fn main() {
    let settings = Settings::from_args();

    // One runtime per side, as two services would have.
    let server_rt = runtime();
    let client_rt = runtime();
    let server = match server_rt.block_on(Server::start(ServerSettings::with_ceiling(
        settings.ceiling,
    ))) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("http: cannot listen on 127.0.0.1: {err}");
            std::process::exit(1);
        }
    };
    let client = client_rt.block_on(async { Client::new(server.addr()) });

    let slow: Vec<String> = settings
        .slow_delays()
        .iter()
        .map(|d| format!("{}", d.as_millis()))
        .collect();
    println!(
        "server on http://{}, handlers capped at {:?}",
        server.addr(),
        settings.ceiling
    );
    println!(
        "every {:?} for {:?}: GET /fast, /slow?ms={{{}}} (in turn) and /hang, each #[timed] at {:?},",
        settings.every,
        settings.traffic,
        slow.join(","),
        settings.timeout
    );
    println!(
        "the caller's remaining budget sent as grpc-timeout; the server works min(budget, cap)\n"
    );

    let tallies = Tallies::default();
    let traffic = client_rt.spawn(traffic(settings, client, Arc::clone(&tallies)));

    println!(
        "{:>6}  {:>6}  {:>14}  {:>16}  {:>15}",
        "time", "sent", "client: calls", "server: handlers", "timebox::live()"
    );
    let sent = || -> u64 {
        let tallies = tallies.lock().unwrap_or_else(PoisonError::into_inner);
        tallies.values().map(|t| t.sent).sum()
    };
    let row = |label: String| {
        println!(
            "{:>6}  {:>6}  {:>14}  {:>16}  {:>15}",
            label,
            sent(),
            live_calls(),
            server.in_flight(),
            timebox::live()
        );
    };
    let start = std::time::Instant::now();
    let mut next_row = Duration::from_secs(1);
    while !traffic.is_finished() {
        std::thread::sleep(Duration::from_millis(20));
        if start.elapsed() >= next_row {
            row(format!("{}s", next_row.as_secs()));
            next_row += Duration::from_secs(1);
        }
    }
    let traffic_ok = client_rt.block_on(traffic).is_ok();

    // Every caller has returned. Aborted bodies are dropped by their runtime
    // at its next turn, and a server handler ends when hyper sees the caller
    // hang up or its own deadline passes: wait for that, bounded.
    let returned = std::time::Instant::now();
    let settled = wait_for_zero(&server, Duration::from_secs(5));
    let waited = returned.elapsed();
    row("after".into());
    println!(
        "        ({} ms after the last caller returned)",
        waited.as_millis()
    );

    let tallies = tallies
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    println!(
        "\n{:<16}  {:>5}  {:>5}  {:>9}  {:>10}  {:>6}",
        "endpoint", "sent", "ok", "timed out", "504 (srv)", "failed"
    );
    for (endpoint, t) in &tallies {
        println!(
            "{:<16}  {:>5}  {:>5}  {:>9}  {:>10}  {:>6}",
            endpoint.to_string(),
            t.sent,
            t.ok,
            t.timed_out,
            t.server_timed_out,
            t.failed
        );
        if let Some(why) = &t.first_failure {
            println!("    first failure: {why}");
        }
    }

    let stats = server.stats();
    let ms = |d: Option<Duration>| d.map_or("-".into(), |d| format!("{:.1?}", d));
    println!(
        "\nserver: {} requests, {} carried a grpc-timeout budget ({} .. {}); at most {} handlers at once",
        stats.requests,
        stats.with_budget,
        ms(stats.min_budget),
        ms(stats.max_budget),
        stats.peak_in_flight
    );
    println!(
        "        handlers: {} answered, {} stopped at the caller's deadline (504), {} dropped when the caller hung up",
        stats.answered, stats.stopped_at_deadline, stats.dropped
    );

    let total = |f: fn(&Tally) -> u64| tallies.values().map(f).sum::<u64>();
    let hang = tallies.get(&Endpoint::Hang).cloned().unwrap_or_default();
    let mut problems = Vec::new();
    if !traffic_ok {
        problems.push("the traffic task panicked".to_string());
    }
    if !settled {
        problems.push(format!(
            "still alive after 5 s: {} client calls, {} server handlers ({} timed), timebox::live() = {}",
            live_calls(),
            server.in_flight(),
            live_handlers(),
            timebox::live()
        ));
    }
    if hang.ok > 0 {
        problems.push(format!("/hang answered {} times", hang.ok));
    }
    if total(|t| t.failed) > 0 {
        problems.push(format!("{} calls failed", total(|t| t.failed)));
    }
    if total(|t| t.ok) == 0 || total(|t| t.timed_out + t.server_timed_out) == 0 {
        problems.push("the traffic should have both answers and timeouts".into());
    }
    if stats.with_budget != stats.requests || stats.max_budget > Some(settings.timeout) {
        problems.push("the server did not see every caller's budget".into());
    }

    server_rt.block_on(server.shutdown());
    client_rt.shutdown_background();
    server_rt.shutdown_background();

    if problems.is_empty() {
        println!(
            "\nverdict: /hang never answered, yet 0 timed calls and 0 handlers are left on either side."
        );
    } else {
        println!("\nverdict: FAILED");
        for problem in &problems {
            println!("  - {problem}");
        }
        std::process::exit(1);
    }
}

/// Every `settings.every`, one call to each endpoint, each in its own task,
/// for `settings.traffic`; returns once every caller has its outcome.
async fn traffic(settings: Settings, client: Client, tallies: Tallies) {
    let slow = settings.slow_delays();
    let mut callers = JoinSet::new();
    let mut tick = tokio::time::interval(settings.every);
    let stop = tokio::time::Instant::now() + settings.traffic;
    let mut round = 0;
    while tick.tick().await < stop {
        let endpoints = [
            Endpoint::Fast,
            Endpoint::Slow(slow[round % slow.len()]),
            Endpoint::Hang,
        ];
        round += 1;
        for endpoint in endpoints {
            record(&tallies, endpoint, None);
            let (client, tallies) = (client.clone(), Arc::clone(&tallies));
            callers.spawn(async move {
                let outcome = client.call(endpoint, settings.timeout).await;
                record(&tallies, endpoint, Some(outcome));
            });
        }
        while let Some(joined) = callers.try_join_next() {
            joined.expect("a caller panicked");
        }
    }
    while let Some(joined) = callers.join_next().await {
        joined.expect("a caller panicked");
    }
}

/// Waits until no timed call, no server handler and no timed body at all is
/// alive, polling with backoff for at most `limit`. Whether it got there.
fn wait_for_zero(server: &Server, limit: Duration) -> bool {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        if live_calls() == 0 && server.in_flight() == 0 && timebox::live() == 0 {
            return true;
        }
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}
