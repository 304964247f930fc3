//! A fraction of a millisecond.

use timebox::timed;

#[timed(ms = 1.5)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
