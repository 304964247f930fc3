//! A fallback whose type is not the return type.

use timebox::timed;

#[timed(secs = 1, fallback = "none")]
async fn count() -> u32 {
    1
}

fn main() {
    let _ = count();
}
