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
    /// Each span's fields, by id, and the spans each thread is in now.
    spans: Mutex<BTreeMap<u64, (String, &'static tracing::Metadata<'static>)>>,
    entered: Mutex<std::collections::HashMap<std::thread::ThreadId, Vec<u64>>>,
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

impl Capture {
    /// The innermost span the current thread is in: its id, its fields as
    /// text, its metadata.
    fn innermost(&self) -> Option<(u64, String, &'static tracing::Metadata<'static>)> {
        let thread = std::thread::current().id();
        let id = *self.entered.lock().unwrap().get(&thread)?.last()?;
        let (fields, metadata) = self.spans.lock().unwrap().get(&id).cloned()?;
        Some((id, fields, metadata))
    }
}

impl tracing::Subscriber for &'static Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut fields = Fields(format!("SPAN {}", span.metadata().name()));
        span.record(&mut fields);
        let id = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
        self.spans
            .lock()
            .unwrap()
            .insert(id, (fields.0.clone(), span.metadata()));
        self.lines.lock().unwrap().push(fields.0);
        tracing::span::Id::from_u64(id)
    }
    /// A field recorded later joins the span's fields, and the whole span
    /// is written out again as a `RECORD` line.
    fn record(&self, span: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut spans = self.spans.lock().unwrap();
        let Some((fields, _)) = spans.get_mut(&span.into_u64()) else {
            return;
        };
        let mut added = Fields(String::new());
        values.record(&mut added);
        fields.push_str(&added.0);
        let line = format!("RECORD {}", fields.trim_start_matches("SPAN "));
        self.lines.lock().unwrap().push(line);
    }
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(format!(
            "{} {}",
            event.metadata().level(),
            event.metadata().target()
        ));
        event.record(&mut fields);
        // The innermost span this thread is in, if any: ` in=[SPAN ...]`.
        if let Some((_, span, _)) = self.innermost() {
            fields.0.push_str(&format!(" in=[{span}]"));
        }
        self.lines.lock().unwrap().push(fields.0);
    }
    fn current_span(&self) -> tracing_core::span::Current {
        match self.innermost() {
            Some((id, _, metadata)) => {
                tracing_core::span::Current::new(tracing::span::Id::from_u64(id), metadata)
            }
            None => tracing_core::span::Current::none(),
        }
    }
    fn enter(&self, span: &tracing::span::Id) {
        let thread = std::thread::current().id();
        self.entered
            .lock()
            .unwrap()
            .entry(thread)
            .or_default()
            .push(span.into_u64());
    }
    fn exit(&self, span: &tracing::span::Id) {
        let thread = std::thread::current().id();
        let mut entered = self.entered.lock().unwrap();
        let stack = entered.entry(thread).or_default();
        if let Some(at) = stack.iter().rposition(|id| *id == span.into_u64()) {
            stack.remove(at);
        }
    }
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

/// A histogram keeps how many values it got, and their sum under `…#sum`.
impl metrics::HistogramFn for Handle {
    fn record(&self, value: f64) {
        let mut values = self.0.0.lock().unwrap();
        *values.entry(self.1.clone()).or_default() += 1.0;
        *values.entry(format!("{}#sum", self.1)).or_default() += value;
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
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        metrics::Histogram::from_arc(Arc::new(Handle(self.0, key_text(key))))
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

/// The line of the first line of this file that contains `needle`: the line
/// label a site declared there carries.
fn line_of(needle: &str) -> u32 {
    let source = include_str!("observe.rs");
    let at = source
        .lines()
        .position(|l| l.contains(needle) && !l.contains("line_of("));
    u32::try_from(at.expect(needle) + 1).unwrap()
}

/// The labels of `site`'s series, sorted as the recorder writes them.
fn labels(site: &str, fn_name: &str, outcome: Option<&str>) -> String {
    let file = "file=runtime/tests/observe.rs";
    let line = line_of(&format!("async fn {fn_name}("));
    match outcome {
        Some(outcome) => format!("{{{file},line={line},outcome={outcome},site={site}}}"),
        None => format!("{{{file},line={line},site={site}}}"),
    }
}

fn present(values: &Values, key: &str) -> bool {
    values.0.lock().unwrap().contains_key(key)
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

    let slow_labels = labels("observed_slow", "slow", None);
    let fast_labels = labels("observed_fast", "fast", None);
    wait_until("live gauges back to zero", || {
        value(values, &format!("timebox_tasks_live{slow_labels}")) == 0.0
    })
    .await;
    assert_eq!(
        value(
            values,
            &format!(
                "timebox_calls_total{}",
                labels("observed_slow", "slow", Some("elapsed"))
            )
        ),
        1.0
    );
    assert_eq!(
        value(
            values,
            &format!(
                "timebox_calls_total{}",
                labels("observed_fast", "fast", Some("ok"))
            )
        ),
        1.0
    );
    assert_eq!(
        value(values, &format!("timebox_tasks_live{fast_labels}")),
        0.0
    );
}

#[timed(ms = 500, name = "observed_gauged")]
async fn gauged() -> Result<(), timebox::Error> {
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_site_has_its_gauges_at_zero_from_its_first_call() {
    let (_, values) = observed();
    assert_eq!(gauged().await, Ok(()));
    let gauged_labels = labels("observed_gauged", "gauged", None);
    for gauge in ["timebox_tasks_live", "timebox_tasks_zombie"] {
        let key = format!("{gauge}{gauged_labels}");
        assert!(
            present(values, &key),
            "{key} is registered before any zombie"
        );
        assert_eq!(value(values, &key), 0.0);
    }
}

#[timed(ms = 500, name = "observed_parent")]
async fn parent() -> Result<(), timebox::Error> {
    let child = timebox::spawn(async {
        tracing::info!(target: "observe", "observed_child speaking");
    });
    let _ = child.await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_children_keep_the_parent_span_and_their_line() {
    let (capture, values) = observed();
    parent().await.unwrap();
    let event = capture
        .lines
        .lock()
        .unwrap()
        .iter()
        .find(|l| l.contains("observed_child speaking"))
        .cloned()
        .expect("the child's event");
    assert!(
        event.contains("in=[SPAN timed site=observed_parent"),
        "the child's event is in its parent's span: {event}"
    );
    let spawn_line = line_of("let child = timebox::spawn(async {");
    let key = format!(
        "timebox_calls_total{{file=runtime/tests/observe.rs,line={spawn_line},outcome=ok,site=timebox::spawn}}"
    );
    wait_until("the child's outcome", || value(values, &key) == 1.0).await;
}

#[timed(ms = 20, name = "observed_zombie")]
async fn zombie() -> Result<(), timebox::Error> {
    std::thread::sleep(Duration::from_millis(1600));
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_zombie_is_reported_once_and_its_gauge_returns_to_zero() {
    let (capture, values) = observed();
    let gauge = &format!(
        "timebox_tasks_zombie{}",
        labels("observed_zombie", "zombie", None)
    );
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

#[timed(secs = 5, name = "observed_abandoned")]
async fn abandoned() -> Result<(), timebox::Error> {
    std::future::pending().await
}

#[timed(secs = 5, inline, name = "observed_abandoned_inline")]
async fn abandoned_inline() -> Result<(), timebox::Error> {
    std::future::pending().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_that_goes_away_is_a_warning_in_both_modes() {
    let (capture, _) = observed();
    let hang_up = Duration::from_millis(10);
    assert!(tokio::time::timeout(hang_up, abandoned()).await.is_err());
    assert!(
        tokio::time::timeout(hang_up, abandoned_inline())
            .await
            .is_err()
    );
    for site in ["observed_abandoned", "observed_abandoned_inline"] {
        let warnings: Vec<String> = lines_about(capture, site)
            .into_iter()
            .filter(|l| l.starts_with("WARN timebox") && l.contains("its caller went away"))
            .collect();
        assert_eq!(warnings.len(), 1, "{site}: {warnings:#?}");
    }
}

// ---- outcomes that tell the truth -----------------------------------------

/// A backend that answered 503: the body returns its error in time.
fn unavailable() -> std::io::Error {
    std::io::Error::other("503 from the backend")
}

#[timed(ms = 500, name = "observed_failing")]
async fn failing() -> std::io::Result<u8> {
    Err(unavailable())
}

#[timed(ms = 500, inline, name = "observed_failing_inline")]
async fn failing_inline() -> std::io::Result<u8> {
    Err(unavailable())
}

#[timed(ms = 500, fallback = Ok(0), name = "observed_failing_fallback")]
async fn failing_fallback() -> Result<u8, std::io::Error> {
    Err(unavailable())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_err_is_counted_err_in_the_counter_the_span_and_the_snapshot() {
    let (capture, values) = observed();
    let base = timebox::snapshot();
    assert!(failing().await.is_err());
    assert!(failing_inline().await.is_err());
    assert!(failing_fallback().await.is_err());
    let diff = timebox::snapshot().since(&base);
    for (site, fn_name) in [
        ("observed_failing", "failing"),
        ("observed_failing_inline", "failing_inline"),
        ("observed_failing_fallback", "failing_fallback"),
    ] {
        let counted = |outcome| {
            let key = format!(
                "timebox_calls_total{}",
                labels(site, fn_name, Some(outcome))
            );
            value(values, &key)
        };
        assert_eq!((counted("err"), counted("ok")), (1.0, 0.0), "{site}");
        let row = diff.sites().iter().find(|s| s.name == site).expect(site);
        assert_eq!((row.err, row.ok, row.started), (1, 0, 1), "{site}");
        let recorded = lines_about(capture, site)
            .into_iter()
            .any(|l| l.starts_with("RECORD timed") && l.ends_with(" outcome=err"));
        assert!(
            recorded,
            "{site}: the outcome is on the span: {:#?}",
            lines_about(capture, site)
        );
    }
}

#[timed(ms = 500, name = "observed_timed_ok")]
async fn timed_ok() -> Result<u8, timebox::Error> {
    tokio::time::sleep(Duration::from_millis(5)).await;
    Ok(1)
}

#[timed(ms = 10, inline, name = "observed_timed_out")]
async fn timed_out() -> Result<u8, timebox::Error> {
    std::future::pending().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_has_its_duration_by_outcome_and_its_outcome_on_its_span() {
    let (capture, values) = observed();
    assert_eq!(timed_ok().await, Ok(1));
    assert!(timed_out().await.is_err());
    for (site, fn_name, outcome, at_least) in [
        ("observed_timed_ok", "timed_ok", "ok", 0.005),
        ("observed_timed_out", "timed_out", "elapsed", 0.010),
    ] {
        let key = format!(
            "timebox_call_duration_seconds{}",
            labels(site, fn_name, Some(outcome))
        );
        assert_eq!(value(values, &key), 1.0, "one duration: {key}");
        let seconds = value(values, &format!("{key}#sum"));
        assert!((at_least..5.0).contains(&seconds), "{key}: {seconds} s");
        let recorded = lines_about(capture, site)
            .into_iter()
            .any(|l| l.starts_with("RECORD timed") && l.ends_with(&format!(" outcome={outcome}")));
        assert!(recorded, "{site}: {:#?}", lines_about(capture, site));
    }
}
