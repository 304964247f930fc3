//! A `ref` binding in spawn mode borrows the argument from the caller's
//! future, which the spawned body cannot hold.

use timebox::timed;

#[timed(secs = 1)]
async fn greet(ref name: String) -> Result<usize, timebox::Error> {
    Ok(name.len())
}

fn main() {
    let _ = greet("Ada".into());
}
