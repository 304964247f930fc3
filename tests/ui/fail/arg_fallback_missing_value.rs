//! `fallback =` with nothing after it, on a function that needs a fallback: one error, not a second one about the `Result` rule.

use timebox::timed;

#[timed(secs = 1, fallback =)]
async fn fetch() -> u32 {
    1
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
