//! Every outcome of a spawn-mode call, on every runtime flavour: value,
//! timeout, caller dropped, panic, runtime shutdown, nested clamp. Each ends
//! with no timed body alive and the body's future dropped.

use std::future::pending;
use std::time::Duration;

use timebox::{ErrorKind, timed};
use timebox_tests::{DropCounter, Dropped, Flavor, assert_took, on_every_runtime, serial, settle};
use tokio::time::Instant;

#[timed(ms = 500)]
async fn answer(guard: Dropped) -> Result<u32, timebox::Error> {
    tokio::task::yield_now().await;
    drop(guard);
    Ok(42)
}

#[test]
fn a_value_is_returned_as_is() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        assert_eq!(answer(drops.token()).await, Ok(42));
        assert_eq!(drops.count(), 1);
    });
}

#[timed(ms = 50)]
async fn stalled(_guard: Dropped) -> Result<(), timebox::Error> {
    pending::<()>().await;
    Ok(())
}

#[test]
fn a_deadline_cancels_and_ends_the_body() {
    on_every_runtime(|flavor| async move {
        let drops = DropCounter::new();
        let start = Instant::now();
        let err = stalled(drops.token()).await.unwrap_err();
        assert_took(flavor, start.elapsed(), Duration::from_millis(50));
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        assert_eq!(err.name(), "stalled");
        assert_eq!(err.timeout(), Duration::from_millis(50));
        settle().await;
        assert_eq!(drops.count(), 1, "the body's future was dropped once");
    });
}

#[test]
fn dropping_the_caller_cancels_the_body() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        tokio::select! {
            _ = stalled(drops.token()) => unreachable!("the body never finishes"),
            _ = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        settle().await;
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn dropping_the_caller_before_the_first_poll_starts_nothing() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        drop(stalled(drops.token()));
        assert_eq!(drops.count(), 1);
        assert_eq!(timebox::live(), 0);
    });
}

#[timed(secs = 1)]
async fn explode(_guard: Dropped) -> Result<(), timebox::Error> {
    tokio::task::yield_now().await;
    std::panic::panic_any(String::from("boom at 42"))
}

#[test]
fn a_panic_resumes_in_the_caller_with_its_payload() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        let caller = tokio::spawn(explode(drops.token()));
        let payload = caller.await.unwrap_err().into_panic();
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some("boom at 42")
        );
        assert_eq!(drops.count(), 1);
    });
}

#[timed(secs = 60)]
async fn roomy() -> Result<(), timebox::Error> {
    pending::<()>().await;
    Ok(())
}

#[timed(ms = 50)]
async fn tight() -> Result<Duration, timebox::Error> {
    let remaining = timebox::remaining().expect("inside a timed call");
    match roomy().await {
        Ok(()) => unreachable!("roomy never finishes"),
        Err(err) => {
            // The inner call fails at the outer deadline, and says so.
            assert!(
                err.timeout() <= remaining,
                "{:?} > {remaining:?}",
                err.timeout()
            );
            assert!(
                err.to_string()
                    .contains("clamped by the enclosing `tight` call"),
                "{err}"
            );
            Err(err)
        }
    }
}

#[test]
fn an_inner_call_is_clamped_to_its_parents_budget() {
    on_every_runtime(|flavor| async move {
        let start = Instant::now();
        let err = tight().await.unwrap_err();
        assert_took(flavor, start.elapsed(), Duration::from_millis(50));
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        // Whichever deadline was seen first, the budget was the outer 50 ms.
        assert!(err.timeout() <= Duration::from_millis(50));
    });
}

#[timed(secs = 5)]
async fn cancels_itself() -> Result<(), timebox::Error> {
    let token = timebox::token().expect("inside a timed call");
    assert!(!timebox::is_cancelled());
    token.cancel();
    assert!(timebox::is_cancelled());
    pending::<()>().await;
    Ok(())
}

#[test]
fn cancelling_the_token_cancels_the_call() {
    on_every_runtime(|_| async {
        let err = cancels_itself().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Cancelled);
        assert_eq!(
            err.to_string(),
            "`cancels_itself` was cancelled before its 5s deadline"
        );
    });
}

#[timed(secs = 30)]
async fn parked(_guard: Dropped) -> Result<(), timebox::Error> {
    pending::<()>().await;
    Ok(())
}

#[test]
fn runtime_shutdown_ends_every_call_in_flight() {
    let _serial = serial();
    for flavor in Flavor::ALL {
        let rt = flavor.runtime();
        let drops = DropCounter::new();
        for _ in 0..100 {
            rt.spawn(parked(drops.token()));
        }
        rt.block_on(async {
            while timebox::live() < 100 {
                tokio::task::yield_now().await;
            }
        });
        rt.shutdown_timeout(Duration::from_secs(1));
        assert_eq!(drops.count(), 100, "{flavor:?}");
        assert_eq!(timebox::live(), 0, "{flavor:?}");
    }
}

#[test]
fn a_caller_that_survives_shutdown_sees_cancelled() {
    let _serial = serial();
    let doomed = Flavor::MultiThread1.runtime();
    let handle = doomed.handle().clone();
    let drops = DropCounter::new();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let killer = std::thread::spawn(move || {
        started_rx.recv().unwrap();
        doomed.shutdown_background();
    });
    let caller = Flavor::CurrentThread.runtime();
    let result = caller.block_on(async {
        // Spawn the timed task on `doomed` while waiting here.
        let _enter = handle.enter();
        let call = parked(drops.token());
        tokio::pin!(call);
        tokio::select! {
            biased;
            result = &mut call => return result,
            () = tokio::task::yield_now() => {}
        }
        started_tx.send(()).unwrap();
        call.await
    });
    killer.join().unwrap();
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);
    assert_eq!(drops.count(), 1);
    assert_eq!(timebox::live(), 0);
}

// ---- a parent's deadline ends a nested call: one attribution ---------------

#[timed(secs = 60, name = "inherits_spawned")]
async fn inherits_spawned() -> Result<(), timebox::Error> {
    pending().await
}

#[timed(secs = 60, inline, name = "inherits_inline")]
async fn inherits_inline() -> Result<(), timebox::Error> {
    pending().await
}

#[timed(ms = 5, name = "spawned_parent_of_spawned")]
async fn spawned_parent_of_spawned() -> Result<(), timebox::Error> {
    inherits_spawned().await
}

#[timed(ms = 5, name = "spawned_parent_of_inline")]
async fn spawned_parent_of_inline() -> Result<(), timebox::Error> {
    inherits_inline().await
}

#[timed(ms = 5, inline, name = "inline_parent_of_spawned")]
async fn inline_parent_of_spawned() -> Result<(), timebox::Error> {
    inherits_spawned().await
}

#[timed(ms = 5, inline, name = "inline_parent_of_inline")]
async fn inline_parent_of_inline() -> Result<(), timebox::Error> {
    inherits_inline().await
}

/// The rows of `names` since `base`, as (started, ok, err, elapsed,
/// cancelled), once every call started has been counted.
async fn counted_since(base: &timebox::Snapshot, names: [&str; 2]) -> Vec<[u64; 5]> {
    let start = std::time::Instant::now();
    loop {
        let diff = timebox::snapshot().since(base);
        let rows: Vec<[u64; 5]> = names
            .iter()
            .map(|name| {
                diff.sites()
                    .iter()
                    .find(|s| s.name == *name)
                    .map_or([0; 5], |s| [s.started, s.ok, s.err, s.elapsed, s.cancelled])
            })
            .collect();
        let settled = rows
            .iter()
            .all(|[started, rest @ ..]| rest.iter().sum::<u64>() == *started);
        if settled || start.elapsed() > Duration::from_secs(10) {
            return rows;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// When a parent's deadline passes, a call nested in it (whose deadline it
/// is too) sees its own timer and its parent's cancellation at the same
/// instant, and either may come first. Whichever does, both calls are
/// counted `elapsed` and the caller's error says it timed out, in every
/// pairing of the two modes.
#[test]
fn a_parents_deadline_is_counted_elapsed_for_parent_and_nested_call_alike() {
    const CALLS: u64 = 25;
    on_every_runtime(|flavor| async move {
        let pairs: [(&str, &str, fn() -> _); 4] = [
            ("spawned_parent_of_spawned", "inherits_spawned", || {
                Box::pin(spawned_parent_of_spawned())
                    as std::pin::Pin<Box<dyn std::future::Future<Output = _> + Send>>
            }),
            ("spawned_parent_of_inline", "inherits_inline", || {
                Box::pin(spawned_parent_of_inline())
            }),
            ("inline_parent_of_spawned", "inherits_spawned", || {
                Box::pin(inline_parent_of_spawned())
            }),
            ("inline_parent_of_inline", "inherits_inline", || {
                Box::pin(inline_parent_of_inline())
            }),
        ];
        for (parent, nested, call) in pairs {
            let base = timebox::snapshot();
            for _ in 0..CALLS {
                let err = call().await.unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Elapsed, "{flavor:?} {parent}: {err}");
                assert!(err.to_string().contains("timed out after"), "{err}");
            }
            let rows = counted_since(&base, [parent, nested]).await;
            let what = "[started, ok, err, elapsed, cancelled]";
            assert_eq!(
                rows[0],
                [CALLS, 0, 0, CALLS, 0],
                "{flavor:?} {parent}: {what}"
            );
            // On a loaded machine a parent may run out of time before its
            // body started the nested call: every nested call started is
            // counted `elapsed`.
            let started = rows[1][0];
            assert!(started > 0, "{flavor:?} {parent}: no nested call started");
            assert_eq!(
                rows[1],
                [started, 0, 0, started, 0],
                "{flavor:?} {nested} in {parent}: {what}"
            );
        }
    });
}
