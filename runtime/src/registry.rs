//! Per-call-site counters: how many bodies are alive now, since when, which
//! are zombies, and how past calls ended. Each `#[timed]` fn owns one static
//! [`Site`]; the hot path touches only that site, and a site joins the global
//! list once.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{LazyLock, Mutex, RwLock};
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
    /// The live bodies: when each started, whether it was cancelled.
    bodies: Mutex<Slab>,
}

/// One live body's place in its site's records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BodyRef {
    slot: usize,
    /// The body's sequence number: tells a reused slot from this body's.
    id: u64,
}

/// The counters of one site. `live` goes up and down; the others only grow.
#[derive(Debug)]
pub(crate) struct Counts {
    pub(crate) live: AtomicU64,
    pub(crate) zombies: AtomicU64,
    /// Bodies cancelled, still alive, not yet zombies: the watchdog's work.
    pub(crate) doomed: AtomicU64,
    pub(crate) started: AtomicU64,
    pub(crate) ok: AtomicU64,
    pub(crate) elapsed: AtomicU64,
    pub(crate) cancelled: AtomicU64,
    pub(crate) panicked: AtomicU64,
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
                live: AtomicU64::new(0),
                zombies: AtomicU64::new(0),
                doomed: AtomicU64::new(0),
                started: AtomicU64::new(0),
                ok: AtomicU64::new(0),
                elapsed: AtomicU64::new(0),
                cancelled: AtomicU64::new(0),
                panicked: AtomicU64::new(0),
            },
            bodies: Mutex::new(Slab::new()),
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
        self.counts.live.fetch_add(1, Relaxed);
        crate::report::body_started(self);
        let slot = lock(&self.bodies).insert(Body {
            id,
            start: now,
            doomed: None,
            zombie: false,
        });
        BodyRef { slot, id }
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
        let ended = lock(&self.bodies).remove(body);
        if let Some(ended) = ended {
            if ended.zombie {
                self.counts.zombies.fetch_sub(1, Relaxed);
                crate::report::zombie_ended(self);
            } else if ended.doomed.is_some() {
                self.counts.doomed.fetch_sub(1, Relaxed);
            }
        }
        self.counts.live.fetch_sub(1, Relaxed);
        crate::report::body_ended(self);
    }

    /// The body was cancelled now: if it is still alive after `grace` and
    /// [`zombie::SLACK`](crate::zombie::SLACK), it is a zombie.
    pub(crate) fn body_cancelled(&'static self, body: BodyRef, grace: Duration) {
        let due = std::time::Instant::now() + grace + crate::zombie::SLACK;
        let marked = {
            let mut bodies = lock(&self.bodies);
            match bodies.get_mut(body) {
                Some(entry) if entry.doomed.is_none() => {
                    entry.doomed = Some((due, grace));
                    true
                }
                _ => false,
            }
        };
        if marked {
            self.counts.doomed.fetch_add(1, Relaxed);
            crate::zombie::wake();
        }
    }

    /// Marks the doomed bodies whose time is up as zombies, reporting each
    /// once. Called by the watchdog.
    pub(crate) fn find_zombies(&'static self, now: std::time::Instant) {
        if self.counts.doomed.load(Relaxed) == 0 {
            return;
        }
        let mut found = Vec::new();
        for entry in lock(&self.bodies).entries_mut() {
            if let Some((due, grace)) = entry.doomed {
                if due <= now && !entry.zombie {
                    entry.zombie = true;
                    found.push(grace);
                }
            }
        }
        for grace in found {
            self.counts.doomed.fetch_sub(1, Relaxed);
            self.counts.zombies.fetch_add(1, Relaxed);
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
        lock(&self.bodies).entries().map(|body| body.start).min()
    }
}

/// The registry's locks guard plain data that a panic cannot leave half
/// updated, so a poisoned lock is used as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What a site remembers of one live body.
#[derive(Debug)]
struct Body {
    id: u64,
    start: Instant,
    /// Cancelled: when it becomes a zombie, and its grace period.
    doomed: Option<(std::time::Instant, Duration)>,
    zombie: bool,
}

/// The live bodies of a site, indexed by slot; freed slots are reused.
#[derive(Debug)]
struct Slab {
    slots: Vec<Option<Body>>,
    free: Vec<usize>,
}

impl Slab {
    const fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    fn insert(&mut self, body: Body) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(body);
                slot
            }
            None => {
                self.slots.push(Some(body));
                self.slots.len() - 1
            }
        }
    }

    fn get_mut(&mut self, body: BodyRef) -> Option<&mut Body> {
        self.slots
            .get_mut(body.slot)
            .and_then(Option::as_mut)
            .filter(|entry| entry.id == body.id)
    }

    fn remove(&mut self, body: BodyRef) -> Option<Body> {
        self.get_mut(body)?;
        let removed = self.slots[body.slot].take();
        self.free.push(body.slot);
        if self.free.len() == self.slots.len() {
            // Idle again: give the memory back.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
        removed
    }

    fn entries(&self) -> impl Iterator<Item = &Body> {
        self.slots.iter().flatten()
    }

    fn entries_mut(&mut self) -> impl Iterator<Item = &mut Body> {
        self.slots.iter_mut().flatten()
    }
}

/// The site of the `timebox::spawn` call at `location`, made on first use.
pub(crate) fn spawn_site(location: &'static Location<'static>) -> &'static Site {
    type Key = (&'static str, u32, u32);
    static SPAWN_SITES: LazyLock<RwLock<HashMap<Key, &'static Site>>> =
        LazyLock::new(Default::default);
    let key = (location.file(), location.line(), location.column());
    let known = SPAWN_SITES
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(&key)
        .copied();
    if let Some(site) = known {
        return site;
    }
    let mut sites = SPAWN_SITES.write().unwrap_or_else(|p| p.into_inner());
    sites.entry(key).or_insert_with(|| {
        // One per call site in the program's source: bounded, kept for good.
        Box::leak(Box::new(Site::new(
            "timebox::spawn",
            "",
            location.file(),
            location.line(),
        )))
    })
}

/// One call's bookkeeping without a call around it (start, outcome, end),
/// for the benchmark that prices the registry alone.
#[doc(hidden)]
pub fn registry_roundtrip(site: &'static Site) {
    let body = site.start(Instant::now());
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
    let total: u64 = sites()
        .iter()
        .map(|site| site.counts.live.load(Relaxed))
        .sum();
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
        assert_eq!(SITE.counts.live.load(Relaxed), 2);
        assert!(SITE.oldest_start().is_some());
        SITE.end(first);
        assert_eq!(SITE.counts.live.load(Relaxed), 1);
        SITE.end(second);
        assert_eq!(SITE.counts.live.load(Relaxed), 0);
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
    fn a_stale_reference_does_not_touch_a_reused_slot() {
        static SITE: Site = Site::new("unit", module_path!(), file!(), line!());
        let old = SITE.start(Instant::now());
        let keep = SITE.start(Instant::now());
        SITE.end(old);
        let new = SITE.start(Instant::now());
        assert_eq!(new.slot, old.slot, "the slot is reused");
        SITE.body_cancelled(old, Duration::ZERO);
        assert_eq!(SITE.counts.doomed.load(Relaxed), 0, "the old body is gone");
        SITE.end(new);
        SITE.end(keep);
        assert_eq!(SITE.counts.live.load(Relaxed), 0);
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
