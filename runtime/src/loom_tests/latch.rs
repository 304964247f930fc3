//! A scope's registration protocol: cancellation and close racing the
//! watcher, spawned children and nested calls that register with it.

use loom::sync::Arc;
use loom::sync::atomic::AtomicUsize;
use loom::sync::atomic::Ordering::SeqCst;
use loom::thread;

use super::Flag;
use crate::latch::Latch;

/// A latch with flags for a watcher, children and nested calls.
type TestLatch = Latch<Flag, Flag, Flag>;

/// What `Scope::signal_one` does with what it took.
fn signal(latch: &TestLatch, close: bool) {
    let taken = latch.signal(close, || {});
    taken.watcher.iter().for_each(Flag::raise);
    taken.tasks.iter().for_each(Flag::raise);
    taken.calls.iter().for_each(Flag::raise);
}

fn spawn_signal(latch: &Arc<TestLatch>, close: bool) -> thread::JoinHandle<()> {
    let latch = Arc::clone(latch);
    thread::spawn(move || signal(&latch, close))
}

#[test]
fn loom_a_watcher_is_woken_or_sees_the_cancellation() {
    loom::model(|| {
        let latch = Arc::new(TestLatch::new(false));
        let canceller = spawn_signal(&latch, false);
        let waker = Flag::default();
        let saw = latch.watch(|_| false, || waker.clone());
        canceller.join().unwrap();
        assert!(saw || waker.raised(), "the cancellation was missed");
    });
}

#[test]
fn loom_an_adopted_child_is_aborted_by_the_close_or_by_adopt() {
    loom::model(|| {
        let latch = Arc::new(TestLatch::new(false));
        // A cancel as well as the close: a cancel takes the nested calls
        // but must leave the children to the close.
        let canceller = spawn_signal(&latch, false);
        let closer = spawn_signal(&latch, true);
        let child = Flag::default();
        for late in latch.adopt(child.clone(), |_| true) {
            late.raise();
        }
        canceller.join().unwrap();
        closer.join().unwrap();
        assert!(child.raised(), "a child outlived its scope's close");
    });
}

#[test]
fn loom_a_call_nested_during_cancellation_ends_up_cancelled() {
    loom::model(|| {
        let latch = Arc::new(TestLatch::new(false));
        let canceller = spawn_signal(&latch, false);
        let call = Flag::default();
        if latch.nest(call.clone(), |_| true) {
            call.raise();
        }
        canceller.join().unwrap();
        assert!(call.raised(), "a nested call escaped the cancellation");
    });
}

#[test]
fn loom_the_first_of_racing_signals_runs_once() {
    loom::model(|| {
        let latch = Arc::new(TestLatch::new(false));
        let firsts = Arc::new(AtomicUsize::new(0));
        let other = {
            let (latch, firsts) = (Arc::clone(&latch), Arc::clone(&firsts));
            thread::spawn(move || {
                latch.signal(true, || {
                    firsts.fetch_add(1, SeqCst);
                });
            })
        };
        latch.signal(false, || {
            firsts.fetch_add(1, SeqCst);
        });
        other.join().unwrap();
        assert_eq!(firsts.load(SeqCst), 1, "the token was cancelled twice");
        assert!(latch.is_cancelled());
    });
}
