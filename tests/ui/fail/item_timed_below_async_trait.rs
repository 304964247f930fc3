//! `#[timed]` on an `#[async_trait]` impl, below `#[async_trait]`: it sees
//! the methods async-trait rewrote, and says where it goes.

use async_trait::async_trait;
use timebox::timed;

#[async_trait]
trait Store {
    async fn get(&self) -> Result<u32, timebox::Error>;
}

struct Memory;

#[async_trait]
#[timed(ms = 50, inline)]
impl Store for Memory {
    async fn get(&self) -> Result<u32, timebox::Error> {
        Ok(1)
    }
}

fn main() {
    let _ = Memory.get();
}
