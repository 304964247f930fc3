//! One benchmark case in a loop inside a spawned task, for a profiler:
//! where the instructions or the time of one call go.
//!
//! ```text
//! cargo build --release -p timebox-benches --example prof
//! valgrind --tool=callgrind target/release/examples/prof spawn 100000
//! MT=1 perf record -g target/release/examples/prof inline 5000000
//! ```
//!
//! Cases: `spawn`, `inline` (`#[timed]`), `abort` (hand-written
//! abort-on-drop), `timeout` (inline `tokio::time::timeout`), anything else
//! the bare body. `MT=1` runs on the 2-worker runtime.

use timebox_benches::{baseline, timed_inline, timed_spawn};
fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let n: u64 = std::env::args()
        .nth(2)
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let rt = if std::env::var_os("MT").is_some() {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap()
    } else {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    };
    rt.block_on(async move {
        tokio::spawn(async move {
            let mut s = 0;
            for _ in 0..n {
                s += match which.as_str() {
                    "inline" => timed_inline().await.unwrap(),
                    "spawn" => timed_spawn().await.unwrap(),
                    "timeout" => baseline::timeout_inline().await.unwrap(),
                    "abort" => baseline::abort_on_drop().await.unwrap(),
                    _ => baseline::direct().await.unwrap(),
                };
            }
            println!("{s}");
        })
        .await
        .unwrap();
    });
}
