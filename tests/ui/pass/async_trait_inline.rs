//! `#[timed]` on the methods of an `#[async_trait]` impl, below it (the
//! order that works): `&self` and borrowed arguments with `inline`, every
//! key, an early return and `?`, an argument pattern, and `?Send`.

#![deny(warnings)]

use std::rc::Rc;
use std::time::Duration;

use async_trait::async_trait;
use timebox::{ErrorKind, timed};

#[async_trait]
trait Store {
    async fn get(&self, key: &str) -> Result<u32, timebox::Error>;
    async fn stalled(&self, stall: bool) -> Result<u32, timebox::Error>;
    async fn or_default(&self, budget_ms: u64) -> u32;
    async fn pair(&self, pair: (u32, u32)) -> Result<u32, std::io::Error>;
    async fn parse(&self, text: String) -> Result<u32, anyhow::Error>;
    async fn touch(&mut self);
}

struct Memory {
    base: u32,
    default: u32,
    touched: u32,
}

#[async_trait]
impl Store for Memory {
    #[timed(secs = 1, inline)]
    async fn get(&self, key: &str) -> Result<u32, timebox::Error> {
        if key.is_empty() {
            return Ok(0);
        }
        assert!(timebox::remaining().is_some(), "the body runs in a scope");
        Ok(self.base + key.len() as u32)
    }

    #[timed(ms = 20, inline, name = "store.stalled")]
    async fn stalled(&self, stall: bool) -> Result<u32, timebox::Error> {
        if stall {
            std::future::pending::<()>().await;
        }
        Ok(self.base)
    }

    /// The budget and the fallback read the arguments and `self`.
    #[timed(duration = Duration::from_millis(budget_ms), inline, fallback = self.default)]
    async fn or_default(&self, budget_ms: u64) -> u32 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        self.base + budget_ms as u32
    }

    #[timed(ms = 100, inline, crate = "::timebox")]
    async fn pair(&self, (a, b): (u32, u32)) -> Result<u32, std::io::Error> {
        Ok(self.base + a + b)
    }

    #[timed(ms = 100, inline)]
    async fn parse(&self, text: String) -> Result<u32, anyhow::Error> {
        Ok(text.parse::<u32>()? + self.base)
    }

    #[timed(ms = 100, inline, fallback = ())]
    async fn touch(&mut self) {
        self.touched += 1;
    }
}

/// `?Send`: the body holds an `Rc` across an await, in the caller's task.
#[async_trait(?Send)]
trait Local {
    async fn count(&self) -> Result<usize, timebox::Error>;
}

#[async_trait(?Send)]
impl Local for Memory {
    #[timed(ms = 100, inline)]
    async fn count(&self) -> Result<usize, timebox::Error> {
        let shared = Rc::new(self.base);
        tokio::task::yield_now().await;
        Ok(Rc::strong_count(&shared))
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let mut store = Memory {
        base: 1,
        default: 7,
        touched: 0,
    };
    assert_eq!(store.get("").await.unwrap(), 0);
    assert_eq!(store.get("abc").await.unwrap(), 4);
    assert_eq!(store.stalled(false).await.unwrap(), 1);
    let err = store.stalled(true).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Elapsed);
    assert_eq!(err.name(), "store.stalled");
    assert_eq!(err.timeout(), Duration::from_millis(20));
    assert_eq!(store.or_default(100).await, 101);
    assert_eq!(store.or_default(10).await, 7, "the fallback on timeout");
    assert_eq!(store.pair((2, 3)).await.unwrap(), 6);
    assert_eq!(store.parse("41".to_string()).await.unwrap(), 42);
    assert!(store.parse("x".to_string()).await.is_err());
    store.touch().await;
    assert_eq!(store.touched, 1);
    assert_eq!(store.count().await.unwrap(), 1);
    // Through a trait object, as frameworks call it.
    let boxed: Box<dyn Store + Send + Sync> = Box::new(store);
    assert_eq!(boxed.get("ab").await.unwrap(), 3);
    assert_eq!(timebox::live(), 0);
}
