//! An `impl Trait` argument without `Send + 'static`.

use std::fmt::Display;
use timebox::timed;

#[timed(secs = 1)]
async fn show(value: impl Display) -> Result<String, timebox::Error> {
    Ok(value.to_string())
}

fn main() {
    let _ = show(1);
}
