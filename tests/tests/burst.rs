//! A burst gives no timeout a hand-written call would not give. The caller
//! of a timed call waits as hand-written code waits (spawn, `timeout` on the
//! `JoinHandle`, abort on drop): its deadline's timer is armed on its first
//! poll, and it is polled again only when the body ends or the deadline
//! passes. A caller that woke itself to arm its timer later took an extra
//! turn through the run queue per call; under a burst those turns overflow
//! the workers' queues into the global one, where calls wait out their
//! deadline. Latency itself is compared in `benches/benches/burst.rs`, not
//! here: these tests assert no timing.

use std::future::{Future, pending};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use timebox::{ErrorKind, timed};
use timebox_tests::{serial, settle};
use tokio::runtime::{Builder, Runtime};

/// Never reached: the burst asserts on how calls wait, not on time.
const BUDGET: Duration = Duration::from_secs(60);

#[timed(secs = 60)]
async fn yields_once() -> Result<u32, timebox::Error> {
    tokio::task::yield_now().await;
    Ok(1)
}

/// A timed call, its error reduced to its kind.
async fn timed_call() -> Result<u32, ErrorKind> {
    yields_once().await.map_err(|err| err.kind())
}

/// The hand-written equivalent: spawn, `timeout` on the handle, abort on
/// every way out.
async fn hand_written() -> Result<u32, ErrorKind> {
    struct AbortOnDrop(tokio::task::JoinHandle<u32>);
    impl Drop for AbortOnDrop {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
    let mut task = AbortOnDrop(tokio::spawn(async {
        tokio::task::yield_now().await;
        1
    }));
    match tokio::time::timeout(BUDGET, &mut task.0).await {
        Ok(joined) => Ok(joined.expect("the body does not panic")),
        Err(_) => Err(ErrorKind::Elapsed),
    }
}

/// `fut`, counting how often its caller polls it.
async fn counting<F: Future>(polls: &mut u64, fut: F) -> F::Output {
    let mut fut = Box::pin(fut);
    std::future::poll_fn(|cx| {
        *polls += 1;
        fut.as_mut().poll(cx)
    })
    .await
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    calls: u64,
    polls: u64,
    elapsed: u64,
}

/// `tasks` tasks making `calls` sequential calls each, all at once.
fn burst<F, Fut>(rt: &Runtime, tasks: u64, calls: u64, call: F) -> Tally
where
    F: Fn() -> Fut + Copy + Send + 'static,
    Fut: Future<Output = Result<u32, ErrorKind>> + Send,
{
    rt.block_on(async move {
        tokio::spawn(async move {
            let handles: Vec<_> = (0..tasks)
                .map(|_| {
                    tokio::spawn(async move {
                        let mut tally = Tally::default();
                        for _ in 0..calls {
                            let result = counting(&mut tally.polls, call()).await;
                            tally.calls += 1;
                            match result {
                                Ok(1) => {}
                                Ok(other) => panic!("unexpected value {other}"),
                                Err(kind) => {
                                    assert_eq!(kind, ErrorKind::Elapsed);
                                    tally.elapsed += 1;
                                }
                            }
                        }
                        tally
                    })
                })
                .collect();
            let mut total = Tally::default();
            for handle in handles {
                let tally = handle.await.expect("a burst task");
                total.calls += tally.calls;
                total.polls += tally.polls;
                total.elapsed += tally.elapsed;
            }
            settle().await;
            total
        })
        .await
        .expect("the burst")
    })
}

#[test]
fn a_burst_waits_as_hand_written_code_waits() {
    let _serial = serial();
    // More tasks than the workers' local queues hold, so a burst spills
    // into the global queue, as in the probe that found the defect.
    let (tasks, calls) = (1_000, 20);
    let current = Builder::new_current_thread().enable_all().build();
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    for (flavor, rt) in [("current-thread", current), ("multi-thread", multi)] {
        let rt = rt.expect("runtime");
        // Interleaved, so the machine's load hits both alike.
        let (mut hand, mut timed) = (Tally::default(), Tally::default());
        for _ in 0..2 {
            let h = burst(&rt, tasks, calls, hand_written);
            let t = burst(&rt, tasks, calls, timed_call);
            for (sum, one) in [(&mut hand, h), (&mut timed, t)] {
                sum.calls += one.calls;
                sum.polls += one.polls;
                sum.elapsed += one.elapsed;
            }
        }
        assert_eq!(timed.calls, hand.calls);
        let slack = timed.calls / 100;
        assert!(
            timed.elapsed <= hand.elapsed + slack,
            "{flavor}: {} timed calls timed out, {} hand-written ones, of {} each",
            timed.elapsed,
            hand.elapsed,
            timed.calls
        );
        // The caller's turns: about two per call both ways (the first poll,
        // then the body's end); three if the caller woke itself once.
        assert!(
            timed.polls <= hand.polls + slack,
            "{flavor}: timed callers were polled {} times, hand-written ones {}, for {} calls each",
            timed.polls,
            hand.polls,
            timed.calls
        );
    }
}

// ---- the caller's wakeups, one call, exactly ---------------------------------

#[timed(ms = 50)]
async fn stalls() -> Result<(), timebox::Error> {
    pending::<()>().await;
    Ok(())
}

#[timed(ms = 50, inline)]
async fn stalls_inline() -> Result<(), timebox::Error> {
    pending::<()>().await;
    Ok(())
}

/// Counts its wakes.
#[derive(Default)]
struct Wakes(AtomicUsize);

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Polls `call` once by hand, lets the runtime run everything else, then
/// moves the paused clock past the deadline: the caller must be woken by
/// its deadline, and by nothing before it.
async fn woken_by_its_deadline<F: Future<Output = Result<(), timebox::Error>>>(call: F) {
    let wakes = Arc::new(Wakes::default());
    let waker = Waker::from(Arc::clone(&wakes));
    let mut cx = Context::from_waker(&waker);
    let mut call: Pin<Box<F>> = Box::pin(call);
    assert!(call.as_mut().poll(&mut cx).is_pending());
    for _ in 0..10 {
        tokio::task::yield_now().await; // the body's task runs, and waits
    }
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        0,
        "a waiting caller takes no extra turn"
    );
    tokio::time::advance(Duration::from_millis(50)).await;
    tokio::task::yield_now().await;
    assert_eq!(
        wakes.0.load(Ordering::SeqCst),
        1,
        "the deadline's timer, armed on the first poll, woke the caller"
    );
    match call.as_mut().poll(&mut cx) {
        Poll::Ready(Err(err)) => assert_eq!(err.kind(), ErrorKind::Elapsed),
        other => panic!("expected Elapsed, got {other:?}"),
    }
}

#[test]
fn a_waiting_caller_is_woken_by_its_deadline_not_by_itself() {
    let _serial = serial();
    let rt = Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .expect("runtime");
    rt.block_on(async {
        woken_by_its_deadline(stalls()).await;
        woken_by_its_deadline(stalls_inline()).await;
        settle().await;
    });
}
