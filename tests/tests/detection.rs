//! Leak detection: per-site counts under concurrency, snapshot diffs, and
//! `assert_no_leaks`, including many leak checks running in parallel.

use std::future::pending;
use std::time::Duration;

use timebox::testing::{LeakCheck, assert_no_leaks};
use timebox::timed;
use timebox_tests::{Flavor, on_every_runtime};
use tokio::sync::Barrier;

#[timed(secs = 10, name = "detect_a")]
async fn site_a(gate: std::sync::Arc<Barrier>) -> Result<(), timebox::Error> {
    gate.wait().await;
    Ok(())
}

#[timed(secs = 10, name = "detect_b")]
async fn site_b(gate: std::sync::Arc<Barrier>) -> Result<(), timebox::Error> {
    gate.wait().await;
    Ok(())
}

fn row(snapshot: &timebox::Snapshot, name: &str) -> timebox::SiteStats {
    snapshot
        .sites()
        .iter()
        .find(|s| s.name == name)
        .cloned()
        .unwrap_or_else(|| panic!("no row for {name} in\n{snapshot}"))
}

#[test]
fn sites_are_counted_apart_under_concurrency() {
    on_every_runtime(|_| async {
        let base = timebox::snapshot();
        // 5 calls of one site and 3 of the other, all held at a barrier.
        let gate = std::sync::Arc::new(Barrier::new(9));
        let mut calls = Vec::new();
        for i in 0..8 {
            let gate = gate.clone();
            calls.push(tokio::spawn(async move {
                if i < 5 {
                    site_a(gate).await
                } else {
                    site_b(gate).await
                }
            }));
        }
        // Other tests of this binary run alongside: look at these sites only.
        let live = |name| {
            let snapshot = timebox::snapshot();
            snapshot
                .sites()
                .iter()
                .find(|s| s.name == name)
                .map_or(0, |s| s.live)
        };
        while live("detect_a") < 5 || live("detect_b") < 3 {
            tokio::task::yield_now().await;
        }
        let during = timebox::snapshot().since(&base);
        let (a, b) = (row(&during, "detect_a"), row(&during, "detect_b"));
        assert_eq!((a.live, a.started), (5, 5));
        assert_eq!((b.live, b.started), (3, 3));
        assert!(a.oldest.is_some());
        assert_eq!(
            during.sites()[0].name,
            "detect_a",
            "largest live first:\n{during}"
        );

        gate.wait().await;
        for call in calls {
            call.await.unwrap().unwrap();
        }
        timebox_tests::settle().await;
        let after = timebox::snapshot().since(&base);
        let (a, b) = (row(&after, "detect_a"), row(&after, "detect_b"));
        assert_eq!((a.live, a.started, a.ok, a.oldest), (0, 5, 5, None));
        assert_eq!((b.live, b.started, b.ok), (0, 3, 3));
    });
}

#[timed(ms = 10, name = "detect_slow")]
async fn slow() -> Result<(), timebox::Error> {
    pending::<()>().await;
    Ok(())
}

#[test]
fn since_counts_only_what_happened_in_between() {
    on_every_runtime(|_| async {
        let _ = slow().await;
        let base = timebox::snapshot();
        for _ in 0..3 {
            assert!(slow().await.is_err());
        }
        timebox_tests::settle().await;
        let diff = timebox::snapshot().since(&base);
        let row = row(&diff, "detect_slow");
        assert_eq!((row.started, row.elapsed, row.ok, row.live), (3, 3, 0, 0));
        assert!(
            diff.sites().iter().all(|s| s.name != "detect_a"),
            "quiet sites drop out"
        );
    });
}

// ---- assert_no_leaks -------------------------------------------------------

/// The timed call the leak checks make: a site of their own, so that the
/// checks, which run in parallel, do not count in `since`'s test above.
#[timed(ms = 10, name = "detect_checked")]
async fn checked() -> Result<(), timebox::Error> {
    pending::<()>().await;
    Ok(())
}

#[test]
fn passes_when_a_child_ends_just_after_the_future() {
    let rt = Flavor::MultiThread2.runtime();
    rt.block_on(assert_no_leaks(async {
        timebox::spawn(async {
            tokio::time::sleep(Duration::from_millis(1)).await;
        });
    }));
}

/// Runs a leak check on a fresh runtime; `Err` holds the panic message.
fn leak_check(leak: bool) -> Result<(), String> {
    let rt = Flavor::CurrentThread.runtime();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(
            LeakCheck::new()
                .wait(Duration::from_millis(200))
                .run(async move {
                    if leak {
                        // Forgotten: nobody will ever end it.
                        timebox::spawn(pending::<()>());
                    }
                    // Ended: a timed call that times out leaves nothing behind.
                    let _ = checked().await;
                }),
        )
    }));
    outcome.map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| "<non-string panic>".into())
    })
}

#[test]
fn fails_naming_the_site_that_leaked_within_its_bound() {
    let start = std::time::Instant::now();
    let message = leak_check(true).expect_err("the forgotten child is a leak");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "bounded: {:?}",
        start.elapsed()
    );
    assert!(message.contains("1 body still alive"), "{message}");
    // The check names its own line, the caller's, not timebox's.
    let run_line = include_str!("detection.rs")
        .lines()
        .position(|l| l.trim() == ".run(async move {")
        .expect("the line of `.run(`")
        + 1;
    let caller = format!("assert_no_leaks at tests/tests/detection.rs:{run_line}: ");
    assert!(message.starts_with(&caller), "{caller:?} starts {message}");
    assert!(
        message.contains("timebox::spawn tests/tests/detection.rs:"),
        "{message}"
    );
    assert!(
        !message.contains("detect_checked"),
        "the call that ended is not blamed:\n{message}"
    );
}

#[test]
fn parallel_checks_see_only_their_own_scope() {
    let threads: Vec<_> = (0..16)
        .map(|i| std::thread::spawn(move || (i % 2 == 0, leak_check(i % 2 == 0))))
        .collect();
    for thread in threads {
        let (leaked, result) = thread.join().unwrap();
        assert_eq!(result.is_err(), leaked, "{result:?}");
    }
}

#[test]
fn the_future_panicking_is_not_a_second_panic() {
    let rt = Flavor::CurrentThread.runtime();
    let panic = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.block_on(assert_no_leaks(async {
            timebox::spawn(pending::<()>());
            panic!("the test's own failure");
        }))
    }))
    .expect_err("the future's panic propagates");
    assert_eq!(
        panic.downcast_ref::<&str>(),
        Some(&"the test's own failure")
    );
}

#[test]
fn a_failed_check_reports_its_own_counts_only() {
    let message = leak_check(true).expect_err("the forgotten child is a leak");
    // One child leaked, one started, in this check: whatever the other
    // tests of this binary did at the same site.
    let row = message
        .lines()
        .find(|line| line.contains("timebox::spawn tests/tests/detection.rs:"))
        .unwrap_or_else(|| panic!("{message}"));
    let counts: Vec<&str> = row.split_whitespace().take(2).collect();
    assert_eq!(counts, ["1", "1"], "alive, started:\n{message}");
    assert!(message.contains("  alive   started  site"), "{message}");
}

/// `assert_no_leaks` names the line that called it, not one of timebox's.
#[test]
fn assert_no_leaks_names_its_callers_line() {
    let rt = Flavor::CurrentThread.runtime();
    let leaky = async {
        timebox::spawn(pending::<()>());
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let check = assert_no_leaks(leaky); // the check
        rt.block_on(check)
    }));
    let panic = outcome.expect_err("the forgotten child is a leak");
    let message = panic.downcast_ref::<String>().expect("a message");
    let line = include_str!("detection.rs")
        .lines()
        .position(|l| l.ends_with("// the check"))
        .expect("the check's line")
        + 1;
    let caller = format!("assert_no_leaks at tests/tests/detection.rs:{line}: 1 body still alive");
    assert!(message.starts_with(&caller), "{caller:?} starts {message}");
}
