//! No return type and no `fallback`: a timeout would have no way out.

use timebox::timed;

#[timed(secs = 1)]
async fn ping() {
    println!("pong");
}

fn main() {
    let _ = ping();
}
