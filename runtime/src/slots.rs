//! The live bodies of one site: a fixed table of slots claimed without a
//! lock, and a locked overflow list for the bodies that find no free slot.
//! Each entry holds the body's id and its start time, so a snapshot can tell
//! how old the oldest live body is.
//!
//! `ids[i]` holds a body's id plus one, zero when free; a body claims a slot
//! with one compare-exchange and frees it with one store. `starts[i]` is
//! written by the owner after the claim and read only for ages, where a
//! momentarily stale value is harmless (a zero start is skipped).

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

/// Where one live body is recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Slot(usize),
    Overflow(usize),
}

/// The live bodies of one site, by id.
#[derive(Debug)]
pub(crate) struct Slots {
    ids: [AtomicU64; SLOTS],
    starts: [AtomicU64; SLOTS],
    /// The bodies that found no free slot: id and start time.
    overflow: Mutex<Slab<(u64, Instant)>>,
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

    /// Records body `id`, started `now`.
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
        Place::Overflow(lock(&self.overflow).insert((id, now)))
    }

    /// Forgets the body at `place`.
    pub(crate) fn release(&self, place: Place) {
        match place {
            Place::Slot(slot) => {
                self.starts[slot].store(0, Relaxed);
                self.ids[slot].store(0, SeqCst);
            }
            Place::Overflow(key) => {
                lock(&self.overflow).remove(key);
            }
        }
    }

    /// Whether body `id` is still recorded at `place`.
    pub(crate) fn holds(&self, place: Place, id: u64) -> bool {
        match place {
            Place::Slot(slot) => self.ids[slot].load(SeqCst) == id + 1,
            Place::Overflow(key) => lock(&self.overflow)
                .get(key)
                .is_some_and(|(known, _)| *known == id),
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
        let overflow = lock(&self.overflow).iter().map(|(_, start)| *start).min();
        slots.into_iter().chain(overflow).min()
    }
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
}
