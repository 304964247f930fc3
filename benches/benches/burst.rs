//! A burst: many tasks making sequential timed calls of a body that yields
//! once, hand-written (spawn + `timeout` on the `JoinHandle` + abort guard)
//! against `#[timed]`, on both runtime flavors, in interleaved rounds.
//! Reports how many calls time out under a 50 ms budget, and the latency
//! distribution under a 5 s budget that is never reached. Tokio itself makes
//! some calls of a big burst wait for most of it (tasks that spilled into
//! the global queue run last), so the hand-written counts are the bar, not
//! zero.
//!
//! ```text
//! cargo bench -p timebox-benches --bench burst
//! TIMEBOX_BURST_TASKS=2000 TIMEBOX_BURST_CALLS=50 TIMEBOX_BURST_ROUNDS=5 cargo bench -p timebox-benches --bench burst
//! ```

use std::time::{Duration, Instant};

use timebox::timed;
use timebox_benches::baseline::AbortOnDrop;
use timebox_benches::runtimes;
use tokio::runtime::Runtime;

fn env(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

type Error = std::io::Error;

#[timed(ms = 50)]
async fn tight_timed() -> Result<u64, Error> {
    tokio::task::yield_now().await;
    Ok(1)
}

#[timed(secs = 5)]
async fn roomy_timed() -> Result<u64, Error> {
    tokio::task::yield_now().await;
    Ok(1)
}

async fn hand_written(budget: Duration) -> Result<u64, Error> {
    let mut task = AbortOnDrop(tokio::spawn(async {
        tokio::task::yield_now().await;
        Ok::<u64, Error>(1)
    }));
    match tokio::time::timeout(budget, &mut task.0).await {
        Ok(joined) => joined.map_err(Error::other)?,
        Err(_) => Err(Error::new(std::io::ErrorKind::TimedOut, "timed out")),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Way {
    Hand,
    Timed,
}

/// One burst: `tasks` tasks of `calls` sequential calls each. The number of
/// timeouts, every call's latency, and how long the burst took.
fn burst(
    rt: &Runtime,
    way: Way,
    tight: bool,
    tasks: u32,
    calls: u32,
) -> (u64, Vec<Duration>, Duration) {
    rt.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    tokio::spawn(async move {
                        let mut timeouts = 0u64;
                        let mut lat = Vec::with_capacity(calls as usize);
                        for _ in 0..calls {
                            let t = Instant::now();
                            let r = match (way, tight) {
                                (Way::Hand, true) => hand_written(Duration::from_millis(50)).await,
                                (Way::Hand, false) => hand_written(Duration::from_secs(5)).await,
                                (Way::Timed, true) => tight_timed().await,
                                (Way::Timed, false) => roomy_timed().await,
                            };
                            lat.push(t.elapsed());
                            if r.is_err() {
                                timeouts += 1;
                            }
                        }
                        (timeouts, lat)
                    })
                })
                .collect();
            let mut timeouts = 0;
            let mut lat = Vec::new();
            for h in handles {
                let (t, l) = h.await.expect("burst task");
                timeouts += t;
                lat.extend(l);
            }
            (timeouts, lat, start.elapsed())
        })
        .await
        .expect("burst driver")
    })
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e3
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let (tasks, calls, rounds) = if quick {
        (100, 5, 1)
    } else {
        (
            env("TIMEBOX_BURST_TASKS", 2000),
            env("TIMEBOX_BURST_CALLS", 50),
            env("TIMEBOX_BURST_ROUNDS", 3),
        )
    };
    for (flavor, rt) in runtimes() {
        println!(
            "\n## {flavor}: {tasks} tasks x {calls} calls, body yields once, {rounds} rounds each\n"
        );
        println!("{:<34} {:>10} {:>9}", "50 ms budget", "Elapsed", "burst ms");
        let mut sums = [0, 0];
        for round in 0..rounds {
            for (i, way) in [Way::Hand, Way::Timed].into_iter().enumerate() {
                let (t, _, total) = burst(&rt, way, true, tasks, calls);
                sums[i] += t;
                let name = if way == Way::Hand {
                    "hand-written"
                } else {
                    "#[timed]"
                };
                println!(
                    "{:<34} {:>10} {:>9.1}",
                    format!("{name} (round {round})"),
                    t,
                    total.as_secs_f64() * 1e3
                );
            }
        }
        println!(
            "{:<34} {:>10}\n{:<34} {:>10}",
            "hand-written, all rounds", sums[0], "#[timed], all rounds", sums[1]
        );
        println!(
            "\n{:<34} {:>8} {:>8} {:>8} {:>8} {:>8}",
            "5 s budget, latency ms", "p50", "p99", "p99.9", "max", "burst"
        );
        for round in 0..rounds {
            for way in [Way::Hand, Way::Timed] {
                let (_, mut lat, total) = burst(&rt, way, false, tasks, calls);
                lat.sort();
                let name = if way == Way::Hand {
                    "hand-written"
                } else {
                    "#[timed]"
                };
                println!(
                    "{:<34} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.1}",
                    format!("{name} (round {round})"),
                    pct(&lat, 0.5),
                    pct(&lat, 0.99),
                    pct(&lat, 0.999),
                    pct(&lat, 1.0),
                    total.as_secs_f64() * 1e3
                );
            }
        }
    }
}
