//! Per-call-site counters: how many bodies are alive now, since when, which
//! are zombies, and how past calls ended. Each `#[timed]` fn owns one static
//! [`Site`]; the hot path touches only that site, and a site joins the global
//! list once.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::AtomicU64;
use std::sync::atomic::Ordering::{Acquire, Relaxed, Release, SeqCst};
use std::sync::{LazyLock, Mutex, OnceLock, RwLock};
use std::time::Duration;

use tokio::time::Instant;

/// Where timed bodies come from: one per `#[timed]` function.
///
/// Generated code creates these as statics; users read them through
/// [`snapshot`](crate::snapshot) and [`live`].
#[derive(Debug)]
#[doc(hidden)]
pub struct Site {
    pub(crate) name: &'static str,
    pub(crate) module: &'static str,
    pub(crate) file: &'static str,
    pub(crate) line: u32,
    registered: AtomicBool,
    /// Set once a body of this site ran inline: its bodies are not tasks.
    inline: AtomicBool,
    pub(crate) counts: Counts,
    /// Live bodies, claimed without a lock: `ids[i]` holds a body's
    /// sequence number plus one (zero when free), `starts[i]` its start in
    /// [`ticks`].
    ids: [AtomicU64; SLOTS],
    starts: [AtomicU64; SLOTS],
    /// Off the fast path: bodies that found no free slot, and cancelled
    /// bodies waiting to be declared zombies.
    slow: Mutex<Slow>,
}

/// Lock-free slots per site: enough for the bodies a site usually has in
/// flight; more go to the locked overflow list.
const SLOTS: usize = 64;

/// How many slots a new body tries before it takes the overflow list.
const PROBES: usize = 8;

/// One live body's place in its site's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyRef {
    place: Place,
    /// The body's sequence number at its site.
    id: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Slot(usize),
    Overflow(usize),
}

/// What a site keeps behind its lock.
#[derive(Debug)]
struct Slow {
    /// Start times of the bodies that found no free slot, by id.
    overflow: Slab<(u64, Instant)>,
    /// Cancelled bodies still alive.
    doomed: Vec<Doomed>,
}

#[derive(Debug)]
struct Doomed {
    id: u64,
    /// When it becomes a zombie.
    due: std::time::Instant,
    grace: Duration,
    zombie: bool,
}

/// The counters of one site. `live` goes up and down; the others only grow.
#[derive(Debug)]
pub(crate) struct Counts {
    /// Bodies whose future was dropped; `started - ended` are alive. (One
    /// counter per event instead of a live count that goes up and down
    /// saves an atomic operation per call.)
    pub(crate) ended: AtomicU64,
    pub(crate) zombies: AtomicU64,
    /// Bodies cancelled, still alive, not yet zombies: the watchdog's work.
    pub(crate) doomed: AtomicU64,
    pub(crate) started: AtomicU64,
    pub(crate) ok: AtomicU64,
    pub(crate) elapsed: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    pub(crate) panicked: AtomicU64,
}

impl Counts {
    /// Bodies alive now. `ended` is read first: a body that ends between
    /// the two reads is still counted, never the reverse.
    pub(crate) fn live(&self) -> u64 {
        let ended = self.ended.load(Acquire);
        self.started.load(Acquire).saturating_sub(ended)
    }
}

/// How a call ended, as its caller saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    Ok,
    Elapsed,
    Cancelled,
    Panicked,
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
            name,
            module,
            file,
            line,
            registered: AtomicBool::new(false),
            inline: AtomicBool::new(false),
            counts: Counts {
                ended: AtomicU64::new(0),
                zombies: AtomicU64::new(0),
                doomed: AtomicU64::new(0),
                started: AtomicU64::new(0),
                ok: AtomicU64::new(0),
                elapsed: AtomicU64::new(0),
                cancelled: AtomicU64::new(0),
                panicked: AtomicU64::new(0),
            },
            ids: [const { AtomicU64::new(0) }; SLOTS],
            starts: [const { AtomicU64::new(0) }; SLOTS],
            slow: Mutex::new(Slow {
                overflow: Slab::new(),
                doomed: Vec::new(),
            }),
        }
    }

    /// The call's label, used in errors.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Counts a new body, started `now`, as started and alive; the
    /// returned reference goes back to [`Site::end`] when it is dropped.
    pub(crate) fn start(&'static self, now: Instant) -> BodyRef {
        if !self.registered.load(Relaxed) {
            self.register();
        }
        let id = self.counts.started.fetch_add(1, Relaxed);
        crate::report::body_started(self);
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
                return BodyRef {
                    place: Place::Slot(slot),
                    id,
                };
            }
        }
        let key = lock(&self.slow).overflow.insert((id, now));
        BodyRef {
            place: Place::Overflow(key),
            id,
        }
    }

    /// Notes that this site's bodies run in their caller's task.
    pub(crate) fn mark_inline(&self) {
        if !self.inline.load(Relaxed) {
            self.inline.store(true, Relaxed);
        }
    }

    /// Whether this site's bodies are tasks of their own.
    pub(crate) fn runs_as_task(&self) -> bool {
        !self.inline.load(Relaxed)
    }

    /// The body is gone (its future was dropped).
    pub(crate) fn end(&'static self, body: BodyRef) {
        match body.place {
            Place::Slot(slot) => {
                self.starts[slot].store(0, Relaxed);
                self.ids[slot].store(0, SeqCst);
            }
            Place::Overflow(key) => {
                lock(&self.slow).overflow.remove(key);
            }
        }
        // `body_cancelled` counts before it looks for the body, and this
        // frees the body before it looks at the count: one of the two sees
        // the other, so no mark outlives its body.
        if self.counts.doomed.load(SeqCst) > 0 || self.counts.zombies.load(SeqCst) > 0 {
            let removed = {
                let mut slow = lock(&self.slow);
                let found = slow.doomed.iter().position(|d| d.id == body.id);
                found.map(|at| slow.doomed.swap_remove(at))
            };
            match removed {
                Some(doomed) if doomed.zombie => {
                    self.counts.zombies.fetch_sub(1, Relaxed);
                    crate::report::zombie_ended(self);
                }
                Some(_) => {
                    self.counts.doomed.fetch_sub(1, SeqCst);
                }
                None => {}
            }
        }
        self.counts.ended.fetch_add(1, Release);
        crate::report::body_ended(self);
    }

    /// The body was cancelled now: if it is still alive after `grace` and
    /// [`zombie::SLACK`](crate::zombie::SLACK), it is a zombie.
    pub(crate) fn body_cancelled(&'static self, body: BodyRef, grace: Duration) {
        let due = std::time::Instant::now() + grace + crate::zombie::SLACK;
        let mut slow = lock(&self.slow);
        if slow.doomed.iter().any(|d| d.id == body.id) {
            return;
        }
        self.counts.doomed.fetch_add(1, SeqCst);
        let alive = match body.place {
            Place::Slot(slot) => self.ids[slot].load(SeqCst) == body.id + 1,
            Place::Overflow(key) => slow.overflow.get(key).is_some_and(|(id, _)| *id == body.id),
        };
        if alive {
            slow.doomed.push(Doomed {
                id: body.id,
                due,
                grace,
                zombie: false,
            });
            drop(slow);
            crate::zombie::wake();
        } else {
            self.counts.doomed.fetch_sub(1, SeqCst);
        }
    }

    /// Marks the doomed bodies whose time is up as zombies, reporting each
    /// once. Called by the watchdog.
    pub(crate) fn find_zombies(&'static self, now: std::time::Instant) {
        if self.counts.doomed.load(SeqCst) == 0 {
            return;
        }
        let mut found = Vec::new();
        for doomed in &mut lock(&self.slow).doomed {
            if doomed.due <= now && !doomed.zombie {
                doomed.zombie = true;
                // Counted as a zombie before it stops counting as doomed,
                // under the lock `end` takes to remove it.
                self.counts.zombies.fetch_add(1, SeqCst);
                self.counts.doomed.fetch_sub(1, SeqCst);
                found.push(doomed.grace);
            }
        }
        for grace in found {
            crate::report::zombie(self, grace);
        }
    }

    #[cold]
    fn register(&'static self) {
        let mut sites = lock(&SITES);
        if !self.registered.swap(true, Relaxed) {
            sites.push(self);
        }
    }

    pub(crate) fn record(&'static self, outcome: Outcome) {
        crate::report::outcome(self, outcome);
        let counter = match outcome {
            Outcome::Ok => &self.counts.ok,
            Outcome::Elapsed => &self.counts.elapsed,
            Outcome::Cancelled => &self.counts.cancelled,
            Outcome::Panicked => &self.counts.panicked,
        };
        counter.fetch_add(1, Relaxed);
    }

    /// When the oldest live body started.
    pub(crate) fn oldest_start(&self) -> Option<Instant> {
        let slots = self
            .ids
            .iter()
            .zip(&self.starts)
            .filter(|(id, _)| id.load(Relaxed) != 0)
            .map(|(_, start)| start.load(Relaxed))
            .filter(|ticks| *ticks != 0)
            .min()
            .map(from_ticks);
        let overflow = lock(&self.slow)
            .overflow
            .iter()
            .map(|(_, start)| *start)
            .min();
        slots.into_iter().chain(overflow).min()
    }
}

/// The registry's locks guard plain data that a panic cannot leave half
/// updated, so a poisoned lock is used as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Nanoseconds since the first body started, plus one (zero means free):
/// a start time that fits an atomic. On the paused clock it follows the
/// paused time, as ages should.
fn ticks(at: Instant) -> u64 {
    let nanos = at.saturating_duration_since(epoch()).as_nanos();
    u64::try_from(nanos).unwrap_or(u64::MAX - 1) + 1
}

fn from_ticks(ticks: u64) -> Instant {
    epoch() + Duration::from_nanos(ticks - 1)
}

fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
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

/// The site of the `timebox::spawn` call at `location`, made on first use.
pub(crate) fn spawn_site(location: &'static Location<'static>) -> &'static Site {
    site_at("timebox::spawn", location)
}

/// The site named `name` of the call at `location` (a `#[track_caller]`
/// caller's), made on first use: one per name and source location.
pub(crate) fn site_at(name: &'static str, location: &'static Location<'static>) -> &'static Site {
    type Key = (&'static str, &'static str, u32, u32);
    static LOCATION_SITES: LazyLock<RwLock<HashMap<Key, &'static Site>>> =
        LazyLock::new(Default::default);
    let key = (name, location.file(), location.line(), location.column());
    let known = LOCATION_SITES
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .copied();
    if let Some(site) = known {
        return site;
    }
    let mut sites = LOCATION_SITES.write().unwrap_or_else(|p| p.into_inner());
    sites.entry(key).or_insert_with(|| {
        // One per name and call site in the program's source: bounded, kept
        // for good.
        Box::leak(Box::new(Site::new(
            name,
            "",
            location.file(),
            location.line(),
        )))
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
/// number that keeps growing is a leak.
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
/// assert_eq!(timebox::live(), 0);
/// # }
/// ```
pub fn live() -> usize {
    let total: u64 = sites().iter().map(|site| site.counts.live()).sum();
    usize::try_from(total).unwrap_or(usize::MAX)
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
        assert_eq!(SITE.counts.started.load(Relaxed), 2);
        assert_eq!(
            sites().iter().filter(|s| std::ptr::eq(**s, &SITE)).count(),
            1
        );
    }

    #[test]
    fn a_cancelled_body_becomes_a_zombie_when_due_and_stops_being_one_when_it_ends() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let body = SITE.start(Instant::now());
        SITE.body_cancelled(body, Duration::from_millis(500));
        SITE.body_cancelled(body, Duration::from_millis(500)); // once only
        assert_eq!(SITE.counts.doomed.load(Relaxed), 1);
        let now = std::time::Instant::now();
        SITE.find_zombies(now);
        assert_eq!(SITE.counts.zombies.load(Relaxed), 0, "not due yet");
        SITE.find_zombies(now + Duration::from_secs(2));
        SITE.find_zombies(now + Duration::from_secs(3)); // reported once
        assert_eq!(SITE.counts.zombies.load(Relaxed), 1);
        assert_eq!(SITE.counts.doomed.load(Relaxed), 0);
        SITE.end(body);
        assert_eq!(SITE.counts.zombies.load(Relaxed), 0);
    }

    #[test]
    fn a_body_that_ended_is_never_marked() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let old = SITE.start(Instant::now());
        SITE.end(old);
        SITE.body_cancelled(old, Duration::ZERO);
        assert_eq!(SITE.counts.doomed.load(Relaxed), 0, "the old body is gone");
        SITE.find_zombies(std::time::Instant::now() + Duration::from_secs(5));
        assert_eq!(SITE.counts.zombies.load(Relaxed), 0);
    }

    #[test]
    fn bodies_beyond_the_slots_overflow_and_are_counted_alike() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let t0 = Instant::now();
        let first = SITE.start(t0);
        let rest: Vec<_> = (1..200)
            .map(|i| SITE.start(t0 + Duration::from_millis(i)))
            .collect();
        assert!(rest.iter().any(|b| matches!(b.place, Place::Overflow(_))));
        assert_eq!(SITE.counts.live(), 200);
        assert_eq!(SITE.oldest_start(), Some(t0));
        SITE.end(first);
        assert_eq!(SITE.oldest_start(), Some(t0 + Duration::from_millis(1)));
        let overflowed = *rest
            .iter()
            .rev()
            .find(|b| matches!(b.place, Place::Overflow(_)))
            .unwrap();
        SITE.body_cancelled(overflowed, Duration::ZERO);
        SITE.find_zombies(std::time::Instant::now() + Duration::from_secs(2));
        assert_eq!(SITE.counts.zombies.load(Relaxed), 1);
        for body in rest {
            SITE.end(body);
        }
        assert_eq!(
            [
                SITE.counts.live(),
                SITE.counts.zombies.load(Relaxed),
                SITE.counts.doomed.load(Relaxed)
            ],
            [0, 0, 0]
        );
        assert_eq!(SITE.oldest_start(), None);
    }

    #[test]
    fn each_spawn_location_has_one_site() {
        let here = Location::caller();
        let a = spawn_site(here);
        let b = spawn_site(here);
        assert!(std::ptr::eq(a, b));
        assert_eq!((a.file, a.line), (here.file(), here.line()));
        assert!(!std::ptr::eq(a, spawn_site(Location::caller())));
    }

    #[test]
    fn each_name_at_a_location_has_its_own_site() {
        let here = Location::caller();
        let call = site_at("timebox::call", here);
        assert!(std::ptr::eq(call, site_at("timebox::call", here)));
        assert!(!std::ptr::eq(call, spawn_site(here)));
        assert_eq!((call.name, call.line), ("timebox::call", here.line()));
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
            [&c.ok, &c.elapsed, &c.cancelled, &c.panicked].map(|a| a.load(Relaxed)),
            [2, 1, 0, 1]
        );
    }
}
