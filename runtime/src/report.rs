//! What timebox tells the outside world as it happens. With the `tracing`
//! feature: a span around each timed body, its outcome recorded on it, and
//! a WARN event when a call ends without a value or a body turns zombie.
//! With the `metrics` feature: `timebox_calls_total{site, file, line,
//! outcome}`, the histogram `timebox_call_duration_seconds{site, file, line,
//! outcome}`, and the gauges `timebox_tasks_live{site, file, line}` and
//! `timebox_tasks_zombie{site, file, line}`, each set to 0 when its site
//! first runs. Without either feature every function here is empty and
//! vanishes.

use std::future::Future;
use std::time::Duration;

use crate::budget::Budget;
use crate::error::Error;
use crate::origin::Origin;
use crate::outcome::Outcome;

/// `site` joined the registry: its gauges exist from now on, at 0, so a
/// dashboard shows a site with no zombies as 0, not as missing.
pub(crate) fn site_registered(site: &'static Origin) {
    #[cfg(feature = "metrics")]
    {
        let labels = [
            ("site", site.name),
            ("file", site.file),
            ("line", site.line_text()),
        ];
        metrics::gauge!("timebox_tasks_live", &labels).set(0.0);
        metrics::gauge!("timebox_tasks_zombie", &labels).set(0.0);
    }
    let _ = site;
}

/// `future`, inside the span current where it is spawned: a
/// `timebox::spawn` child keeps its parent's span.
#[cfg(feature = "tracing")]
pub(crate) fn in_current_span<F: Future>(future: F) -> impl Future<Output = F::Output> + use<F> {
    tracing::Instrument::in_current_span(future)
}

/// Without `tracing` the future is left as it is.
#[cfg(not(feature = "tracing"))]
pub(crate) fn in_current_span<F: Future>(future: F) -> F {
    future
}

/// A body of `site` started.
pub(crate) fn body_started(site: &'static Origin) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_live", "site" => site.name, "file" => site.file, "line" => site.line_text()).increment(1.0);
    let _ = site;
}

/// A body of `site` ended (its future was dropped).
pub(crate) fn body_ended(site: &'static Origin) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_live", "site" => site.name, "file" => site.file, "line" => site.line_text()).decrement(1.0);
    let _ = site;
}

/// A call of `site` ended this way.
pub(crate) fn outcome(site: &'static Origin, outcome: Outcome) {
    #[cfg(feature = "metrics")]
    metrics::counter!("timebox_calls_total", "site" => site.name, "file" => site.file, "line" => site.line_text(), "outcome" => outcome.label())
        .increment(1);
    let _ = (site, outcome);
}

/// A timed call of `site` returned `err` to its caller.
pub(crate) fn no_value(site: &'static Origin, err: &Error) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "timebox",
        site = site.name,
        file = site.file,
        line = site.line,
        kind = ?err.kind(),
        timeout_ms = millis(err.timeout()),
        "{err}"
    );
    let _ = (site, err);
}

/// A timed call of `site` was cancelled because its caller went away (its
/// future was dropped mid-wait: `select!`, an outer timeout, a client that
/// hung up). Nobody gets an error to log, so this is the only trace.
pub(crate) fn caller_gone(site: &'static Origin) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "timebox",
        site = site.name,
        file = site.file,
        line = site.line,
        kind = "CallerGone",
        "`{}` was cancelled: its caller went away",
        site.name
    );
    let _ = site;
}

/// A cancelled body is still alive `after` its cancellation, past its grace
/// period: reported once.
pub(crate) fn zombie(site: &'static Origin, grace: Duration, after: Duration) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "timebox",
        site = site.name,
        file = site.file,
        line = site.line,
        grace_ms = millis(grace),
        "`{}` is a zombie: still alive {:?} after it was cancelled; does it block its thread?",
        site.name,
        after,
    );
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_zombie", "site" => site.name, "file" => site.file, "line" => site.line_text())
        .increment(1.0);
    let _ = (site, grace, after);
}

/// A zombie of `site` finally ended.
pub(crate) fn zombie_ended(site: &'static Origin) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_zombie", "site" => site.name, "file" => site.file, "line" => site.line_text())
        .decrement(1.0);
    let _ = site;
}

/// What the reports of one timed call keep until it ends: its span (with
/// `tracing`), to record the outcome on, and its start (with `metrics`),
/// for the duration histogram. Empty without either feature.
#[derive(Debug)]
pub(crate) struct CallRecord {
    #[cfg(feature = "tracing")]
    span: tracing::Span,
    #[cfg(feature = "metrics")]
    start: tokio::time::Instant,
}

impl CallRecord {
    /// The call of `site` ended this way: the outcome goes on its span, and
    /// its duration, from its start until now, into
    /// `timebox_call_duration_seconds{site, file, line, outcome}`.
    pub(crate) fn ended(&self, site: &'static Origin, outcome: Outcome) {
        #[cfg(feature = "tracing")]
        self.span.record("outcome", outcome.label());
        #[cfg(feature = "metrics")]
        metrics::histogram!("timebox_call_duration_seconds", "site" => site.name, "file" => site.file, "line" => site.line_text(), "outcome" => outcome.label())
            .record(self.start.elapsed().as_secs_f64());
        let _ = (site, outcome);
    }
}

/// The body of a timed call started at `start`, inside a `timed` span
/// naming the call and its budget (its `outcome` field is recorded when the
/// call ends), and the call's record.
pub(crate) fn instrument<F: Future>(
    site: &'static Origin,
    budget: &Budget,
    start: tokio::time::Instant,
    body: F,
) -> (CallRecord, impl Future<Output = F::Output> + use<F>) {
    #[cfg(feature = "tracing")]
    let span = tracing::info_span!(
        target: "timebox",
        "timed",
        site = site.name,
        file = site.file,
        line = site.line,
        timeout_ms = millis(budget.timeout),
        outcome = tracing::field::Empty,
    );
    let record = CallRecord {
        #[cfg(feature = "tracing")]
        span: span.clone(),
        #[cfg(feature = "metrics")]
        start,
    };
    let _ = (site, budget, start);
    #[cfg(feature = "tracing")]
    let body = tracing::Instrument::instrument(body, span);
    (record, body)
}

#[cfg(feature = "tracing")]
fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
