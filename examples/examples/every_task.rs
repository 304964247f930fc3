//! The Go story with a plain `tokio::spawn`: an axum server over real TCP
//! whose order handler fires a notification task and forgets it. The
//! notification backend stalls, so every request leaves a task behind. No
//! `#[timed]` call leaks here, and axum runs every connection in a plain
//! `tokio::spawn` too: only counting every task finds it. With
//! `timebox::track_tasks` on the runtime, the plain-task count climbs and
//! the diff of two snapshots names the handler's line, as `pprof -base`
//! named the goroutine's.
//!
//! tokio's task hooks are unstable, so this example needs them enabled (its
//! own target dir keeps the main build's cache):
//!
//! ```text
//! RUSTFLAGS="--cfg tokio_unstable" CARGO_TARGET_DIR=target/unstable cargo run --example every_task
//! RUSTFLAGS="--cfg tokio_unstable" CARGO_TARGET_DIR=target/unstable cargo run --example every_task -- --secs 2
//! ```

#[cfg(not(tokio_unstable))]
fn main() {
    eprintln!(
        "every_task counts every task with tokio's task hooks, which need `--cfg tokio_unstable`:\n\n    \
         RUSTFLAGS=\"--cfg tokio_unstable\" CARGO_TARGET_DIR=target/unstable cargo run --example every_task"
    );
    std::process::exit(2);
}

#[cfg(tokio_unstable)]
fn main() {
    tracked::main();
}

#[cfg(tokio_unstable)]
mod tracked {
    use std::net::{Ipv4Addr, SocketAddr};
    use std::time::Duration;

    use axum::Router;
    use axum::extract::Path;
    use axum::routing::get;
    use timebox::{SiteStats, Snapshot, timed};
    use timebox_examples::flags;
    use tokio::net::TcpListener;

    /// The warehouse's notification endpoint: accepts the message and
    /// never acknowledges it.
    async fn notify_warehouse(_order: u64) {
        std::future::pending::<()>().await;
    }

    /// A clean timed call: the price, from a backend that answers in 1 ms.
    #[timed(ms = 200)]
    async fn price(order: u64) -> Result<u64, timebox::Error> {
        tokio::time::sleep(Duration::from_millis(1)).await;
        Ok(order % 100)
    }

    /// The handler. Its fire-and-forget notification is the leak: nobody
    /// awaits it, aborts it or bounds it.
    async fn order(Path(id): Path<u64>) -> String {
        tokio::spawn(notify_warehouse(id)); // the leak
        match price(id).await {
            Ok(price) => format!("order {id}: {price}"),
            Err(err) => format!("order {id}: {err}"),
        }
    }

    /// The line of the leaking spawn, as the snapshot reports it.
    fn leak_line() -> u32 {
        let source = include_str!("every_task.rs");
        let at = source.lines().position(|l| l.ends_with("// the leak"));
        u32::try_from(at.expect("the leaking line") + 1).expect("a line number")
    }

    /// The plain tasks alive now, every spawn site together.
    fn plain_tasks_alive() -> u64 {
        let snapshot = timebox::snapshot();
        let plain = snapshot.sites().iter().filter(|s| s.name == "tokio::spawn");
        plain.map(|s| s.live).sum()
    }

    async fn serve() -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let app = Router::new().route("/orders/{id}", get(order));
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("every_task: server failed: {err}");
            }
        });
        Ok(addr)
    }

    /// A client sending an order every 10 ms, each request in its own task.
    async fn traffic(addr: SocketAddr) {
        let client = reqwest::Client::new();
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        for id in 0.. {
            tick.tick().await;
            let request = client.get(format!("http://{addr}/orders/{id}")).send();
            tokio::spawn(async move {
                if let Ok(response) = request.await {
                    let _ = response.text().await;
                }
            });
        }
    }

    /// The row of `diff` at the leaking line, if the diff has it.
    fn leak_row(diff: &Snapshot) -> Option<&SiteStats> {
        let line = leak_line();
        diff.sites().iter().find(|s| {
            s.name == "tokio::spawn" && s.line == line && s.file.ends_with("every_task.rs")
        })
    }

    pub(super) fn main() {
        let secs = flags::from_env("every_task", &["--secs"])
            .last()
            .map_or(4, |(_, secs)| *secs);
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.worker_threads(2).enable_all();
        let rt = timebox::track_tasks(&mut builder)
            .build()
            .expect("a Tokio runtime");

        let found = rt.block_on(async {
            let addr = serve().await.expect("a local port");
            let traffic = tokio::spawn(traffic(addr));

            // Warm up, take the base profile, then watch the count climb.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let base = timebox::snapshot();
            println!("an axum server at http://{addr}, an order every 10 ms; base snapshot taken\n");
            println!("{:>6}  {:>18}  {:>18}", "time", "plain tasks alive", "timed bodies alive");
            for half_second in 1..=secs * 2 {
                tokio::time::sleep(Duration::from_millis(500)).await;
                let at = format!("{:.1}s", half_second as f64 / 2.0);
                println!("{at:>6}  {:>18}  {:>18}", plain_tasks_alive(), timebox::live());
            }
            let diff = timebox::snapshot().since(&base);
            traffic.abort();

            println!("\ntimebox::snapshot().since(&base):\n\n{diff}");
            let top = &diff.sites()[0];
            println!(
                "the site on top leaks: `{}` at {}:{} has {} tasks alive, {} started since the base",
                top.name, top.file, top.line, top.live, top.started
            );
            leak_row(&diff).is_some_and(|leak| std::ptr::eq(leak, top) && leak.live > 0)
        });

        // Shutting the runtime down drops the leaked tasks.
        rt.shutdown_timeout(Duration::from_secs(1));
        if !found {
            eprintln!(
                "every_task: the leaking line {} was not the top row",
                leak_line()
            );
        }
        std::process::exit(if found { 0 } else { 1 });
    }
}
