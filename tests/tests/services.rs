//! The three tiers of `cargo run --example services` (from the
//! `timebox-examples` library), in one runtime: the budget shrinks at every
//! hop, a stalled item comes back as a 504 before the client's deadline,
//! a client hang-up reaches storage, and no tier keeps anything alive.

use std::time::Duration;

use timebox_examples::services::{End, Hop, Outcome, Settings, System};
use timebox_tests::{SETTLE, serial};
use tokio::runtime::Runtime;

/// Every test here runs on the two-worker runtime, real clock.
fn runtime() -> Runtime {
    timebox_tests::Flavor::MultiThread2.runtime()
}

/// Waits (bounded) until no hop has a request in flight and no tier a timed
/// call alive.
async fn settle(system: &System) {
    let start = std::time::Instant::now();
    loop {
        let busy: Vec<_> = Hop::ALL
            .iter()
            .map(|&hop| system.journal.in_flight(hop))
            .collect();
        if busy.iter().all(|n| *n == 0) && System::live() == [0; 4] && timebox::live() == 0 {
            return;
        }
        assert!(
            start.elapsed() < SETTLE,
            "still busy after {SETTLE:?}: in flight per hop {busy:?}, live per tier {:?}",
            System::live()
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[test]
fn the_budget_shrinks_at_every_hop_and_a_stall_comes_back_as_504() {
    let _serial = serial();
    runtime().block_on(async {
        // A roomier budget than the example's, for a loaded CI machine.
        let settings = Settings::default().with_budget(Duration::from_millis(600));
        let system = System::start(settings).await.unwrap();

        let answer = system.client.get(1).await;
        assert_eq!(answer, Outcome::Ok("item 1 = value-1 (7 bytes)".into()));
        let budget = |id, hop| system.journal.get(id, hop).and_then(|r| r.budget).unwrap();
        let chain = [Hop::Client, Hop::Edge, Hop::Api, Hop::StorageGrpc].map(|hop| budget(1, hop));
        assert!(chain[0] <= settings.budget);
        for pair in chain.windows(2) {
            // Each hop keeps at least the margin back.
            assert!(pair[1] + settings.margin <= pair[0], "{chain:?}");
        }
        assert!(budget(1, Hop::StorageHttp) + settings.margin <= budget(1, Hop::Api));

        let stalled = 5;
        assert!(settings.stalls(stalled));
        match system.client.get(stalled).await {
            Outcome::Status(504, body) => assert!(body.starts_with("api: storage"), "{body}"),
            other => panic!("expected a 504 from inside, got {other:?}"),
        }
        for hop in [Hop::StorageGrpc, Hop::StorageHttp] {
            let end = system.journal.get(stalled, hop).and_then(|r| r.end);
            // Storage ran out of budget, or the API tier's tonic client
            // (which enforces the header it sent) reset the stream an
            // instant before.
            assert!(
                matches!(end, Some(End::Deadline | End::HungUp)),
                "{hop}: {end:?}"
            );
        }
        assert_eq!(
            system.journal.get(stalled, Hop::Edge).and_then(|r| r.end),
            Some(End::Answered(504))
        );
        settle(&system).await;
    });
}

#[test]
fn a_client_hang_up_reaches_storage() {
    let _serial = serial();
    runtime().block_on(async {
        let settings = Settings::default().with_budget(Duration::from_secs(10));
        let system = System::start(settings).await.unwrap();
        let ids: Vec<u64> = (1..).filter(|id| settings.stalls(*id)).take(4).collect();
        let calls: Vec<_> = ids
            .iter()
            .map(|&id| {
                let client = system.client.clone();
                tokio::spawn(async move { client.get(id).await })
            })
            .collect();
        let at_storage = |hop| ids.iter().all(|&id| system.journal.get(id, hop).is_some());
        let start = std::time::Instant::now();
        while !(at_storage(Hop::StorageGrpc) && at_storage(Hop::StorageHttp)) {
            assert!(
                start.elapsed() < SETTLE,
                "the requests never reached storage"
            );
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        for call in calls {
            call.abort();
        }
        settle(&system).await;
        for &id in &ids {
            for hop in Hop::ALL {
                let record = system.journal.get(id, hop).unwrap();
                assert_eq!(record.end, Some(End::HungUp), "{id} at {hop}");
                // The ceiling (1 s) was far away: the hang-up ended it.
                assert!(record.left_at_end.unwrap() > Duration::from_millis(100));
            }
        }
    });
}

#[test]
fn the_edge_serves_the_debug_page_naming_its_sites() {
    let _serial = serial();
    runtime().block_on(async {
        let system = System::start(Settings::default()).await.unwrap();
        let url = format!("http://{}/debug/timebox", system.edge.addr());
        let client = reqwest::Client::new();
        let get = |url: String| {
            let client = client.clone();
            async move { client.get(url).send().await.unwrap() }
        };
        let first = get(format!("{url}?reset")).await;
        assert_eq!(first.status(), 200);
        assert_eq!(
            system.client.get(1).await,
            Outcome::Ok("item 1 = value-1 (7 bytes)".into())
        );
        let page = get(url).await.text().await.unwrap();
        let (since, every) = page.split_once("# every site").expect(&page);
        assert!(since.starts_with("# timebox: since the base"), "{page}");
        // The request just served is in the diff, at the edge's layer site.
        assert!(since.contains("edge "), "{page}");
        assert!(every.contains("  site"), "{page}");
        settle(&system).await;
    });
}
