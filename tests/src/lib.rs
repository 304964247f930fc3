//! Shared helpers for timebox's behaviour tests: run one scenario on every
//! runtime flavour, wait (bounded) for aborted tasks to be dropped, and count
//! drops to prove cleanup.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::runtime::{Builder, Runtime};

/// Tests that read the process-wide [`timebox::live`] count hold this lock,
/// so tests of one binary running in parallel do not see each other's calls.
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The runtime flavours every scenario runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Current-thread runtime with the clock paused: timers are exact.
    CurrentThread,
    /// Multi-thread runtime with one worker, real clock.
    MultiThread1,
    /// Multi-thread runtime with two workers, real clock.
    MultiThread2,
}

impl Flavor {
    /// Every flavour.
    pub const ALL: [Flavor; 3] = [
        Flavor::CurrentThread,
        Flavor::MultiThread1,
        Flavor::MultiThread2,
    ];

    /// A fresh runtime of this flavour.
    pub fn runtime(self) -> Runtime {
        let mut builder = match self {
            Flavor::CurrentThread => {
                let mut b = Builder::new_current_thread();
                b.start_paused(true);
                b
            }
            Flavor::MultiThread1 => {
                let mut b = Builder::new_multi_thread();
                b.worker_threads(1);
                b
            }
            Flavor::MultiThread2 => {
                let mut b = Builder::new_multi_thread();
                b.worker_threads(2);
                b
            }
        };
        builder.enable_all().build().expect("runtime builds")
    }

    /// Whether the clock is paused, so that durations are exact.
    pub fn exact_time(self) -> bool {
        self == Flavor::CurrentThread
    }
}

/// Runs `scenario` on every flavour, each on a fresh runtime, and checks
/// that no timed body is alive afterwards.
pub fn on_every_runtime<F, Fut>(scenario: F)
where
    F: Fn(Flavor) -> Fut,
    Fut: Future<Output = ()>,
{
    let _serial = serial();
    for flavor in Flavor::ALL {
        let rt = flavor.runtime();
        rt.block_on(async {
            scenario(flavor).await;
            settle().await;
        });
    }
}

/// How long a test waits for cancelled tasks to be dropped. Generous: CI
/// machines are small and loaded.
pub const SETTLE: Duration = Duration::from_secs(5);

/// Waits until no timed body is alive, or panics after [`SETTLE`] of real
/// time. An aborted task is dropped by the scheduler shortly after the
/// abort, not during it, so tests wait for it rather than sample at once.
/// The wait sleeps on the runtime's clock, so a paused clock advances to
/// the timers that end bodies (grace periods).
pub async fn settle() {
    let start = std::time::Instant::now();
    let mut pause = Duration::from_micros(100);
    while timebox::live() != 0 {
        assert!(
            start.elapsed() < SETTLE,
            "{} timed bodies still alive after {SETTLE:?}",
            timebox::live()
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(20));
    }
}

/// Generous slack for timing assertions on the real clock of a loaded CI.
pub const SLACK: Duration = Duration::from_secs(2);

/// Asserts that something took `expected`: exactly on the paused clock,
/// within [`SLACK`] above it on a real one.
pub fn assert_took(flavor: Flavor, elapsed: Duration, expected: Duration) {
    if flavor.exact_time() {
        assert_eq!(elapsed, expected);
    } else {
        assert!(elapsed >= expected, "{elapsed:?} < {expected:?}");
        assert!(
            elapsed < expected + SLACK,
            "{elapsed:?} took far longer than {expected:?}"
        );
    }
}

/// Counts how many times the values it hands out were dropped.
#[derive(Debug, Clone, Default)]
pub struct DropCounter(Arc<AtomicUsize>);

impl DropCounter {
    /// A new counter at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// A value that bumps this counter when dropped.
    pub fn token(&self) -> Dropped {
        Dropped(Arc::clone(&self.0))
    }

    /// How many handed-out values were dropped so far.
    pub fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Bumps its [`DropCounter`] when dropped.
#[derive(Debug)]
pub struct Dropped(Arc<AtomicUsize>);

impl Drop for Dropped {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}
