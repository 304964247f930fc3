//! Zombie marks of one site: the cancelled bodies that may still be alive,
//! each with the time it turns zombie (its grace period plus [`SLACK`]
//! after its cancellation), soonest first. The watchdog promotes the marks
//! that fall due: a body still recorded in its slot becomes a zombie there
//! (see [`Slots::mark_zombie`]); a mark whose body has ended is dropped.
//!
//! A body's end never touches the marks: the zombie flag lives in the
//! body's own record, freed with it. So cancelling costs one heap push, an
//! outage of N timeouts costs O(N log N) in all, and a mark cannot outlive
//! its body, whatever the interleaving. The marks of bodies that ended
//! before their due time are dropped once the heap holds more than twice
//! the site's live bodies (past a small floor): at least half of it is
//! then certainly stale, so memory stays proportional to the live bodies
//! at an amortized O(1) per mark, and an outage, whose marks are all of
//! live bodies, never pays for a purge.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::Ordering::Relaxed;
use std::time::{Duration, Instant};

use crate::lock::lock;
use crate::slots::{Place, Slots};
use crate::sync::{AtomicU64, Mutex};

/// How long past its grace period a cancelled body may live before it is a
/// zombie.
pub(crate) const SLACK: Duration = Duration::from_secs(1);

/// The zombie marks of one site.
#[derive(Debug)]
pub(crate) struct Marks {
    /// Marks not yet due: the watchdog's work.
    doomed: AtomicU64,
    /// Bodies past due and still alive.
    zombies: AtomicU64,
    due: Mutex<Due>,
}

/// The pending marks, soonest first.
#[derive(Debug)]
struct Due {
    heap: BinaryHeap<Reverse<Mark>>,
}

/// The heap may hold this many marks beyond twice the live bodies before
/// the stale ones are dropped.
const PURGE_FLOOR: usize = 128;

impl Due {
    const fn new() -> Self {
        Due {
            heap: BinaryHeap::new(),
        }
    }
}

/// A cancelled body, and when it turns zombie if it is still alive then:
/// 32 bytes, since a busy site keeps a few hundred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Mark {
    /// Nanoseconds from [`epoch`] to the due time.
    due: u64,
    id: u64,
    /// The body's [`Place`], packed.
    place: u64,
    /// The grace period, in nanoseconds (saturated).
    grace: u64,
}

/// An hour before the process's first mark, on the real clock: marks'
/// times count from it, and every `now` a mark is given lies after it.
fn epoch() -> Instant {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *EPOCH.get_or_init(|| {
        let now = Instant::now();
        now.checked_sub(Duration::from_secs(3600)).unwrap_or(now)
    })
}

/// `d` in nanoseconds, saturated.
fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Marks {
    /// `const`, for the static sites of generated code.
    #[cfg(not(timebox_loom))]
    pub(crate) const fn new() -> Self {
        Marks {
            doomed: AtomicU64::new(0),
            zombies: AtomicU64::new(0),
            due: Mutex::new(Due::new()),
        }
    }

    /// Loom's atomics cannot be made in a `const`.
    #[cfg(timebox_loom)]
    pub(crate) fn new() -> Self {
        Marks {
            doomed: AtomicU64::new(0),
            zombies: AtomicU64::new(0),
            due: Mutex::new(Due::new()),
        }
    }

    /// Marks not yet due.
    pub(crate) fn doomed(&self) -> u64 {
        self.doomed.load(Relaxed)
    }

    /// Bodies past due and still alive.
    pub(crate) fn zombies(&self) -> u64 {
        self.zombies.load(Relaxed)
    }

    /// Marks body `id` at `place`, cancelled at `now` with `grace` to clean
    /// up, at a site with `live` bodies recorded in `slots`. Whether this
    /// was the site's first pending mark: only then must the watchdog be
    /// woken (while any is pending it looks on its own).
    pub(crate) fn mark(
        &self,
        id: u64,
        place: Place,
        grace: Duration,
        now: Instant,
        slots: &Slots,
        live: u64,
    ) -> bool {
        let due = now.saturating_duration_since(epoch()) + grace + SLACK;
        let mark = Mark {
            due: nanos(due),
            id,
            place: place.pack(),
            grace: nanos(grace),
        };
        let mut due = lock(&self.due);
        let most_live = usize::try_from(live).unwrap_or(usize::MAX);
        if due.heap.len() > most_live.saturating_mul(2).saturating_add(PURGE_FLOOR) {
            // More than half are marks of bodies that ended: drop those.
            due.heap
                .retain(|Reverse(m)| slots.holds(Place::unpack(m.place), m.id));
            self.doomed.store(due.heap.len() as u64, Relaxed);
        }
        due.heap.push(Reverse(mark));
        self.doomed.fetch_add(1, Relaxed) == 0
    }

    /// A zombie of this site has ended (its record said so).
    pub(crate) fn zombie_ended(&self) {
        self.zombies.fetch_sub(1, Relaxed);
    }

    /// Turns the bodies whose marks are due by `now`, and which `slots`
    /// still records, into zombies, each once; the grace periods of the new
    /// zombies.
    pub(crate) fn promote(&self, now: Instant, slots: &Slots) -> Vec<Duration> {
        if self.doomed.load(Relaxed) == 0 {
            return Vec::new();
        }
        let mut found = Vec::new();
        let now = nanos(now.saturating_duration_since(epoch()));
        let mut due = lock(&self.due);
        while let Some(&Reverse(mark)) = due.heap.peek() {
            if mark.due > now {
                break;
            }
            due.heap.pop();
            self.doomed.fetch_sub(1, Relaxed);
            // Counted before the flag is set: an end that sees the flag
            // finds the count to take it from.
            self.zombies.fetch_add(1, Relaxed);
            if slots.mark_zombie(Place::unpack(mark.place), mark.id) {
                found.push(Duration::from_nanos(mark.grace));
            } else {
                // Ended already (or marked twice): no zombie.
                self.zombies.fetch_sub(1, Relaxed);
            }
        }
        if due.heap.is_empty() && due.heap.capacity() > PURGE_FLOOR {
            // Give the memory of a large outage back once it is over.
            *due = Due::new();
        }
        found
    }
}

#[cfg(all(test, not(timebox_loom)))]
mod tests {
    use super::*;

    fn body(slots: &Slots, id: u64) -> Place {
        slots.claim(id, tokio::time::Instant::now())
    }

    #[test]
    fn a_mark_turns_zombie_when_due_once_and_goes_when_its_body_ends() {
        let (slots, marks) = (Slots::new(), Marks::new());
        let place = body(&slots, 7);
        let now = Instant::now();
        assert!(
            marks.mark(7, place, Duration::from_millis(500), now, &slots, 100_000),
            "first"
        );
        assert!(
            !marks.mark(7, place, Duration::from_millis(500), now, &slots, 100_000),
            "not first"
        );
        assert_eq!((marks.doomed(), marks.zombies()), (2, 0));
        assert!(marks.promote(now, &slots).is_empty(), "not due yet");
        let due = now + Duration::from_secs(2);
        assert_eq!(
            marks.promote(due, &slots).len(),
            1,
            "marked twice, one zombie"
        );
        assert!(marks.promote(due, &slots).is_empty(), "reported once");
        assert_eq!((marks.doomed(), marks.zombies()), (0, 1));
        assert!(slots.release(place), "the end sees it was a zombie");
        marks.zombie_ended();
        assert_eq!((marks.doomed(), marks.zombies()), (0, 0));
    }

    #[test]
    fn a_body_that_ended_is_never_a_zombie() {
        let (slots, marks) = (Slots::new(), Marks::new());
        let place = body(&slots, 1);
        marks.mark(1, place, Duration::ZERO, Instant::now(), &slots, 100_000);
        assert!(!slots.release(place));
        let later = Instant::now() + SLACK * 2;
        assert!(marks.promote(later, &slots).is_empty());
        assert_eq!((marks.doomed(), marks.zombies()), (0, 0));
    }

    #[test]
    fn marks_fall_due_in_order_of_their_due_time_whatever_their_grace() {
        let (slots, marks) = (Slots::new(), Marks::new());
        let now = Instant::now();
        let (long, short) = (body(&slots, 1), body(&slots, 2));
        marks.mark(1, long, Duration::from_secs(10), now, &slots, 100_000);
        marks.mark(2, short, Duration::ZERO, now, &slots, 100_000);
        assert_eq!(marks.promote(now + SLACK, &slots), [Duration::ZERO]);
        let later = now + SLACK + Duration::from_secs(10);
        assert_eq!(marks.promote(later, &slots).len(), 1);
    }

    #[test]
    fn an_outage_of_a_hundred_thousand_marks_is_linear() {
        let (slots, marks) = (Slots::new(), Marks::new());
        let now = Instant::now();
        let started = Instant::now();
        let places: Vec<Place> = (0..100_000).map(|id| body(&slots, id)).collect();
        for (id, place) in places.iter().enumerate() {
            marks.mark(id as u64, *place, Duration::ZERO, now, &slots, 100_000);
        }
        for place in places.iter().step_by(2) {
            assert!(!slots.release(*place));
        }
        assert_eq!(marks.promote(now + SLACK, &slots).len(), 50_000);
        let mut zombies = places.iter().skip(1).step_by(2);
        assert!(zombies.all(|place| slots.release(*place)));
        assert_eq!(marks.doomed(), 0);
        // Quadratic work (the first release's list) took minutes here;
        // linear, well under a second even unoptimized on a loaded machine.
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{:?}",
            started.elapsed()
        );
    }
}
