//! A suffix that is not the `u64` the value becomes.

use timebox::timed;

#[timed(ms = 500i32)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
