//! A deadline that crosses three services by itself. Over loopback, each
//! tier on a Tokio runtime of its own:
//!
//! ```text
//! client ─HTTP─▶ edge (axum) ─HTTP (reqwest)─▶ api (axum) ─gRPC (tonic)─▶ storage
//!                                                         └─HTTP (hyper)─▶ storage
//! ```
//!
//! The client gives each request 300 ms. Each tier runs its handler under
//! `timebox::tower::DeadlineLayer` and sends on what is left, less 5 ms,
//! in `grpc-timeout` (`PropagateLayer`, or `grpc_timeout::stamp` for
//! reqwest): the budget shrinks hop by hop. Storage stalls on every fifth
//! item; its deadline comes first and the `DEADLINE_EXCEEDED` travels back
//! up in time. Then the client hangs up on a batch of stalled requests
//! mid-flight, and the cancellation reaches storage. Both times nothing is
//! left alive in any tier; the exit code says whether that held.
//!
//! ```text
//! cargo run --example services
//! cargo run --example services -- --secs 2 --budget-ms 300 --batch 6
//! ```

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use timebox_examples::flags;
use timebox_examples::services::{
    ApiTier, Client, EdgeTier, End, Hop, Journal, Outcome, Record, Settings, StorageTier, System,
};
use tokio::runtime::{Builder, Runtime};
use tokio::time::Instant;

/// Time between two requests of the traffic phase.
const EVERY: Duration = Duration::from_millis(100);
/// How long the hang-up batch runs before the client drops it.
const HANG_UP_AFTER: Duration = Duration::from_millis(100);
/// The most the example waits for the tiers to settle after a phase.
const SETTLE: Duration = Duration::from_secs(5);

fn runtime(name: &str) -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

fn main() {
    let mut traffic_for = Duration::from_secs(3);
    let mut settings = Settings::default();
    let mut batch = 6;
    for (flag, n) in flags::from_env("services", &["--secs", "--budget-ms", "--batch"]) {
        match flag.as_str() {
            "--secs" => traffic_for = Duration::from_secs(n),
            "--budget-ms" => settings = settings.with_budget(Duration::from_millis(n)),
            _ => batch = n,
        }
    }

    // One runtime per tier, as separate services would have.
    let storage_rt = runtime("storage");
    let api_rt = runtime("api");
    let edge_rt = runtime("edge");
    let client_rt = runtime("client");
    let journal = Journal::new();
    let started = (|| {
        let storage = storage_rt.block_on(StorageTier::start(settings, journal.clone()))?;
        let api = api_rt.block_on(ApiTier::start(
            settings,
            journal.clone(),
            storage.grpc_addr(),
            storage.http_addr(),
        ))?;
        let edge = edge_rt.block_on(EdgeTier::start(settings, journal.clone(), api.addr()))?;
        std::io::Result::Ok((storage, api, edge))
    })();
    let (storage, api, edge) = started.unwrap_or_else(|err| {
        eprintln!("services: cannot listen on 127.0.0.1: {err}");
        std::process::exit(1);
    });
    let client = client_rt.block_on(async { Client::new(settings, journal.clone(), edge.addr()) });

    println!(
        "edge     http://{}  axum, DeadlineLayer \"edge\"",
        edge.addr()
    );
    println!(
        "api      http://{}  axum, DeadlineLayer \"api\"",
        api.addr()
    );
    println!(
        "storage  grpc://{}  tonic, DeadlineLayer \"storage.grpc\"",
        storage.grpc_addr()
    );
    println!(
        "storage  http://{}  axum, DeadlineLayer \"storage.http\"",
        storage.http_addr()
    );
    println!(
        "\nthe client gives each request {:?}; every tier caps it at {:?} and sends on what is left \
         less {:?};\nstorage stalls on every {}th item\n",
        settings.budget, settings.ceiling, settings.margin, settings.stall_every
    );

    let mut problems = Vec::new();

    // Phase 1: traffic, one request every 100 ms.
    let outcomes = client_rt.block_on(traffic(client.clone(), traffic_for));
    let settled = settle(&journal);
    let ids: Vec<u64> = outcomes.iter().map(|(id, _)| *id).collect();
    print_requests(&journal, &outcomes, &settings);
    print_hops(&journal, &ids);
    print_live("after the traffic", settled);
    check_traffic(&journal, &outcomes, &mut problems);
    if settled.is_none() {
        problems.push("tiers still busy after the traffic".into());
    }

    // Phase 2: the client hangs up on a batch of stalled requests.
    let first = ids.last().copied().unwrap_or(0) + 1;
    let batch: Vec<u64> = (first..)
        .filter(|id| settings.stalls(*id))
        .take(usize::try_from(batch).unwrap_or(usize::MAX))
        .collect();
    println!(
        "\nhang-up: {} requests for stalled items ({}); the client drops them once storage has them",
        batch.len(),
        list(&batch)
    );
    let hung_up = client_rt.block_on(hang_up(&client, &journal, &batch));
    let settled = settle(&journal);
    print_hang_up(&journal, &batch, hung_up);
    print_live("after the hang-up", settled);
    check_hang_up(&journal, &batch, &mut problems);
    if settled.is_none() {
        problems.push("tiers still busy after the hang-up".into());
    }

    drop((edge, api, storage));
    for rt in [client_rt, edge_rt, api_rt, storage_rt] {
        rt.shutdown_timeout(Duration::from_secs(1));
    }

    if problems.is_empty() {
        println!(
            "\nverdict: the budget shrank at every hop, stalled items came back as 504s, the \
             client's hang-up reached storage, and 0 timed calls are alive in any tier."
        );
    } else {
        println!("\nverdict: FAILED");
        for problem in &problems {
            println!("  - {problem}");
        }
        std::process::exit(1);
    }
}

/// One request every [`EVERY`] for `duration`, each in its own task;
/// returns every `(id, outcome)` once all have one.
async fn traffic(client: Client, duration: Duration) -> Vec<(u64, Outcome)> {
    let mut tick = tokio::time::interval(EVERY);
    let stop = Instant::now() + duration;
    let mut calls = Vec::new();
    let mut id = 0;
    while tick.tick().await < stop {
        id += 1;
        let client = client.clone();
        calls.push((id, tokio::spawn(async move { client.get(id).await })));
    }
    let mut outcomes = Vec::new();
    for (id, call) in calls {
        let outcome = call
            .await
            .unwrap_or_else(|err| Outcome::Failed(format!("the caller's task failed: {err}")));
        outcomes.push((id, outcome));
    }
    outcomes
}

/// Sends `batch`, waits until storage is working on all of it (or for
/// [`HANG_UP_AFTER`] at least), then drops every call: the client hangs
/// up. Returns when it did.
async fn hang_up(client: &Client, journal: &Journal, batch: &[u64]) -> Instant {
    let calls: Vec<_> = batch
        .iter()
        .map(|&id| {
            let client = client.clone();
            tokio::spawn(async move { client.get(id).await })
        })
        .collect();
    let sent = Instant::now();
    let reached = |hop| batch.iter().all(|&id| journal.get(id, hop).is_some());
    while Instant::now() < sent + HANG_UP_AFTER
        || !(reached(Hop::StorageGrpc) && reached(Hop::StorageHttp))
    {
        if Instant::now() > sent + Duration::from_secs(1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let at = Instant::now();
    for call in calls {
        call.abort();
    }
    at
}

/// Waits until no hop has a request in flight and no tier a timed call
/// alive, for at most [`SETTLE`]; how long it took, if it got there.
fn settle(journal: &Journal) -> Option<Duration> {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_millis(1);
    loop {
        let busy = Hop::ALL.iter().any(|&hop| journal.in_flight(hop) > 0);
        if !busy && System::live() == [0; 4] && timebox::live() == 0 {
            return Some(start.elapsed());
        }
        if start.elapsed() > SETTLE {
            return None;
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1}ms", d.as_secs_f64() * 1e3)
}

fn list(ids: &[u64]) -> String {
    let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
    format!("ids {}", ids.join(", "))
}

/// The budget each hop received, per request: the first ten, and every
/// stalled one among them.
fn print_requests(journal: &Journal, outcomes: &[(u64, Outcome)], settings: &Settings) {
    println!(
        "{:>4}  {:>8}  {:>8}  {:>8}  {:>12}  {:>12}  answer",
        "req", "client", "edge", "api", "storage grpc", "storage http"
    );
    for (id, outcome) in outcomes.iter().take(10) {
        let mut line = format!("{id:>4}");
        for (hop, width) in [
            (Hop::Client, 8),
            (Hop::Edge, 8),
            (Hop::Api, 8),
            (Hop::StorageGrpc, 12),
            (Hop::StorageHttp, 12),
        ] {
            let cell = journal
                .get(*id, hop)
                .and_then(|r| r.budget)
                .map_or("-".to_string(), ms);
            let _ = write!(line, "  {cell:>width$}");
        }
        let mut answer = outcome.to_string();
        if answer.chars().count() > 72 {
            answer = answer.chars().take(69).collect::<String>() + "...";
        }
        let stalled = if settings.stalls(*id) {
            " (stalled)"
        } else {
            ""
        };
        println!("{line}  {answer}{stalled}");
    }
    if outcomes.len() > 10 {
        println!("   … and {} more", outcomes.len() - 10);
    }
}

/// Per hop, over `ids`: the budgets it received and how its work ended.
fn print_hops(journal: &Journal, ids: &[u64]) {
    let wanted: BTreeSet<u64> = ids.iter().copied().collect();
    println!(
        "\n{:<13} {:>8}  {:>20}  {:>4}  {:>4}  {:>8}  {:>7}",
        "hop", "requests", "budget received", "ok", "504", "deadline", "hung up"
    );
    for hop in Hop::ALL {
        let records: Vec<Record> = journal
            .records()
            .into_iter()
            .filter(|r| r.hop == hop && wanted.contains(&r.request))
            .collect();
        let budgets: Vec<Duration> = records.iter().filter_map(|r| r.budget).collect();
        let range = match (budgets.iter().min(), budgets.iter().max()) {
            (Some(lo), Some(hi)) => format!("{} .. {}", ms(*lo), ms(*hi)),
            _ => "-".into(),
        };
        let count = |end: End| records.iter().filter(|r| r.end == Some(end)).count();
        println!(
            "{:<13} {:>8}  {:>20}  {:>4}  {:>4}  {:>8}  {:>7}",
            hop.to_string(),
            records.len(),
            range,
            count(End::Answered(200)),
            count(End::Answered(504)),
            count(End::Deadline),
            count(End::HungUp)
        );
    }
}

/// How the batch the client hung up on ended at each hop.
fn print_hang_up(journal: &Journal, batch: &[u64], hung_up: Instant) {
    println!(
        "{:<13} {:>7}  {:>8}  {:>22}  {:>22}",
        "hop", "hung up", "deadline", "ended after hang-up", "deadline still ahead"
    );
    for hop in Hop::ALL {
        let records: Vec<Record> = batch
            .iter()
            .filter_map(|&id| journal.get(id, hop))
            .collect();
        let count = |end: End| records.iter().filter(|r| r.end == Some(end)).count();
        let after: Vec<Duration> = records
            .iter()
            .filter_map(|r| r.ended_at)
            .map(|at| at.saturating_duration_since(hung_up))
            .collect();
        let ahead: Vec<Duration> = records.iter().filter_map(|r| r.left_at_end).collect();
        let range = |v: &[Duration]| match (v.iter().min(), v.iter().max()) {
            (Some(lo), Some(hi)) => format!("{} .. {}", ms(*lo), ms(*hi)),
            _ => "-".into(),
        };
        println!(
            "{:<13} {:>7}  {:>8}  {:>22}  {:>22}",
            hop.to_string(),
            count(End::HungUp),
            count(End::Deadline),
            range(&after),
            range(&ahead)
        );
    }
}

fn print_live(when: &str, settled: Option<Duration>) {
    let [client, edge, api, storage] = System::live();
    let waited = settled.map_or("did not settle".into(), |d| {
        format!("settled {} after", ms(d))
    });
    println!(
        "timed calls alive {when} ({waited}): client {client}, edge {edge}, api {api}, storage \
         {storage}; timebox::live() = {}",
        timebox::live()
    );
}

fn check_traffic(journal: &Journal, outcomes: &[(u64, Outcome)], problems: &mut Vec<String>) {
    let ok = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Ok(_)))
        .count();
    let timed_out = outcomes
        .iter()
        .filter(|(_, o)| matches!(o, Outcome::Status(504, _)))
        .count();
    if ok == 0 || timed_out == 0 {
        problems.push(format!(
            "expected answers and 504s, got {ok} and {timed_out}"
        ));
    }
    for (id, outcome) in outcomes {
        if let Outcome::Failed(why) = outcome {
            problems.push(format!("request {id} failed: {why}"));
        }
        let budget = |hop| journal.get(*id, hop).and_then(|r| r.budget);
        let chain = [
            budget(Hop::Client),
            budget(Hop::Edge),
            budget(Hop::Api),
            budget(Hop::StorageGrpc),
        ];
        let shrinks = chain
            .windows(2)
            .all(|w| matches!(w, [Some(a), Some(b)] if a > b));
        let http_below_api =
            matches!((budget(Hop::Api), budget(Hop::StorageHttp)), (Some(a), Some(b)) if a > b);
        if !shrinks || !http_below_api {
            problems.push(format!(
                "request {id}: the budget did not shrink at every hop: {chain:?}"
            ));
        }
    }
}

fn check_hang_up(journal: &Journal, batch: &[u64], problems: &mut Vec<String>) {
    for &id in batch {
        for hop in [Hop::StorageGrpc, Hop::StorageHttp] {
            match journal.get(id, hop).and_then(|r| r.end) {
                Some(End::HungUp) => {}
                end => problems.push(format!(
                    "request {id} at {hop} ended {end:?}, not by the client's hang-up"
                )),
            }
        }
    }
}
