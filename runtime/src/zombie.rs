//! Zombies: bodies still alive more than their grace period plus one second
//! after they were cancelled (a body that blocks the thread or never yields
//! cannot be preempted). Cancelling a body marks it, with its due time, in
//! its site's records; one watchdog thread, started on the first
//! cancellation, scans the sites that have marked bodies and promotes those
//! past due. It runs on its own thread so it reports even when the runtime's
//! threads are the ones blocked, and it sleeps while nothing is marked.

use std::sync::OnceLock;
use std::thread::Thread;
use std::time::{Duration, Instant};

use crate::registry::{self, BodyRef, Site};

/// How often the watchdog looks while some cancelled body is still alive.
const SCAN_EVERY: Duration = Duration::from_millis(100);

/// The body of `site` was just cancelled, with `grace` to clean up: if it is
/// still alive after that and a second, it is a zombie.
pub(crate) fn watch(site: &'static Site, body: BodyRef, grace: Duration) {
    if site.mark_cancelled(body, grace, Instant::now()) {
        wake();
    }
}

/// A body was marked: make sure the watchdog is looking.
fn wake() {
    if let Some(watchdog) = watchdog() {
        watchdog.unpark();
    }
}

fn watchdog() -> Option<&'static Thread> {
    static WATCHDOG: OnceLock<Option<Thread>> = OnceLock::new();
    WATCHDOG
        .get_or_init(|| {
            std::thread::Builder::new()
                .name("timebox-zombie-watch".into())
                .spawn(run)
                .ok()
                .map(|handle| handle.thread().clone())
        })
        .as_ref()
}

fn run() {
    loop {
        let sites = registry::sites();
        if sites.iter().all(|site| site.marks.doomed() == 0) {
            // Nothing to watch until the next cancellation unparks us.
            std::thread::park();
            continue;
        }
        let now = Instant::now();
        for site in sites {
            site.find_zombies(now);
        }
        std::thread::park_timeout(SCAN_EVERY);
    }
}
