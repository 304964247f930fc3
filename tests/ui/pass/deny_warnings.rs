//! Every kind of expansion under the strictest lint levels: no warning
//! comes from generated code.

#![deny(warnings, unused_qualifications, unused_results, clippy::all, clippy::pedantic)]
#![allow(clippy::unused_async)]

use std::time::Duration;

use timebox::timed;

#[timed(secs = 1)]
async fn spawned(n: u32) -> Result<u32, timebox::Error> {
    Ok(n)
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

#[timed(duration = Duration::from_millis(ms), grace = 5, name = "custom")]
async fn computed(ms: u64) -> Result<u64, timebox::Error> {
    Ok(ms)
}

#[timed(secs = 1)]
async fn question(text: String) -> anyhow::Result<u32> {
    Ok(text.parse::<u32>()?)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(spawned(1).await.unwrap(), 1);
    assert_eq!(borrowed("ab").await.unwrap(), 2);
    assert_eq!(with_fallback(3).await, 3);
    unit().await;
    assert_eq!(computed(40).await.unwrap(), 40);
    assert_eq!(question("7".to_owned()).await.unwrap(), 7);
}
