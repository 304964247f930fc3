//! A string that is not a path.

use timebox::timed;

#[timed(secs = 1, crate = "not a path")]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
