//! Proof under faults, in the spirit of tokio's task_combinations test: every
//! outcome × runtime flavour × mode, checked against two invariants (the
//! body's future is dropped exactly once, and an output exists only if the
//! body completed and is dropped exactly once); deadline races on the paused
//! clock; runtime shutdown with a thousand calls in flight; a caller aborted
//! from another thread; blocking bodies.

use std::future::{Future, pending};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use timebox::{ErrorKind, timed};
use timebox_tests::{DropCounter, Dropped, Flavor, serial, settle};
use tokio::sync::Notify;

// ---- the body and its output ---------------------------------------------

/// Counts outputs made and dropped; some panic when dropped.
#[derive(Debug, Clone, Default)]
struct Outputs {
    made: Arc<AtomicUsize>,
    dropped: Arc<AtomicUsize>,
}

#[derive(Debug)]
struct Output {
    outputs: Outputs,
    panic_on_drop: bool,
}

impl Output {
    fn new(outputs: &Outputs, panic_on_drop: bool) -> Self {
        outputs.made.fetch_add(1, SeqCst);
        Output {
            outputs: outputs.clone(),
            panic_on_drop,
        }
    }
}

impl Drop for Output {
    fn drop(&mut self) {
        self.outputs.dropped.fetch_add(1, SeqCst);
        if self.panic_on_drop && !std::thread::panicking() {
            panic!("output panics on drop");
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    Value,
    Hang,
    Panic,
    PanickyValue,
}

/// Everything a body needs; `guard` is dropped exactly when the body's
/// future is.
struct Plan {
    guard: Dropped,
    started: Arc<Notify>,
    outputs: Outputs,
    behaviour: Behaviour,
}

async fn body(plan: Plan) -> Result<Output, timebox::Error> {
    let _guard = plan.guard;
    plan.started.notify_one();
    tokio::task::yield_now().await;
    match plan.behaviour {
        Behaviour::Value => Ok(Output::new(&plan.outputs, false)),
        Behaviour::PanickyValue => Ok(Output::new(&plan.outputs, true)),
        Behaviour::Panic => panic!("the body panics"),
        Behaviour::Hang => {
            pending::<()>().await;
            unreachable!()
        }
    }
}

#[timed(ms = 50)]
async fn spawned(plan: Plan) -> Result<Output, timebox::Error> {
    body(plan).await
}

#[timed(ms = 50, inline)]
async fn inline(plan: Plan) -> Result<Output, timebox::Error> {
    body(plan).await
}

// ---- the combination matrix ------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Value,
    Timeout,
    DropBeforeFirstPoll,
    DropMidBody,
    DropWhileValueIsSent,
    BodyPanics,
    OutputPanicsOnDrop,
    RuntimeShutdown,
}

const CASES: [Case; 8] = [
    Case::Value,
    Case::Timeout,
    Case::DropBeforeFirstPoll,
    Case::DropMidBody,
    Case::DropWhileValueIsSent,
    Case::BodyPanics,
    Case::OutputPanicsOnDrop,
    Case::RuntimeShutdown,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Spawn,
    Inline,
}

fn call(
    mode: Mode,
    plan: Plan,
) -> std::pin::Pin<Box<dyn Future<Output = Result<Output, timebox::Error>> + Send>> {
    match mode {
        Mode::Spawn => Box::pin(spawned(plan)),
        // Inline bodies are Send here (the plan is), so the call can be boxed
        // the same way.
        Mode::Inline => Box::pin(inline(plan)),
    }
}

fn run_case(case: Case, mode: Mode, flavor: Flavor) {
    let rt = flavor.runtime();
    let body_drops = DropCounter::new();
    let outputs = Outputs::default();
    let started = Arc::new(Notify::new());
    let behaviour = match case {
        Case::Value => Behaviour::Value,
        Case::BodyPanics => Behaviour::Panic,
        Case::OutputPanicsOnDrop | Case::DropWhileValueIsSent => Behaviour::PanickyValue,
        _ => Behaviour::Hang,
    };
    let plan = Plan {
        guard: body_drops.token(),
        started: Arc::clone(&started),
        outputs: outputs.clone(),
        behaviour,
    };
    let future = call(mode, plan);
    let completed = match case {
        Case::Value => rt.block_on(async {
            let output = future.await.expect("a value");
            assert!(!output.panic_on_drop);
            true
        }),
        Case::Timeout => rt.block_on(async {
            assert_eq!(future.await.unwrap_err().kind(), ErrorKind::Elapsed);
            false
        }),
        Case::DropBeforeFirstPoll => {
            drop(future);
            false
        }
        Case::DropMidBody => rt.block_on(async {
            let started = started.notified();
            tokio::select! {
                biased;
                _ = future => unreachable!("the body hangs"),
                () = started => {}
            }
            false
        }),
        Case::DropWhileValueIsSent => {
            // Poll the call until the body has produced its value and
            // ended, then drop the call without taking the value: it is
            // dropped (and its panic contained) by whoever holds it.
            rt.block_on(async {
                let mut future = future;
                let body_done = async {
                    while body_drops.count() == 0 {
                        tokio::task::yield_now().await;
                    }
                };
                tokio::select! {
                    biased;
                    () = body_done => {}
                    result = &mut future => {
                        // Inline mode returns in the same poll the body ends.
                        let output = result.expect("a value");
                        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(output)));
                        return true;
                    }
                }
                // The value's destructor panics wherever it runs; whoever
                // runs it, it runs once (checked below).
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(future)));
                true
            })
        }
        Case::BodyPanics => {
            let caught = rt.block_on(async { tokio::spawn(future).await });
            let panic = caught
                .expect_err("the panic resumes in the caller")
                .into_panic();
            assert_eq!(panic.downcast_ref::<&str>(), Some(&"the body panics"));
            false
        }
        Case::OutputPanicsOnDrop => rt.block_on(async {
            let output = future.await.expect("a value");
            let dropped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(output)));
            assert!(dropped.is_err(), "the caller owns the value and its panic");
            true
        }),
        Case::RuntimeShutdown => {
            let caller = rt.spawn(future);
            rt.block_on(async {
                started.notified().await;
            });
            drop(caller);
            rt.shutdown_timeout(Duration::from_secs(1));
            assert_eq!(
                body_drops.count(),
                1,
                "{case:?} {mode:?} {flavor:?}: body dropped by shutdown"
            );
            assert_eq!(timebox::live(), 0);
            return;
        }
    };
    rt.block_on(settle());
    let what = format!("{case:?} {mode:?} {flavor:?}");
    assert_eq!(
        body_drops.count(),
        1,
        "{what}: the body's future is dropped exactly once"
    );
    let made = outputs.made.load(SeqCst);
    assert!(made <= 1, "{what}: at most one output");
    assert_eq!(
        made == 1,
        completed,
        "{what}: an output exists only if the body completed"
    );
    assert_eq!(
        outputs.dropped.load(SeqCst),
        made,
        "{what}: every output dropped exactly once"
    );
}

#[test]
fn every_outcome_on_every_runtime_in_every_mode() {
    let _serial = serial();
    for flavor in Flavor::ALL {
        for mode in [Mode::Spawn, Mode::Inline] {
            for case in CASES {
                run_case(case, mode, flavor);
            }
        }
    }
}

// ---- deadline races --------------------------------------------------------

#[timed(ms = 100)]
async fn finishes_after(work: Duration, outputs: Outputs) -> Result<Output, timebox::Error> {
    tokio::time::sleep(work).await;
    Ok(Output::new(&outputs, false))
}

#[test]
fn a_body_finishing_exactly_at_the_deadline_is_ok_or_elapsed_never_both() {
    let _serial = serial();
    let rt = Flavor::CurrentThread.runtime();
    rt.block_on(async {
        let outputs = Outputs::default();
        let (mut ok, mut elapsed) = (0, 0);
        for _ in 0..1000 {
            match finishes_after(Duration::from_millis(100), outputs.clone()).await {
                Ok(_) => ok += 1,
                Err(err) => {
                    assert_eq!(err.kind(), ErrorKind::Elapsed);
                    elapsed += 1;
                }
            }
        }
        settle().await;
        assert_eq!(ok + elapsed, 1000);
        // Whatever the split, every value made was dropped exactly once.
        assert_eq!(outputs.made.load(SeqCst), outputs.dropped.load(SeqCst));
        assert!(outputs.made.load(SeqCst) >= ok);

        let early = finishes_after(Duration::from_millis(99), outputs.clone()).await;
        assert!(early.is_ok(), "deadline - 1 ms is in time");
        let late = finishes_after(Duration::from_millis(101), outputs.clone()).await;
        assert_eq!(
            late.unwrap_err().kind(),
            ErrorKind::Elapsed,
            "deadline + 1 ms is late"
        );
    });
}

#[timed(secs = 18446744073709551615)]
async fn forever_budget() -> Result<u8, timebox::Error> {
    assert!(timebox::remaining().unwrap() > Duration::from_secs(86_400 * 365));
    Ok(1)
}

#[timed(secs = 1e19)]
async fn float_budget() -> Result<u8, timebox::Error> {
    Ok(2)
}

#[test]
fn budgets_near_u64_max_do_not_overflow() {
    let _serial = serial();
    Flavor::CurrentThread.runtime().block_on(async {
        assert_eq!(forever_budget().await, Ok(1));
        assert_eq!(float_budget().await, Ok(2));
    });
}

// ---- shutdown with a thousand calls in flight ---------------------------------

/// Its destructor, run while the runtime shuts down, touches timebox.
struct TouchesTimebox {
    _counted: Dropped,
}

impl Drop for TouchesTimebox {
    fn drop(&mut self) {
        let _ = timebox::snapshot();
        let _ = timebox::live();
        drop(forever_budget()); // a timed call made and dropped unpolled
    }
}

#[timed(secs = 30)]
async fn parked(guard: TouchesTimebox) -> Result<(), timebox::Error> {
    let _guard = guard;
    pending::<()>().await;
    Ok(())
}

#[test]
fn shutdown_with_a_thousand_calls_in_flight_is_prompt() {
    let _serial = serial();
    for background in [false, true] {
        let rt = Flavor::MultiThread2.runtime();
        let drops = DropCounter::new();
        for _ in 0..1000 {
            rt.spawn(parked(TouchesTimebox {
                _counted: drops.token(),
            }));
        }
        rt.block_on(async {
            while timebox::live() < 1000 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        });
        let start = std::time::Instant::now();
        if background {
            rt.shutdown_background();
        } else {
            rt.shutdown_timeout(Duration::ZERO);
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        // A body's drop counter ticks as the body is dropped, its live
        // count a moment later, as its guard is: wait for both.
        let wait = std::time::Instant::now();
        while (drops.count() < 1000 || timebox::live() != 0)
            && wait.elapsed() < Duration::from_secs(5)
        {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert_eq!(drops.count(), 1000, "background: {background}");
        assert_eq!(timebox::live(), 0);
    }
}

// ---- the caller's task aborted from another thread ---------------------------

#[test]
fn a_caller_aborted_from_another_thread_ends_its_body() {
    let _serial = serial();
    for flavor in [Flavor::MultiThread1, Flavor::MultiThread2] {
        let rt = flavor.runtime();
        let drops = DropCounter::new();
        let started = Arc::new(Notify::new());
        let plan = Plan {
            guard: drops.token(),
            started: Arc::clone(&started),
            outputs: Outputs::default(),
            behaviour: Behaviour::Hang,
        };
        let caller = rt.spawn(async move { spawned(plan).await });
        rt.block_on(started.notified());
        let abort = caller.abort_handle();
        std::thread::spawn(move || abort.abort())
            .join()
            .expect("no panic");
        rt.block_on(async {
            assert!(caller.await.unwrap_err().is_cancelled());
            settle().await;
        });
        assert_eq!(drops.count(), 1, "{flavor:?}");
    }
}

// ---- blocking bodies -------------------------------------------------------

#[timed(ms = 50)]
async fn waits_on_blocking_work(done: Arc<AtomicUsize>) -> Result<(), timebox::Error> {
    tokio::task::spawn_blocking(move || {
        std::thread::sleep(Duration::from_millis(300));
        done.fetch_add(1, SeqCst);
    })
    .await
    .expect("blocking work");
    Ok(())
}

#[test]
fn a_body_awaiting_spawn_blocking_is_cancelled_on_time() {
    let _serial = serial();
    let rt = Flavor::MultiThread2.runtime();
    rt.block_on(async {
        let done = Arc::new(AtomicUsize::new(0));
        let start = std::time::Instant::now();
        let err = waits_on_blocking_work(Arc::clone(&done)).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        assert!(
            start.elapsed() < Duration::from_millis(250),
            "{:?}",
            start.elapsed()
        );
        // The body (an await point) is gone at once; the blocking closure
        // cannot be stopped and finishes on the blocking pool, untracked.
        settle().await;
        assert_eq!(done.load(SeqCst), 0);
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(done.load(SeqCst), 1);
    });
}
