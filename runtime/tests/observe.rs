//! The `tracing` and `metrics` features, observed through a capturing
//! subscriber and recorder installed once for this test binary. Run with
//! `cargo test -p timebox --all-features`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use timebox::timed;

// ---- a subscriber that keeps every event and span as text -----------------

#[derive(Default)]
struct Capture {
    lines: Mutex<Vec<String>>,
    next_id: AtomicU64,
}

struct Fields(String);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!(" {}={}", field.name(), value));
    }
}

impl tracing::Subscriber for &'static Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = Fields(format!("SPAN {}", span.metadata().name()));
        span.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
        tracing::span::Id::from_u64(self.next_id.fetch_add(1, Ordering::Relaxed) + 1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!(
            "{} {}",
            event.metadata().level(),
            event.metadata().target()
        ));
        event.record(&mut fields);
        self.lines.lock().unwrap().push(fields.0);
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

// ---- a recorder that keeps every counter and gauge -------------------------

#[derive(Default)]
struct Values(Mutex<BTreeMap<String, f64>>);

struct Handle(&'static Values, String);

impl metrics::CounterFn for Handle {
    fn increment(&self, value: u64) {
        *self.0.0.lock().unwrap().entry(self.1.clone()).or_default() += value as f64;
    }
    fn absolute(&self, value: u64) {
        self.0
            .0
            .lock()
            .unwrap()
            .insert(self.1.clone(), value as f64);
    }
}

impl metrics::GaugeFn for Handle {
    fn increment(&self, value: f64) {
        *self.0.0.lock().unwrap().entry(self.1.clone()).or_default() += value;
    }
    fn decrement(&self, value: f64) {
        *self.0.0.lock().unwrap().entry(self.1.clone()).or_default() -= value;
    }
    fn set(&self, value: f64) {
        self.0.0.lock().unwrap().insert(self.1.clone(), value);
    }
}

fn key_text(key: &metrics::Key) -> String {
    let mut labels: Vec<String> = key
        .labels()
        .map(|l| format!("{}={}", l.key(), l.value()))
        .collect();
    labels.sort();
    format!("{}{{{}}}", key.name(), labels.join(","))
}

struct Recorder(&'static Values);

impl metrics::Recorder for Recorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        metrics::Counter::from_arc(Arc::new(Handle(self.0, key_text(key))))
    }
    fn register_gauge(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::from_arc(Arc::new(Handle(self.0, key_text(key))))
    }
    fn register_histogram(
        &self,
        _: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

/// Installs both once; returns what they captured.
fn observed() -> (&'static Capture, &'static Values) {
    static BOTH: OnceLock<(&'static Capture, &'static Values)> = OnceLock::new();
    *BOTH.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::default());
        let values: &'static Values = Box::leak(Box::default());
        tracing::subscriber::set_global_default(capture).expect("first subscriber");
        metrics::set_global_recorder(Recorder(values)).expect("first recorder");
        (capture, values)
    })
}

fn lines_about(capture: &Capture, site: &str) -> Vec<String> {
    let needle = format!("site={site}");
    capture
        .lines
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.split(' ').any(|w| w == needle))
        .cloned()
        .collect()
}

fn value(values: &Values, key: &str) -> f64 {
    values.0.lock().unwrap().get(key).copied().unwrap_or(0.0)
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[timed(ms = 20, name = "observed_slow")]
async fn slow() -> Result<(), timebox::Error> {
    std::future::pending::<()>().await;
    Ok(())
}

#[timed(ms = 500, name = "observed_fast")]
async fn fast() -> Result<u8, timebox::Error> {
    Ok(1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_timeout_is_a_span_an_event_and_a_count() {
    let (capture, values) = observed();
    assert_eq!(fast().await, Ok(1));
    assert!(slow().await.is_err());

    let lines = lines_about(capture, "observed_slow");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("SPAN timed") && l.contains("timeout_ms=20")),
        "{lines:#?}"
    );
    let event = lines
        .iter()
        .find(|l| l.starts_with("WARN timebox"))
        .expect("a WARN event");
    assert!(event.contains("kind=Elapsed"), "{event}");
    assert!(
        event.contains("`observed_slow` timed out after 20ms"),
        "{event}"
    );
    assert!(event.contains("file=runtime/tests/observe.rs"), "{event}");
    assert!(
        lines_about(capture, "observed_fast")
            .iter()
            .all(|l| !l.starts_with("WARN")),
        "a call that returned its value is not a warning"
    );

    let file = "file=runtime/tests/observe.rs";
    wait_until("live gauges back to zero", || {
        value(
            values,
            &format!("timebox_tasks_live{{{file},site=observed_slow}}"),
        ) == 0.0
    })
    .await;
    assert_eq!(
        value(
            values,
            &format!("timebox_calls_total{{{file},outcome=elapsed,site=observed_slow}}")
        ),
        1.0
    );
    assert_eq!(
        value(
            values,
            &format!("timebox_calls_total{{{file},outcome=ok,site=observed_fast}}")
        ),
        1.0
    );
    assert_eq!(
        value(
            values,
            &format!("timebox_tasks_live{{{file},site=observed_fast}}")
        ),
        0.0
    );
}

#[timed(ms = 20, name = "observed_zombie")]
async fn zombie() -> Result<(), timebox::Error> {
    std::thread::sleep(Duration::from_millis(1600));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zombie_is_reported_once_and_its_gauge_returns_to_zero() {
    let (capture, values) = observed();
    let gauge = "timebox_tasks_zombie{file=runtime/tests/observe.rs,site=observed_zombie}";
    assert!(zombie().await.is_err());
    wait_until("the zombie gauge", || value(values, gauge) == 1.0).await;
    let zombie_events = || {
        lines_about(capture, "observed_zombie")
            .into_iter()
            .filter(|l| l.contains("is a zombie"))
            .count()
    };
    assert_eq!(zombie_events(), 1);
    wait_until("the zombie to end", || value(values, gauge) == 0.0).await;
    assert_eq!(zombie_events(), 1, "reported once");
}
