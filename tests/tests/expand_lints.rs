//! Every shape of expansion under clippy's strictest groups: the workspace's
//! `cargo clippy --all-targets -- -D warnings` lints this file, so a lint
//! that fires on generated code fails CI, as it would for users who deny
//! those groups. The tests only check that the functions still work.

#![deny(warnings, unused_qualifications, unused_results)]
#![deny(clippy::all, clippy::pedantic, clippy::nursery, clippy::cargo)]
#![allow(
    clippy::unused_async,
    clippy::cargo_common_metadata,
    clippy::multiple_crate_versions
)]

use std::fmt::Display;
use std::sync::Arc;
use std::time::Duration;

use timebox::timed;

#[timed(secs = 1)]
async fn spawned(n: u32) -> Result<u32, timebox::Error> {
    Ok(n)
}

#[timed(ms = 50)]
async fn no_arguments() -> Result<(), timebox::Error> {
    Ok(())
}

#[timed(secs = 0.5, inline)]
async fn borrowed(text: &str) -> Result<usize, timebox::Error> {
    Ok(text.len())
}

#[timed(ms = 20, fallback = 0)]
async fn with_fallback(n: u32) -> u32 {
    n
}

#[timed(ms = 20, fallback = ())]
async fn unit() {}

#[timed(duration = Duration::from_millis(ms), grace = 5, name = "computed")]
async fn computed(ms: u64) -> Result<u64, timebox::Error> {
    Ok(ms)
}

#[timed(secs = 1)]
async fn question(text: String) -> anyhow::Result<u32> {
    Ok(text.parse::<u32>()?)
}

#[timed(secs = 1)]
async fn opaque(n: u32) -> Result<impl Display + Send, timebox::Error> {
    Ok(n)
}

#[timed(secs = 1)]
async fn early(flag: bool) -> Result<&'static str, timebox::Error> {
    if flag {
        return Ok("early");
    }
    Ok("late")
}

#[timed(secs = 1)]
async fn destructured((a, b): (u32, u32), mut c: u32) -> Result<u32, timebox::Error> {
    c += a;
    Ok(b + c)
}

#[derive(Debug, Default)]
struct Counter {
    hits: u32,
}

impl Counter {
    #[timed(secs = 1, inline)]
    async fn hit(&mut self) -> Result<u32, timebox::Error> {
        self.hits += 1;
        Ok(self.hits)
    }

    #[timed(secs = 1)]
    async fn shared(self: Arc<Self>) -> Result<u32, timebox::Error> {
        Ok(self.hits)
    }
}

#[tokio::test]
async fn every_shape_still_works() {
    assert_eq!(spawned(1).await.unwrap(), 1);
    no_arguments().await.unwrap();
    assert_eq!(borrowed("ab").await.unwrap(), 2);
    assert_eq!(with_fallback(3).await, 3);
    unit().await;
    assert_eq!(computed(40).await.unwrap(), 40);
    assert_eq!(question("7".to_owned()).await.unwrap(), 7);
    assert_eq!(opaque(5).await.unwrap().to_string(), "5");
    assert_eq!(early(true).await.unwrap(), "early");
    assert_eq!(destructured((1, 2), 3).await.unwrap(), 6);
    let mut counter = Counter::default();
    assert_eq!(counter.hit().await.unwrap(), 1);
    assert_eq!(Arc::new(counter).shared().await.unwrap(), 1);
}
