//! A key that needs a value, written as a flag.

use timebox::timed;

#[timed(secs)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
