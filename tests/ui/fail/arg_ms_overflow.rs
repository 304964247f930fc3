//! A number of milliseconds that does not fit in a `u64`.

use timebox::timed;

#[timed(ms = 99999999999999999999)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
