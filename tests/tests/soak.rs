//! Soak: a seeded random mix of calls (completing, timing out, dropped by
//! their caller, panicking), a thousand in flight, on every runtime flavour.
//! Afterwards the registry and `live()` are back to zero, and the heap,
//! measured by a counting allocator after a warm-up phase, has not grown by
//! more than 64 KiB over three more phases.
//!
//! `TIMEBOX_SOAK_CALLS` sets the calls per phase (default 2,000, for CI);
//! the large run is ignored by default:
//!
//! ```text
//! cargo test -p timebox-tests --test soak -- --ignored
//! ```

use std::alloc::System;
use std::sync::Arc;
use std::time::Duration;

use stats_alloc::{INSTRUMENTED_SYSTEM, StatsAlloc};
use timebox::timed;
use timebox_tests::{Flavor, serial, settle};
use tokio::sync::Semaphore;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed (reallocations are already counted in
/// both totals as growth or shrinkage).
fn heap_in_use() -> i64 {
    let s = GLOBAL.stats();
    s.bytes_allocated as i64 - s.bytes_deallocated as i64
}

/// A small, seeded generator (xorshift64*): the same mix every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Completes,
    TimesOut,
    CallerDrops,
    Panics,
}

impl Kind {
    /// 60% complete, 20% time out, 15% are dropped, 5% panic.
    fn pick(rng: &mut Rng) -> Kind {
        match rng.next() % 100 {
            0..60 => Kind::Completes,
            60..80 => Kind::TimesOut,
            80..95 => Kind::CallerDrops,
            _ => Kind::Panics,
        }
    }
}

#[timed(ms = 20)]
async fn work(kind: Kind, payload: Vec<u8>) -> Result<usize, timebox::Error> {
    tokio::task::yield_now().await;
    match kind {
        Kind::Completes => Ok(payload.len()),
        Kind::Panics => panic!("soak panic"),
        Kind::TimesOut | Kind::CallerDrops => {
            std::future::pending::<()>().await;
            Ok(0)
        }
    }
}

async fn phase(calls: usize, rng: &mut Rng) {
    let in_flight = Arc::new(Semaphore::new(1000));
    let mut callers = Vec::with_capacity(calls);
    for _ in 0..calls {
        let permit = Arc::clone(&in_flight).acquire_owned().await.expect("open");
        let kind = Kind::pick(rng);
        let payload = vec![0_u8; (rng.next() % 256) as usize];
        callers.push(tokio::spawn(async move {
            let _permit = permit;
            match kind {
                Kind::CallerDrops => {
                    let _ =
                        tokio::time::timeout(Duration::from_millis(2), work(kind, payload)).await;
                }
                Kind::Panics => {
                    // Under load the deadline may come first; else the
                    // body's panic reaches this caller.
                    match tokio::spawn(work(kind, payload)).await {
                        Ok(result) => assert!(result.is_err()),
                        Err(caught) => assert!(caught.is_panic()),
                    }
                }
                _ => {
                    let _ = work(kind, payload).await;
                }
            }
        }));
    }
    for caller in callers {
        caller.await.expect("callers do not fail");
    }
    settle().await;
}

fn soak(calls_per_phase: usize) {
    let _serial = serial();
    // The 5% that panic are expected: keep them quiet, and nothing else.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info.payload().downcast_ref::<&str>() != Some(&"soak panic") {
            report(info);
        }
    }));
    for flavor in Flavor::ALL {
        let rt = flavor.runtime();
        rt.block_on(async {
            let mut rng = Rng(0x5eed_0f71_53b0_c5a1);
            phase(calls_per_phase, &mut rng).await; // warm-up
            let base = heap_in_use();
            let mut growth = Vec::new();
            for _ in 0..3 {
                phase(calls_per_phase, &mut rng).await;
                growth.push(heap_in_use() - base);
            }
            println!("{flavor:?}: {calls_per_phase} calls per phase, heap growth {growth:?} bytes");
            let snapshot = timebox::snapshot();
            assert_eq!(timebox::live(), 0, "{flavor:?}");
            assert_eq!(
                (snapshot.total().live, snapshot.total().zombies),
                (0, 0),
                "{flavor:?}"
            );
            assert!(
                growth.iter().all(|g| *g < 64 * 1024),
                "{flavor:?}: heap growth after each phase {growth:?} bytes"
            );
        });
    }
    let _ = std::panic::take_hook();
}

#[test]
fn a_random_mix_leaves_nothing_behind() {
    let calls = std::env::var("TIMEBOX_SOAK_CALLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    soak(calls);
}

/// 100,000 calls per phase; minutes, not seconds.
#[test]
#[ignore = "the large soak: run by hand with --ignored"]
fn a_hundred_thousand_calls_per_phase() {
    soak(100_000);
}

#[timed(secs = 5)]
async fn spawns_nested() -> Result<(), timebox::Error> {
    let child = timebox::spawn(async {
        let grandchild = timebox::spawn(async { 1_u8 });
        grandchild.await.unwrap_or(0)
    });
    let _ = child.await;
    Ok(())
}

/// Children's scopes and leak checks' scopes are freed, not kept alive by
/// the links between parents and children.
#[test]
fn nested_children_and_leak_checks_free_their_scopes() {
    let _serial = serial();
    let rt = Flavor::MultiThread2.runtime();
    rt.block_on(async {
        let round = || async {
            for _ in 0..500 {
                spawns_nested().await.unwrap();
                timebox::testing::assert_no_leaks(async {
                    let _ = timebox::spawn(async {}).await;
                })
                .await;
            }
            settle().await;
        };
        round().await; // warm-up
        let base = heap_in_use();
        round().await;
        round().await;
        let growth = heap_in_use() - base;
        assert!(
            growth < 64 * 1024,
            "heap grew by {growth} bytes over 2,000 calls"
        );
    });
}
