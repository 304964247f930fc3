//! `&self` in spawn mode: the body cannot keep the borrow in a task.

use timebox::timed;

struct Client {
    base: u32,
}

impl Client {
    #[timed(secs = 1)]
    async fn fetch(&self) -> Result<u32, timebox::Error> {
        Ok(self.base)
    }
}

fn main() {
    let _ = Client { base: 1 }.fetch();
}
