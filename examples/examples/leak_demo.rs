//! The Go story, ported: a request every 100 ms, an upstream that stalls, a
//! caller that gives up after 1 s. The naive way (`tokio::spawn` +
//! `timeout` on the `JoinHandle`) detaches every stalled task and the count
//! climbs; the `#[timed]` way ends each body when its caller gives up and
//! the count stays flat.
//!
//! ```text
//! cargo run --example leak_demo
//! cargo run --example leak_demo -- --secs 3 --every-ms 50 --timeout-ms 500 --work-ms 2000
//! ```

use std::time::Duration;

use timebox::timed;
use timebox_examples::flags;
use tokio::runtime::{Builder, Runtime};

/// What the demo is asked to do: `--secs`, `--every-ms`, `--timeout-ms`,
/// `--work-ms`.
#[derive(Debug, Clone, Copy)]
struct Settings {
    /// How long traffic runs.
    traffic: Duration,
    /// Time between two requests.
    every: Duration,
    /// How long a caller waits.
    timeout: Duration,
    /// How long the upstream works before it stalls for good.
    work: Duration,
}

impl Settings {
    fn from_args() -> Self {
        let mut settings = Settings {
            traffic: Duration::from_secs(8),
            every: Duration::from_millis(100),
            timeout: Duration::from_secs(1),
            work: Duration::from_secs(2),
        };
        let known = ["--secs", "--every-ms", "--timeout-ms", "--work-ms"];
        for (flag, n) in flags::from_env("leak_demo", &known) {
            match flag.as_str() {
                "--secs" => settings.traffic = Duration::from_secs(n),
                "--every-ms" => settings.every = Duration::from_millis(n),
                "--timeout-ms" => settings.timeout = Duration::from_millis(n),
                _ => settings.work = Duration::from_millis(n),
            }
        }
        settings
    }
}

/// The upstream: it works for a while, then the connection stalls and the
/// answer never comes.
async fn request(work: Duration) -> Result<String, std::io::Error> {
    tokio::time::sleep(work).await;
    std::future::pending::<()>().await;
    Ok("response".into())
}

/// The naive way: spawn the request and wait on its handle with a timeout.
/// On timeout the handle is dropped, which detaches the task: it stays.
async fn naive_call(settings: Settings) -> Result<String, std::io::Error> {
    let task = tokio::spawn(request(settings.work));
    match tokio::time::timeout(settings.timeout, task).await {
        Ok(joined) => joined.map_err(std::io::Error::other)?,
        Err(elapsed) => Err(std::io::Error::new(std::io::ErrorKind::TimedOut, elapsed)),
    }
}

/// The `#[timed]` way: the same request, the same budget, nothing left behind.
#[timed(duration = settings.timeout)]
async fn timed_call(settings: Settings) -> Result<String, std::io::Error> {
    request(settings.work).await
}

fn runtime() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
}

fn main() {
    let settings = Settings::from_args();
    println!(
        "a request every {:?}; the upstream works {:?}, then stalls; callers give up after {:?}\n",
        settings.every, settings.work, settings.timeout
    );

    // One runtime per side, so each count is that side's alone.
    let naive = runtime();
    let timed = runtime();
    naive.spawn(traffic(settings, |s| async move {
        let _ = naive_call(s).await;
    }));
    timed.spawn(traffic(settings, |s| async move {
        let _ = timed_call(s).await;
    }));

    println!(
        "{:>6}  {:>24}  {:>24}",
        "time", "naive: tasks alive", "#[timed]: bodies alive"
    );
    let naive_tasks = || naive.metrics().num_alive_tasks();
    let start = std::time::Instant::now();
    while start.elapsed() < settings.traffic {
        std::thread::sleep(Duration::from_secs(1).min(settings.traffic));
        let secs = start.elapsed().as_secs_f64().round();
        println!(
            "{:>5}s  {:>24}  {:>24}",
            secs,
            naive_tasks(),
            timebox::live()
        );
    }

    // Traffic stops by itself; give in-flight callers their full budget.
    std::thread::sleep(settings.timeout + Duration::from_millis(500));
    let (leaked, left) = (naive_tasks(), timebox::live());
    println!("{:>6}  {:>24}  {:>24}", "after", leaked, left);
    println!(
        "\nverdict: the naive way left {leaked} tasks that will never end; #[timed] left {left}."
    );

    naive.shutdown_background();
    timed.shutdown_background();
    if left != 0 || leaked == 0 {
        std::process::exit(1);
    }
}

/// Fires `call` every `settings.every` for `settings.traffic`, each call in
/// its own task, as a server handles requests.
async fn traffic<F, Fut>(settings: Settings, call: F)
where
    F: Fn(Settings) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let mut tick = tokio::time::interval(settings.every);
    let stop = tokio::time::Instant::now() + settings.traffic;
    while tick.tick().await < stop {
        tokio::spawn(call(settings));
    }
}
