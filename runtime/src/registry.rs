//! Per-call-site accounting: how many bodies are alive now, since when, which
//! are zombies, and how past calls ended. Each `#[timed]` fn owns one static
//! [`Site`]; the hot path touches only that site, and a site joins the global
//! list once.
//!
//! # Invariants
//!
//! - `started - ended` bodies of a site are alive: `started` counts at
//!   [`Site::start`], `ended` when the body's future is dropped
//!   ([`Site::end`]). `ended` is read first, so a snapshot never sees more
//!   ended than started.
//! - No zombie mark outlives its body, and no zombie's end goes unseen. A
//!   cancellation ([`Site::mark_cancelled`]) only queues a mark; when it
//!   falls due, the watchdog sets the zombie flag in the body's own slot
//!   record with a compare-exchange that fails if the body has gone
//!   (`Slots::mark_zombie`), and the body's end reads the flag in the swap
//!   that frees its record. One word, one total order: either the flag is
//!   set first and the end sees it, or the record is freed first and the
//!   flag is never set. (Overflow records do the same under their lock.
//!   The loom models are in `loom_tests::marks`.)

use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};
use std::sync::{LazyLock, Mutex, RwLock};
use std::time::Duration;

use tokio::time::Instant;

use crate::lock::{self, lock};
use crate::marks::Marks;
use crate::origin::Origin;
use crate::outcome::Outcome;
use crate::report;
use crate::slots::{Place, Slots};
use crate::stripes::Striped;
use crate::stripes::own::fresh_id;

/// Where timed bodies come from: one per `#[timed]` function, per
/// `timebox::spawn` location.
///
/// Generated code creates these as statics; users read them through
/// [`snapshot`](crate::snapshot) and [`live`].
#[derive(Debug)]
#[doc(hidden)]
pub struct Site {
    pub(crate) origin: Origin,
    registered: AtomicBool,
    /// The site's place in the order sites registered, from 1 (0 until it
    /// registers): tells apart sites that share a label and a line, as
    /// those a `macro_rules!` generates do.
    seq: AtomicUsize,
    /// A plain `tokio::spawn` location seen by the task hooks: its tasks
    /// are rows of the snapshot, not timed bodies, so [`live`] leaves them
    /// out.
    plain: bool,
    pub(crate) counts: Counts,
    slots: Slots,
    pub(crate) marks: Marks,
}

/// One live body's place in its site's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyRef {
    place: Place,
    /// The body's sequence number at its site.
    id: u64,
}

/// The counters of one site; each only grows. Striped per thread, so a
/// call adds to them without a read-modify-write (see `stripes`).
#[derive(Debug)]
pub(crate) struct Counts(Striped<7>);

/// One of a site's counters.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Count {
    /// Bodies whose future was dropped; `started - ended` are alive. (One
    /// counter per event instead of a live count that goes up and down
    /// saves an operation per call.)
    Ended,
    Started,
    Ok,
    Err,
    Elapsed,
    Cancelled,
    Panicked,
}

impl Counts {
    /// The count of `which`.
    pub(crate) fn get(&self, which: Count) -> u64 {
        self.0.sum(which as usize)
    }

    fn add(&self, which: Count) {
        self.0.add(which as usize);
    }

    /// Bodies alive now. `ended` is read first: a body that ends between
    /// the two reads is still counted, never the reverse.
    pub(crate) fn live(&self) -> u64 {
        let ended = self.get(Count::Ended);
        self.get(Count::Started).saturating_sub(ended)
    }
}

static SITES: Mutex<Vec<&'static Site>> = Mutex::new(Vec::new());

impl Site {
    /// A site record; `const` so that generated code can make it a static.
    pub const fn new(
        name: &'static str,
        module: &'static str,
        file: &'static str,
        line: u32,
    ) -> Self {
        Site {
            origin: Origin::new(name, module, file, line),
            registered: AtomicBool::new(false),
            seq: AtomicUsize::new(0),
            plain: false,
            counts: Counts(Striped::new()),
            slots: Slots::new(),
            marks: Marks::new(),
        }
    }

    /// The call's label, used in errors.
    pub(crate) fn name(&self) -> &'static str {
        self.origin.name
    }

    /// Counts a new body, started `now`, as started and alive; the
    /// returned reference goes back to [`Site::end`] when it is dropped.
    #[inline]
    pub(crate) fn start(&'static self, now: Instant) -> BodyRef {
        if !self.registered.load(Acquire) {
            self.register();
        }
        let id = fresh_id();
        self.counts.add(Count::Started);
        report::body_started(&self.origin);
        BodyRef {
            place: self.slots.claim(id, now),
            id,
        }
    }

    /// Whether this site counts plain tasks, not timed bodies.
    pub(crate) fn is_plain(&self) -> bool {
        self.plain
    }

    /// The body is gone (its future was dropped).
    pub(crate) fn end(&'static self, body: BodyRef) {
        // The zombie flag goes with the record: see the invariants.
        if self.slots.release(body.place) {
            self.marks.zombie_ended();
            report::zombie_ended(&self.origin);
        }
        self.counts.add(Count::Ended);
        report::body_ended(&self.origin);
    }

    /// The body was cancelled at `now` with `grace` to clean up: marks it,
    /// to be a zombie if it is still alive when the mark falls due. Whether
    /// it was the site's first pending mark (the watchdog must be woken).
    pub(crate) fn mark_cancelled(
        &'static self,
        body: BodyRef,
        grace: Duration,
        now: std::time::Instant,
    ) -> bool {
        self.marks.mark(
            body.id,
            body.place,
            grace,
            now,
            &self.slots,
            self.counts.live(),
        )
    }

    /// Marks the cancelled bodies whose time is up as zombies, reporting each
    /// once. Called by the watchdog.
    pub(crate) fn find_zombies(&'static self, now: std::time::Instant) {
        for grace in self.marks.promote(now, &self.slots) {
            report::zombie(&self.origin, grace, grace + crate::marks::SLACK);
        }
    }

    /// Joins the list of sites, once. Its gauges are reported at 0 before
    /// the site counts as registered, so no body's increment (which only
    /// follows a load that sees it registered) can come first.
    #[cold]
    fn register(&'static self) {
        let mut sites = lock(&SITES);
        if !self.registered.load(Relaxed) {
            report::site_registered(&self.origin);
            sites.push(self);
            self.seq.store(sites.len(), Relaxed);
            self.registered.store(true, Release);
        }
    }

    pub(crate) fn record(&'static self, outcome: Outcome) {
        report::outcome(&self.origin, outcome);
        self.counts.add(match outcome {
            Outcome::Ok => Count::Ok,
            Outcome::Err => Count::Err,
            Outcome::Elapsed => Count::Elapsed,
            Outcome::Cancelled => Count::Cancelled,
            Outcome::Panicked => Count::Panicked,
        });
    }

    /// The site's place in registration order (see the field).
    pub(crate) fn seq(&self) -> usize {
        self.seq.load(Relaxed)
    }

    /// When the oldest live body started.
    pub(crate) fn oldest_start(&self) -> Option<Instant> {
        self.slots.oldest()
    }
}

/// The site named `name` at `location` (a `timebox::spawn` or a
/// `timebox::call`), made on first use.
pub(crate) fn site_at(name: &'static str, location: &'static Location<'static>) -> &'static Site {
    site_of_kind(name, location, false)
}

/// The site of the plain `tokio::spawn` at `location`, made on first use.
#[cfg_attr(not(tokio_unstable), allow(dead_code))]
pub(crate) fn plain_site_at(location: &'static Location<'static>) -> &'static Site {
    site_of_kind("tokio::spawn", location, true)
}

fn site_of_kind(
    name: &'static str,
    location: &'static Location<'static>,
    plain: bool,
) -> &'static Site {
    type Key = (&'static str, &'static str, u32, u32);
    static SITES_AT: LazyLock<RwLock<HashMap<Key, &'static Site>>> =
        LazyLock::new(Default::default);
    let key = (name, location.file(), location.line(), location.column());
    if let Some(site) = lock::read(&SITES_AT).get(&key).copied() {
        return site;
    }
    lock::write(&SITES_AT).entry(key).or_insert_with(|| {
        // One per call site in the program's source: bounded, kept for good.
        Box::leak(Box::new(Site {
            plain,
            ..Site::new(name, "", location.file(), location.line())
        }))
    })
}

/// One call's bookkeeping without a call around it (start, outcome, end),
/// for the benchmark that prices the registry alone. The clock is read by
/// the call anyway (for its deadline), so it is passed in.
#[doc(hidden)]
pub fn registry_roundtrip(site: &'static Site, now: Instant) {
    let body = site.start(now);
    site.record(Outcome::Ok);
    site.end(body);
}

/// Every registered site, in registration order.
pub(crate) fn sites() -> Vec<&'static Site> {
    lock(&SITES).clone()
}

/// Timed bodies alive now, process-wide: this crate's
/// `runtime.NumGoroutine()`.
///
/// A body counts from the moment its call starts until its future is dropped,
/// whatever the outcome (value, timeout, cancellation, panic, shutdown), so a
/// number that keeps growing is a leak. A `u64`, as every count of
/// [`SiteStats`](crate::SiteStats) is.
///
/// ```
/// use timebox::timed;
///
/// #[timed(ms = 50)]
/// async fn work() -> Result<u32, timebox::Error> {
///     Ok(7)
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// assert_eq!(work().await, Ok(7));
/// let alive: u64 = timebox::live();
/// assert_eq!(alive, 0);
/// # }
/// ```
pub fn live() -> u64 {
    let bodies = sites().into_iter().filter(|site| !site.is_plain());
    bodies.map(|site| site.counts.live()).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_is_live_from_start_to_end() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let first = SITE.start(Instant::now());
        let second = SITE.start(Instant::now());
        assert_eq!(SITE.counts.live(), 2);
        assert!(SITE.oldest_start().is_some());
        SITE.end(first);
        assert_eq!(SITE.counts.live(), 1);
        SITE.end(second);
        assert_eq!(SITE.counts.live(), 0);
        assert_eq!(SITE.oldest_start(), None);
        assert_eq!(SITE.counts.get(Count::Started), 2);
        assert_eq!(
            sites().iter().filter(|s| std::ptr::eq(**s, &SITE)).count(),
            1
        );
    }

    #[test]
    fn a_cancelled_body_becomes_a_zombie_when_due_and_stops_being_one_when_it_ends() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let body = SITE.start(Instant::now());
        let now = std::time::Instant::now();
        assert!(SITE.mark_cancelled(body, Duration::from_millis(500), now));
        assert!(!SITE.mark_cancelled(body, Duration::from_millis(500), now));
        assert_eq!(SITE.marks.doomed(), 2, "two pending marks, one body");
        SITE.find_zombies(now);
        assert_eq!(SITE.marks.zombies(), 0, "not due yet");
        SITE.find_zombies(now + Duration::from_secs(2));
        SITE.find_zombies(now + Duration::from_secs(3)); // reported once
        assert_eq!((SITE.marks.doomed(), SITE.marks.zombies()), (0, 1));
        SITE.end(body);
        assert_eq!(SITE.marks.zombies(), 0);
    }

    #[test]
    fn a_body_that_ended_is_never_a_zombie() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let old = SITE.start(Instant::now());
        SITE.end(old);
        let now = std::time::Instant::now();
        SITE.mark_cancelled(old, Duration::ZERO, now);
        SITE.find_zombies(now + Duration::from_secs(2));
        assert_eq!(
            (SITE.marks.doomed(), SITE.marks.zombies()),
            (0, 0),
            "the old body is gone"
        );
    }

    #[test]
    fn bodies_beyond_the_slots_are_counted_and_marked_alike() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let t0 = Instant::now();
        let bodies: Vec<_> = (0..200)
            .map(|i| SITE.start(t0 + Duration::from_millis(i)))
            .collect();
        assert_eq!(SITE.counts.live(), 200);
        assert_eq!(SITE.oldest_start(), Some(t0));
        let overflowed = *bodies
            .iter()
            .rev()
            .find(|b| matches!(b.place, Place::Overflow(_)))
            .unwrap();
        let now = std::time::Instant::now();
        assert!(SITE.mark_cancelled(overflowed, Duration::ZERO, now));
        SITE.find_zombies(now + Duration::from_secs(2));
        assert_eq!(SITE.marks.zombies(), 1);
        for body in bodies {
            SITE.end(body);
        }
        assert_eq!(
            [
                SITE.counts.live(),
                SITE.marks.zombies(),
                SITE.marks.doomed()
            ],
            [0, 0, 0]
        );
        assert_eq!(SITE.oldest_start(), None);
    }

    #[test]
    fn each_location_has_one_site_per_name() {
        let here = Location::caller();
        let a = site_at("timebox::spawn", here);
        let b = site_at("timebox::spawn", here);
        assert!(std::ptr::eq(a, b));
        assert_eq!((a.origin.file, a.origin.line), (here.file(), here.line()));
        assert!(!std::ptr::eq(
            a,
            site_at("timebox::spawn", Location::caller())
        ));
        assert!(!std::ptr::eq(a, site_at("timebox::call", here)));
    }

    #[test]
    fn outcomes_are_counted_apart() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        SITE.record(Outcome::Ok);
        SITE.record(Outcome::Ok);
        SITE.record(Outcome::Elapsed);
        SITE.record(Outcome::Panicked);
        let c = &SITE.counts;
        assert_eq!(
            [Count::Ok, Count::Elapsed, Count::Cancelled, Count::Panicked].map(|k| c.get(k)),
            [2, 1, 0, 1]
        );
    }
}
