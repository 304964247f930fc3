//! A generic argument that is `Send` but may borrow: the help lands on `T`.

use std::fmt::Debug;
use timebox::timed;

#[timed(secs = 1)]
async fn show<T: Debug + Send>(value: T) -> Result<String, timebox::Error> {
    Ok(format!("{value:?}"))
}

fn main() {
    let _ = show(1);
}
