//! In an `#[async_trait]` impl, the `Result` rule reads the future's
//! output, and its error points at the user's return type, not at the
//! boxed future async-trait wrote.

use async_trait::async_trait;
use timebox::timed;

#[async_trait]
trait Count {
    async fn count(&self) -> u32;
}

struct Counter;

#[async_trait]
impl Count for Counter {
    #[timed(secs = 1, inline)]
    async fn count(&self) -> u32 {
        7
    }
}

fn main() {
    let _ = Counter.count();
}
