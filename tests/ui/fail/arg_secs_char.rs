//! A char where a number of seconds goes.

use timebox::timed;

#[timed(secs = '1')]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
