//! The registration protocol of a scope: its cancel and close flags, and
//! what registered to hear of them (the watcher to wake, the spawned
//! children to abort on close, the nested calls to cancel). Generic over
//! what registers, so that the loom models run the very protocol a
//! [`Scope`](crate::scope) runs with wakers, abort handles and scopes.
//!
//! # Invariants
//!
//! - No registration misses a signal. A registrar (`watch`, `adopt`,
//!   `nest`) sets `used`, pushes under the lock, then loads the flag it
//!   cares about (`cancelled`, or `closed` for a child). A signal sets its
//!   flags, then loads `used`, and only if it is set takes what is
//!   registered under the lock. The flag and `used` accesses are SeqCst, so
//!   they fall in one total order: if the signal loads `used` unset, that
//!   load precedes the registrar's store, so the flag store precedes the
//!   registrar's flag load, which sees it. Otherwise the signal takes the
//!   lock, after the push (and finds the registration) or before it (then
//!   its unlock happens before the registrar's lock, so the flags it set
//!   are visible to the registrar's later load). Either way one side acts;
//!   both may, which is harmless: waking, aborting and cancelling are
//!   idempotent. (Between each side's store and its load stands a
//!   [`seq_cst_point`]: nothing in std builds, a SeqCst fence for loom,
//!   which models SeqCst accesses as AcqRel.)
//! - Until `used` is set, the lock is never taken by a signal: a call that
//!   registers nothing pays two atomic operations to be cancelled.
//! - The lock is held only to push or take: nothing is woken, aborted or
//!   cancelled under it, so no callback can re-enter it.

use std::sync::atomic::Ordering::SeqCst;

use crate::lock::lock;
use crate::sync::{AtomicBool, Mutex, seq_cst_point};

/// Past this many registrations of a kind, finished ones are forgotten at
/// every power of two, so that a long-lived scope's lists stay small.
const PRUNE_FROM: usize = 16;

/// The flags of one scope and what registered with it: a watcher `W`,
/// children `T` aborted on close, nested calls `C` cancelled with it.
#[derive(Debug)]
pub(crate) struct Latch<W, T, C> {
    cancelled: AtomicBool,
    closed: AtomicBool,
    /// Set before anything is registered: until then, signals need not
    /// take the lock.
    used: AtomicBool,
    shared: Mutex<Shared<W, T, C>>,
}

#[derive(Debug)]
struct Shared<W, T, C> {
    watcher: Option<W>,
    /// Made by the first child or nested call: a latch with none (or only
    /// a watcher) carries one word for them.
    lists: Option<Box<Lists<T, C>>>,
}

#[derive(Debug)]
struct Lists<T, C> {
    tasks: Vec<T>,
    calls: Vec<C>,
}

/// What a signal took, for its caller to wake, abort and cancel.
#[derive(Debug)]
pub(crate) struct Taken<W, T, C> {
    pub(crate) watcher: Option<W>,
    /// Empty unless the signal closed.
    pub(crate) tasks: Vec<T>,
    pub(crate) calls: Vec<C>,
}

impl<W, T, C> Latch<W, T, C> {
    /// A latch, already cancelled when `cancelled`.
    pub(crate) fn new(cancelled: bool) -> Self {
        Latch {
            cancelled: AtomicBool::new(cancelled),
            closed: AtomicBool::new(false),
            used: AtomicBool::new(false),
            shared: Mutex::new(Shared {
                watcher: None,
                lists: None,
            }),
        }
    }

    /// Whether anything ever registered (and may still be held).
    pub(crate) fn was_used(&self) -> bool {
        self.used.load(SeqCst)
    }

    /// Whether the latch was cancelled.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.cancelled.load(SeqCst)
    }

    /// Cancels (and closes, when `close`); `first` runs if this is the first
    /// cancellation. What registered, to be told.
    pub(crate) fn signal(&self, close: bool, first: impl FnOnce()) -> Taken<W, T, C> {
        let was = self.cancelled.swap(true, SeqCst);
        if close {
            self.closed.store(true, SeqCst);
        }
        if !was {
            first();
        }
        let mut taken = Taken {
            watcher: None,
            tasks: Vec::new(),
            calls: Vec::new(),
        };
        seq_cst_point();
        if !self.used.load(SeqCst) {
            return taken;
        }
        let mut shared = lock(&self.shared);
        taken.watcher = shared.watcher.take();
        if let Some(lists) = &mut shared.lists {
            taken.calls = std::mem::take(&mut lists.calls);
            if close {
                taken.tasks = std::mem::take(&mut lists.tasks);
            }
        }
        taken
    }

    /// Registers a watcher, kept if `same` says the known one is the same,
    /// made by `make` otherwise; whether the latch is cancelled already.
    pub(crate) fn watch(&self, same: impl FnOnce(&W) -> bool, make: impl FnOnce() -> W) -> bool {
        self.used.store(true, SeqCst);
        seq_cst_point();
        {
            let mut shared = lock(&self.shared);
            match &mut shared.watcher {
                Some(known) if same(known) => {}
                slot => *slot = Some(make()),
            }
        }
        self.is_cancelled()
    }

    /// Registers a child to abort on close (forgetting the children `keep`
    /// rejects, now and then). The children to abort at once: all of them,
    /// if the latch closed meanwhile, else none.
    pub(crate) fn adopt(&self, task: T, keep: impl FnMut(&T) -> bool) -> Vec<T> {
        self.used.store(true, SeqCst);
        seq_cst_point();
        {
            let mut shared = lock(&self.shared);
            let lists = made(&mut shared);
            prune(&mut lists.tasks, keep);
            lists.tasks.push(task);
        }
        // Closed meanwhile: the close may have emptied the list before this
        // child joined it.
        if self.closed.load(SeqCst) {
            std::mem::take(&mut made(&mut lock(&self.shared)).tasks)
        } else {
            Vec::new()
        }
    }

    /// Registers a nested call to cancel with this latch (forgetting the
    /// calls `keep` rejects, now and then); whether the latch is cancelled
    /// already, so the caller must cancel the call itself.
    pub(crate) fn nest(&self, call: C, keep: impl FnMut(&C) -> bool) -> bool {
        self.used.store(true, SeqCst);
        seq_cst_point();
        {
            let mut shared = lock(&self.shared);
            let lists = made(&mut shared);
            prune(&mut lists.calls, keep);
            lists.calls.push(call);
        }
        self.is_cancelled()
    }
}

/// The lists of children and nested calls, made on first use.
fn made<W, T, C>(shared: &mut Shared<W, T, C>) -> &mut Lists<T, C> {
    shared.lists.get_or_insert_with(|| {
        Box::new(Lists {
            tasks: Vec::new(),
            calls: Vec::new(),
        })
    })
}

fn prune<X>(list: &mut Vec<X>, keep: impl FnMut(&X) -> bool) {
    if list.len() >= PRUNE_FROM && list.len().is_power_of_two() {
        list.retain(keep);
    }
}
