//! `#[async_trait]` on the method under `#[timed]`, instead of on the impl.

use timebox::timed;

trait Store {
    async fn get(&self) -> Result<u32, timebox::Error>;
}

struct Memory;

impl Store for Memory {
    #[timed(ms = 50, inline)]
    #[async_trait::async_trait]
    async fn get(&self) -> Result<u32, timebox::Error> {
        Ok(1)
    }
}

fn main() {
    let _ = Memory.get();
}
