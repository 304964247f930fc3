//! Zombie marks against the body's end, as the registry drives them:
//! `Site::end` frees the slot and learns from it whether the body was a
//! zombie; `Site::mark_cancelled` queues a mark; the watchdog promotes it,
//! flagging the body's own record if it is still there.

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

    /// `Site::end`: the record goes, with its zombie flag; whether it was
    /// a zombie.
    fn end(&self) -> bool {
        let zombie = self.slots.release(self.place);
        if zombie {
            self.marks.zombie_ended();
        }
        zombie
    }

    /// `Site::mark_cancelled`.
    fn cancel(&self, now: Instant) {
        self.marks
            .mark(ID, self.place, Duration::ZERO, now, &self.slots, 1);
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
        let was_zombie = body.end();
        canceller.join().unwrap();
        assert!(!was_zombie, "nothing promoted it");
        // Whenever the mark falls due, the body is gone: no zombie.
        assert!(body.marks.promote(now + SLACK, &body.slots).is_empty());
        assert_eq!((body.marks.doomed(), body.marks.zombies()), (0, 0));
    });
}

#[test]
fn loom_a_zombie_is_reported_at_most_once_and_counters_settle() {
    loom::model(|| {
        let body = Body::start();
        let now = Instant::now();
        let due = now + SLACK;
        body.cancel(now);
        let watchdog = {
            let body = Arc::clone(&body);
            thread::spawn(move || body.marks.promote(due, &body.slots).len())
        };
        let was_zombie = body.end();
        let reported = watchdog.join().unwrap();
        assert!(reported <= 1);
        // The end saw the flag exactly when the watchdog reported it.
        assert_eq!(was_zombie, reported == 1);
        assert_eq!((body.marks.doomed(), body.marks.zombies()), (0, 0));
        assert!(
            body.marks.promote(due, &body.slots).is_empty(),
            "reported twice"
        );
    });
}
