//! A generic argument that is not known to be `Send`: the help lands on `T`.

use std::fmt::Debug;
use timebox::timed;

#[timed(secs = 1)]
async fn show<T: Debug>(value: T) -> Result<String, timebox::Error> {
    Ok(format!("{value:?}"))
}

fn main() {
    let _ = show(1);
}
