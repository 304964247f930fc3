//! A `Result` whose error type cannot be made from a `timebox::Error`.

use timebox::timed;

#[derive(Debug)]
struct MyError;

#[timed(secs = 1)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {
    let _ = fetch();
    let _ = MyError;
}
