//! An annotated function that nothing calls is still dead code.

#![deny(dead_code)]

use timebox::timed;

#[timed(secs = 1)]
async fn unused() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {}
