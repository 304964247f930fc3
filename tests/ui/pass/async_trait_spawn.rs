//! Spawn mode in an `#[async_trait]` impl: `self: Arc<Self>` and owned
//! arguments move into a task of their own, which is cancelled on the
//! deadline (with `grace`), and the future stays `Send`.

#![deny(warnings)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use timebox::testing::assert_no_leaks;
use timebox::{ErrorKind, timed};

#[async_trait]
trait Worker {
    async fn work(self: Arc<Self>, add: u32) -> Result<(u32, bool), timebox::Error>;
    async fn stall(self: Arc<Self>, id: String) -> Result<String, timebox::Error>;
    async fn owned(self, (a, b): (u32, u32), name: String) -> Result<String, timebox::Error>;
}

#[derive(Default)]
struct Pool {
    base: u32,
    cleaned_up: AtomicBool,
}

/// Which task is running, to tell spawn mode from inline.
fn task() -> Option<tokio::task::Id> {
    tokio::task::try_id()
}

#[async_trait]
impl Worker for Pool {
    #[timed(secs = 1)]
    async fn work(self: Arc<Self>, add: u32) -> Result<(u32, bool), timebox::Error> {
        tokio::task::yield_now().await;
        Ok((self.base + add, task().is_some()))
    }

    /// Cancelled on the deadline; `grace` lets it see that and clean up.
    #[timed(ms = 20, grace = 50)]
    async fn stall(self: Arc<Self>, id: String) -> Result<String, timebox::Error> {
        timebox::cancelled().await;
        self.cleaned_up.store(true, Ordering::SeqCst);
        Ok(id)
    }

    #[timed(ms = 100)]
    async fn owned(self, (a, b): (u32, u32), name: String) -> Result<String, timebox::Error> {
        Ok(format!("{name}:{}", self.base + a + b))
    }
}

/// The body runs in a task that is not the caller's.
struct Probe;

#[async_trait]
trait Where {
    async fn body_task(self: Arc<Self>) -> Result<Option<tokio::task::Id>, timebox::Error>;
}

#[async_trait]
impl Where for Probe {
    #[timed(secs = 1)]
    async fn body_task(self: Arc<Self>) -> Result<Option<tokio::task::Id>, timebox::Error> {
        Ok(task())
    }
}

fn assert_send<T: Send + 'static>(value: T) -> T {
    value
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let pool = Arc::new(Pool {
        base: 1,
        ..Pool::default()
    });
    assert_no_leaks(async {
        // Called from `main`'s future, which is no task: the body is one.
        assert_eq!(Arc::clone(&pool).work(2).await.unwrap(), (3, true));
        // The future is `Send + 'static`: it can be spawned, as servers do.
        let spawned = tokio::spawn(assert_send(Arc::clone(&pool).work(3)));
        assert_eq!(spawned.await.unwrap().unwrap().0, 4);
        let err = Arc::clone(&pool).stall("a".to_string()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Elapsed);
        let owned = Pool {
            base: 1,
            ..Pool::default()
        };
        assert_eq!(owned.owned((2, 3), "n".to_string()).await.unwrap(), "n:6");
    })
    .await;
    assert!(
        pool.cleaned_up.load(Ordering::SeqCst),
        "the grace period ran the body's clean-up"
    );
    let caller = task();
    let body = Arc::new(Probe).body_task().await.unwrap();
    assert!(
        body.is_some() && body != caller,
        "spawn mode runs its own task"
    );
    tokio::time::sleep(Duration::from_millis(1)).await;
    assert_eq!(timebox::live(), 0);
}
