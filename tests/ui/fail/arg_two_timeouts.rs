//! Two keys that both set the timeout.

use timebox::timed;

#[timed(secs = 1, ms = 500)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
