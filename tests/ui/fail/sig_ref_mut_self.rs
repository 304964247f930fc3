//! `&mut self` in spawn mode.

use timebox::timed;

struct Client {
    calls: u32,
}

impl Client {
    #[timed(ms = 250)]
    async fn fetch(&mut self) -> Result<u32, timebox::Error> {
        self.calls += 1;
        Ok(self.calls)
    }
}

fn main() {
    let _ = Client { calls: 0 }.fetch();
}
