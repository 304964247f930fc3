//! The deadline scope: what tells a timed body how long it has and whether
//! it was cancelled (lent to the thread for each poll of the body: see
//! `scope::lent`), and what nested timed calls inherit from, so a child
//! never outlives its parent's budget.

use std::future::Future;
use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::{AcqRel, Acquire, Release};
use std::sync::atomic::fence;
use std::sync::{Arc, OnceLock, Weak};
use std::task::Waker;
use std::time::Duration;

use tokio::task::AbortHandle;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::budget::Budget;
use crate::latch::Latch;
use crate::registry::{BodyRef, Site};
use crate::tracker::Tracker;
use crate::zombie;

mod lent;
mod pool;

pub(crate) use lent::{Held, InScope};
pub(crate) use pool::Owned;

/// The state one timed call (or one `timebox::spawn` child) shares between
/// the code that owns it and the body that runs in it.
///
/// Cancellation is an atomic flag plus the waker of whoever watches the
/// body. A real [`CancellationToken`] is made only when someone asks for one
/// ([`token`], [`cancelled`]); a call that never asks pays for none.
#[derive(Debug)]
pub(crate) struct Scope {
    /// `None` for a tracking scope and the children spawned in it.
    pub(crate) budget: Option<Budget>,
    /// The site whose body runs in this scope.
    pub(crate) site: &'static Site,
    /// The body's record in its site; `None` for a tracking scope, which
    /// has no body of its own.
    pub(crate) body: Option<BodyRef>,
    /// The cancel and close flags, and what a scope wakes, cancels or aborts
    /// then: the task (or inline call) running the body, woken on
    /// cancellation; `timebox::spawn` children, aborted when the scope
    /// closes; timed calls nested in this one, cancelled with it. (Scopes
    /// are held weakly: a child holds its parent, and a strong link back
    /// would make a cycle.)
    latch: Latch<Waker, Child, Weak<Scope>>,
    token: OnceLock<CancellationToken>,
    parent: Option<Arc<Scope>>,
    /// Set once the deadline this scope runs under is reached (see
    /// [`Scope::reach_deadline`]).
    deadline_reached: AtomicBool,
    /// What few scopes have, boxed so that the others do not carry it.
    rare: Option<Box<Rare>>,
}

/// The parts of a scope most calls leave at their defaults: a grace
/// period, a leak check, a cleanup scope.
#[derive(Debug, Default)]
struct Rare {
    /// How long a cancelled body may keep running to clean up.
    grace: Duration,
    /// The `assert_no_leaks` scope this one was opened in, however deep.
    tracker: Option<Arc<Tracker>>,
    /// The cleanup scope of a cancelled body in its grace period: to the
    /// body, its call is cancelled; what it starts is not.
    cleaning_up: bool,
}

impl Rare {
    /// `None` when every part is at its default.
    fn boxed(
        grace: Duration,
        tracker: Option<Arc<Tracker>>,
        cleaning_up: bool,
    ) -> Option<Box<Rare>> {
        (!grace.is_zero() || tracker.is_some() || cleaning_up).then(|| {
            Box::new(Rare {
                grace,
                tracker,
                cleaning_up,
            })
        })
    }
}

/// A `timebox::spawn` child: its task and its scope.
type Child = (AbortHandle, Weak<Scope>);

impl Scope {
    #[inline]
    fn new(
        site: &'static Site,
        budget: Option<Budget>,
        grace: Duration,
        parent: Option<Arc<Scope>>,
        tracker: Option<Arc<Tracker>>,
        body: Option<BodyRef>,
        cleaning_up: bool,
    ) -> Arc<Scope> {
        let tracker = tracker.or_else(|| parent.as_ref().and_then(|p| p.tracker().cloned()));
        let cancelled = parent.as_ref().is_some_and(|p| p.is_cancelled());
        let rare = Rare::boxed(grace, tracker, cleaning_up);
        // In a scope this thread kept, if any: no allocation. (Kept scopes
        // are empty: filled in place, field by field.)
        let mut kept = pool::take();
        match kept.as_mut().and_then(Arc::get_mut) {
            Some(room) => {
                room.budget = budget;
                room.site = site;
                room.body = body;
                room.latch = Latch::new(cancelled);
                // Empty already; every field is written all the same, so
                // no state of the call before can reach this one.
                room.token.take();
                room.parent = parent;
                *room.deadline_reached.get_mut() = false;
                room.rare = rare;
            }
            None => {
                kept = Some(Arc::new(Scope {
                    budget,
                    site,
                    body,
                    latch: Latch::new(cancelled),
                    token: OnceLock::new(),
                    parent,
                    deadline_reached: AtomicBool::new(false),
                    rare,
                }));
            }
        }
        let scope = kept.expect("kept or made above");
        // Opened under a deadline already reached: reached for it too.
        if let Some(parent) = &scope.parent {
            parent.pass_mark_to(&scope);
        }
        scope
    }

    /// Whether this scope holds nothing to let go of before it is kept for
    /// another call (see [`Scope::empty`]): the common case, a call that
    /// nested in nothing, never waited and handed out no token.
    fn is_empty(&self) -> bool {
        self.parent.is_none()
            && !self.latch.was_used()
            && self.token.get().is_none()
            && self.rare.is_none()
    }

    /// Lets go of everything this scope holds, so that it can be kept for
    /// another call: its parent, its registrations, its token.
    fn empty(&mut self) {
        self.unlink();
        if self.latch.was_used() {
            self.latch = Latch::new(false);
        }
        self.token.take();
        self.rare = None;
    }

    /// Lets go of the parent: dropping the last reference to the innermost
    /// of a deep chain of scopes would drop each parent from inside its
    /// child's drop, so the chain is unlinked in a loop instead, as far as
    /// this scope owns it.
    fn unlink(&mut self) {
        let mut next = self.parent.take();
        while let Some(parent) = next {
            next = Arc::into_inner(parent).and_then(|mut scope| scope.parent.take());
        }
    }

    /// Opens the scope of a timed call started `now`, and counts its body
    /// as started: deadline clamped to the enclosing scope's, cancelled
    /// with it. The body must be handed to a [`Live`] guard at once.
    ///
    /// [`Live`]: crate::guard::Live
    pub(crate) fn open(
        site: &'static Site,
        timeout: Duration,
        grace: Duration,
        now: Instant,
    ) -> (Arc<Scope>, Budget) {
        let parent = Scope::current();
        let outer = parent.as_ref().and_then(|p| p.budget.as_ref());
        let budget = Budget::within(site.name(), timeout, now, outer);
        let body = Some(site.start(now));
        let scope = Scope::new(site, Some(budget.clone()), grace, parent, None, body, false);
        if let Some(parent) = &scope.parent {
            parent.nest(&scope);
        }
        (scope, budget)
    }

    /// The scope of a `timebox::spawn` child of `parent`, started `now`:
    /// same deadline, cancelled with it, aborted when it closes.
    pub(crate) fn child(parent: &Arc<Scope>, site: &'static Site, now: Instant) -> Arc<Scope> {
        let body = Some(site.start(now));
        let child = Scope::new(
            site,
            parent.budget.clone(),
            Duration::ZERO,
            Some(Arc::clone(parent)),
            None,
            body,
            false,
        );
        parent.nest(&child);
        child
    }

    /// The scope a cancelled body cleans up in during its grace period,
    /// from `now`: to the body its call is still cancelled
    /// ([`is_cancelled`](crate::is_cancelled)), but what it starts is not,
    /// as with Trio's shielded scopes and Kotlin's `NonCancellable`: timed
    /// calls and `timebox::spawn` children made then work, clamped to the
    /// grace period's end, its deadline. It has no parent to be cancelled by; the grace
    /// itself ends when the call's parent closes (see [`Scope::tie_to_parent`]).
    /// Its owner closes it when the body ends.
    pub(crate) fn cleanup(of: &Scope, now: Instant) -> Arc<Scope> {
        let budget = of
            .budget
            .as_ref()
            .map(|b| Budget::within(b.name, of.grace(), now, None));
        Scope::new(
            of.site,
            budget,
            Duration::ZERO,
            None,
            of.tracker().cloned(),
            None,
            true,
        )
    }

    /// Makes this call's task (one with a grace period, which outlives the
    /// call's own cancellation) a child of the enclosing scope: aborted, in
    /// its grace or not, when that scope closes. So no timed call outlives
    /// the outermost call around it.
    pub(crate) fn tie_to_parent(self: &Arc<Self>, task: AbortHandle) {
        if let Some(parent) = &self.parent {
            parent.adopt(task, self);
        }
    }

    /// A scope that only attributes what starts in it to `tracker`. It adds
    /// no deadline of its own: inside a timed call it keeps that call's
    /// deadline and cancellation, elsewhere it has none.
    pub(crate) fn tracking(site: &'static Site, tracker: Arc<Tracker>) -> Arc<Scope> {
        let parent = Scope::current();
        let budget = parent.as_ref().and_then(|p| p.budget.clone());
        let scope = Scope::new(
            site,
            budget,
            Duration::ZERO,
            parent,
            Some(tracker),
            None,
            false,
        );
        if let Some(parent) = &scope.parent {
            parent.nest(&scope);
        }
        scope
    }

    /// How long a cancelled body may keep running to clean up.
    pub(crate) fn grace(&self) -> Duration {
        self.rare.as_ref().map_or(Duration::ZERO, |rare| rare.grace)
    }

    /// The `assert_no_leaks` scope this one was opened in, however deep.
    pub(crate) fn tracker(&self) -> Option<&Arc<Tracker>> {
        self.rare.as_ref().and_then(|rare| rare.tracker.as_ref())
    }

    /// Whether this is the cleanup scope of a cancelled body in its grace
    /// period: to the body, its call is cancelled; what it starts is not.
    pub(crate) fn cleaning_up(&self) -> bool {
        self.rare.as_ref().is_some_and(|rare| rare.cleaning_up)
    }

    /// Whether this scope belongs to a timed call (its own, or the one a
    /// `timebox::spawn` child or a leak check was started in).
    pub(crate) fn in_timed_call(&self) -> bool {
        self.budget.is_some()
    }

    /// The scope the current task runs in, if any.
    pub(crate) fn current() -> Option<Arc<Scope>> {
        lent::current()
    }

    /// `f` of the scope the current task runs in, if any, without taking a
    /// reference count.
    pub(crate) fn with_current<R>(f: impl FnOnce(&Scope) -> R) -> Option<R> {
        lent::with_current(f)
    }

    /// Runs `fut` with this scope as the current one: for each of its polls,
    /// and as it is dropped. (A future that polls a body itself holds the
    /// scope in a [`Held`] instead.)
    pub(crate) fn enter<F: Future>(self: Arc<Self>, fut: F) -> InScope<F> {
        InScope::new(self, fut)
    }

    /// The deadline this scope runs under was reached: its owner's timer
    /// fired, or a call nested in it that inherited the deadline ran out of
    /// it. Marks this scope and every enclosing one under the same deadline
    /// (up to the first marked already: the marks are closed upwards, so
    /// each scope is marked once however deep the chain), before anything
    /// is cancelled; a cancellation then carries the mark down to the calls
    /// nested under the same deadline ([`Scope::signal`]). Whoever sees a
    /// cancellation, or an error on its way up, then counts its call
    /// `elapsed`.
    pub(crate) fn reach_deadline(&self) {
        let mut scope = Some(self);
        while let Some(at) = scope.filter(|s| self.same_deadline(s)) {
            if at.deadline_reached.swap(true, AcqRel) {
                return;
            }
            scope = at.parent.as_deref();
        }
    }

    /// Whether the deadline this scope runs under was reached, by its own
    /// call or one enclosing it whose deadline it inherited.
    pub(crate) fn deadline_reached(&self) -> bool {
        self.deadline_reached.load(Acquire)
    }

    /// Marks `nested` (a call or child nested in this scope) as having
    /// reached its deadline if this scope has and the deadline is the same.
    fn pass_mark_to(&self, nested: &Scope) {
        if self.deadline_reached() && self.same_deadline(nested) {
            nested.deadline_reached.store(true, Release);
        }
    }

    /// Whether `other` runs under this scope's deadline.
    fn same_deadline(&self, other: &Scope) -> bool {
        let deadline = |s: &Scope| s.budget.as_ref().map(|b| b.deadline);
        deadline(self).is_some() && deadline(self) == deadline(other)
    }

    /// Whether this scope was cancelled: by its owner, an enclosing scope,
    /// or someone holding its token.
    pub(crate) fn is_cancelled(&self) -> bool {
        self.latch.is_cancelled() || self.token_cancelled()
    }

    /// Whether someone cancelled the token handed out for this scope.
    fn token_cancelled(&self) -> bool {
        self.token
            .get()
            .is_some_and(CancellationToken::is_cancelled)
    }

    /// Cancels this scope and every call nested in it; wakes the body's
    /// watcher so the body ends (or starts its grace period).
    pub(crate) fn cancel(&self) {
        self.signal(false);
    }

    /// The call that owns this scope has returned: cancel what is left of
    /// it, as Go's `defer cancel()` does, and abort its spawned children.
    ///
    /// A scope its closer alone holds, with no token handed out, has no one
    /// left to tell: nothing registered is alive (a child or a nested call
    /// holds its parent), and whoever reaches it later through a weak link
    /// only signals it. Closing it is one load.
    pub(crate) fn close(self: &Arc<Self>) {
        if Arc::strong_count(self) == 1 {
            // Whatever the other holders did before letting go (handing
            // out a token, say) is seen from here on.
            fence(Acquire);
            if !self.has_token() {
                return;
            }
        }
        self.signal(true);
    }

    /// Cancels this scope (and closes it, when `close`), then everything
    /// nested in it, however deep: one loop over a work list, not a
    /// recursion, so a chain of 100,000 nested calls needs no more stack
    /// than one.
    fn signal(&self, close: bool) {
        let mut more = Vec::new();
        self.signal_one(close, &mut more);
        while let Some((scope, close)) = more.pop() {
            scope.signal_one(close, &mut more);
        }
    }

    /// Sets the flags, then tells whoever registered: wakes the watcher,
    /// and, when `close`, aborts the children. The nested calls to cancel
    /// (and the aborted children's scopes to close) go to `more`. (The
    /// protocol and its orderings: see the latch's invariants.)
    fn signal_one(&self, close: bool, more: &mut Vec<(Arc<Scope>, bool)>) {
        let taken = self.latch.signal(close, || {
            if let Some(token) = self.token.get() {
                token.cancel();
            }
        });
        let before = more.len();
        more.extend(
            taken
                .calls
                .iter()
                .filter_map(Weak::upgrade)
                .map(|call| (call, false)),
        );
        // The deadline's mark goes down to the calls nested under it (see
        // `reach_deadline`) before the body is woken: it may drop them at
        // once, and they must know why.
        for (call, _) in &more[before..] {
            self.pass_mark_to(call);
        }
        if let Some(waker) = taken.watcher {
            waker.wake();
        }
        more.extend(abort_all(taken.tasks).map(|child| (child, true)));
    }

    /// Registers `waker` to be woken when this scope is cancelled; whether
    /// it already is. Registering first and checking after means no
    /// cancellation slips between the two.
    pub(crate) fn watch(&self, waker: &Waker) -> bool {
        self.latch
            .watch(|known| known.will_wake(waker), || waker.clone())
            || self.token_cancelled()
    }

    /// Makes a spawned task a child of this scope: aborted when it closes,
    /// or at once if it already has.
    pub(crate) fn adopt(&self, task: AbortHandle, scope: &Arc<Scope>) {
        // A long-lived scope spawning many short children forgets the
        // finished ones now and then, so the list stays small.
        let late = self
            .latch
            .adopt((task, Arc::downgrade(scope)), |(task, _)| {
                !task.is_finished()
            });
        for child in abort_all(late) {
            child.close();
        }
    }

    /// Makes a call or child nested in this scope cancel with it.
    fn nest(&self, call: &Arc<Scope>) {
        let cancelled = self
            .latch
            .nest(Arc::downgrade(call), |call| call.strong_count() > 0);
        if cancelled || self.token_cancelled() {
            self.pass_mark_to(call);
            call.cancel();
        }
    }

    /// This scope's token, made on first use: a child of the enclosing
    /// scope's token, already cancelled if the scope is.
    pub(crate) fn token(&self) -> CancellationToken {
        // The scopes from here up to the nearest one with a token (or the
        // root): their tokens are made top-down, in a loop, so a deep chain
        // needs no deep stack.
        let mut chain = vec![self];
        while let (None, Some(parent)) = (
            chain[chain.len() - 1].token.get(),
            &chain[chain.len() - 1].parent,
        ) {
            chain.push(parent);
        }
        let mut above: Option<CancellationToken> = None;
        for scope in chain.into_iter().rev() {
            let token = scope.token.get_or_init(|| match &above {
                Some(parent) => parent.child_token(),
                None => CancellationToken::new(),
            });
            if scope.latch.is_cancelled() {
                // Cancelled before the token existed: `cancel` did not see it.
                token.cancel();
            }
            above = Some(token.clone());
        }
        above.unwrap_or_default()
    }

    /// Whether a token was ever handed out, so someone may cancel it.
    pub(crate) fn has_token(&self) -> bool {
        self.token.get().is_some()
    }

    /// The body of this scope was just cancelled: if it is still alive after
    /// its grace period and a second, it is a zombie.
    pub(crate) fn body_cancelled(&self) {
        if let Some(body) = self.body {
            zombie::watch(self.site, body, self.grace());
        }
    }
}

/// Aborts spawned children that are still running; each one's body is
/// marked cancelled, for zombie detection. Their scopes, to be closed at
/// once, so that what they spawned ends too.
fn abort_all(tasks: Vec<Child>) -> impl Iterator<Item = Arc<Scope>> {
    tasks.into_iter().filter_map(|(task, scope)| {
        if task.is_finished() {
            return None;
        }
        task.abort();
        let scope = scope.upgrade()?;
        scope.body_cancelled();
        Some(scope)
    })
}

/// A deep chain of scopes is unlinked in a loop (see [`Scope::unlink`]).
impl Drop for Scope {
    fn drop(&mut self) {
        self.unlink();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static OUTER: Site = Site::new("outer", module_path!(), file!(), line!());
    static INNER: Site = Site::new("inner", module_path!(), file!(), line!());

    fn open(site: &'static Site, timeout: Duration) -> (Arc<Scope>, Budget) {
        Scope::open(site, timeout, Duration::ZERO, Instant::now())
    }

    /// What every call carries: pinned, so that growth shows.
    #[test]
    fn a_scope_stays_small() {
        assert_eq!(std::mem::size_of::<Scope>(), 176);
    }

    #[tokio::test]
    async fn a_scope_no_one_else_holds_is_kept_for_the_next_call() {
        let (scope, _) = open(&OUTER, Duration::from_secs(5));
        let at = Arc::as_ptr(&scope);
        drop(Owned::new(scope));
        let (again, _) = open(&OUTER, Duration::from_secs(5));
        assert_eq!(Arc::as_ptr(&again), at);
        assert!(!again.is_cancelled() && !again.has_token());
        // Held elsewhere too: not kept, so never shared by two calls.
        let other = Arc::clone(&again);
        drop(Owned::new(again));
        let (third, _) = open(&OUTER, Duration::from_secs(5));
        assert_ne!(Arc::as_ptr(&third), Arc::as_ptr(&other));
        // One that handed out a token, once its holders let go, is emptied
        // and kept.
        let token = third.token();
        let at = Arc::as_ptr(&third);
        drop((Owned::new(third), token));
        let (fourth, _) = open(&OUTER, Duration::from_secs(5));
        assert_eq!(Arc::as_ptr(&fourth), at);
        assert!(!fourth.is_cancelled() && !fourth.has_token());
    }

    #[tokio::test(start_paused = true)]
    async fn nested_scope_is_clamped_to_parent_deadline() {
        let (outer, outer_budget) = open(&OUTER, Duration::from_millis(50));
        let (_, inner) = Arc::clone(&outer)
            .enter(async { open(&INNER, Duration::from_secs(60)) })
            .await;
        assert_eq!(inner.deadline, outer_budget.deadline);
        assert_eq!(inner.timeout, Duration::from_millis(50));
        assert_eq!(inner.clamped_by, Some("outer"));

        let (_, roomy) = outer
            .enter(async { open(&INNER, Duration::from_millis(10)) })
            .await;
        assert_eq!(roomy.timeout, Duration::from_millis(10));
        assert_eq!(roomy.clamped_by, None);
    }

    #[tokio::test]
    async fn huge_timeouts_do_not_overflow() {
        let (_, budget) = open(&OUTER, Duration::MAX);
        assert!(budget.timeout > Duration::from_secs(86_400 * 365));
    }

    #[tokio::test]
    async fn cancelling_a_parent_reaches_nested_calls_and_their_tokens() {
        let (outer, _) = open(&OUTER, Duration::from_secs(5));
        let (inner, _) = Arc::clone(&outer)
            .enter(async { open(&INNER, Duration::from_secs(5)) })
            .await;
        let inner_token = inner.token();
        assert!(!inner.is_cancelled());
        outer.cancel();
        assert!(inner.is_cancelled());
        inner_token.cancelled().await;
        // A nested call opened after the cancellation starts cancelled.
        let (late, _) = outer
            .enter(async { open(&INNER, Duration::from_secs(5)) })
            .await;
        assert!(late.is_cancelled());
        assert!(late.token().is_cancelled());
    }

    #[tokio::test]
    async fn a_token_cancelled_by_hand_is_seen_and_wakes_nobody_twice() {
        let (scope, _) = open(&OUTER, Duration::from_secs(5));
        assert!(!scope.has_token());
        let token = scope.token();
        assert!(scope.has_token());
        assert!(!scope.is_cancelled());
        token.cancel();
        assert!(scope.is_cancelled());
    }

    #[tokio::test]
    async fn a_watcher_is_woken_on_cancellation() {
        let (scope, _) = open(&OUTER, Duration::from_secs(5));
        let woken = std::future::poll_fn(|cx| {
            if scope.watch(cx.waker()) {
                std::task::Poll::Ready(true)
            } else {
                scope.cancel();
                std::task::Poll::Pending
            }
        });
        assert!(woken.await);
    }

    #[tokio::test]
    async fn closing_aborts_children_and_later_adoptions() {
        let (scope, _) = open(&OUTER, Duration::from_secs(5));
        let child = Scope::child(&scope, &INNER, Instant::now());
        assert_eq!(
            child.budget.as_ref().map(|b| b.deadline),
            scope.budget.as_ref().map(|b| b.deadline)
        );
        let first = tokio::spawn(std::future::pending::<()>());
        scope.adopt(first.abort_handle(), &child);
        scope.close();
        assert!(first.await.unwrap_err().is_cancelled());

        let late = tokio::spawn(std::future::pending::<()>());
        scope.adopt(late.abort_handle(), &child);
        assert!(late.await.unwrap_err().is_cancelled());
    }
}
