//! An outage: N callers of one site time out together, the upstream never
//! answering. Reported: how late the last caller gets its error after its
//! own deadline, `#[timed]` against hand-written abort-on-drop code (spawn,
//! `timeout` on the `JoinHandle`, abort in a guard), measured in the same
//! run, the two interleaved over rounds (`TIMEBOX_BENCH_ROUNDS`, 5 by
//! default): medians, their range, and the ratio of the medians. An outage
//! is when a timeout library must stay cheap.
//!
//! ```text
//! cargo bench -p timebox-benches --bench outage
//! TIMEBOX_OUTAGE=10000,100000 cargo bench -p timebox-benches --bench outage
//! ```

use std::time::Duration;

use timebox::timed;
use timebox_benches::baseline::AbortOnDrop;
use timebox_benches::runtimes;
use tokio::runtime::Runtime;
use tokio::time::Instant;

/// Long enough for every caller to have started before the first deadline.
const BUDGET: Duration = Duration::from_secs(2);

#[timed(secs = 2)]
async fn stalled() -> Result<(), timebox::Error> {
    std::future::pending().await
}

async fn hand_written() -> Result<(), tokio::time::error::Elapsed> {
    let mut task = AbortOnDrop(tokio::spawn(std::future::pending::<()>()));
    tokio::time::timeout(BUDGET, &mut task.0).await.map(|_| ())
}

/// How late, after its own deadline, the last of `n` callers got its error.
fn outage(rt: &Runtime, n: usize, timed: bool) -> Duration {
    rt.block_on(async {
        let callers: Vec<_> = (0..n)
            .map(|_| {
                tokio::spawn(async move {
                    let deadline = Instant::now() + BUDGET;
                    let failed = if timed {
                        stalled().await.is_err()
                    } else {
                        hand_written().await.is_err()
                    };
                    assert!(failed, "the upstream never answers");
                    Instant::now().saturating_duration_since(deadline)
                })
            })
            .collect();
        let mut latest = Duration::ZERO;
        for caller in callers {
            latest = latest.max(caller.await.expect("caller"));
        }
        // Let the aborted bodies go before the next round.
        while timebox::live() != 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        latest
    })
}

/// The median in ms, and "median (min..max) ms" as text.
fn spread(samples: &mut [Duration]) -> (f64, String) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let median = ms(samples[samples.len() / 2]);
    let text = format!(
        "{median:.1} ({:.1}..{:.1}) ms",
        ms(samples[0]),
        ms(samples[samples.len() - 1])
    );
    (median, text)
}

fn main() {
    // `cargo test --benches` runs this without `--bench`: a quick smoke run.
    let quick = !std::env::args().any(|a| a == "--bench");
    let sizes: Vec<usize> = match std::env::var("TIMEBOX_OUTAGE") {
        Ok(list) => list
            .split(',')
            .filter_map(|n| n.trim().parse().ok())
            .collect(),
        Err(_) if quick => vec![100],
        Err(_) => vec![10_000, 100_000],
    };
    let rounds: usize = std::env::var("TIMEBOX_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(if quick { 1 } else { 5 });
    for (flavor, rt) in runtimes() {
        println!(
            "\n## {flavor}: deadline to the last caller's error, median of {rounds} (min..max)\n"
        );
        println!(
            "{:>8} {:>24} {:>24} {:>8}",
            "callers", "hand-written", "#[timed]", "ratio"
        );
        for &n in &sizes {
            let (mut hand, mut timed) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                hand.push(outage(&rt, n, false));
                timed.push(outage(&rt, n, true));
            }
            let (hand, timed) = (spread(&mut hand), spread(&mut timed));
            println!(
                "{n:>8} {:>24} {:>24} {:>7.2}x",
                hand.1,
                timed.1,
                timed.0 / hand.0.max(1e-6)
            );
        }
    }
}
