//! Bytes per in-flight `#[timed]` call, against one bare pending task,
//! measured with a counting allocator: 100,000 callers each waiting in a
//! timed call whose body has started and never finishes, versus 100,000
//! callers each waiting on a bare pending future.
//!
//! ```text
//! cargo bench -p timebox-benches --bench memory
//! ```

use std::alloc::System;
use std::future::Future;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use timebox::timed;

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

/// Heap held while `n` callers each wait in `call()`, once `started` of
/// them have started their body (counted by `timebox::live()`).
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
    let before = heap();
    let held = rt.block_on(async {
        let callers: Vec<_> = (0..n).map(|_| tokio::spawn(call())).collect();
        // Let every caller start and park, and every body start: a body
        // that has not run yet costs less than one that waits.
        for _ in 0..4 {
            tokio::task::yield_now().await;
        }
        while timebox::live() < started as u64 {
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
    let spawn = held(n, n, waits);
    let inline = held(n, n, waits_inline);
    let per = |bytes: i64| bytes as f64 / n as f64;
    let bare_task = per(bare);
    println!("{n} pending callers; bytes per caller, counting allocator\n");
    println!(
        "bare pending task (the caller alone)       {:>8.0}",
        bare_task
    );
    println!(
        "caller in a #[timed] spawn-mode call      {:>8.0}   the call adds {:.0} = {:.2}x a bare task",
        per(spawn),
        per(spawn) - bare_task,
        (per(spawn) - bare_task) / bare_task
    );
    println!(
        "caller in a #[timed] inline call          {:>8.0}   the call adds {:.0} = {:.2}x a bare task",
        per(inline),
        per(inline) - bare_task,
        (per(inline) - bare_task) / bare_task
    );
}
