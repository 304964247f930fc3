//! One thread, more than one runtime: a call is timed on the runtime current
//! where it waits, whatever runtime its task belongs to (`block_in_place`
//! into another runtime's `block_on`, `Handle::enter`), and a runtime that
//! is dropped leaves the calls of the others working. (Deadline timers are
//! kept per thread between calls, and reused only on their own runtime.)

use std::time::Duration;

use timebox::{ErrorKind, timed};
use tokio::runtime::Builder;

#[timed(secs = 5, inline)]
async fn at_once() -> Result<(), timebox::Error> {
    Ok(())
}

/// Waits once, so the call arms its deadline's timer.
#[timed(secs = 5, inline)]
async fn waits_inline() -> Result<(), timebox::Error> {
    tokio::task::yield_now().await;
    Ok(())
}

#[timed(secs = 5)]
async fn waits_spawned() -> Result<u32, timebox::Error> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    Ok(7)
}

#[timed(ms = 20)]
async fn stalls() -> Result<(), timebox::Error> {
    std::future::pending::<()>().await;
    Ok(())
}

/// Both modes, and a deadline that passes, on the current runtime.
async fn calls_work() -> Vec<Result<(), ErrorKind>> {
    let mut seen = Vec::new();
    for _ in 0..3 {
        seen.push(waits_inline().await.map_err(|e| e.kind()));
        seen.push(waits_spawned().await.map(drop).map_err(|e| e.kind()));
    }
    seen.push(match stalls().await {
        Err(err) if err.kind() == ErrorKind::Elapsed => Ok(()),
        other => Err(other.map_or_else(|e| e.kind(), |()| ErrorKind::Cancelled)),
    });
    seen
}

#[test]
fn a_task_that_runs_another_runtime_in_block_in_place_times_calls_on_each() {
    let outer = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let (inside, after) = outer.block_on(async {
        tokio::spawn(async {
            at_once().await.unwrap();
            let inside = tokio::task::block_in_place(|| {
                let inner = Builder::new_current_thread().enable_all().build().unwrap();
                let seen = inner.block_on(calls_work());
                drop(inner);
                seen
            });
            (inside, calls_work().await)
        })
        .await
        .unwrap()
    });
    assert!(inside.iter().all(Result::is_ok), "inside: {inside:?}");
    assert!(after.iter().all(Result::is_ok), "after: {after:?}");
}

#[test]
fn a_task_that_enters_another_runtime_times_calls_there_and_at_home() {
    let home = Builder::new_current_thread().enable_all().build().unwrap();
    let other = Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let other_handle = other.handle().clone();
    let local = tokio::task::LocalSet::new();
    let entered = local.block_on(&home, async move {
        tokio::task::spawn_local(async move {
            at_once().await.unwrap();
            let _entered = other_handle.enter();
            waits_inline().await.map_err(|e| e.kind())
        })
        .await
        .unwrap()
    });
    assert_eq!(entered, Ok(()));
    drop(other);
    let after = home.block_on(async { tokio::spawn(calls_work()).await.unwrap() });
    assert!(after.iter().all(Result::is_ok), "after: {after:?}");
}
