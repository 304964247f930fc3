//! `grace` needs a spawned task, `inline` has none.

use timebox::timed;

#[timed(secs = 1, inline, grace = 100)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
