//! `#[timed]` on an `#[async_trait]` impl, above `#[async_trait]`: it goes
//! on the methods, below it.

use async_trait::async_trait;
use timebox::timed;

#[async_trait]
trait Store {
    async fn get(&self) -> Result<u32, timebox::Error>;
}

struct Memory;

#[timed(ms = 50, inline)]
#[async_trait]
impl Store for Memory {
    async fn get(&self) -> Result<u32, timebox::Error> {
        Ok(1)
    }
}

fn main() {
    let _ = Memory.get();
}
