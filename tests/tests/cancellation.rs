//! Structured cancellation on every runtime flavour: inline mode, fallback,
//! grace, `timebox::spawn` children, trees of calls, the token, recursion.
//! Each scenario ends with no timed body alive.

use std::future::{Future, pending};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use timebox::{ErrorKind, timed};
use timebox_tests::{DropCounter, Dropped, Flavor, assert_took, on_every_runtime, settle};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

// ---- inline ------------------------------------------------------------

struct Greeter {
    greeting: String,
}

impl Greeter {
    #[timed(ms = 100, inline)]
    async fn greet(&self, name: &str) -> Result<String, timebox::Error> {
        tokio::task::yield_now().await;
        Ok(format!("{}, {name}", self.greeting))
    }

    #[timed(ms = 30, inline)]
    async fn stall(&self, _guard: Dropped) -> Result<(), timebox::Error> {
        assert!(timebox::remaining().is_some());
        pending::<()>().await;
        Ok(())
    }
}

#[timed(ms = 100, inline)]
async fn not_send() -> Result<usize, timebox::Error> {
    let shared = Rc::new(5);
    tokio::task::yield_now().await;
    Ok(*shared)
}

#[test]
fn inline_borrows_and_needs_no_send() {
    on_every_runtime(|_| async {
        let greeter = Greeter {
            greeting: "hello".into(),
        };
        assert_eq!(greeter.greet("ada").await.unwrap(), "hello, ada");
        assert_eq!(not_send().await, Ok(5));
    });
}

#[test]
fn inline_times_out_and_drops_the_body() {
    on_every_runtime(|flavor| async move {
        let greeter = Greeter {
            greeting: "hi".into(),
        };
        let drops = DropCounter::new();
        let start = Instant::now();
        let err = greeter.stall(drops.token()).await.unwrap_err();
        assert_took(flavor, start.elapsed(), Duration::from_millis(30));
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        // Inline: the body is dropped before the call returns.
        assert_eq!(drops.count(), 1);
        assert_eq!(timebox::live(), 0);
    });
}

// ---- fallback ----------------------------------------------------------

static FALLBACKS: AtomicUsize = AtomicUsize::new(0);

fn counted_fallback(value: u32) -> u32 {
    FALLBACKS.fetch_add(1, Ordering::SeqCst);
    value
}

#[timed(ms = 20, fallback = counted_fallback(default))]
async fn with_default(work: Duration, default: u32) -> u32 {
    tokio::time::sleep(work).await;
    7
}

#[timed(ms = 20, inline, fallback = Vec::new())]
async fn inline_with_default(items: &[u32]) -> Vec<u32> {
    pending::<()>().await;
    items.to_vec()
}

#[timed(secs = 1, fallback = 0)]
async fn panics_anyway() -> u32 {
    panic!("fallback does not swallow panics")
}

#[test]
fn fallback_is_evaluated_only_on_timeout() {
    on_every_runtime(|_| async {
        let before = FALLBACKS.load(Ordering::SeqCst);
        assert_eq!(with_default(Duration::from_millis(1), 99).await, 7);
        assert_eq!(
            FALLBACKS.load(Ordering::SeqCst),
            before,
            "not evaluated on success"
        );
        assert_eq!(with_default(Duration::from_secs(5), 99).await, 99);
        assert_eq!(FALLBACKS.load(Ordering::SeqCst), before + 1);
        assert_eq!(inline_with_default(&[1, 2]).await, Vec::<u32>::new());
    });
}

#[test]
fn fallback_lets_panics_through() {
    on_every_runtime(|_| async {
        let panic = tokio::spawn(panics_anyway())
            .await
            .unwrap_err()
            .into_panic();
        assert_eq!(
            panic.downcast_ref::<&str>(),
            Some(&"fallback does not swallow panics")
        );
    });
}

// ---- grace -------------------------------------------------------------

#[timed(ms = 20, grace = 200)]
async fn cleans_up(done: Arc<AtomicUsize>) -> Result<(), timebox::Error> {
    timebox::cancelled().await;
    assert!(timebox::is_cancelled());
    // Cleanup that takes a while, but less than the grace period.
    tokio::time::sleep(Duration::from_millis(50)).await;
    done.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[timed(ms = 20, grace = 100)]
async fn ignores_cancellation(
    _guard: Dropped,
    reached: Arc<AtomicUsize>,
) -> Result<(), timebox::Error> {
    tokio::time::sleep(Duration::from_secs(10)).await;
    reached.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[test]
fn grace_lets_the_body_clean_up_without_making_the_caller_wait() {
    on_every_runtime(|flavor| async move {
        let done = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let err = cleans_up(Arc::clone(&done)).await.unwrap_err();
        assert_took(flavor, start.elapsed(), Duration::from_millis(20));
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        assert_eq!(
            done.load(Ordering::SeqCst),
            0,
            "the caller did not wait for cleanup"
        );
        settle().await;
        assert_eq!(done.load(Ordering::SeqCst), 1, "cleanup ran within grace");
    });
}

#[test]
fn grace_ends_a_body_that_ignores_cancellation() {
    on_every_runtime(|flavor| async move {
        let drops = DropCounter::new();
        let reached = Arc::new(AtomicUsize::new(0));
        let start = Instant::now();
        let err = ignores_cancellation(drops.token(), Arc::clone(&reached))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        if flavor.exact_time() {
            // Deadline at 20 ms, grace of 100 ms: alive at 119 ms, gone at 121.
            tokio::time::sleep_until(start + Duration::from_millis(119)).await;
            assert_eq!(drops.count(), 0, "still in its grace period");
            tokio::time::sleep_until(start + Duration::from_millis(121)).await;
            tokio::task::yield_now().await;
            assert_eq!(drops.count(), 1, "dropped at the end of grace");
        }
        settle().await;
        assert!(start.elapsed() >= Duration::from_millis(120));
        assert_eq!(drops.count(), 1);
        assert_eq!(
            reached.load(Ordering::SeqCst),
            0,
            "the body never got past its sleep"
        );
    });
}

// ---- timebox::spawn ------------------------------------------------------

#[timed(ms = 50)]
async fn spawns_helpers(drops: DropCounter, then: &'static str) -> Result<u32, timebox::Error> {
    for _ in 0..3 {
        let guard = drops.token();
        timebox::spawn(async move {
            let _guard = guard;
            assert!(
                timebox::remaining().is_some(),
                "children see the call's deadline"
            );
            pending::<()>().await;
        });
    }
    // A child the body waits for works as with tokio::spawn.
    let answer = timebox::spawn(async { 40 + 2 }).await.expect("child ran");
    match then {
        "value" => Ok(answer),
        "panic" => panic!("body panicked"),
        _ => {
            pending::<()>().await;
            Ok(answer)
        }
    }
}

#[test]
fn children_end_when_the_call_returns_whatever_the_outcome() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        assert_eq!(spawns_helpers(drops.clone(), "value").await, Ok(42));
        settle().await;
        assert_eq!(drops.count(), 3, "after a value");

        let drops = DropCounter::new();
        let err = spawns_helpers(drops.clone(), "hang").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        settle().await;
        assert_eq!(drops.count(), 3, "after a timeout");

        let drops = DropCounter::new();
        assert!(
            tokio::spawn(spawns_helpers(drops.clone(), "panic"))
                .await
                .is_err()
        );
        settle().await;
        assert_eq!(drops.count(), 3, "after a panic");

        let drops = DropCounter::new();
        let call = spawns_helpers(drops.clone(), "hang");
        let _ = tokio::time::timeout(Duration::from_millis(5), call).await;
        settle().await;
        assert_eq!(drops.count(), 3, "after the caller went away");
    });
}

#[test]
fn spawn_outside_a_call_is_a_tracked_root_task() {
    on_every_runtime(|_| async {
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = timebox::spawn(async move {
            assert_eq!(timebox::remaining(), None);
            let _ = rx.await;
            "done"
        });
        tokio::task::yield_now().await;
        assert_eq!(timebox::live(), 1, "counted while alive");
        let row = timebox::snapshot()
            .sites()
            .iter()
            .find(|s| s.live == 1)
            .cloned()
            .expect("a row for the child");
        assert_eq!(row.name, "timebox::spawn");
        assert!(row.file.ends_with("cancellation.rs"), "{}", row.file);
        tx.send(()).unwrap();
        assert_eq!(task.await.unwrap(), "done");
    });
}

// ---- trees ---------------------------------------------------------------

#[timed(secs = 30)]
async fn level(depth: u32, leaf_drops: DropCounter) -> Result<(), timebox::Error> {
    if depth == 0 {
        let _guard = leaf_drops.token();
        pending::<()>().await;
    }
    level_boxed(depth - 1, leaf_drops).await
}

/// A timed fn that calls itself goes through a boxed `dyn Future + Send`,
/// which breaks the cycle in proving its own future `Send`.
fn level_boxed(
    depth: u32,
    leaf_drops: DropCounter,
) -> Pin<Box<dyn Future<Output = Result<(), timebox::Error>> + Send>> {
    Box::pin(level(depth, leaf_drops))
}

#[test]
fn a_tree_of_32_calls_cancelled_at_the_root_all_ends() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        let root = tokio::spawn(level(32, drops.clone()));
        while timebox::live() < 33 {
            tokio::task::yield_now().await;
        }
        root.abort();
        settle().await;
        assert_eq!(drops.count(), 1, "the leaf was dropped");
    });
}

#[timed(secs = 5)]
async fn sibling(cancel_self: bool) -> Result<&'static str, timebox::Error> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    if cancel_self {
        timebox::token().expect("in a call").cancel();
        pending::<()>().await;
    }
    Ok("finished")
}

#[timed(secs = 5)]
async fn parent_of_two() -> Result<(ErrorKind, &'static str), timebox::Error> {
    let (a, b) = tokio::join!(sibling(true), sibling(false));
    Ok((a.unwrap_err().kind(), b?))
}

#[test]
fn cancelling_one_call_leaves_its_siblings_running() {
    on_every_runtime(|_| async {
        assert_eq!(
            parent_of_two().await,
            Ok((ErrorKind::Cancelled, "finished"))
        );
    });
}

#[timed(secs = 60)]
async fn inner_roomy(guard: Dropped) -> Result<(), timebox::Error> {
    let _guard = guard;
    pending::<()>().await;
    Ok(())
}

#[timed(ms = 40)]
async fn outer_tight(guard: Dropped) -> Result<(), timebox::Error> {
    inner_roomy(guard).await
}

#[test]
fn an_outer_timeout_shorter_than_the_inner_wins() {
    on_every_runtime(|flavor| async move {
        let drops = DropCounter::new();
        let start = Instant::now();
        let err = outer_tight(drops.token()).await.unwrap_err();
        assert_took(flavor, start.elapsed(), Duration::from_millis(40));
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        settle().await;
        assert_eq!(drops.count(), 1, "the inner task ended");
    });
}

// ---- the token -----------------------------------------------------------

#[timed(secs = 5)]
async fn hands_out_token(
    tx: tokio::sync::oneshot::Sender<CancellationToken>,
) -> Result<(), timebox::Error> {
    tx.send(timebox::token().expect("in a call")).ok();
    pending::<()>().await;
    Ok(())
}

#[test]
fn cancelling_the_token_from_outside_cancels_the_call() {
    on_every_runtime(|_| async {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let call = tokio::spawn(hands_out_token(tx));
        let token = rx.await.unwrap();
        token.cancel();
        let err = call.await.unwrap().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Cancelled);
    });
}

// ---- zombies -------------------------------------------------------------

#[timed(ms = 50, name = "blocker")]
async fn blocks_the_thread() -> Result<(), timebox::Error> {
    // Blocking code cannot be preempted: the task cannot be dropped until
    // this returns.
    std::thread::sleep(Duration::from_millis(2500));
    Ok(())
}

fn blocker_row() -> Option<timebox::SiteStats> {
    timebox::snapshot()
        .sites()
        .iter()
        .find(|s| s.name == "blocker")
        .cloned()
}

#[test]
fn a_body_that_blocks_is_a_zombie_until_it_ends() {
    let _serial = timebox_tests::serial();
    let rt = Flavor::MultiThread2.runtime();
    rt.block_on(async {
        let start = std::time::Instant::now();
        let err = blocks_the_thread().await.unwrap_err();
        // The caller is not held up by the blocked worker.
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        assert!(
            start.elapsed() < Duration::from_millis(1000),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(
            blocker_row().map(|r| r.zombies),
            Some(0),
            "not yet: it has 1 s of slack"
        );

        // Cancelled at ~50 ms, no grace: a zombie from ~1.05 s on.
        tokio::time::sleep_until(tokio::time::Instant::from_std(
            start + Duration::from_millis(1600),
        ))
        .await;
        let row = blocker_row().expect("the site is registered");
        assert_eq!((row.live, row.zombies), (1, 1), "{row:?}");

        settle().await;
        let row = blocker_row().expect("the site is registered");
        assert_eq!((row.live, row.zombies), (0, 0), "un-reported once it ended");
    });
}

// ---- found in review ---------------------------------------------------------

#[timed(ms = 50)]
async fn spawns_a_spawner(drops: DropCounter) -> Result<(), timebox::Error> {
    let (child_guard, grandchild_guard) = (drops.token(), drops.token());
    timebox::spawn(async move {
        let _guard = child_guard;
        timebox::spawn(async move {
            let _guard = grandchild_guard;
            pending::<()>().await;
        });
        pending::<()>().await;
    });
    tokio::time::sleep(Duration::from_millis(5)).await;
    Ok(())
}

#[test]
fn a_childs_own_children_end_with_the_call() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        assert_eq!(spawns_a_spawner(drops.clone()).await, Ok(()));
        settle().await;
        assert_eq!(drops.count(), 2, "child and grandchild both ended");
    });
}

static GRACE_BODY_RAN: AtomicUsize = AtomicUsize::new(0);

#[timed(secs = 5, grace = 100)]
async fn graceful_side_effect() -> Result<(), timebox::Error> {
    GRACE_BODY_RAN.fetch_add(1, Ordering::SeqCst);
    Ok(())
}

#[test]
fn a_body_cancelled_before_it_ran_is_not_started_for_its_grace() {
    let _serial = timebox_tests::serial();
    Flavor::CurrentThread.runtime().block_on(async {
        // The caller gives up on its first poll: the body never got a turn.
        let _ = tokio::time::timeout(Duration::ZERO, graceful_side_effect()).await;
        settle().await;
        assert_eq!(GRACE_BODY_RAN.load(Ordering::SeqCst), 0);
    });
}

#[timed(secs = 5, inline)]
async fn reports_cancellation() -> Result<bool, timebox::Error> {
    Ok(timebox::is_cancelled())
}

#[timed(secs = 5)]
async fn cancels_then_calls() -> Result<bool, timebox::Error> {
    timebox::token().expect("in a call").cancel();
    // A call nested after the cancellation starts cancelled: it does not
    // run its body as if nothing happened.
    Ok(matches!(reports_cancellation().await, Ok(true) | Err(_)))
}

#[test]
fn a_token_cancelled_by_hand_reaches_calls_nested_after_it() {
    on_every_runtime(|_| async {
        assert_eq!(cancels_then_calls().await, Ok(true));
    });
}

#[timed(ms = 40)]
async fn checks_leaks_inside() -> Result<Option<Duration>, timebox::Error> {
    let remaining = timebox::testing::assert_no_leaks(async { timebox::remaining() }).await;
    Ok(remaining)
}

#[test]
fn a_leak_check_is_no_timed_call_but_keeps_the_one_around_it() {
    on_every_runtime(|_| async {
        timebox::testing::assert_no_leaks(async {
            assert!(timebox::token().is_none(), "no timed call here");
            assert!(!timebox::is_cancelled());
            assert_eq!(timebox::remaining(), None);
        })
        .await;
        let inside = checks_leaks_inside().await.unwrap();
        assert!(
            inside.is_some_and(|r| r <= Duration::from_millis(40)),
            "{inside:?}"
        );
    });
}
