//! Zombie marks against the body's end, as the registry drives them:
//! `Site::end` frees the slot, then unmarks; `Site::mark_cancelled` marks
//! with a check of the slot; the watchdog promotes.

use std::time::{Duration, Instant};

use loom::sync::Arc;
use loom::thread;

use crate::marks::{Marks, SLACK};
use crate::slots::{Place, Slots};

const ID: u64 = 0;

/// One live body of a site: its records, and where it is.
struct Body {
    slots: Slots,
    marks: Marks,
    place: Place,
}

impl Body {
    fn start() -> Arc<Body> {
        let slots = Slots::new();
        let place = slots.claim(ID, tokio::time::Instant::now());
        Arc::new(Body {
            slots,
            marks: Marks::new(),
            place,
        })
    }

    /// `Site::end`: the record goes first, then the mark.
    fn end(&self) -> Option<bool> {
        self.slots.release(self.place);
        self.marks.unmark(ID)
    }

    /// `Site::mark_cancelled`.
    fn cancel(&self, now: Instant) -> bool {
        self.marks
            .mark(ID, Duration::ZERO, now, || self.slots.holds(self.place, ID))
    }
}

#[test]
fn loom_no_mark_outlives_its_body() {
    loom::model(|| {
        let body = Body::start();
        let now = Instant::now();
        let canceller = {
            let body = Arc::clone(&body);
            thread::spawn(move || body.cancel(now))
        };
        let unmarked = body.end();
        let marked = canceller.join().unwrap();
        assert_eq!(
            (body.marks.doomed(), body.marks.zombies()),
            (0, 0),
            "a mark outlived its body (marked: {marked})"
        );
        // The end took the mark only if there was one to take.
        assert!(unmarked.is_none() || marked);
        assert_eq!(body.marks.unmark(ID), None);
    });
}

#[test]
fn loom_a_zombie_is_reported_at_most_once_and_counters_settle() {
    loom::model(|| {
        let body = Body::start();
        let now = Instant::now();
        let due = now + SLACK;
        let canceller = {
            let body = Arc::clone(&body);
            thread::spawn(move || body.cancel(now))
        };
        let watchdog = {
            let body = Arc::clone(&body);
            thread::spawn(move || body.marks.promote(due).len())
        };
        let unmarked = body.end();
        let marked = canceller.join().unwrap();
        let reported = watchdog.join().unwrap();
        assert!(reported <= 1);
        assert!(reported == 0 || marked, "reported a zombie never marked");
        if unmarked == Some(true) {
            assert_eq!(reported, 1, "ended as a zombie that was not reported");
        }
        assert_eq!((body.marks.doomed(), body.marks.zombies()), (0, 0));
        assert!(body.marks.promote(due).is_empty(), "reported twice");
    });
}
