//! Per-call-site counters: how many bodies are alive now, since when, and how
//! past calls ended. Each `#[timed]` fn owns one static [`Site`]; the hot path
//! touches only that site, and a site joins the global list once.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{LazyLock, Mutex, RwLock};

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
    /// Start times of the live bodies, for the age of the oldest.
    starts: Mutex<Slab>,
}

/// The counters of one site. `live` goes up and down; the others only grow.
#[derive(Debug)]
pub(crate) struct Counts {
    pub(crate) live: AtomicU64,
    pub(crate) zombies: AtomicU64,
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
                started: AtomicU64::new(0),
                ok: AtomicU64::new(0),
                elapsed: AtomicU64::new(0),
                cancelled: AtomicU64::new(0),
                panicked: AtomicU64::new(0),
            },
            starts: Mutex::new(Slab::new()),
        }
    }

    /// The call's label, used in errors.
    pub(crate) fn name(&self) -> &'static str {
        self.name
    }

    /// Counts a new body as started and alive; returns the slot that
    /// remembers when, to hand back to [`Site::end`].
    pub(crate) fn start(&'static self) -> usize {
        if !self.registered.load(Relaxed) {
            self.register();
        }
        self.counts.started.fetch_add(1, Relaxed);
        self.counts.live.fetch_add(1, Relaxed);
        crate::report::body_started(self);
        lock(&self.starts).insert(Instant::now())
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

    /// The body started in `slot` is gone.
    pub(crate) fn end(&'static self, slot: usize) {
        lock(&self.starts).remove(slot);
        self.counts.live.fetch_sub(1, Relaxed);
        crate::report::body_ended(self);
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
        lock(&self.starts).min()
    }
}

/// The registry's locks guard plain data that a panic cannot leave half
/// updated, so a poisoned lock is used as is.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Start times indexed by slot; freed slots are reused.
#[derive(Debug)]
struct Slab {
    slots: Vec<Option<Instant>>,
    free: Vec<usize>,
}

impl Slab {
    const fn new() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    fn insert(&mut self, start: Instant) -> usize {
        match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some(start);
                slot
            }
            None => {
                self.slots.push(Some(start));
                self.slots.len() - 1
            }
        }
    }

    fn remove(&mut self, slot: usize) {
        if let Some(entry) = self.slots.get_mut(slot) {
            if entry.take().is_some() {
                self.free.push(slot);
            }
        }
        if self.free.len() == self.slots.len() {
            // Idle again: give the memory back.
            self.slots = Vec::new();
            self.free = Vec::new();
        }
    }

    fn min(&self) -> Option<Instant> {
        self.slots.iter().flatten().min().copied()
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
    let slot = site.start();
    site.record(Outcome::Ok);
    site.end(slot);
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
        let first = SITE.start();
        let second = SITE.start();
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

    #[test]
    fn the_slab_reuses_slots_and_tracks_the_oldest() {
        let t0 = std::time::Instant::now();
        let at = |ms| Instant::from_std(t0 + std::time::Duration::from_millis(ms));
        let mut slab = Slab::new();
        let a = slab.insert(at(5));
        let b = slab.insert(at(1));
        let c = slab.insert(at(9));
        assert_eq!(slab.min(), Some(at(1)));
        slab.remove(b);
        assert_eq!(slab.min(), Some(at(5)));
        let d = slab.insert(at(7));
        assert_eq!(d, b, "a freed slot is reused");
        slab.remove(b);
        slab.remove(b); // twice is harmless
        slab.remove(a);
        slab.remove(c);
        assert_eq!(slab.min(), None);
        assert!(slab.slots.is_empty());
    }
}
