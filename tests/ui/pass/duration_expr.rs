//! `duration = EXPR`: evaluated by the caller before the body starts, it
//! may read the arguments (which then move into the body) and anything in
//! scope.

#![deny(warnings)]

use std::time::Duration;

use timebox::{ErrorKind, timed};

const DEFAULT: Duration = Duration::from_millis(50);

struct Request {
    budget: Duration,
    payload: String,
}

#[timed(duration = Duration::from_millis(ms))]
async fn sleep_for(ms: u64, work: u64) -> Result<u64, timebox::Error> {
    tokio::time::sleep(Duration::from_millis(work)).await;
    Ok(ms)
}

/// Reads a field of an argument that is then moved into the body.
#[timed(duration = request.budget)]
async fn handle(request: Request) -> Result<String, timebox::Error> {
    Ok(request.payload)
}

#[timed(duration = DEFAULT * 2)]
async fn constant() -> Result<Duration, timebox::Error> {
    Ok(timebox::remaining().unwrap_or_default())
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    assert_eq!(sleep_for(100, 10).await.unwrap(), 100);
    let err = sleep_for(10, 100).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Elapsed);
    assert_eq!(err.timeout(), Duration::from_millis(10));
    let request = Request {
        budget: Duration::from_secs(1),
        payload: "body".into(),
    };
    assert_eq!(handle(request).await.unwrap(), "body");
    assert_eq!(constant().await.unwrap(), Duration::from_millis(100));
}
