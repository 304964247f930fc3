//! The investigation, replayed: a service leaks, and two snapshots diffed
//! (`pprof -base` for timed calls) point at the file and line that leaks.
//!
//! Three request paths run side by side:
//! - `lookup`, a clean timed call;
//! - `handle_order`, whose handler fires an audit write with
//!   `timebox::spawn` and forgets it: the audit backend stalls, so those
//!   tasks pile up;
//! - `render`, a timed call whose body blocks its thread (a zombie: it
//!   cannot be cancelled until it returns).
//!
//! ```text
//! cargo run --example detect
//! cargo run --example detect -- --secs 2
//! ```

use std::time::Duration;

use timebox::timed;
use timebox_examples::flags;

/// A clean call: answers in a millisecond, well within its budget.
#[timed(ms = 200)]
async fn lookup(key: u64) -> Result<u64, timebox::Error> {
    tokio::time::sleep(Duration::from_millis(1)).await;
    Ok(key * 2)
}

/// The audit backend: accepts the write and never acknowledges it.
async fn write_audit_record(_order: u64) {
    std::future::pending::<()>().await;
}

/// The leak: the handler is not a timed call, so the audit task it spawns
/// belongs to nobody and nothing ends it.
async fn handle_order(order: u64) {
    timebox::spawn(write_audit_record(order));
    let _ = lookup(order).await;
}

/// The zombie: blocking code inside an async body. The caller gets its error
/// after 50 ms, but the thread stays blocked for 2.5 s.
#[timed(ms = 50)]
async fn render(page: u64) -> Result<String, timebox::Error> {
    std::thread::sleep(Duration::from_millis(2500));
    Ok(format!("page {page}"))
}

fn main() {
    let secs = flags::from_env("detect", &["--secs"])
        .last()
        .map_or(4, |(_, secs)| *secs);
    // Extra workers: the zombie path keeps up to three of them blocked.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(6)
        .enable_all()
        .build()
        .expect("a Tokio runtime");

    let (leak, zombies) = rt.block_on(async {
        let traffic = tokio::spawn(async {
            let mut n = 0_u64;
            let mut tick = tokio::time::interval(Duration::from_millis(20));
            loop {
                tick.tick().await;
                n += 1;
                tokio::spawn(async move { lookup(n).await });
                if n % 5 == 0 {
                    tokio::spawn(handle_order(n));
                }
                if n % 50 == 1 {
                    tokio::spawn(render(n));
                }
            }
        });

        // Let the service warm up, then take the base profile.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let base = timebox::snapshot();
        println!("base snapshot taken; traffic runs {secs}s more...\n");
        tokio::time::sleep(Duration::from_secs(secs)).await;
        let diff = timebox::snapshot().since(&base);
        traffic.abort();

        println!("timebox::snapshot().since(&base):\n\n{diff}");
        let top = &diff.sites()[0];
        println!(
            "the site on top leaks: `{}` at {}:{} grew to {} live, {} of them started in the window and none ended",
            top.name,
            top.file,
            top.line,
            top.live,
            top.started - top.ok - top.err - top.cancelled - top.elapsed - top.panicked,
        );
        let zombies: u64 = diff.sites().iter().map(|s| s.zombies).sum();
        if let Some(z) = diff.sites().iter().find(|s| s.zombies > 0) {
            println!(
                "and `{}` at {}:{} has {} zombie(s): bodies alive long after they were cancelled",
                z.name, z.file, z.line, z.zombies
            );
        }
        (top.clone(), zombies)
    });

    // Shut down: aborts the leaked tasks, waits for the blocked threads.
    rt.shutdown_timeout(Duration::from_secs(3));
    let found = leak.name == "timebox::spawn" && leak.live > 0 && zombies > 0;
    std::process::exit(if found { 0 } else { 1 });
}
