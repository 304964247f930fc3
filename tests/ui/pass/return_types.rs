//! Every return type whose error converts from `timebox::Error`, with `?`.

use std::error::Error;
use timebox::timed;

#[timed(secs = 1)]
async fn own() -> Result<u32, timebox::Error> {
    Ok(1)
}

#[timed(ms = 100)]
async fn io() -> std::io::Result<u32> {
    let n: u32 = "7".parse().map_err(std::io::Error::other)?;
    Ok(n + own().await?)
}

#[timed(secs = 0.5)]
async fn any() -> anyhow::Result<u32> {
    let n: u32 = "7".parse()?;
    Ok(n + io().await?)
}

#[timed(secs = 2)]
async fn boxed() -> Result<u32, Box<dyn Error + Send + Sync>> {
    let n: u32 = "7".parse()?;
    Ok(n + any().await?)
}

#[timed(ms = 10)]
async fn opaque() -> Result<impl std::fmt::Display + Send, timebox::Error> {
    Ok("shown")
}

#[timed(secs = 1)]
async fn early_return(flag: bool) -> Result<&'static str, timebox::Error> {
    if flag {
        return Ok("early");
    }
    Ok("late")
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(boxed().await.unwrap(), 22);
    assert_eq!(opaque().await.unwrap().to_string(), "shown");
    assert_eq!(early_return(true).await, Ok("early"));
}
