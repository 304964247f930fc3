//! Per-call cost of `#[timed]` against hand-written code, timeout latency,
//! and throughput, on the current-thread and the 2-worker runtime, printed as
//! ratios measured in the same run.
//!
//! ```text
//! cargo bench -p timebox-benches --bench overhead
//! TIMEBOX_BENCH_ROUNDS=31 cargo bench -p timebox-benches --bench overhead
//! ```

use std::time::{Duration, Instant};

use timebox::timed;
use timebox_benches::{
    Case, Direct, Stats, baseline, interleaved, interleaved_direct, runtimes, timed_inline,
    timed_spawn,
};
use tokio::runtime::Runtime;

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ns(d: Duration) -> String {
    format!("{:.0}", d.as_secs_f64() * 1e9)
}

fn main() {
    // `cargo test --benches` runs bench targets with `--bench` absent: keep
    // that a quick smoke run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let rounds = if quick {
        2
    } else {
        env("TIMEBOX_BENCH_ROUNDS", 15)
    } as usize;
    let iters = if quick {
        200
    } else {
        env("TIMEBOX_BENCH_ITERS", 20_000)
    };

    let cases: [(&str, Case); 8] = [
        ("body().await", || Box::pin(baseline::direct())),
        ("tokio::time::timeout inline", || {
            Box::pin(baseline::timeout_inline())
        }),
        ("tokio::spawn(..).await", || {
            Box::pin(baseline::spawn_await())
        }),
        ("hand-written token + oneshot", || {
            Box::pin(baseline::token_oneshot())
        }),
        ("hand-written abort-on-drop", || {
            Box::pin(baseline::abort_on_drop())
        }),
        ("  ... output via oneshot", || {
            Box::pin(baseline::abort_on_drop_oneshot())
        }),
        ("#[timed] spawn", || Box::pin(timed_spawn())),
        ("#[timed] inline", || Box::pin(timed_inline())),
    ];
    for (flavor, rt) in runtimes() {
        println!("\n## {flavor}: ns per call, median of {rounds} rounds of {iters} (min..max)\n");
        let stats = interleaved(&rt, &cases, rounds, iters);
        let spawn = stats[2].median.as_secs_f64();
        let timeout = stats[1].median.as_secs_f64();
        println!(
            "{:<32} {:>8} {:>17} {:>10} {:>12}",
            "case", "median", "spread", "/ spawn", "/ timeout"
        );
        for ((name, _), s) in cases.iter().zip(&stats) {
            let m = s.median.as_secs_f64();
            println!(
                "{:<32} {:>8} {:>17} {:>9.2}x {:>11.2}x",
                name,
                ns(s.median),
                format!("{}..{}", ns(s.min), ns(s.max)),
                m / spawn,
                m / timeout
            );
        }
        strict(&rt, quick);
        timeout_latency(&rt, rounds);
        throughput(&rt, quick);
    }
    registry_cost(rounds, iters);
}

/// The strict harness: each case awaited directly in its loop (no boxed
/// future per call, which the table above adds to every case alike and so
/// narrows every ratio), 50,000 calls a round, 7 interleaved rounds.
fn strict(rt: &Runtime, quick: bool) {
    let (rounds, iters) = if quick { (2, 200) } else { (7, 50_000) };
    let stats = interleaved_direct(rt, rounds, iters);
    let median = |case: Direct| {
        let i = Direct::ALL.iter().position(|c| *c == case).expect("a case");
        stats[i].median.as_secs_f64()
    };
    println!("\nstrict harness, each call awaited in place, median of {rounds} rounds of {iters}:");
    for (case, s) in Direct::ALL.iter().zip(&stats) {
        println!(
            "  {:<30} {:>6} ns ({}..{})",
            case.name(),
            ns(s.median),
            ns(s.min),
            ns(s.max)
        );
    }
    println!(
        "  #[timed] inline / timeout {:.2}x, #[timed] spawn / abort-on-drop {:.2}x, #[timed] spawn / tokio::spawn {:.2}x",
        median(Direct::TimedInline) / median(Direct::Timeout),
        median(Direct::TimedSpawn) / median(Direct::AbortOnDrop),
        median(Direct::TimedSpawn) / median(Direct::SpawnAwait),
    );
}

#[timed(ms = 1)]
async fn stalls_timed() -> Result<(), std::io::Error> {
    std::future::pending::<()>().await;
    Ok(())
}

/// From the deadline to the caller holding its error, for a 1 ms budget.
fn timeout_latency(rt: &Runtime, rounds: usize) {
    let samples = 50;
    let (mut tokio_lat, mut timed_lat) = rt.block_on(async {
        tokio::spawn(async move {
            let (mut tokio_lat, mut timed_lat) = (Vec::new(), Vec::new());
            for round in 0..rounds * samples {
                let budget = Duration::from_millis(1);
                let measure_timed = round % 2 == 0;
                let start = Instant::now();
                if measure_timed {
                    assert!(stalls_timed().await.is_err());
                } else {
                    let r = tokio::time::timeout(budget, std::future::pending::<()>()).await;
                    assert!(r.is_err());
                }
                let late = start.elapsed().saturating_sub(budget);
                if measure_timed {
                    &mut timed_lat
                } else {
                    &mut tokio_lat
                }
                .push(late);
            }
            (tokio_lat, timed_lat)
        })
        .await
        .expect("latency task")
    });
    let (t, m) = (Stats::of(&mut tokio_lat), Stats::of(&mut timed_lat));
    println!(
        "\ntimeout path, 1 ms budget, deadline to error: tokio::time::timeout {:.3} ms, #[timed] {:.3} ms (medians; #[timed] - tokio = {:+.3} ms)",
        t.median.as_secs_f64() * 1e3,
        m.median.as_secs_f64() * 1e3,
        (m.median.as_secs_f64() - t.median.as_secs_f64()) * 1e3
    );
}

/// 10,000 concurrent callers making 100 calls each.
fn throughput(rt: &Runtime, quick: bool) {
    let (callers, calls) = if quick { (100, 10) } else { (10_000, 100) };
    let run = |case: Case| {
        rt.block_on(async move {
            let start = Instant::now();
            let tasks: Vec<_> = (0..callers)
                .map(|_| {
                    tokio::spawn(async move {
                        for _ in 0..calls {
                            case().await.expect("a value");
                        }
                    })
                })
                .collect();
            for task in tasks {
                task.await.expect("caller");
            }
            start.elapsed()
        })
    };
    let total = f64::from(callers * calls);
    let mut spawn = Vec::new();
    let mut timed = Vec::new();
    for _ in 0..3 {
        spawn.push(run(|| Box::pin(baseline::spawn_await())));
        timed.push(run(|| Box::pin(timed_spawn())));
    }
    let (s, t) = (Stats::of(&mut spawn).median, Stats::of(&mut timed).median);
    println!(
        "throughput, {callers} callers x {calls} calls: tokio::spawn(..).await {:.2} M calls/s, #[timed] spawn {:.2} M calls/s ({:.2}x the time)",
        total / s.as_secs_f64() / 1e6,
        total / t.as_secs_f64() / 1e6,
        t.as_secs_f64() / s.as_secs_f64()
    );
}

/// The registry's bookkeeping for one call, alone: start, outcome, end.
fn registry_cost(rounds: usize, iters: u32) {
    static SITE: timebox::__private::Site =
        timebox::__private::Site::new("bench", module_path!(), file!(), line!());
    let mut samples: Vec<Duration> = (0..rounds)
        .map(|_| {
            let now = tokio::time::Instant::now();
            let start = Instant::now();
            for _ in 0..iters {
                timebox::__private::registry_roundtrip(&SITE, std::hint::black_box(now));
            }
            start.elapsed() / iters
        })
        .collect();
    println!(
        "\nregistry bookkeeping per call (start + outcome + end, clock read excluded), alone: {} ns median",
        ns(Stats::of(&mut samples).median)
    );
}
