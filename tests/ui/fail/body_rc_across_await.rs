//! An `Rc` held across an await: the spawned body is not `Send`.

use std::rc::Rc;
use timebox::timed;

#[timed(secs = 1)]
async fn count() -> Result<usize, timebox::Error> {
    let shared = Rc::new(5);
    tokio::task::yield_now().await;
    Ok(*shared)
}

fn main() {
    let _ = count();
}
