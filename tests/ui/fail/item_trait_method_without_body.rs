//! The attribute on a trait method's declaration, which has no body.

use timebox::timed;

trait Fetch {
    #[timed(secs = 1)]
    async fn fetch(&self) -> Result<u32, timebox::Error>;
}

struct Client;

impl Fetch for Client {
    async fn fetch(&self) -> Result<u32, timebox::Error> {
        Ok(1)
    }
}

fn main() {
    let _ = Client.fetch();
}
