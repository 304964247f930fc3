//! `const fn` cannot be timed.

use timebox::timed;

#[timed(secs = 1)]
const fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    let _ = fetch();
}
