//! The live bodies of one site: a fixed table of slots claimed without a
//! lock, and a locked overflow list for the bodies that find no free slot.
//! Each entry holds the body's id and its start time, so a snapshot can tell
//! how old the oldest live body is.
//!
//! `ids[i]` holds a body's id plus one, zero when free; a body claims a slot
//! with one compare-exchange and frees it with one swap. Its top bit says
//! the body is a zombie: the watchdog sets it with a compare-exchange that
//! fails if the body has gone, and the body's end reads it in the swap that
//! frees the slot, so a zombie mark can neither outlive its body nor be
//! missed by it. (An overflow entry keeps the same flag under the overflow
//! lock.) `starts[i]` is written by the owner after the claim and read only
//! for ages, where a momentarily stale value is harmless (a zero start is
//! skipped).

use std::sync::OnceLock;
use std::sync::atomic::Ordering::{Relaxed, SeqCst};
use std::time::Duration;

use tokio::time::Instant;

use crate::lock::lock;
use crate::sync::{AtomicU64, Mutex};

/// Lock-free slots per site: enough for the bodies a site usually has in
/// flight; more go to the locked overflow list. (Under loom, few enough
/// that a model reaches the overflow.)
#[cfg(not(timebox_loom))]
const SLOTS: usize = 64;
#[cfg(timebox_loom)]
const SLOTS: usize = 2;

/// How many slots a new body tries before it takes the overflow list.
#[cfg(not(timebox_loom))]
const PROBES: usize = 8;
#[cfg(timebox_loom)]
const PROBES: usize = 2;

/// The top bit of a slot's id word: the body there is a zombie.
const ZOMBIE: u64 = 1 << 63;

/// Where one live body is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Place {
    Slot(usize),
    Overflow(usize),
}

impl Place {
    /// The top bit of a packed place: an overflow key, not a slot.
    const OVERFLOW: u64 = 1 << 63;

    /// The place as one word, for compact records of it.
    pub(crate) fn pack(self) -> u64 {
        match self {
            Place::Slot(slot) => slot as u64,
            Place::Overflow(key) => key as u64 | Self::OVERFLOW,
        }
    }

    /// The place a [`Place::pack`] made.
    pub(crate) fn unpack(word: u64) -> Place {
        // Both fit a usize: they were one.
        let index = (word & !Self::OVERFLOW) as usize;
        if word & Self::OVERFLOW == 0 {
            Place::Slot(index)
        } else {
            Place::Overflow(index)
        }
    }
}

/// The live bodies of one site, by id.
#[derive(Debug)]
pub(crate) struct Slots {
    ids: [AtomicU64; SLOTS],
    starts: [AtomicU64; SLOTS],
    /// The bodies that found no free slot.
    overflow: Mutex<Slab<Overflowed>>,
}

impl Slots {
    /// `const`, for the static sites of generated code.
    #[cfg(not(timebox_loom))]
    pub(crate) const fn new() -> Self {
        Slots {
            ids: [const { AtomicU64::new(0) }; SLOTS],
            starts: [const { AtomicU64::new(0) }; SLOTS],
            overflow: Mutex::new(Slab::new()),
        }
    }

    /// Loom's atomics cannot be made in a `const`.
    #[cfg(timebox_loom)]
    pub(crate) fn new() -> Self {
        Slots {
            ids: std::array::from_fn(|_| AtomicU64::new(0)),
            starts: std::array::from_fn(|_| AtomicU64::new(0)),
            overflow: Mutex::new(Slab::new()),
        }
    }

    /// Records body `id` (below 2^63), started `now`.
    pub(crate) fn claim(&self, id: u64, now: Instant) -> Place {
        let tag = id + 1;
        for probe in 0..PROBES {
            let slot = (id as usize).wrapping_add(probe) % SLOTS;
            let free = self.ids[slot].load(Relaxed) == 0;
            if free
                && self.ids[slot]
                    .compare_exchange(0, tag, SeqCst, Relaxed)
                    .is_ok()
            {
                self.starts[slot].store(ticks(now), Relaxed);
                return Place::Slot(slot);
            }
        }
        let entry = Overflowed {
            id,
            start: now,
            zombie: false,
        };
        Place::Overflow(lock(&self.overflow).insert(entry))
    }

    /// Forgets the body at `place`; whether it was a zombie.
    pub(crate) fn release(&self, place: Place) -> bool {
        match place {
            Place::Slot(slot) => {
                self.starts[slot].store(0, Relaxed);
                self.ids[slot].swap(0, SeqCst) & ZOMBIE != 0
            }
            Place::Overflow(key) => lock(&self.overflow)
                .remove(key)
                .is_some_and(|entry| entry.zombie),
        }
    }

    /// Marks body `id` at `place` a zombie, if it is still there and not
    /// one already; whether it was marked now.
    pub(crate) fn mark_zombie(&self, place: Place, id: u64) -> bool {
        match place {
            Place::Slot(slot) => {
                let tag = id + 1;
                self.ids[slot]
                    .compare_exchange(tag, tag | ZOMBIE, SeqCst, Relaxed)
                    .is_ok()
            }
            Place::Overflow(key) => match lock(&self.overflow).get_mut(key) {
                Some(entry) if entry.id == id && !entry.zombie => {
                    entry.zombie = true;
                    true
                }
                _ => false,
            },
        }
    }

    /// Whether body `id` is still recorded at `place`.
    pub(crate) fn holds(&self, place: Place, id: u64) -> bool {
        match place {
            Place::Slot(slot) => self.ids[slot].load(SeqCst) & !ZOMBIE == id + 1,
            Place::Overflow(key) => lock(&self.overflow)
                .get(key)
                .is_some_and(|entry| entry.id == id),
        }
    }

    /// When the oldest recorded body started.
    pub(crate) fn oldest(&self) -> Option<Instant> {
        let slots = self
            .ids
            .iter()
            .zip(&self.starts)
            .filter(|(id, _)| id.load(Relaxed) != 0)
            .map(|(_, start)| start.load(Relaxed))
            .filter(|ticks| *ticks != 0)
            .min()
            .map(from_ticks);
        let overflow = lock(&self.overflow).iter().map(|entry| entry.start).min();
        slots.into_iter().chain(overflow).min()
    }
}

/// A body that found no free slot.
#[derive(Debug)]
struct Overflowed {
    id: u64,
    start: Instant,
    zombie: bool,
}

/// Nanoseconds since [`epoch`], plus one (zero means free): a start time
/// that fits an atomic. On the paused clock it follows the paused time, as
/// ages should.
fn ticks(at: Instant) -> u64 {
    let nanos = at.saturating_duration_since(epoch()).as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX - 1) + 1
}

fn from_ticks(ticks: u64) -> Instant {
    epoch() + Duration::from_nanos(ticks - 1)
}

/// An hour before the first start was recorded, on the real clock. A paused
/// clock starts at the real time its runtime was built and only moves
/// forward, so any start, whichever clock read it and whichever clock ran
/// first in the process, lies after the epoch (a start read on a clock
/// paused, and advanced, in another runtime would otherwise set an epoch in
/// the future, and every later age would read zero).
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(|| {
        let real = std::time::Instant::now();
        let early = real.checked_sub(Duration::from_secs(3600)).unwrap_or(real);
        Instant::from_std(early)
    })
}

/// Values indexed by key; freed keys are reused.
#[derive(Debug)]
struct Slab<T> {
    slots: Vec<Option<T>>,
    free: Vec<usize>,
}

impl<T> Slab<T> {
    const fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    fn insert(&mut self, value: T) -> usize {
        match self.free.pop() {
            Some(key) => {
                self.slots[key] = Some(value);
                key
            }
            None => {
                self.slots.push(Some(value));
                self.slots.len() - 1
            }
        }
    }

    fn get_mut(&mut self, key: usize) -> Option<&mut T> {
        self.slots.get_mut(key).and_then(Option::as_mut)
    }

    fn get(&self, key: usize) -> Option<&T> {
        self.slots.get(key).and_then(Option::as_ref)
    }

    fn remove(&mut self, key: usize) -> Option<T> {
        let removed = self.slots.get_mut(key).and_then(Option::take)?;
        self.free.push(key);
        if self.free.len() == self.slots.len() {
            // Empty again: give the memory back.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
        Some(removed)
    }

    fn iter(&self) -> impl Iterator<Item = &T> {
        self.slots.iter().flatten()
    }
}

#[cfg(all(test, not(timebox_loom)))]
mod tests {
    use super::*;

    #[test]
    fn bodies_beyond_the_slots_overflow_and_are_found_alike() {
        let slots = Slots::new();
        let t0 = Instant::now();
        let first = slots.claim(0, t0);
        let rest: Vec<_> = (1..200)
            .map(|id| (id, slots.claim(id, t0 + Duration::from_millis(id))))
            .collect();
        assert!(rest.iter().any(|(_, p)| matches!(p, Place::Overflow(_))));
        assert!(rest.iter().all(|(id, p)| slots.holds(*p, *id)));
        assert_eq!(slots.oldest(), Some(t0));
        slots.release(first);
        assert!(!slots.holds(first, 0));
        assert_eq!(slots.oldest(), Some(t0 + Duration::from_millis(1)));
        for (_, place) in rest {
            slots.release(place);
        }
        assert_eq!(slots.oldest(), None);
    }

    #[test]
    fn a_freed_slot_does_not_hold_its_next_tenant_under_the_old_id() {
        let slots = Slots::new();
        let old = slots.claim(0, Instant::now());
        slots.release(old);
        let new = slots.claim(SLOTS as u64, Instant::now());
        assert_eq!(old, new, "same slot, reused");
        assert!(!slots.holds(old, 0));
        assert!(slots.holds(new, SLOTS as u64));
    }

    #[test]
    fn a_zombie_flag_is_set_once_on_a_live_body_and_read_by_its_end() {
        let slots = Slots::new();
        let places: Vec<_> = (0..100)
            .map(|id| (id, slots.claim(id, Instant::now())))
            .collect();
        for &(id, place) in &places {
            assert!(slots.mark_zombie(place, id), "{place:?}");
            assert!(!slots.mark_zombie(place, id), "once");
            assert!(slots.holds(place, id), "still recorded");
        }
        let (gone_id, gone) = places[0];
        assert!(slots.release(gone));
        assert!(!slots.mark_zombie(gone, gone_id), "not after its end");
        for &(_, place) in &places[1..] {
            assert!(slots.release(place));
        }
        let fresh = slots.claim(500, Instant::now());
        assert!(!slots.release(fresh), "a new tenant is not a zombie");
    }
}
