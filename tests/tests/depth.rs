//! Deep nesting: the docs' boxed recursion pattern 100,000 calls deep, the
//! innermost call hanging, the outermost deadline firing. Cancelling the
//! chain, and dropping it, must not need a stack as deep as the chain: the
//! runtime runs on a thread with a small stack, so a recursion through the
//! scopes would overflow it and abort the process.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use timebox::{ErrorKind, timed};

const DEPTH: u32 = 100_000;

/// How many calls reached the bottom of the chain.
static DEEPEST: AtomicU32 = AtomicU32::new(0);

#[timed(secs = 3600)]
async fn level(depth: u32) -> Result<(), timebox::Error> {
    if depth == 0 {
        DEEPEST.fetch_add(1, Ordering::SeqCst);
        std::future::pending::<()>().await;
    }
    level_boxed(depth - 1).await
}

fn level_boxed(depth: u32) -> Pin<Box<dyn Future<Output = Result<(), timebox::Error>> + Send>> {
    Box::pin(level(depth))
}

#[timed(ms = 500)]
async fn outer() -> Result<(), timebox::Error> {
    level_boxed(DEPTH).await
}

#[test]
fn a_hundred_thousand_nested_calls_cancel_without_a_deep_stack() {
    let _serial = timebox_tests::serial();
    let thread = std::thread::Builder::new()
        // Far less than a recursion 100,000 scopes deep would need (the
        // first release overflowed 2 MiB at depth 20,000).
        .stack_size(512 * 1024)
        .spawn(|| {
            // Paused: time stands still while the chain is being built, so
            // the deadline fires only once all of it waits.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_time()
                .start_paused(true)
                .build()
                .unwrap();
            rt.block_on(async {
                let err = outer().await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Elapsed);
                assert_eq!(DEEPEST.load(Ordering::SeqCst), 1, "the chain was complete");
                let start = std::time::Instant::now();
                while timebox::live() != 0 {
                    assert!(
                        start.elapsed() < Duration::from_secs(120),
                        "{} alive",
                        timebox::live()
                    );
                    tokio::task::yield_now().await;
                }
            });
        })
        .unwrap();
    thread
        .join()
        .expect("the runtime thread ended without a stack overflow");
    assert_eq!(timebox::live(), 0);
}
