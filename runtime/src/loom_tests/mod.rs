//! Loom models of the lock-free and lock-light leaves, each named for what
//! it proves. They run under the crate's own cfg (a plain `--cfg loom`
//! would make tokio expect loom too):
//!
//! ```text
//! RUSTFLAGS="--cfg timebox_loom" CARGO_TARGET_DIR=target/loom \
//!     cargo test -p timebox --release --lib loom
//! ```
//!
//! The search is exhaustive (15-30 s in release); `LOOM_MAX_PREEMPTIONS=2`
//! bounds it for a quick look.

mod latch;
mod marks;
mod slots;
mod stripes;
mod tracker;

use loom::sync::Arc;
use loom::sync::atomic::AtomicBool;
use loom::sync::atomic::Ordering::SeqCst;

/// A stand-in for a waker, an abort handle or a nested call: a flag that
/// its owner can check was raised.
#[derive(Debug, Clone, Default)]
struct Flag(Arc<AtomicBool>);

impl Flag {
    fn raise(&self) {
        self.0.store(true, SeqCst);
    }

    fn raised(&self) -> bool {
        self.0.load(SeqCst)
    }
}
