//! Two commas in a row.

use timebox::timed;

#[timed(secs = 1,, name = "fetch_user")]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
