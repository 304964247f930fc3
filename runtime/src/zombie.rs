//! Zombies: bodies still alive more than their grace period plus one second
//! after they were cancelled (a body that blocks the thread or never yields
//! cannot be preempted). One watchdog thread, started on the first
//! cancellation of a live body, checks each cancelled body when its time is
//! up; it runs on its own thread so it reports even when the runtime's
//! threads are the ones blocked.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use crate::scope::{BODY_ALIVE, BODY_ZOMBIE, Scope};

/// How long past its grace period a cancelled body may live before it is a
/// zombie.
pub(crate) const SLACK: Duration = Duration::from_secs(1);

/// A cancelled body to look at again when `due`.
struct Check {
    due: Instant,
    scope: Arc<Scope>,
}

impl PartialEq for Check {
    fn eq(&self, other: &Self) -> bool {
        self.due == other.due
    }
}
impl Eq for Check {}
impl PartialOrd for Check {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Check {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.due.cmp(&other.due)
    }
}

/// The body of `scope` was just cancelled: if it is still alive after its
/// grace period and [`SLACK`], it is a zombie.
pub(crate) fn watch(scope: &Arc<Scope>) {
    if scope.body.load(Ordering::Acquire) != BODY_ALIVE {
        return;
    }
    if let Some(watchdog) = watchdog() {
        let due = Instant::now() + scope.grace + SLACK;
        // If the watchdog is gone the process is exiting: nothing to report.
        let _ = watchdog.send(Check {
            due,
            scope: Arc::clone(scope),
        });
    }
}

fn watchdog() -> Option<&'static Sender<Check>> {
    static WATCHDOG: OnceLock<Option<Sender<Check>>> = OnceLock::new();
    WATCHDOG
        .get_or_init(|| {
            let (tx, rx) = mpsc::channel();
            std::thread::Builder::new()
                .name("timebox-zombie-watch".into())
                .spawn(move || run(rx))
                .ok()
                .map(|_| tx)
        })
        .as_ref()
}

fn run(checks: mpsc::Receiver<Check>) {
    let mut pending: BinaryHeap<Reverse<Check>> = BinaryHeap::new();
    loop {
        let next = pending
            .peek()
            .map(|Reverse(c)| c.due.saturating_duration_since(Instant::now()));
        let received = match next {
            Some(wait) => checks.recv_timeout(wait),
            None => checks.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match received {
            Ok(check) => pending.push(Reverse(check)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        let now = Instant::now();
        while pending.peek().is_some_and(|Reverse(c)| c.due <= now) {
            if let Some(Reverse(check)) = pending.pop() {
                inspect(&check.scope);
            }
        }
    }
}

/// Marks the body a zombie if it is still alive. The count goes up before
/// the mark so that the body's end, which takes it down, never finds it at
/// zero.
fn inspect(scope: &Scope) {
    let zombies = &scope.site.counts.zombies;
    zombies.fetch_add(1, Ordering::Relaxed);
    let marked = scope
        .body
        .compare_exchange(BODY_ALIVE, BODY_ZOMBIE, Ordering::AcqRel, Ordering::Acquire)
        .is_ok();
    if marked {
        crate::report::zombie(scope);
    } else {
        zombies.fetch_sub(1, Ordering::Relaxed);
    }
}
