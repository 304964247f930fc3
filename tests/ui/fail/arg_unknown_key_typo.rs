//! A typo of a key: the error suggests the key meant.

use timebox::timed;

#[timed(sec = 1)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
