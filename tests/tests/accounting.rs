//! Every call that starts gets exactly one outcome, however early it ends:
//! here `timebox::spawn` children aborted before their first poll, because
//! the call that spawned them returned at once.

use timebox::timed;

const CHILDREN: u64 = 1_000;

#[timed(secs = 5)]
async fn fan_out() -> Result<(), timebox::Error> {
    for _ in 0..CHILDREN {
        timebox::spawn(std::future::pending::<()>());
    }
    Ok(())
}

#[test]
fn children_aborted_before_their_first_poll_are_counted_cancelled() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let base = timebox::snapshot();
        fan_out().await.unwrap();
        while timebox::live() != 0 {
            tokio::task::yield_now().await;
        }
        let diff = timebox::snapshot().since(&base);
        let children = diff
            .sites()
            .iter()
            .find(|s| s.name == "timebox::spawn")
            .unwrap_or_else(|| panic!("{diff}"));
        let outcomes = children.ok + children.elapsed + children.cancelled + children.panicked;
        assert_eq!((children.started, outcomes), (CHILDREN, CHILDREN), "{diff}");
        assert_eq!(children.cancelled, CHILDREN, "{diff}");
    });
}
