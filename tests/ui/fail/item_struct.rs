//! The attribute on a struct.

use timebox::timed;

#[timed(secs = 1)]
struct Client {
    retries: u32,
}

fn main() {
    let _ = Client { retries: 1 }.retries;
}
