//! A `std::sync::MutexGuard` held across an await.

use std::sync::{Arc, Mutex};
use timebox::timed;

#[timed(secs = 1)]
async fn bump(counter: Arc<Mutex<u32>>) -> Result<u32, timebox::Error> {
    let mut guard = counter.lock().unwrap();
    tokio::task::yield_now().await;
    *guard += 1;
    Ok(*guard)
}

fn main() {
    let _ = bump(Arc::new(Mutex::new(0)));
}
