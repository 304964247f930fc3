//! A `duration` expression of another type than `Duration`.

use timebox::timed;

const TIMEOUT_MS: u64 = 500;

#[timed(duration = TIMEOUT_MS)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
