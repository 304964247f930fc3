//! Two `#[timed]` on one function.

use timebox::timed;

#[timed(secs = 1)]
#[timed(ms = 500)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
