//! timebox's own spawns (a spawn-mode body, a `timebox::spawn` child), made
//! through one function that marks them while tokio runs its spawn hook, so
//! that [`track_tasks`](crate::track_tasks) does not count a timed body a
//! second time as a plain task. Without `tokio_unstable` it is
//! `tokio::spawn` and nothing else.

use std::future::Future;

use tokio::task::JoinHandle;

#[cfg(tokio_unstable)]
std::thread_local! {
    static OWN: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `tokio::spawn`, marked as timebox's own for the spawn hook.
#[track_caller]
pub(crate) fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    #[cfg(tokio_unstable)]
    {
        /// Unmarks even if the spawn panics (no runtime).
        struct Unmark;
        impl Drop for Unmark {
            fn drop(&mut self) {
                OWN.set(false);
            }
        }
        OWN.set(true);
        let _unmark = Unmark;
        tokio::spawn(future)
    }
    #[cfg(not(tokio_unstable))]
    tokio::spawn(future)
}

/// Whether the task being spawned on this thread is one of timebox's own.
#[cfg(tokio_unstable)]
pub(crate) fn spawning_own() -> bool {
    OWN.get()
}
