//! Misuse is one behaviour every time, reported at the caller's line with
//! the fn's name and the fix: a call outside a Tokio runtime, a call on a
//! runtime without timers, whatever its body does; and a call after its
//! runtime shut down ends `Cancelled` in both modes.

use std::cell::RefCell;
use std::future::{Future, pending};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::pin;
use std::sync::{Arc, Once};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::Thread;

use timebox::{ErrorKind, timed};
use timebox_tests::serial;
use tokio::runtime::{Builder, Runtime};

#[timed(ms = 200)]
async fn ready_spawn() -> Result<u32, timebox::Error> {
    Ok(1)
}

#[timed(ms = 200)]
async fn waiting_spawn() -> Result<u32, timebox::Error> {
    tokio::task::yield_now().await;
    Ok(2)
}

#[timed(ms = 200, inline)]
async fn ready_inline() -> Result<u32, timebox::Error> {
    Ok(3)
}

#[timed(ms = 200, inline)]
async fn waiting_inline() -> Result<u32, timebox::Error> {
    tokio::task::yield_now().await;
    Ok(4)
}

#[timed(ms = 200, inline)]
async fn parked_inline() -> Result<u32, timebox::Error> {
    pending::<()>().await;
    Ok(5)
}

// ---- where a panic was raised --------------------------------------------

thread_local! {
    /// The panics raised on this thread while it captures: message, file.
    static CAUGHT: RefCell<Option<Vec<(String, String)>>> = const { RefCell::new(None) };
}

/// Runs `f`, which must panic, and returns the message and file of the
/// panic that escaped it (the last one raised). Panics of other threads
/// still reach the default hook.
fn panic_of(f: impl FnOnce()) -> (String, String) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let captured = CAUGHT.with(|c| {
                let mut c = c.borrow_mut();
                let list = c.as_mut()?;
                let message = match info.payload().downcast_ref::<String>() {
                    Some(s) => s.clone(),
                    None => info
                        .payload()
                        .downcast_ref::<&str>()
                        .map_or_else(String::new, |s| (*s).to_owned()),
                };
                let file = info
                    .location()
                    .map_or_else(String::new, |l| l.file().to_owned());
                list.push((message, file));
                Some(())
            });
            if captured.is_none() {
                default(info);
            }
        }));
    });
    CAUGHT.with(|c| *c.borrow_mut() = Some(Vec::new()));
    let result = catch_unwind(AssertUnwindSafe(f));
    let caught = CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_default();
    assert!(result.is_err(), "expected a panic");
    caught.last().cloned().expect("the hook saw the panic")
}

/// Asserts that the panic names `name` and the fix, and was raised in this
/// file: at the caller, not inside timebox or tokio.
fn assert_points_at_caller((message, file): &(String, String), name: &str, fix: &[&str]) {
    assert!(
        message.contains(&format!("`{name}` (a #[timed] fn)")),
        "the message names the fn: {message:?}"
    );
    for fix in fix {
        assert!(
            message.contains(fix),
            "the message says {fix:?}: {message:?}"
        );
    }
    assert!(
        file.ends_with("misuse.rs"),
        "the panic points at the caller, not at {file}: {message:?}"
    );
}

// ---- outside a runtime -----------------------------------------------------

/// A minimal executor that is not Tokio: the future runs outside any runtime.
fn block_on_without_tokio<F: Future>(fut: F) -> F::Output {
    struct Unpark(Thread);
    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Arc::new(Unpark(std::thread::current())).into();
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    loop {
        if let Poll::Ready(value) = fut.as_mut().poll(&mut cx) {
            return value;
        }
        std::thread::park();
    }
}

const OUTSIDE: &[&str] = &[
    "outside a Tokio runtime",
    "#[tokio::main]",
    "#[tokio::test]",
    "Runtime::block_on",
];

#[test]
fn outside_a_runtime_every_call_panics_at_the_caller() {
    let _serial = serial();
    let spawn = panic_of(|| drop(block_on_without_tokio(ready_spawn())));
    assert_points_at_caller(&spawn, "ready_spawn", OUTSIDE);
    let waiting = panic_of(|| drop(block_on_without_tokio(waiting_spawn())));
    assert_points_at_caller(&waiting, "waiting_spawn", OUTSIDE);
    // Inline needs no task, but it needs the timer: a ready body is no
    // exception.
    let ready = panic_of(|| drop(block_on_without_tokio(ready_inline())));
    assert_points_at_caller(&ready, "ready_inline", OUTSIDE);
    let waiting = panic_of(|| drop(block_on_without_tokio(waiting_inline())));
    assert_points_at_caller(&waiting, "waiting_inline", OUTSIDE);
    assert_eq!(timebox::live(), 0, "nothing was started");
}

// ---- a runtime without timers ------------------------------------------------

const NO_TIMERS: &[&str] = &["enable_time()", "enable_all()"];

fn without_timers() -> [Runtime; 2] {
    let current = Builder::new_current_thread().build().expect("runtime");
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    [current, multi]
}

#[test]
fn without_timers_the_same_call_panics_every_time() {
    let _serial = serial();
    for rt in without_timers() {
        // Before, the timer was made only if the body was not done by the
        // caller's second poll: the same call worked or panicked at random.
        for _ in 0..200 {
            let caught = panic_of(|| drop(rt.block_on(ready_spawn())));
            assert_points_at_caller(&caught, "ready_spawn", NO_TIMERS);
        }
        let waiting = panic_of(|| drop(rt.block_on(waiting_spawn())));
        assert_points_at_caller(&waiting, "waiting_spawn", NO_TIMERS);
        let ready = panic_of(|| drop(rt.block_on(ready_inline())));
        assert_points_at_caller(&ready, "ready_inline", NO_TIMERS);
        let waiting = panic_of(|| drop(rt.block_on(waiting_inline())));
        assert_points_at_caller(&waiting, "waiting_inline", NO_TIMERS);
        // From inside a task too, every time: a task is remembered only
        // once its runtime passed.
        let messages = rt.block_on(async {
            let task = tokio::spawn(async {
                (0..3)
                    .map(|_| {
                        let caught = catch_unwind(AssertUnwindSafe(|| {
                            let mut call = pin!(ready_inline());
                            let mut cx = Context::from_waker(Waker::noop());
                            let _ = call.as_mut().poll(&mut cx);
                        }));
                        let payload = caught.expect_err("every call panics");
                        payload.downcast::<String>().map(|s| *s).unwrap_or_default()
                    })
                    .collect::<Vec<_>>()
            });
            task.await.expect("the task itself does not panic")
        });
        assert_eq!(messages.len(), 3);
        for message in &messages {
            assert!(
                message.contains("`ready_inline` (a #[timed] fn)"),
                "{message}"
            );
        }
        rt.block_on(async {
            while timebox::live() != 0 {
                tokio::task::yield_now().await;
            }
        });
    }
}

// ---- after the runtime shut down ---------------------------------------------

#[test]
fn after_shutdown_both_modes_end_cancelled() {
    let _serial = serial();
    let rt = Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let handle = rt.handle().clone();
    drop(rt);
    // Spawn mode: the task never runs.
    let spawned = handle.block_on(waiting_spawn());
    assert_eq!(spawned.unwrap_err().kind(), ErrorKind::Cancelled);
    // Inline: a body that has to wait cannot be timed any more.
    let waited = handle.block_on(parked_inline());
    assert_eq!(waited.unwrap_err().kind(), ErrorKind::Cancelled);
    let waited = handle.block_on(waiting_inline());
    assert_eq!(waited.unwrap_err().kind(), ErrorKind::Cancelled);
    assert_eq!(timebox::live(), 0);
}
