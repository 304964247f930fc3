//! A call's deadline timer, kept per thread between calls: registering a
//! Tokio timer and removing it again each take the timer driver's lock, so a
//! call's timer is not removed when the call ends but kept, still
//! registered, for the thread's next call, which moves it to its own
//! deadline. A later deadline (as the next call's usually is) is one
//! compare-and-swap, no lock: the driver finds the new deadline when the old
//! one comes up, and files the timer again.
//!
//! A kept timer belongs to the runtime it was made on and is only reused
//! there. Until it is reused or fires, it still holds the waker of the last
//! call that polled it: at worst that task is woken once, for nothing, when
//! the old deadline comes.

use std::cell::RefCell;
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::runtime::Id as RuntimeId;
use tokio::time::{Instant, Sleep};

use crate::error::ErrorKind;

/// Timers kept per thread, at most.
const KEEP: usize = 64;

/// The timers this thread keeps, all made on `runtime`.
struct Kept {
    runtime: Option<RuntimeId>,
    timers: Vec<Pin<Box<Sleep>>>,
}

std::thread_local! {
    static KEPT: RefCell<Kept> = const {
        RefCell::new(Kept { runtime: None, timers: Vec::new() })
    };
}

/// The timer of a call that must end at `at`, on `runtime`: armed on its
/// first poll (a call that never waits costs no timer), kept for the next
/// call when dropped.
#[derive(Debug)]
pub(crate) struct DeadlineTimer {
    at: Instant,
    runtime: RuntimeId,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl DeadlineTimer {
    /// A timer for `at` on `runtime`, the runtime the caller runs on.
    pub(crate) fn new(runtime: RuntimeId, at: Instant) -> Self {
        DeadlineTimer {
            at,
            runtime,
            sleep: None,
        }
    }

    /// `Elapsed` once the deadline passed. After the runtime shut down its
    /// timers cannot be polled (Tokio panics): nothing can be timed any
    /// more, and the call ends `Cancelled`, as a spawned body does.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ErrorKind> {
        let (at, runtime) = (self.at, self.runtime);
        let sleep = self.sleep.get_or_insert_with(|| arm(runtime, at));
        match catch_unwind(AssertUnwindSafe(|| sleep.as_mut().poll(cx))) {
            Ok(Poll::Ready(())) => Poll::Ready(ErrorKind::Elapsed),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(ErrorKind::Cancelled),
        }
    }
}

impl Drop for DeadlineTimer {
    fn drop(&mut self) {
        if let Some(sleep) = self.sleep.take() {
            give_back(self.runtime, sleep);
        }
    }
}

/// A timer of this thread's kept ones, moved to `at`, or a new one.
fn arm(runtime: RuntimeId, at: Instant) -> Pin<Box<Sleep>> {
    let kept = KEPT
        .try_with(|kept| {
            let mut kept = kept.try_borrow_mut().ok()?;
            (kept.runtime == Some(runtime)).then(|| kept.timers.pop())?
        })
        .ok()
        .flatten();
    match kept {
        Some(mut sleep) => {
            sleep.as_mut().reset(at);
            sleep
        }
        None => Box::pin(tokio::time::sleep_until(at)),
    }
}

/// Keeps `sleep`, made on `runtime`, for this thread's next call, if there
/// is room. A thread that moved on to another runtime lets the timers of
/// the one before go.
fn give_back(runtime: RuntimeId, sleep: Pin<Box<Sleep>>) {
    let mut others = Vec::new();
    let _ = KEPT.try_with(|kept| {
        let Ok(mut kept) = kept.try_borrow_mut() else {
            return;
        };
        if kept.runtime != Some(runtime) {
            kept.runtime = Some(runtime);
            others = mem::take(&mut kept.timers);
        }
        if kept.timers.len() < KEEP {
            kept.timers.push(sleep);
        }
    });
    // Dropped here, with the list released: a timer's drop takes its
    // driver's lock.
    drop(others);
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn kept() -> usize {
        KEPT.with(|kept| kept.borrow().timers.len())
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_is_kept_and_moved_to_the_next_calls_deadline() {
        let runtime = tokio::runtime::Handle::current().id();
        let before = kept();
        let first = Instant::now() + Duration::from_millis(10);
        let mut timer = DeadlineTimer::new(runtime, first);
        let waker = futures_noop_waker();
        let mut cx = Context::from_waker(&waker);
        assert!(timer.poll(&mut cx).is_pending());
        drop(timer);
        assert_eq!(kept(), before + 1);

        // The next call takes it, at its own (later) deadline.
        let second = first + Duration::from_millis(40);
        let mut timer = DeadlineTimer::new(runtime, second);
        assert!(timer.poll(&mut cx).is_pending());
        assert_eq!(kept(), before);
        tokio::time::sleep_until(first + Duration::from_millis(1)).await;
        assert!(timer.poll(&mut cx).is_pending(), "not at the old deadline");
        tokio::time::sleep_until(second).await;
        assert_eq!(timer.poll(&mut cx), Poll::Ready(ErrorKind::Elapsed));

        // An earlier deadline than the kept timer's is honoured too.
        drop(timer);
        let earlier = Instant::now() + Duration::from_millis(5);
        let mut late = DeadlineTimer::new(runtime, earlier + Duration::from_secs(60));
        assert!(late.poll(&mut cx).is_pending());
        drop(late);
        let mut timer = DeadlineTimer::new(runtime, earlier);
        assert!(timer.poll(&mut cx).is_pending());
        tokio::time::sleep_until(earlier).await;
        assert_eq!(timer.poll(&mut cx), Poll::Ready(ErrorKind::Elapsed));
    }

    #[test]
    fn a_thread_keeps_the_timers_of_one_runtime_only() {
        let one = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let other = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let waker = futures_noop_waker();
        let mut cx = Context::from_waker(&waker);
        let mut use_timer = |rt: &tokio::runtime::Runtime| {
            let _guard = rt.enter();
            let mut timer =
                DeadlineTimer::new(rt.handle().id(), Instant::now() + Duration::from_secs(5));
            assert!(timer.poll(&mut cx).is_pending());
        };
        use_timer(&one);
        use_timer(&one);
        assert_eq!(kept(), 1);
        assert_eq!(KEPT.with(|k| k.borrow().runtime), Some(one.handle().id()));
        use_timer(&other);
        assert_eq!(kept(), 1);
        assert_eq!(KEPT.with(|k| k.borrow().runtime), Some(other.handle().id()));
    }

    fn futures_noop_waker() -> std::task::Waker {
        std::task::Waker::noop().clone()
    }
}
