//! A half-typed body still expands: the only error is the body's own, and
//! the rest of the crate (the call in `main`) still sees the function.

use timebox::timed;

#[timed(secs = 1)]
async fn double(n: u32) -> Result<u32, timebox::Error> {
    let doubled = n * ;
    Ok(doubled)
}

fn main() {
    let _ = double(2);
}
