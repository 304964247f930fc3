//! A bare value with a unit: the error says which key means that.

use timebox::timed;

#[timed(500ms)]
async fn fetch() -> Result<u32, timebox::Error> {
    Ok(1)
}

fn main() {
    // The function is still emitted beside the error: no second error here.
    let _ = fetch();
}
