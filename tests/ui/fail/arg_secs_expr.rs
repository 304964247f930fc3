//! A computed timeout belongs in `duration`.

use timebox::timed;

const TIMEOUT_SECS: u64 = 5;

#[timed(secs = TIMEOUT_SECS)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = (fetch(), TIMEOUT_SECS);
}
