//! Ages of live bodies are right whatever clock ran first in the process:
//! here a paused clock, advanced by an hour, records the first start of the
//! process; then a body alive on the real clock must still show its age.
//! (One test in this binary, so that nothing else records a start first.)

use std::time::Duration;

use timebox::timed;

#[timed(secs = 7200)]
async fn first() -> Result<(), timebox::Error> {
    Ok(())
}

#[timed(secs = 60)]
async fn stalled() -> Result<(), timebox::Error> {
    std::future::pending::<()>().await;
    Ok(())
}

#[test]
fn ages_are_right_after_a_paused_clock_ran_first() {
    let paused = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    paused.block_on(async {
        tokio::time::sleep(Duration::from_secs(3600)).await;
        first().await.unwrap();
    });
    drop(paused);

    let real = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    real.block_on(async {
        let call = tokio::spawn(stalled());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let snapshot = timebox::snapshot();
        let row = snapshot
            .sites()
            .iter()
            .find(|s| s.name == "stalled")
            .unwrap();
        assert_eq!(row.live, 1);
        let age = row.oldest.expect("a live body has an age");
        assert!(
            age >= Duration::from_millis(250),
            "age {age:?} of a body alive 300 ms"
        );
        assert!(age < Duration::from_secs(60), "age {age:?}");
        call.abort();
    });
}
