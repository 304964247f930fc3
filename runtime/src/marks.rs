//! Zombie marks of one site: the cancelled bodies still alive, each with the
//! time it turns zombie (its grace period plus [`SLACK`] after its
//! cancellation). The watchdog promotes marks that are due; a body that ends
//! drops its mark. Counters beside the list let the hot path skip the lock
//! while nothing is marked.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::time::{Duration, Instant};

use crate::lock::lock;

/// How long past its grace period a cancelled body may live before it is a
/// zombie.
pub(crate) const SLACK: Duration = Duration::from_secs(1);

/// The zombie marks of one site.
#[derive(Debug)]
pub(crate) struct Marks {
    /// Marked, not yet zombies: the watchdog's work.
    doomed: AtomicU64,
    /// Marked and past due.
    zombies: AtomicU64,
    list: Mutex<Vec<Doomed>>,
}

#[derive(Debug)]
struct Doomed {
    id: u64,
    /// When it becomes a zombie.
    due: Instant,
    grace: Duration,
    zombie: bool,
}

impl Marks {
    pub(crate) const fn new() -> Self {
        Marks {
            doomed: AtomicU64::new(0),
            zombies: AtomicU64::new(0),
            list: Mutex::new(Vec::new()),
        }
    }

    /// Bodies marked and not yet due.
    pub(crate) fn doomed(&self) -> u64 {
        self.doomed.load(Relaxed)
    }

    /// Bodies past due and still alive.
    pub(crate) fn zombies(&self) -> u64 {
        self.zombies.load(Relaxed)
    }

    /// Marks body `id`, cancelled at `now` with `grace` to clean up, unless
    /// it is marked already or `alive` says it has ended. Whether it was
    /// marked: the watchdog must then look.
    ///
    /// Counts before it asks `alive`, under the lock [`Marks::unmark`]
    /// takes: a body that ends concurrently either is seen gone here, or
    /// sees the count and finds its mark (see the registry's invariants).
    pub(crate) fn mark(
        &self,
        id: u64,
        grace: Duration,
        now: Instant,
        alive: impl FnOnce() -> bool,
    ) -> bool {
        let mut list = lock(&self.list);
        if list.iter().any(|d| d.id == id) {
            return false;
        }
        self.doomed.fetch_add(1, SeqCst);
        if !alive() {
            self.doomed.fetch_sub(1, SeqCst);
            return false;
        }
        list.push(Doomed {
            id,
            due: now + grace + SLACK,
            grace,
            zombie: false,
        });
        true
    }

    /// Body `id` has ended: its mark, if any, goes. `Some(true)` when it was
    /// a zombie, `Some(false)` when it was only doomed.
    pub(crate) fn unmark(&self, id: u64) -> Option<bool> {
        if self.doomed.load(SeqCst) == 0 && self.zombies.load(SeqCst) == 0 {
            return None;
        }
        let removed = {
            let mut list = lock(&self.list);
            let found = list.iter().position(|d| d.id == id);
            found.map(|at| list.swap_remove(at))
        }?;
        if removed.zombie {
            self.zombies.fetch_sub(1, Relaxed);
        } else {
            self.doomed.fetch_sub(1, SeqCst);
        }
        Some(removed.zombie)
    }

    /// Turns the marks due by `now` into zombies, each once; the grace
    /// periods of the new zombies.
    pub(crate) fn promote(&self, now: Instant) -> Vec<Duration> {
        if self.doomed.load(SeqCst) == 0 {
            return Vec::new();
        }
        let mut found = Vec::new();
        for doomed in lock(&self.list).iter_mut() {
            if doomed.due <= now && !doomed.zombie {
                doomed.zombie = true;
                // Counted as a zombie before it stops counting as doomed,
                // under the lock `unmark` takes to remove it.
                self.zombies.fetch_add(1, SeqCst);
                self.doomed.fetch_sub(1, SeqCst);
                found.push(doomed.grace);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_turns_zombie_when_due_once_and_goes_when_its_body_ends() {
        let marks = Marks::new();
        let now = Instant::now();
        assert!(marks.mark(7, Duration::from_millis(500), now, || true));
        assert!(
            !marks.mark(7, Duration::from_millis(500), now, || true),
            "once"
        );
        assert_eq!((marks.doomed(), marks.zombies()), (1, 0));
        assert!(marks.promote(now).is_empty(), "not due yet");
        assert_eq!(marks.promote(now + Duration::from_secs(2)).len(), 1);
        assert!(
            marks.promote(now + Duration::from_secs(3)).is_empty(),
            "reported once"
        );
        assert_eq!((marks.doomed(), marks.zombies()), (0, 1));
        assert_eq!(marks.unmark(7), Some(true));
        assert_eq!((marks.doomed(), marks.zombies()), (0, 0));
    }

    #[test]
    fn a_body_that_ended_is_never_marked() {
        let marks = Marks::new();
        assert!(!marks.mark(1, Duration::ZERO, Instant::now(), || false));
        assert_eq!(marks.doomed(), 0);
        assert_eq!(marks.unmark(1), None);
    }
}
