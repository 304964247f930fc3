//! A timed call that is never awaited is an unused future, in the body of
//! another timed function too.

#![deny(unused_must_use)]

use timebox::timed;

#[timed(secs = 1)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

#[timed(secs = 2)]
async fn fetch_twice() -> Result<u32, timebox::Error> {
    fetch();
    fetch().await
}

fn main() {
    let _ = fetch_twice();
}
