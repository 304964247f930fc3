//! The bodies alive in one leak check (`assert_no_leaks`), per site. A scope
//! opened inside the check carries its tracker, so every body started in it,
//! however deep, is counted here as well as in its site.

use crate::lock::lock;
#[cfg(not(timebox_loom))]
use crate::registry::Site;
use crate::sync::Mutex;

/// Under loom the registry does not build: the models tally bodies by a
/// stand-in for their site, compared by address as sites are.
#[cfg(timebox_loom)]
pub(crate) type Site = str;

/// The bodies started and alive in one tracking scope, per site.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    sites: Mutex<Vec<Tally>>,
}

/// What one leak check saw of one site: its own counts, not the site's.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tally {
    pub(crate) site: &'static Site,
    pub(crate) started: u64,
    pub(crate) alive: u64,
}

impl Tracker {
    pub(crate) fn started(&self, site: &'static Site) {
        let mut sites = lock(&self.sites);
        match sites.iter_mut().find(|t| std::ptr::eq(t.site, site)) {
            Some(tally) => {
                tally.started += 1;
                tally.alive += 1;
            }
            None => sites.push(Tally {
                site,
                started: 1,
                alive: 1,
            }),
        }
    }

    pub(crate) fn ended(&self, site: &'static Site) {
        let mut sites = lock(&self.sites);
        if let Some(tally) = sites.iter_mut().find(|t| std::ptr::eq(t.site, site)) {
            tally.alive = tally.alive.saturating_sub(1);
        }
    }

    /// Bodies alive, over all sites.
    pub(crate) fn total(&self) -> u64 {
        lock(&self.sites).iter().map(|t| t.alive).sum()
    }

    /// The sites with bodies still alive.
    pub(crate) fn alive(&self) -> Vec<Tally> {
        let sites = lock(&self.sites);
        sites.iter().copied().filter(|t| t.alive > 0).collect()
    }

    /// Every tally, alive or not: for the loom model.
    #[cfg(all(test, timebox_loom))]
    pub(crate) fn tallies(&self) -> Vec<Tally> {
        lock(&self.sites).clone()
    }
}
