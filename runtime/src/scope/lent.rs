//! The current scope: the one whose body this thread is polling. The future
//! that polls a body holds its scope and lends it to the thread for each
//! poll, moving it in and back out (as a Tokio task-local does), so a poll
//! costs no reference count: a thread-local slot, swapped.

use std::cell::RefCell;
use std::future::Future;
use std::mem;
use std::ops::Deref;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;

use crate::scope::Scope;

std::thread_local! {
    /// The scope lent for the poll in progress on this thread, if any.
    static CURRENT: RefCell<Option<Arc<Scope>>> = const { RefCell::new(None) };
}

/// The scope the current poll runs in, if any.
pub(super) fn current() -> Option<Arc<Scope>> {
    CURRENT
        .try_with(|current| current.try_borrow().ok()?.clone())
        .ok()
        .flatten()
}

/// `f` of the scope the current poll runs in, if any, without taking a
/// reference count.
pub(super) fn with_current<R>(f: impl FnOnce(&Scope) -> R) -> Option<R> {
    CURRENT
        .try_with(|current| Some(f(current.try_borrow().ok()?.as_deref()?)))
        .ok()
        .flatten()
}

/// A scope held by the future that polls its body, lent to the thread for
/// each poll ([`Held::run_in`]).
#[derive(Debug)]
pub(crate) struct Held(
    /// `None` only while lent (unobservable: lending borrows this), or
    /// once taken by a holder being dropped.
    Option<Arc<Scope>>,
);

impl Held {
    pub(crate) fn new(scope: Arc<Scope>) -> Self {
        Held(Some(scope))
    }

    /// Runs `f` (one poll of the body, or its drop) with this scope as the
    /// current one; the one current before is current again after, even if
    /// `f` panics. (While the thread's storage is being torn down there is
    /// no current scope to set: `f` runs without.)
    pub(crate) fn run_in<R>(&mut self, f: impl FnOnce() -> R) -> R {
        if !swap(&mut self.0) {
            return f();
        }
        let _lent = Lent(&mut self.0);
        f()
    }

    /// The scope, from a holder being dropped.
    pub(super) fn take(&mut self) -> Option<Arc<Scope>> {
        self.0.take()
    }
}

/// Gives the scope back to its holder, and the thread its previous one.
struct Lent<'a>(&'a mut Option<Arc<Scope>>);

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        swap(self.0);
    }
}

/// Swaps `held` with the thread's current scope; whether it could.
fn swap(held: &mut Option<Arc<Scope>>) -> bool {
    CURRENT
        .try_with(|current| match current.try_borrow_mut() {
            Ok(mut current) => {
                mem::swap(&mut *current, held);
                true
            }
            Err(_) => false,
        })
        .unwrap_or(false)
}

impl Deref for Held {
    type Target = Arc<Scope>;

    fn deref(&self) -> &Arc<Scope> {
        self.0
            .as_ref()
            .expect("a held scope is back once its poll is done")
    }
}

pin_project! {
    /// A future polled, and dropped, with its scope as the current one.
    #[derive(Debug)]
    pub(crate) struct InScope<F> {
        held: Held,
        #[pin]
        fut: Option<F>,
    }

    impl<F> PinnedDrop for InScope<F> {
        fn drop(this: Pin<&mut Self>) {
            // What the future holds may ask for its scope as it goes.
            let mut this = this.project();
            this.held.run_in(|| this.fut.set(None));
        }
    }
}

impl<F> InScope<F> {
    pub(super) fn new(scope: Arc<Scope>, fut: F) -> Self {
        InScope {
            held: Held::new(scope),
            fut: Some(fut),
        }
    }
}

impl<F: Future> Future for InScope<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let mut this = self.project();
        this.held.run_in(|| match this.fut.as_mut().as_pin_mut() {
            Some(fut) => fut.poll(cx),
            None => panic!("a timebox scope's future was polled after it completed"),
        })
    }
}
