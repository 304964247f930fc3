//! `#[timed]` on the default methods of an `#[async_trait]` trait: inline
//! with `&self`, and spawn mode with `self: Arc<Self>` (the trait asks for
//! `Send + Sync + 'static`, which a task needs of `Self`); an impl that
//! keeps the default and one that replaces it.

#![deny(warnings)]

use std::sync::Arc;

use async_trait::async_trait;
use timebox::{ErrorKind, timed};

#[async_trait]
trait Greet: Send + Sync + 'static {
    fn name(&self) -> String;

    #[timed(ms = 50, inline)]
    async fn greet(&self, stall: bool) -> Result<String, timebox::Error> {
        if stall {
            std::future::pending::<()>().await;
        }
        Ok(format!("hello, {}", self.name()))
    }

    #[timed(ms = 50)]
    async fn greet_shared(self: Arc<Self>, times: usize) -> Result<String, timebox::Error> {
        Ok(self.name().repeat(times))
    }
}

struct Plain;

impl Greet for Plain {
    fn name(&self) -> String {
        "plain".to_string()
    }
}

struct Custom;

#[async_trait]
impl Greet for Custom {
    fn name(&self) -> String {
        "custom".to_string()
    }

    #[timed(ms = 50, inline, fallback = Ok("too slow".to_string()))]
    async fn greet(&self, stall: bool) -> Result<String, timebox::Error> {
        if stall {
            std::future::pending::<()>().await;
        }
        Ok(self.name())
    }
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    assert_eq!(Plain.greet(false).await.unwrap(), "hello, plain");
    assert_eq!(
        Plain.greet(true).await.unwrap_err().kind(),
        ErrorKind::Elapsed
    );
    assert_eq!(Arc::new(Plain).greet_shared(2).await.unwrap(), "plainplain");
    assert_eq!(Custom.greet(false).await.unwrap(), "custom");
    assert_eq!(Custom.greet(true).await.unwrap(), "too slow");
    let shared: Arc<dyn Greet> = Arc::new(Custom);
    assert_eq!(shared.greet_shared(1).await.unwrap(), "custom");
    tokio::task::yield_now().await;
    assert_eq!(timebox::live(), 0);
}
