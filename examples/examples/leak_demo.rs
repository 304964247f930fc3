//! The Go story, ported: a request every 100 ms, an upstream that stalls, a
//! caller that gives up after 1 s. The naive way (`tokio::spawn` +
//! `timeout` on the `JoinHandle`) detaches every stalled task and the count
//! climbs; the `#[timed]` way ends each body when its caller gives up and
//! the count stays flat.
//!
//! ```text
//! cargo run --example leak_demo
//! cargo run --example leak_demo -- --secs 3 --every-ms 50 --timeout-ms 500 --work-ms 2000
//! cargo run --example leak_demo -- --svg docs/leak_demo.svg
//! ```
//!
//! With `--svg FILE` it also samples both counts every 100 ms and draws them
//! as a line chart, the dashboard graph of the story.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use timebox::timed;
use timebox_examples::chart::{Chart, Line};
use timebox_examples::flags::{self, Value};
use tokio::runtime::{Builder, Runtime, RuntimeMetrics};

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
    /// The settings, and the chart's path if `--svg PATH` was given.
    fn from_args() -> (Self, Option<PathBuf>) {
        let mut settings = Settings {
            traffic: Duration::from_secs(8),
            every: Duration::from_millis(100),
            timeout: Duration::from_secs(1),
            work: Duration::from_secs(2),
        };
        let mut svg = None;
        let numbers = ["--secs", "--every-ms", "--timeout-ms", "--work-ms"];
        for (flag, value) in flags::from_env_with("leak_demo", &numbers, &["--svg"]) {
            match (flag.as_str(), value) {
                (_, Value::Path(path)) => svg = Some(path),
                ("--secs", Value::Number(n)) => settings.traffic = Duration::from_secs(n),
                ("--every-ms", Value::Number(n)) => settings.every = Duration::from_millis(n),
                ("--timeout-ms", Value::Number(n)) => settings.timeout = Duration::from_millis(n),
                (_, Value::Number(n)) => settings.work = Duration::from_millis(n),
            }
        }
        (settings, svg)
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
    let (settings, svg) = Settings::from_args();
    // Opened now, so a path that cannot be written fails before the run.
    let svg = svg.map(|path| match File::create(&path) {
        Ok(file) => (path, file),
        Err(e) => {
            eprintln!("leak_demo: cannot write --svg {}: {e}", path.display());
            std::process::exit(2);
        }
    });
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
    let start = Instant::now();
    let chart = svg.map(|(path, file)| (path, file, Sampler::start(start, naive.metrics())));
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
    if let Some((path, file, sampler)) = chart {
        let mut samples = sampler.stop();
        samples.push(Sample::at(start, leaked, left));
        if let Err(e) = write_chart(&settings, &samples, file) {
            eprintln!("leak_demo: cannot write --svg {}: {e}", path.display());
            std::process::exit(1);
        }
        println!("chart: {}", path.display());
    }

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

/// Both counts at one moment, `secs` after the start.
#[derive(Debug, Clone, Copy)]
struct Sample {
    secs: f64,
    naive: usize,
    timed: u64,
}

impl Sample {
    fn at(start: Instant, naive: usize, timed: u64) -> Self {
        let secs = start.elapsed().as_secs_f64();
        Sample { secs, naive, timed }
    }
}

/// Samples both counts every 100 ms on a thread of its own, from its start
/// until [`Sampler::stop`], so the chart's curves are smooth while the
/// table keeps its one row a second.
#[derive(Debug)]
struct Sampler {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<Vec<Sample>>,
}

impl Sampler {
    const EVERY: Duration = Duration::from_millis(100);

    fn start(start: Instant, naive: RuntimeMetrics) -> Self {
        let (stop, stopped) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            let mut samples = Vec::new();
            let mut next = start;
            loop {
                samples.push(Sample::at(start, naive.num_alive_tasks(), timebox::live()));
                next += Self::EVERY;
                let wait = next.saturating_duration_since(Instant::now());
                if stopped.recv_timeout(wait) != Err(mpsc::RecvTimeoutError::Timeout) {
                    return samples;
                }
            }
        });
        Sampler { stop, thread }
    }

    /// Stops sampling and returns the samples, oldest first.
    fn stop(self) -> Vec<Sample> {
        drop(self.stop);
        self.thread.join().expect("the sampler does not panic")
    }
}

/// Draws the two curves of `samples` as an SVG line chart into `file`.
fn write_chart(
    settings: &Settings,
    samples: &[Sample],
    mut file: File,
) -> Result<(), Box<dyn std::error::Error>> {
    let curve = |count: fn(&Sample) -> f64| -> Vec<(f64, f64)> {
        samples.iter().map(|s| (s.secs, count(s))).collect()
    };
    let (naive, timed) = (curve(|s| s.naive as f64), curve(|s| s.timed as f64));
    let subtitle = format!(
        "a request every {:?}; the upstream works {:?}, then stalls; callers give up after {:?}",
        settings.every, settings.work, settings.timeout
    );
    let svg = Chart {
        title: "Tasks alive while the upstream stalls",
        subtitle: &subtitle,
        x_label: "time (s)",
        y_label: "alive (count)",
        lines: &[
            Line {
                label: "naive: tasks alive",
                points: &naive,
            },
            Line {
                label: "#[timed]: bodies alive",
                points: &timed,
            },
        ],
        marker: Some((settings.traffic.as_secs_f64(), "traffic stops")),
    }
    .to_svg()?;
    file.write_all(svg.as_bytes())?;
    Ok(())
}
