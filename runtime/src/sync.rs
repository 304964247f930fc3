//! The atomics and locks of the lock-free and lock-light modules: std's
//! normally, loom's under `--cfg timebox_loom`, so the loom models check the
//! very code that ships. Loom's types have no `const` constructors: the
//! modules that build statics give their constructors a non-`const` twin
//! under loom.

#[cfg(not(timebox_loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU64};
#[cfg(not(timebox_loom))]
pub(crate) use std::sync::{Mutex, MutexGuard};

#[cfg(timebox_loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU64};
#[cfg(timebox_loom)]
pub(crate) use loom::sync::{Mutex, MutexGuard};

/// Marks a point where a protocol relies on the single total order of
/// SeqCst accesses: a SeqCst store before it, a SeqCst load of another
/// atomic after it (store buffering, as in Dekker's algorithm). In std
/// builds the SeqCst accesses give that order themselves, so this is
/// nothing. Loom models SeqCst accesses as AcqRel (loom#180) and would
/// report a race that cannot happen; a SeqCst fence, which loom models
/// exactly, tells it what the accesses guarantee.
#[inline(always)]
pub(crate) fn seq_cst_point() {
    #[cfg(timebox_loom)]
    loom::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
}
