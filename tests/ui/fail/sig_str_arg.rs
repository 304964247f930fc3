//! A `&str` argument in spawn mode.

use timebox::timed;

#[timed(secs = 1)]
async fn fetch(url: &str) -> Result<usize, timebox::Error> {
    Ok(url.len())
}

fn main() {
    let _ = fetch("https://example.com");
}
