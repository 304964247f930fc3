//! Striped counters: a body starts on one thread's stripe and ends on
//! another's (its task moved, or its caller and its task differ), a third
//! stripe's owner hands its stripe on, and a reader summing ends first,
//! then starts, never sees more ends than starts, nor loses an add.

use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::Ordering::{Acquire, Release};
use loom::sync::{Arc, Mutex};
use loom::thread;

use crate::stripes::Striped;

const STARTED: usize = 0;
const ENDED: usize = 1;

#[test]
fn loom_a_sum_of_ends_then_starts_never_sees_an_end_before_its_start() {
    loom::model(|| {
        let counts = Arc::new(Striped::<2>::new());
        let started = Arc::new(AtomicBool::new(false));
        let caller = {
            let (counts, started) = (Arc::clone(&counts), Arc::clone(&started));
            // Owns stripe 1.
            thread::spawn(move || {
                counts.add_at(1, STARTED);
                started.store(true, Release);
            })
        };
        let task = {
            let (counts, started) = (Arc::clone(&counts), Arc::clone(&started));
            // Owns stripe 2; a thread without a stripe uses the shared one.
            thread::spawn(move || {
                counts.add_at(0, STARTED);
                if started.load(Acquire) {
                    counts.add_at(2, ENDED);
                }
                counts.add_at(0, ENDED);
            })
        };
        let ended = counts.sum(ENDED);
        let begun = counts.sum(STARTED);
        assert!(ended <= begun, "{ended} ended of {begun} started");
        caller.join().unwrap();
        task.join().unwrap();
        assert!(counts.sum(ENDED) <= 2 && counts.sum(STARTED) == 2);
    });
}

#[test]
fn loom_a_stripe_handed_on_through_the_free_list_loses_no_add() {
    loom::model(|| {
        let counts = Arc::new(Striped::<1>::new());
        // The free list: the stripe index, once its first owner returned it.
        let free = Arc::new(Mutex::new(None));
        let first = {
            let (counts, free) = (Arc::clone(&counts), Arc::clone(&free));
            thread::spawn(move || {
                counts.add_at(1, 0);
                *free.lock().unwrap() = Some(1);
            })
        };
        let second = {
            let (counts, free) = (Arc::clone(&counts), Arc::clone(&free));
            thread::spawn(move || {
                // Uses the stripe only once it was handed on, else the shared one.
                let stripe = free.lock().unwrap().take().unwrap_or(0);
                counts.add_at(stripe, 0);
            })
        };
        counts.add_at(0, 0);
        first.join().unwrap();
        second.join().unwrap();
        assert_eq!(counts.sum(0), 3);
    });
}
