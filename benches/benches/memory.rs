//! Bytes per in-flight `#[timed]` call, against one bare pending task and
//! against the hand-written code each mode replaces, measured with a
//! counting allocator: 100,000 callers each waiting in a call whose body has
//! started and never finishes, versus 100,000 callers each waiting on a
//! bare pending future.
//!
//! ```text
//! cargo bench -p timebox-benches --bench memory
//! ```

use std::alloc::System;
use std::future::Future;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::Relaxed;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use timebox::timed;
use timebox_benches::baseline::AbortOnDrop;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

fn heap() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

#[timed(secs = 600)]
async fn waits() -> Result<(), std::io::Error> {
    std::future::pending::<()>().await;
    Ok(())
}

#[timed(secs = 600, inline)]
async fn waits_inline() -> Result<(), std::io::Error> {
    std::future::pending::<()>().await;
    Ok(())
}

/// Hand-written bodies started, as `timebox::live()` counts timed ones.
static STARTED: AtomicU64 = AtomicU64::new(0);

/// A hand-written body: counted as started, then waits forever.
async fn waits_started() {
    STARTED.fetch_add(1, Relaxed);
    std::future::pending::<()>().await;
}

/// Hand-written spawn mode: spawn, a timeout on the `JoinHandle`, abort on
/// drop.
async fn waits_abort_on_drop() -> Result<(), std::io::Error> {
    let mut task = AbortOnDrop(tokio::spawn(waits_started()));
    match tokio::time::timeout(std::time::Duration::from_secs(600), &mut task.0).await {
        Ok(joined) => joined.map_err(std::io::Error::other),
        Err(_) => Err(std::io::ErrorKind::TimedOut.into()),
    }
}

/// Hand-written inline mode: `tokio::time::timeout` in the caller's task.
async fn waits_timeout() -> Result<(), std::io::Error> {
    let wait = waits_started();
    tokio::time::timeout(std::time::Duration::from_secs(600), wait)
        .await
        .map_err(|_| std::io::ErrorKind::TimedOut.into())
}

/// Heap held while `n` callers each wait in `call()`, once `started` of
/// them have started their body (counted by `timebox::live()`, or by
/// `STARTED` for hand-written bodies).
fn held<F, Fut>(n: usize, started: usize, call: F) -> i64
where
    F: Fn() -> Fut,
    Fut: Future + Send + 'static,
    Fut::Output: Send,
{
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    STARTED.store(0, Relaxed);
    let before = heap();
    let held = rt.block_on(async {
        let callers: Vec<_> = (0..n).map(|_| tokio::spawn(call())).collect();
        // Let every caller start and park, and every body start: a body
        // that has not run yet costs less than one that waits.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let bodies = || timebox::live() + STARTED.load(Relaxed);
        while bodies() < started as u64 {
            tokio::task::yield_now().await;
        }
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        let held = heap() - before;
        drop(callers);
        held
    });
    drop(rt);
    held
}

fn main() {
    let quick = !std::env::args().any(|a| a == "--bench");
    let n = if quick { 1_000 } else { 100_000 };
    // Warm up the allocator and the runtime's own structures once.
    held(n / 10, 0, std::future::pending::<()>);
    let bare = held(n, 0, std::future::pending::<()>);
    let per = |bytes: i64| bytes as f64 / n as f64;
    let bare_task = per(bare);
    let cases = [
        ("#[timed] spawn mode", per(held(n, n, waits))),
        (
            "hand-written abort-on-drop",
            per(held(n, n, waits_abort_on_drop)),
        ),
        ("#[timed] inline", per(held(n, n, waits_inline))),
        (
            "hand-written inline timeout",
            per(held(n, n, waits_timeout)),
        ),
    ];
    println!("{n} pending callers; bytes per caller, counting allocator\n");
    println!("bare pending task (the caller alone)   {bare_task:>6.0}");
    println!(
        "\n{:<30} {:>8} {:>10} {:>12} {:>14}",
        "caller in", "bytes", "adds", "adds / bare", "/ hand-written"
    );
    for (i, (name, bytes)) in cases.iter().enumerate() {
        let adds = bytes - bare_task;
        // Each timed mode beside the hand-written code it replaces.
        let hand = cases[i - i % 2 + 1].1 - bare_task;
        println!(
            "{name:<30} {bytes:>8.0} {adds:>10.0} {:>11.2}x {:>13.2}x",
            adds / bare_task,
            adds / hand
        );
    }
}
