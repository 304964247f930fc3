//! A bool where a number of milliseconds goes.

use timebox::timed;

#[timed(ms = false)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
