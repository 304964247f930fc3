//! Every receiver: `self` by value, `mut self`, `self: Arc<Self>` in spawn
//! mode; `&self`, `&mut self` and borrowed arguments with `inline`; a trait
//! method's implementation.

#![deny(warnings)]

use std::sync::Arc;

use timebox::timed;

#[derive(Clone)]
struct Client {
    base: u32,
    calls: u32,
}

impl Client {
    #[timed(secs = 1)]
    async fn consume(self) -> Result<u32, timebox::Error> {
        Ok(self.base)
    }

    #[timed(secs = 1)]
    async fn consume_mut(mut self) -> Result<u32, timebox::Error> {
        self.calls += 1;
        Ok(self.calls)
    }

    #[timed(secs = 1)]
    async fn shared(self: Arc<Self>, add: u32) -> Result<u32, timebox::Error> {
        Ok(self.base + add)
    }

    #[timed(secs = 1, inline)]
    async fn get(&self) -> Result<u32, timebox::Error> {
        Ok(self.base)
    }

    #[timed(secs = 1, inline)]
    async fn bump(&mut self) -> Result<u32, timebox::Error> {
        self.calls += 1;
        Ok(self.calls)
    }

    #[timed(secs = 1, inline)]
    async fn prefixed(&self, name: &str) -> Result<String, timebox::Error> {
        Ok(format!("{}-{name}", self.base))
    }

    /// Returns a borrow of `self`, through the timed body.
    #[timed(secs = 1, inline)]
    async fn name<'a>(&'a self, names: &'a [String]) -> Result<&'a str, timebox::Error> {
        Ok(&names[self.base as usize])
    }
}

trait Fetch {
    async fn fetch(&self, key: &str) -> Result<usize, timebox::Error>;
}

impl Fetch for Client {
    #[timed(ms = 100, inline)]
    async fn fetch(&self, key: &str) -> Result<usize, timebox::Error> {
        Ok(key.len() + self.base as usize)
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut client = Client { base: 1, calls: 0 };
    assert_eq!(client.clone().consume().await.unwrap(), 1);
    assert_eq!(client.clone().consume_mut().await.unwrap(), 1);
    assert_eq!(Arc::new(client.clone()).shared(2).await.unwrap(), 3);
    assert_eq!(client.get().await.unwrap(), 1);
    assert_eq!(client.bump().await.unwrap(), 1);
    assert_eq!(client.bump().await.unwrap(), 2);
    assert_eq!(client.prefixed("x").await.unwrap(), "1-x");
    let names = vec!["zero".to_string(), "one".to_string()];
    assert_eq!(client.name(&names).await.unwrap(), "one");
    assert_eq!(client.fetch("abc").await.unwrap(), 4);
}
