//! Scope allocations kept per thread: the owner of a call's scope gives it
//! back when the call ends, and, if no one else holds it (no clone, no weak
//! link: `Arc::get_mut` proves it when it is taken again), it is emptied
//! and kept for the next call the thread opens, which then neither
//! allocates nor frees.

use std::cell::RefCell;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::Ordering::Acquire;
use std::sync::atomic::fence;

use crate::scope::{Held, Scope};

/// Scopes kept per thread, at most.
const KEEP: usize = 64;

std::thread_local! {
    static KEPT: RefCell<Vec<Arc<Scope>>> = const { RefCell::new(Vec::new()) };
}

/// A kept scope, held by no one else, if this thread has one.
pub(super) fn take() -> Option<Arc<Scope>> {
    KEPT.try_with(|kept| kept.try_borrow_mut().ok()?.pop())
        .ok()
        .flatten()
}

/// Keeps `scope` for a later call, if no one else holds it and there is
/// room; frees it otherwise.
///
/// Whether no one else holds it is proven when it is taken again
/// (`Arc::get_mut`, which a scope someone still held would fail, and the
/// call would make a new one): here two loads decide whether to keep it,
/// and only a scope with something to let go of is emptied, which takes
/// the proof now.
fn give_back(mut scope: Arc<Scope>) {
    if Arc::strong_count(&scope) != 1 || Arc::weak_count(&scope) != 0 {
        return;
    }
    // What the last other holder did before letting go (a token made, a
    // registration) is seen from here on, as in `Scope::close`.
    fence(Acquire);
    if !scope.is_empty() {
        let Some(only) = Arc::get_mut(&mut scope) else {
            return;
        };
        // Emptied before the list is borrowed: what it held (a waker, its
        // parent) may run code of its own as it goes.
        only.empty();
    }
    let _ = KEPT.try_with(|kept| {
        if let Ok(mut kept) = kept.try_borrow_mut() {
            if kept.len() < KEEP {
                kept.push(scope);
            }
        }
    });
}

/// The scope of a call, held by the code that owns the call: given back to
/// this thread's kept scopes when dropped.
#[derive(Debug)]
pub(crate) struct Owned(Held);

impl Owned {
    pub(crate) fn new(scope: Arc<Scope>) -> Self {
        Owned(Held::new(scope))
    }

    /// The scope, to lend to the thread for a poll of the call's body (an
    /// inline call's owner polls it).
    pub(crate) fn held(&mut self) -> &mut Held {
        &mut self.0
    }
}

impl Deref for Owned {
    type Target = Arc<Scope>;

    fn deref(&self) -> &Arc<Scope> {
        &self.0
    }
}

impl Drop for Owned {
    fn drop(&mut self) {
        if let Some(scope) = self.0.take() {
            give_back(scope);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::*;
    use crate::registry::Site;

    static SITE: Site = Site::new("kept", module_path!(), file!(), line!());

    #[tokio::test]
    async fn a_kept_scope_carries_nothing_of_its_last_call_into_the_next() {
        let (scope, _) = Scope::open(
            &SITE,
            Duration::from_secs(5),
            Duration::ZERO,
            Instant::now(),
        );
        // A token cancelled, as a holder on another thread might leave it if
        // its writes were not seen before the scope was kept: kept as it is.
        scope.token().cancel();
        let at = Arc::as_ptr(&scope);
        KEPT.with(|kept| kept.borrow_mut().push(scope));
        let (next, _) = Scope::open(
            &SITE,
            Duration::from_secs(5),
            Duration::ZERO,
            Instant::now(),
        );
        assert_eq!(Arc::as_ptr(&next), at, "reused");
        assert!(!next.has_token());
        assert!(!next.is_cancelled());
    }
}
