//! Grace periods: a cancelled body cleans up in a scope of its own, under
//! the grace deadline, where timed calls and `timebox::spawn` children work
//! (the body itself still sees its call cancelled); and nothing outlives the
//! outermost call, grace or not.

use std::sync::Mutex;
use std::time::Duration;

use timebox::{ErrorKind, timed};
use timebox_tests::{DropCounter, Dropped};
use tokio::time::Instant;

#[timed(secs = 60, grace = 500)]
async fn inner(guard: Dropped) -> Result<(), timebox::Error> {
    let _guard = guard;
    timebox::cancelled().await;
    // Cleaning up, as long as the grace period lets it.
    std::future::pending::<()>().await;
    Ok(())
}

#[timed(ms = 20)]
async fn outer(guard: Dropped) -> Result<(), timebox::Error> {
    inner(guard).await
}

#[tokio::test(start_paused = true)]
async fn a_grace_period_ends_when_the_outermost_call_returns() {
    let drops = DropCounter::new();
    let start = Instant::now();
    let err = outer(drops.token()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Elapsed);
    assert_eq!(start.elapsed(), Duration::from_millis(20));
    tokio::time::sleep(Duration::from_millis(1)).await;
    // The first release kept the inner body in its grace for 500 ms more.
    assert_eq!(drops.count(), 1, "the inner body outlived the outer call");
    timebox_tests::settle().await;
}

/// What the cleanup saw: its own call's result and budget, and whether its
/// child ran.
static SEEN: Mutex<Option<(Result<Duration, ErrorKind>, bool)>> = Mutex::new(None);

#[timed(secs = 5)]
async fn flush() -> Result<Duration, timebox::Error> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(timebox::remaining().expect("a timed call has a budget"))
}

#[timed(ms = 50, grace = 200)]
async fn upload() -> Result<(), timebox::Error> {
    timebox::cancelled().await;
    // Cleanup I/O during the grace period: a timed call and a child.
    assert!(
        timebox::is_cancelled(),
        "to the body, its call is cancelled"
    );
    assert!(
        timebox::token().is_some_and(|t| t.is_cancelled()),
        "and its token agrees"
    );
    let child = timebox::spawn(async { tokio::time::sleep(Duration::from_millis(5)).await });
    let flushed = flush().await.map_err(|e| e.kind());
    let child_ran = child.await.is_ok();
    *SEEN.lock().unwrap() = Some((flushed, child_ran));
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn cleanup_during_grace_can_make_timed_calls_and_children() {
    assert_eq!(upload().await.unwrap_err().kind(), ErrorKind::Elapsed);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (flushed, child_ran) = SEEN.lock().unwrap().take().expect("the cleanup ran");
    // Clamped to the grace deadline: 200 ms from the cancellation, 10 of
    // them spent flushing (the child ran alongside).
    assert_eq!(flushed, Ok(Duration::from_millis(190)));
    assert!(child_ran, "a child started during cleanup runs");
    timebox_tests::settle().await;
}
