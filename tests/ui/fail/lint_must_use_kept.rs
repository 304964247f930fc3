//! `#[must_use]` on the annotated function is kept: ignoring the awaited
//! value is still reported, at the user's call.

#![deny(unused_must_use)]

use timebox::timed;

#[must_use = "the count is the point of the call"]
#[timed(ms = 100, fallback = 0)]
async fn count() -> u32 {
    1
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    count().await;
}
