//! Counters that only grow, split into per-thread stripes: a thread that
//! owns a stripe adds to it with a plain load and store (no read-modify-write
//! instruction, no cache line shared with other threads); a thread that owns
//! none (more threads than stripes, or one whose thread-locals are being torn
//! down) adds to the shared stripe 0 with `fetch_add`. A count is the sum of
//! its stripes.
//!
//! # Invariants
//!
//! - A stripe other than 0 has one writer at a time: the thread that claimed
//!   its index from the free list, which returns it when the thread exits.
//!   The free list's lock orders the old owner's last store before the new
//!   owner's first load, so no increment is lost.
//! - Every add is a Release store (or RMW) and every sum reads with Acquire:
//!   an add that happens before another is seen by a sum that sees the
//!   later one. So reading the ends of bodies first and their starts second
//!   never sees more ends than starts (each body starts before it ends).
//!   The loom model is in `loom_tests::stripes`.

use std::sync::atomic::Ordering::{Acquire, Relaxed, Release};

use crate::sync::AtomicU64;

/// Stripes per counter set: the shared one and seven a thread may own.
pub(crate) const STRIPES: usize = 8;

/// `N` counters, striped.
#[derive(Debug)]
pub(crate) struct Striped<const N: usize> {
    stripes: [Stripe<N>; STRIPES],
}

/// One thread's share of the counters, on a cache line of its own.
#[derive(Debug)]
#[repr(align(64))]
struct Stripe<const N: usize>([AtomicU64; N]);

impl<const N: usize> Striped<N> {
    /// `const`, for the static sites of generated code.
    #[cfg(not(timebox_loom))]
    pub(crate) const fn new() -> Self {
        Striped {
            stripes: [const { Stripe([const { AtomicU64::new(0) }; N]) }; STRIPES],
        }
    }

    /// Loom's atomics cannot be made in a `const`.
    #[cfg(timebox_loom)]
    pub(crate) fn new() -> Self {
        Striped {
            stripes: std::array::from_fn(|_| Stripe(std::array::from_fn(|_| AtomicU64::new(0)))),
        }
    }

    /// Adds one to counter `counter`, on this thread's stripe.
    #[inline]
    pub(crate) fn add(&self, counter: usize) {
        self.add_at(own::stripe(), counter);
    }

    /// Adds one to counter `counter` on stripe `stripe`, which the calling
    /// thread owns unless it is 0.
    #[inline]
    pub(crate) fn add_at(&self, stripe: usize, counter: usize) {
        let cell = &self.stripes[stripe].0[counter];
        if stripe == 0 {
            cell.fetch_add(1, Release);
        } else {
            // The only writer: no other add can come between the two.
            cell.store(cell.load(Relaxed) + 1, Release);
        }
    }

    /// The count of counter `counter`.
    pub(crate) fn sum(&self, counter: usize) -> u64 {
        let all = self.stripes.iter().map(|s| s.0[counter].load(Acquire));
        all.fold(0, u64::wrapping_add)
    }
}

/// Which stripe this thread owns, and its block of ids.
#[cfg(not(timebox_loom))]
pub(crate) mod own {
    use std::cell::Cell;
    use std::sync::Mutex;
    use std::sync::atomic::AtomicU64;
    use std::sync::atomic::Ordering::Relaxed;

    use super::STRIPES;
    use crate::lock::lock;

    /// Indices returned by threads that exited, and the next never used.
    static FREE: Mutex<(usize, Vec<usize>)> = Mutex::new((1, Vec::new()));

    /// A thread's stripe, returned to [`FREE`] when the thread exits.
    struct Own(usize);

    impl Own {
        fn claim() -> Own {
            let mut free = lock(&FREE);
            if let Some(index) = free.1.pop() {
                return Own(index);
            }
            if free.0 < STRIPES {
                free.0 += 1;
                return Own(free.0 - 1);
            }
            Own(0)
        }
    }

    impl Drop for Own {
        fn drop(&mut self) {
            if self.0 != 0 {
                lock(&FREE).1.push(self.0);
            }
        }
    }

    std::thread_local! {
        static OWN: Own = Own::claim();
        /// This thread's block of ids: the next one and the block's end.
        static IDS: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
    }

    /// Ids are handed to threads in blocks this large.
    const BLOCK: u64 = 256;

    /// An id no other call of this process has had (below 2^63 for
    /// centuries): one read-modify-write per block, not per call.
    #[inline]
    pub(crate) fn fresh_id() -> u64 {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        IDS.with(|ids| {
            let (mut next, mut end) = ids.get();
            if next == end {
                next = NEXT.fetch_add(BLOCK, Relaxed);
                end = next + BLOCK;
            }
            ids.set((next + 1, end));
            next
        })
    }

    /// This thread's stripe; 0 (shared) if it has none, or once its
    /// thread-locals are gone.
    #[inline]
    pub(super) fn stripe() -> usize {
        OWN.try_with(|own| own.0).unwrap_or(0)
    }
}

/// Under loom every model thread shares the OS thread's thread-locals: all
/// go through the shared stripe, and the models call `add_at` themselves.
#[cfg(timebox_loom)]
mod own {
    pub(super) fn stripe() -> usize {
        0
    }
}

#[cfg(all(test, not(timebox_loom)))]
mod tests {
    use super::*;

    #[test]
    fn counts_from_many_threads_add_up() {
        static COUNTS: Striped<2> = Striped::new();
        let threads: Vec<_> = (0..2 * STRIPES)
            .map(|_| {
                std::thread::spawn(|| {
                    for _ in 0..1000 {
                        COUNTS.add(1);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        COUNTS.add(0);
        assert_eq!((COUNTS.sum(0), COUNTS.sum(1)), (1, 2000 * STRIPES as u64));
    }
}
