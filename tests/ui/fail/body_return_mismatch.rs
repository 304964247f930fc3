//! The body returns another type than the signature says: the error is at
//! the body's value, as without the attribute.

use timebox::timed;

#[timed(secs = 1)]
async fn count() -> Result<usize, timebox::Error> {
    Ok("five")
}

fn main() {
    let _ = count();
}
