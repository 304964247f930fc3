//! The attribute on a function that is not `async`.

use timebox::timed;

#[timed(secs = 1)]
fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
