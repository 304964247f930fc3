//! What the benchmarks measure: the hand-written baselines a Rust user would
//! otherwise write, the `#[timed]` cases, and a small harness that runs every
//! case in interleaved rounds (so drift on a shared machine hits them alike)
//! from inside a spawned task, as a service's code runs.

use std::future::Future;
use std::time::{Duration, Instant};

use timebox::timed;
use tokio::runtime::{Builder, Runtime};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The error every case returns, so they all do the same conversions.
pub type Error = std::io::Error;

/// The trivial body every case runs.
#[inline(never)]
pub async fn body() -> Result<u64, Error> {
    Ok(std::hint::black_box(1))
}

/// The budget every case gets: never reached.
pub const BUDGET: Duration = Duration::from_secs(1);

fn elapsed() -> Error {
    Error::new(std::io::ErrorKind::TimedOut, "timed out")
}

/// Baselines: the code a user writes by hand.
pub mod baseline {
    use super::*;

    /// `.await` of the body.
    pub async fn direct() -> Result<u64, Error> {
        body().await
    }

    /// `tokio::time::timeout` around the body, in the caller's task.
    pub async fn timeout_inline() -> Result<u64, Error> {
        tokio::time::timeout(BUDGET, body())
            .await
            .map_err(|_| elapsed())?
    }

    /// `tokio::spawn(body).await`: no deadline, no cancellation.
    pub async fn spawn_await() -> Result<u64, Error> {
        tokio::spawn(body()).await.map_err(Error::other)?
    }

    /// The best hand-written leak-free code: spawn, a oneshot, a
    /// cancellation token the body races, a drop guard that cancels and
    /// aborts, and a timeout on the receiver.
    pub async fn token_oneshot() -> Result<u64, Error> {
        let token = CancellationToken::new();
        let (tx, rx) = oneshot::channel();
        let child = token.clone();
        let task = tokio::spawn(async move {
            tokio::select! {
                biased;
                () = child.cancelled() => {}
                value = body() => { let _ = tx.send(value); }
            }
        });
        let _guard = CancelOnDrop(token, task);
        match tokio::time::timeout(BUDGET, rx).await {
            Ok(Ok(value)) => value,
            Ok(Err(_)) => Err(Error::other("cancelled")),
            Err(_) => Err(elapsed()),
        }
    }

    struct CancelOnDrop(CancellationToken, JoinHandle<()>);

    impl Drop for CancelOnDrop {
        fn drop(&mut self) {
            self.0.cancel();
            self.1.abort();
        }
    }

    /// Spawn, a guard that aborts the task on drop, and a timeout on the
    /// handle.
    pub async fn abort_on_drop() -> Result<u64, Error> {
        let mut task = AbortOnDrop(tokio::spawn(body()));
        match tokio::time::timeout(BUDGET, &mut task.0).await {
            Ok(joined) => joined.map_err(Error::other)?,
            Err(_) => Err(elapsed()),
        }
    }

    /// The same with the output sent through a `tokio::sync::oneshot`
    /// instead of read from the `JoinHandle`: what the output slot costs.
    pub async fn abort_on_drop_oneshot() -> Result<u64, Error> {
        let (tx, rx) = oneshot::channel();
        let _task = AbortOnDrop(tokio::spawn(async move {
            let _ = tx.send(body().await);
        }));
        match tokio::time::timeout(BUDGET, rx).await {
            Ok(Ok(value)) => value,
            Ok(Err(_)) => Err(Error::other("cancelled")),
            Err(_) => Err(elapsed()),
        }
    }

    /// The hand-written guard: aborts the task when dropped, on every way
    /// out of the caller.
    #[derive(Debug)]
    pub struct AbortOnDrop<T>(pub JoinHandle<T>);

    impl<T> Drop for AbortOnDrop<T> {
        fn drop(&mut self) {
            self.0.abort();
        }
    }
}

/// `#[timed]` in spawn mode.
#[timed(secs = 1)]
pub async fn timed_spawn() -> Result<u64, Error> {
    body().await
}

/// `#[timed]` in inline mode.
#[timed(secs = 1, inline)]
pub async fn timed_inline() -> Result<u64, Error> {
    body().await
}

/// The runtimes every case is measured on.
pub fn runtimes() -> Vec<(&'static str, Runtime)> {
    let current = Builder::new_current_thread().enable_all().build();
    let multi = Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    vec![
        ("current-thread", current.expect("runtime")),
        ("multi-thread (2 workers)", multi.expect("runtime")),
    ]
}

/// A boxed case: one call of it, as a future.
pub type Case = fn() -> std::pin::Pin<Box<dyn Future<Output = Result<u64, Error>> + Send>>;

/// Runs `case` `iters` times in a loop inside a spawned task; the time per
/// call. The boxing is the same for every case: a constant the ratios share.
pub fn per_call(rt: &Runtime, case: Case, iters: u32) -> Duration {
    rt.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            for _ in 0..iters {
                let value = case().await.expect("a value");
                std::hint::black_box(value);
            }
            start.elapsed() / iters
        })
        .await
        .expect("the measuring task")
    })
}

/// The cases of the strict harness: each awaited directly in the loop, no
/// box, so nothing but the call itself is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direct {
    /// `tokio::time::timeout` around the body, in the caller's task.
    Timeout,
    /// `#[timed(inline)]`.
    TimedInline,
    /// `tokio::spawn(body).await`.
    SpawnAwait,
    /// Hand-written abort-on-drop: spawn, `timeout` on the handle, abort.
    AbortOnDrop,
    /// `#[timed]` in spawn mode.
    TimedSpawn,
}

impl Direct {
    /// Every case, in a fixed order.
    pub const ALL: [Direct; 5] = [
        Direct::Timeout,
        Direct::TimedInline,
        Direct::SpawnAwait,
        Direct::AbortOnDrop,
        Direct::TimedSpawn,
    ];

    /// How the bench prints it.
    pub fn name(self) -> &'static str {
        match self {
            Direct::Timeout => "tokio::time::timeout inline",
            Direct::TimedInline => "#[timed] inline",
            Direct::SpawnAwait => "tokio::spawn(..).await",
            Direct::AbortOnDrop => "hand-written abort-on-drop",
            Direct::TimedSpawn => "#[timed] spawn",
        }
    }
}

/// Runs `case` `iters` times, each call awaited in place (the loop is
/// monomorphic: one `match` per call picks the case), inside a spawned
/// task; the time per call.
pub fn per_call_direct(rt: &Runtime, case: Direct, iters: u32) -> Duration {
    rt.block_on(async move {
        tokio::spawn(async move {
            let start = Instant::now();
            for _ in 0..iters {
                let value = match case {
                    Direct::Timeout => baseline::timeout_inline().await,
                    Direct::TimedInline => timed_inline().await,
                    Direct::SpawnAwait => baseline::spawn_await().await,
                    Direct::AbortOnDrop => baseline::abort_on_drop().await,
                    Direct::TimedSpawn => timed_spawn().await,
                };
                std::hint::black_box(value.expect("a value"));
            }
            start.elapsed() / iters
        })
        .await
        .expect("the measuring task")
    })
}

/// [`interleaved`] for the strict harness's cases, [`Direct::ALL`].
pub fn interleaved_direct(rt: &Runtime, rounds: usize, iters: u32) -> Vec<Stats> {
    let cases = Direct::ALL;
    rotated(cases.len(), rounds, |i| {
        per_call_direct(rt, cases[i], iters)
    })
}

/// Summary of one case's rounds.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    /// Median of the rounds.
    pub median: Duration,
    /// Fastest round.
    pub min: Duration,
    /// Slowest round.
    pub max: Duration,
}

impl Stats {
    /// The statistics of `samples` (at least one).
    pub fn of(samples: &mut [Duration]) -> Stats {
        samples.sort();
        Stats {
            median: samples[samples.len() / 2],
            min: samples[0],
            max: samples[samples.len() - 1],
        }
    }
}

/// Runs every case in `rounds` rounds, each round in a rotated order so that
/// no case always runs first; the statistics of each.
pub fn interleaved(rt: &Runtime, cases: &[(&str, Case)], rounds: usize, iters: u32) -> Vec<Stats> {
    rotated(cases.len(), rounds, |i| per_call(rt, cases[i].1, iters))
}

/// `measure`s each of `n` cases once a round, for `rounds` rounds, each
/// round in a rotated order; the statistics of each case.
fn rotated(n: usize, rounds: usize, mut measure: impl FnMut(usize) -> Duration) -> Vec<Stats> {
    let mut samples = vec![Vec::with_capacity(rounds); n];
    for round in 0..rounds {
        for k in 0..n {
            let i = (k + round) % n;
            samples[i].push(measure(i));
        }
    }
    samples.iter_mut().map(|s| Stats::of(s)).collect()
}
