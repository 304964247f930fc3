//! The tracker behind `assert_no_leaks`: bodies of one check starting and
//! ending on two threads while the check reads its total.

use loom::sync::Arc;
use loom::thread;

use crate::tracker::Tracker;

static SITE: &str = "site";

#[test]
fn loom_the_leak_check_total_returns_to_zero_and_never_exceeds_the_live() {
    loom::model(|| {
        let tracker = Arc::new(Tracker::default());
        let bodies: Vec<_> = (0..2)
            .map(|_| {
                let tracker = Arc::clone(&tracker);
                thread::spawn(move || {
                    tracker.started(SITE);
                    assert!(tracker.total() >= 1, "a live body is not counted");
                    tracker.ended(SITE);
                })
            })
            .collect();
        assert!(tracker.total() <= 2);
        for body in bodies {
            body.join().unwrap();
        }
        assert_eq!(tracker.total(), 0);
        let alive = tracker.alive();
        assert!(alive.is_empty(), "{alive:?}");
        // Both bodies in one tally, each counted once.
        let tally = tracker.tallies();
        assert_eq!((tally.len(), tally[0].started), (1, 2));
    });
}
