//! Zombie marks of one site: the cancelled bodies still alive, each with the
//! time it turns zombie (its grace period plus [`SLACK`] after its
//! cancellation). The watchdog promotes marks that are due; a body that ends
//! drops its mark. Counters beside the list let the hot path skip the lock
//! while nothing is marked.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::time::{Duration, Instant};

use crate::lock::lock;
use crate::sync::{AtomicU64, Mutex, seq_cst_point};

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
    list: Mutex<List>,
}

/// Every operation is O(1) or O(log n) in the number of marks, so that an
/// outage (every caller of a site timing out at once) stays linear.
#[derive(Debug)]
struct List {
    /// The marked bodies, by id.
    by_id: BTreeMap<u64, Mark>,
    /// When each mark falls due, soonest first. An entry whose body has
    /// ended (no longer in `by_id`) is skipped when it comes up.
    due: BinaryHeap<Reverse<(Instant, u64)>>,
}

#[derive(Debug)]
struct Mark {
    grace: Duration,
    zombie: bool,
}

impl List {
    /// Gives the memory of a large outage back once it is over.
    fn shrink_if_empty(&mut self) {
        if self.by_id.is_empty() && self.due.capacity() > 64 {
            self.due = BinaryHeap::new();
        }
    }
}

impl Marks {
    /// `const`, for the static sites of generated code.
    #[cfg(not(timebox_loom))]
    pub(crate) const fn new() -> Self {
        Marks {
            doomed: AtomicU64::new(0),
            zombies: AtomicU64::new(0),
            list: Mutex::new(List {
                by_id: BTreeMap::new(),
                due: BinaryHeap::new(),
            }),
        }
    }

    /// Loom's atomics cannot be made in a `const`.
    #[cfg(timebox_loom)]
    pub(crate) fn new() -> Self {
        Marks {
            doomed: AtomicU64::new(0),
            zombies: AtomicU64::new(0),
            list: Mutex::new(List {
                by_id: BTreeMap::new(),
                due: BinaryHeap::new(),
            }),
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
    /// it is marked already or `alive` says it has ended. Whether this was
    /// the site's first mark: only then must the watchdog be woken (while
    /// any mark is pending it looks on its own).
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
        if list.by_id.contains_key(&id) {
            return false;
        }
        let before = self.doomed.fetch_add(1, SeqCst);
        seq_cst_point();
        if !alive() {
            self.doomed.fetch_sub(1, SeqCst);
            return false;
        }
        list.by_id.insert(
            id,
            Mark {
                grace,
                zombie: false,
            },
        );
        list.due.push(Reverse((now + grace + SLACK, id)));
        before == 0
    }

    /// Body `id` has ended: its mark, if any, goes. `Some(true)` when it was
    /// a zombie, `Some(false)` when it was only doomed.
    pub(crate) fn unmark(&self, id: u64) -> Option<bool> {
        // After the caller freed the body's record: see the invariants.
        seq_cst_point();
        if self.doomed.load(SeqCst) == 0 && self.zombies.load(SeqCst) == 0 {
            return None;
        }
        let removed = {
            let mut list = lock(&self.list);
            let removed = list.by_id.remove(&id);
            list.shrink_if_empty();
            removed
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
        let mut list = lock(&self.list);
        while let Some(&Reverse((due, id))) = list.due.peek() {
            if due > now {
                break;
            }
            list.due.pop();
            if let Some(mark) = list.by_id.get_mut(&id) {
                if !mark.zombie {
                    mark.zombie = true;
                    // Counted as a zombie before it stops counting as
                    // doomed, under the lock `unmark` takes to remove it.
                    self.zombies.fetch_add(1, SeqCst);
                    self.doomed.fetch_sub(1, SeqCst);
                    found.push(mark.grace);
                }
            }
        }
        if list.by_id.is_empty() {
            list.due.clear();
            list.shrink_if_empty();
        }
        found
    }
}

#[cfg(all(test, not(timebox_loom)))]
mod tests {
    use super::*;

    #[test]
    fn a_mark_turns_zombie_when_due_once_and_goes_when_its_body_ends() {
        let marks = Marks::new();
        let now = Instant::now();
        assert!(
            marks.mark(7, Duration::from_millis(500), now, || true),
            "first"
        );
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

    #[test]
    fn marks_fall_due_in_order_of_their_due_time_whatever_their_grace() {
        let marks = Marks::new();
        let now = Instant::now();
        marks.mark(1, Duration::from_secs(10), now, || true);
        marks.mark(2, Duration::ZERO, now, || true);
        assert_eq!(marks.promote(now + SLACK), [Duration::ZERO]);
        assert_eq!(
            marks.promote(now + SLACK + Duration::from_secs(10)).len(),
            1
        );
    }

    #[test]
    fn an_outage_of_a_hundred_thousand_marks_is_linear() {
        let marks = Marks::new();
        let now = Instant::now();
        let started = Instant::now();
        for id in 0..100_000 {
            marks.mark(id, Duration::ZERO, now, || true);
        }
        for id in (0..100_000).step_by(2) {
            marks.unmark(id);
        }
        assert_eq!(marks.promote(now + SLACK).len(), 50_000);
        for id in (1..100_000).step_by(2) {
            assert_eq!(marks.unmark(id), Some(true));
        }
        assert_eq!((marks.doomed(), marks.zombies()), (0, 0));
        // Quadratic work (the old list) took minutes here; linear, well
        // under a second even unoptimized on a loaded machine.
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }
}
