//! The attribute on an `impl` block instead of its methods.

use timebox::timed;

struct Client;

#[timed(secs = 1)]
impl Client {
    async fn fetch(&self) -> Result<u32, timebox::Error> {
        Ok(1)
    }
}

fn main() {
    let _ = Client.fetch();
}
