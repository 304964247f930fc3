//! The per-site slot table (2 slots, 2 probes under loom): claim, release
//! and overflow.

use loom::sync::Arc;
use loom::thread;
use tokio::time::Instant;

use crate::slots::{Place, Slots};

/// Claims `id`, checks it is held (twice, with a chance for others to run
/// between), releases it.
fn body(slots: &Slots, id: u64) -> Place {
    let place = slots.claim(id, Instant::now());
    assert!(slots.holds(place, id), "{id} lost its place at once");
    thread::yield_now();
    assert!(
        slots.holds(place, id),
        "{id} lost its place to another body"
    );
    slots.release(place);
    place
}

#[test]
fn loom_concurrent_claims_never_share_a_slot_and_all_are_released() {
    loom::model(|| {
        let slots = Arc::new(Slots::new());
        // Ids 0, 2 and 4 all probe slot 0 first, then slot 1: they collide,
        // and when all three are live one of them overflows.
        let others: Vec<_> = [0, 2]
            .map(|id| {
                let slots = Arc::clone(&slots);
                thread::spawn(move || body(&slots, id))
            })
            .into_iter()
            .collect();
        body(&slots, 4);
        for other in others {
            other.join().unwrap();
        }
        assert_eq!(slots.oldest(), None, "every body was released");
        for id in [0, 2, 4] {
            assert!(!slots.holds(Place::Slot(0), id) && !slots.holds(Place::Slot(1), id));
        }
    });
}

#[test]
fn loom_overflowed_bodies_are_kept_apart_and_found() {
    loom::model(|| {
        let slots = Arc::new(Slots::new());
        // Both slots taken: the two concurrent bodies overflow.
        let now = Instant::now();
        let full = [slots.claim(0, now), slots.claim(1, now)];
        assert!(full.iter().all(|p| matches!(p, Place::Slot(_))));
        let other = {
            let slots = Arc::clone(&slots);
            thread::spawn(move || body(&slots, 3))
        };
        let mine = body(&slots, 5);
        let theirs = other.join().unwrap();
        assert!(matches!(mine, Place::Overflow(_)), "{mine:?}");
        assert!(matches!(theirs, Place::Overflow(_)), "{theirs:?}");
        for place in full {
            slots.release(place);
        }
        assert_eq!(slots.oldest(), None);
    });
}
