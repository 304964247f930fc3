//! The fallback runs after the arguments moved into the body: it cannot
//! use one that is not `Copy`.

use timebox::timed;

#[timed(secs = 1, fallback = name)]
async fn greet(name: String) -> String {
    format!("hello {name}")
}

fn main() {
    let _ = greet("Ada".into());
}
