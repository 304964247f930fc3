//! A return type that cannot carry a timeout error, and no `fallback`.

use timebox::timed;

#[timed(secs = 1)]
async fn fetch() -> u32 {
    7
}

fn main() {
    let _ = fetch();
}
