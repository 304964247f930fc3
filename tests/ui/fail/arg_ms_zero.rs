//! A zero timeout in milliseconds.

use timebox::timed;

#[timed(ms = 0)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
