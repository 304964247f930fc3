//! The bodies alive in one leak check (`assert_no_leaks`), per site. A scope
//! opened inside the check carries its tracker, so every body started in it,
//! however deep, is counted here as well as in its site.

use std::sync::Mutex;

use crate::lock::lock;
use crate::registry::Site;

/// The bodies alive in one tracking scope, per site.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    alive: Mutex<Vec<(&'static Site, u64)>>,
}

impl Tracker {
    pub(crate) fn started(&self, site: &'static Site) {
        let mut alive = lock(&self.alive);
        match alive.iter_mut().find(|(s, _)| std::ptr::eq(*s, site)) {
            Some((_, n)) => *n += 1,
            None => alive.push((site, 1)),
        }
    }

    pub(crate) fn ended(&self, site: &'static Site) {
        let mut alive = lock(&self.alive);
        if let Some((_, n)) = alive.iter_mut().find(|(s, _)| std::ptr::eq(*s, site)) {
            *n = n.saturating_sub(1);
        }
    }

    /// Bodies alive, over all sites.
    pub(crate) fn total(&self) -> u64 {
        lock(&self.alive).iter().map(|(_, n)| n).sum()
    }

    /// The sites with bodies still alive, and how many.
    pub(crate) fn alive(&self) -> Vec<(&'static Site, u64)> {
        let alive = lock(&self.alive);
        alive.iter().copied().filter(|(_, n)| *n > 0).collect()
    }
}
