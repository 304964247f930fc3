//! A call's deadline timer, kept per thread between calls: registering a
//! Tokio timer and removing it again each take the timer driver's lock, so a
//! call's timer is not removed when the call ends but kept, still
//! registered, for the thread's next call, which moves it to its own
//! deadline. A later deadline (as the next call's usually is) is one
//! compare-and-swap, no lock: the driver finds the new deadline when the old
//! one comes up, and files the timer again.
//!
//! A kept timer belongs to the runtime it was made on, and is only reused
//! there: a timer is armed on the runtime current where the call is polled,
//! and filed under it. A thread keeps the timers of one runtime at a time.
//! Until it is reused or fires, a kept timer is a registered timer like any
//! other: it holds the waker of the last call that polled it (at worst that
//! task is woken once, for nothing, at the old deadline), and a runtime on
//! the paused test clock that has nothing else to do advances its clock to
//! it, as to any timer.

use std::cell::RefCell;
use std::future::Future;
use std::mem;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::runtime::{Handle, Id as RuntimeId};
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

/// The timer of a call that must end at `at`: armed on its first poll (a
/// call that never waits costs no timer), kept for the next call when
/// dropped.
#[derive(Debug)]
pub(crate) struct DeadlineTimer {
    at: Instant,
    /// Once armed: the timer, and the runtime it belongs to.
    armed: Option<(RuntimeId, Pin<Box<Sleep>>)>,
}

impl DeadlineTimer {
    /// A timer for `at`, not armed yet.
    pub(crate) fn new(at: Instant) -> Self {
        DeadlineTimer { at, armed: None }
    }

    /// `Elapsed` once the deadline passed. After the runtime shut down its
    /// timers can be neither made nor polled (Tokio panics): nothing can be
    /// timed any more, and the call ends `Cancelled`, as a spawned body does.
    pub(crate) fn poll(&mut self, cx: &mut Context<'_>) -> Poll<ErrorKind> {
        let (at, armed) = (self.at, &mut self.armed);
        let polled = catch_unwind(AssertUnwindSafe(|| {
            let (_, sleep) = match armed {
                Some(armed) => armed,
                None => armed.insert(arm(at)),
            };
            sleep.as_mut().poll(cx)
        }));
        match polled {
            Ok(Poll::Ready(())) => Poll::Ready(ErrorKind::Elapsed),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(ErrorKind::Cancelled),
        }
    }
}

impl Drop for DeadlineTimer {
    fn drop(&mut self) {
        if let Some((runtime, sleep)) = self.armed.take() {
            give_back(runtime, sleep);
        }
    }
}

/// A timer of the current runtime for `at`: one this thread kept, moved to
/// `at`, or a new one. (Panics outside a runtime, as Tokio's timers do.)
fn arm(at: Instant) -> (RuntimeId, Pin<Box<Sleep>>) {
    // The runtime a new timer would be made on: a task's runtime is not
    // always the current one (`block_in_place` running another runtime's
    // `block_on`, a `Handle::enter`).
    let runtime = Handle::current().id();
    let kept = KEPT
        .try_with(|kept| {
            let mut kept = kept.try_borrow_mut().ok()?;
            (kept.runtime == Some(runtime)).then(|| kept.timers.pop())?
        })
        .ok()
        .flatten();
    let sleep = match kept {
        Some(mut sleep) => {
            sleep.as_mut().reset(at);
            sleep
        }
        None => Box::pin(tokio::time::sleep_until(at)),
    };
    (runtime, sleep)
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
    use std::task::Waker;
    use std::time::Duration;

    use super::*;

    fn kept() -> usize {
        KEPT.with(|kept| kept.borrow().timers.len())
    }

    fn kept_for() -> Option<RuntimeId> {
        KEPT.with(|kept| kept.borrow().runtime)
    }

    #[tokio::test(start_paused = true)]
    async fn a_timer_is_kept_and_moved_to_the_next_calls_deadline() {
        let mut cx = Context::from_waker(Waker::noop());
        let before = kept();
        let first = Instant::now() + Duration::from_millis(10);
        let mut timer = DeadlineTimer::new(first);
        assert!(timer.poll(&mut cx).is_pending());
        drop(timer);
        assert_eq!(kept(), before + 1);

        // The next call takes it, at its own (later) deadline.
        let second = first + Duration::from_millis(40);
        let mut timer = DeadlineTimer::new(second);
        assert!(timer.poll(&mut cx).is_pending());
        assert_eq!(kept(), before);
        tokio::time::sleep_until(first + Duration::from_millis(1)).await;
        assert!(timer.poll(&mut cx).is_pending(), "not at the old deadline");
        tokio::time::sleep_until(second).await;
        assert_eq!(timer.poll(&mut cx), Poll::Ready(ErrorKind::Elapsed));

        // An earlier deadline than the kept timer's is honoured too.
        drop(timer);
        let earlier = Instant::now() + Duration::from_millis(5);
        let mut late = DeadlineTimer::new(earlier + Duration::from_secs(60));
        assert!(late.poll(&mut cx).is_pending());
        drop(late);
        let mut timer = DeadlineTimer::new(earlier);
        assert!(timer.poll(&mut cx).is_pending());
        tokio::time::sleep_until(earlier).await;
        assert_eq!(timer.poll(&mut cx), Poll::Ready(ErrorKind::Elapsed));
    }

    #[test]
    fn a_timer_is_filed_under_the_runtime_current_where_it_was_armed() {
        let one = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let other = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut cx = Context::from_waker(Waker::noop());
        let mut arm_on = |rt: &tokio::runtime::Runtime| {
            let _entered = rt.enter();
            let mut timer = DeadlineTimer::new(Instant::now() + Duration::from_secs(5));
            assert!(timer.poll(&mut cx).is_pending());
            // Dropped where another runtime is current: still filed under
            // its own.
            drop(_entered);
            let _elsewhere = if std::ptr::eq(rt, &one) {
                other.enter()
            } else {
                one.enter()
            };
            drop(timer);
        };
        arm_on(&one);
        arm_on(&one);
        assert_eq!((kept(), kept_for()), (1, Some(one.handle().id())));
        // Another runtime's timer: the thread moves on to it, and lets the
        // first runtime's go.
        arm_on(&other);
        assert_eq!((kept(), kept_for()), (1, Some(other.handle().id())));
    }

    #[test]
    fn outside_a_runtime_a_deadline_cannot_be_timed() {
        let mut cx = Context::from_waker(Waker::noop());
        let mut timer = DeadlineTimer::new(Instant::now() + Duration::from_secs(5));
        assert_eq!(timer.poll(&mut cx), Poll::Ready(ErrorKind::Cancelled));
    }
}
