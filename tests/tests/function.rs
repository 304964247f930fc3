//! The function form, `timebox::call` (spawn mode) and
//! `timebox::call_inline`, on every runtime flavour: the attribute's
//! outcomes, scope, clamping and leak accounting, for closures, trait
//! objects and budgets known only at run time.

use std::future::{Future, pending};
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::time::Duration;

use timebox::{ErrorKind, timed};
use timebox_tests::{DropCounter, Dropped, assert_took, on_every_runtime, settle};
use tokio::time::Instant;

async fn stall(_guard: Dropped) {
    pending::<()>().await;
}

#[test]
fn a_value_is_returned_and_the_body_ends() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        let guard = drops.token();
        let budget = Duration::from_millis(500);
        let value = timebox::call(budget, async move {
            tokio::task::yield_now().await;
            drop(guard);
            7
        });
        assert_eq!(value.await, Ok(7));
        let borrowed = String::from("borrowed");
        let len = timebox::call_inline(budget, async { borrowed.len() });
        assert_eq!(len.await, Ok(8));
        assert_eq!(drops.count(), 1);
    });
}

#[test]
fn the_deadline_ends_the_body_in_both_modes() {
    on_every_runtime(|flavor| async move {
        let drops = DropCounter::new();
        let budget = Duration::from_millis(40);

        let start = Instant::now();
        let err = timebox::call_inline(budget, stall(drops.token()))
            .await
            .unwrap_err();
        assert_took(flavor, start.elapsed(), budget);
        assert_eq!(
            (err.kind(), err.name()),
            (ErrorKind::Elapsed, "timebox::call")
        );
        // Inline: the body is gone by the time the caller has its error.
        assert_eq!(drops.count(), 1);

        let start = Instant::now();
        let err = timebox::call(budget, stall(drops.token()))
            .await
            .unwrap_err();
        assert_took(flavor, start.elapsed(), budget);
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        assert_eq!(err.to_string(), "`timebox::call` timed out after 40ms");

        settle().await;
        assert_eq!(drops.count(), 2);
    });
}

#[test]
fn dropping_the_caller_ends_the_body() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        let budget = Duration::from_secs(60);
        tokio::select! {
            _ = timebox::call(budget, stall(drops.token())) => unreachable!(),
            _ = timebox::call_inline(budget, stall(drops.token())) => unreachable!(),
            () = tokio::time::sleep(Duration::from_millis(5)) => {}
        }
        settle().await;
        assert_eq!(drops.count(), 2);
    });
}

#[test]
fn nothing_runs_until_the_call_is_polled() {
    on_every_runtime(|_| async {
        let drops = DropCounter::new();
        let guard = drops.token();
        let call = timebox::call(Duration::from_millis(10), async move {
            drop(guard);
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!((drops.count(), timebox::live()), (0, 0));
        drop(call);
        assert_eq!(drops.count(), 1, "the unpolled body was dropped unrun");
    });
}

#[timed(ms = 30, name = "outer")]
async fn outer_with_roomy_calls() -> Result<(ErrorKind, ErrorKind, String), timebox::Error> {
    let roomy = Duration::from_secs(60);
    let spawned = timebox::call(roomy, pending::<()>()).await.unwrap_err();
    let inline = timebox::call_inline(roomy, pending::<()>())
        .await
        .unwrap_err();
    Ok((spawned.kind(), inline.kind(), inline.to_string()))
}

#[test]
fn calls_inside_a_timed_call_are_clamped_to_its_deadline() {
    on_every_runtime(|flavor| async move {
        let start = Instant::now();
        // Whichever call reaches the shared deadline first ends; the outer
        // body may end with it.
        match outer_with_roomy_calls().await {
            Ok((spawned, inline, message)) => {
                assert_eq!((spawned, inline), (ErrorKind::Elapsed, ErrorKind::Elapsed));
                assert!(message.ends_with("(budget clamped by the enclosing `outer` call)"));
            }
            Err(err) => assert_eq!(err.name(), "outer"),
        }
        assert_took(flavor, start.elapsed(), Duration::from_millis(30));
    });
}

#[test]
fn the_scope_is_the_attributes() {
    on_every_runtime(|_| async {
        let seen = timebox::call(Duration::from_millis(500), async {
            let left = timebox::remaining().unwrap();
            let child = timebox::spawn(pending::<()>());
            (
                left <= Duration::from_millis(500),
                timebox::token().is_some(),
                child,
            )
        });
        let (bounded, has_token, child) = seen.await.unwrap();
        assert!(bounded && has_token);
        assert!(
            child.await.unwrap_err().is_cancelled(),
            "the child ended with the call"
        );

        let cancelled = timebox::call_inline(Duration::from_secs(5), async {
            timebox::token().unwrap().cancel();
            pending::<()>().await;
        });
        assert_eq!(cancelled.await.unwrap_err().kind(), ErrorKind::Cancelled);
        assert_eq!(timebox::remaining(), None);
    });
}

#[test]
fn trait_objects_and_run_time_budgets() {
    on_every_runtime(|_| async {
        type Job = Pin<Box<dyn Future<Output = u32> + Send>>;
        let jobs: Vec<(u64, Job)> = vec![
            (50, Box::pin(async { 1 })),
            (
                10,
                Box::pin(async {
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    2
                }),
            ),
            (
                200,
                Box::pin(async {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    3
                }),
            ),
        ];
        let mut results = Vec::new();
        for (ms, job) in jobs {
            results.push(timebox::call(Duration::from_millis(ms), job).await.ok());
        }
        assert_eq!(results, [Some(1), None, Some(3)]);
    });
}

#[test]
fn a_panic_resumes_in_the_caller() {
    on_every_runtime(|_| async {
        let budget = Duration::from_secs(1);
        let spawned = AssertUnwindSafe(timebox::call(budget, async { panic!("spawned boom") }));
        let payload = futures_catch(spawned).await.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"spawned boom"));
        let inline = AssertUnwindSafe(timebox::call_inline(budget, async {
            panic!("inline boom")
        }));
        let payload = futures_catch(inline).await.unwrap_err();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"inline boom"));
    });
}

/// `catch_unwind` for a future, without the futures crate.
async fn futures_catch<F: Future + std::panic::UnwindSafe>(
    fut: F,
) -> Result<F::Output, Box<dyn std::any::Any + Send>> {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Ok(std::task::Poll::Ready(value)) => std::task::Poll::Ready(Ok(value)),
            Err(payload) => std::task::Poll::Ready(Err(payload)),
        }
    })
    .await
}

#[test]
fn each_caller_line_is_its_own_site_named_timebox_call() {
    on_every_runtime(|_| async {
        let base = timebox::snapshot();
        let line = line!() + 1;
        let _ = timebox::call(Duration::from_millis(5), pending::<()>()).await;
        for _ in 0..3 {
            let _ = timebox::call_inline(Duration::from_secs(1), async {}).await;
        }
        settle().await;
        let diff = timebox::snapshot().since(&base);
        let rows: Vec<_> = diff
            .sites()
            .iter()
            .filter(|s| s.name == "timebox::call" && s.file == file!())
            .map(|s| (s.line - line, s.started, s.ok, s.elapsed, s.live))
            .collect();
        assert_eq!(rows.len(), 2, "{diff}");
        assert!(rows.contains(&(0, 1, 0, 1, 0)), "{rows:?}");
        assert!(rows.contains(&(2, 3, 3, 0, 0)), "{rows:?}");
    });
}

#[test]
fn leak_checks_see_calls_started_inside_them() {
    on_every_runtime(|_| async {
        timebox::testing::assert_no_leaks(async {
            let _ = timebox::call(Duration::from_millis(5), pending::<()>()).await;
            let _ = timebox::call_inline(Duration::from_millis(5), pending::<()>()).await;
        })
        .await;
    });
}
