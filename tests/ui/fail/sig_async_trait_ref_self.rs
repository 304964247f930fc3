//! `&self` in spawn mode in an `#[async_trait]` impl: async-trait rewrote
//! the method (and its body names `__self`), but the error is the usual
//! one, at the user's `&self`.

use async_trait::async_trait;
use timebox::timed;

#[async_trait]
trait Store {
    async fn get(&self, key: String) -> Result<u32, timebox::Error>;
}

struct Memory {
    base: u32,
}

#[async_trait]
impl Store for Memory {
    #[timed(ms = 50)]
    async fn get(&self, key: String) -> Result<u32, timebox::Error> {
        Ok(self.base + key.len() as u32)
    }
}

fn main() {
    let _ = Memory { base: 1 }.get(String::new());
}
