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
