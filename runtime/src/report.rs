//! What timebox tells the outside world as it happens. With the `tracing`
//! feature: a span around each timed body and a WARN event when a call ends
//! without a value or a body turns zombie. With the `metrics` feature:
//! `timebox_calls_total{site, file, outcome}`, and the gauges
//! `timebox_tasks_live{site, file}` and `timebox_tasks_zombie{site, file}`.
//! Without either feature every function here is empty and vanishes.

use std::future::Future;

use crate::error::Error;
use crate::registry::{Outcome, Site};
use crate::scope::Budget;
use std::time::Duration;

/// A body of `site` started.
pub(crate) fn body_started(site: &'static Site) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_live", "site" => site.name, "file" => site.file).increment(1.0);
    let _ = site;
}

/// A body of `site` ended (its future was dropped).
pub(crate) fn body_ended(site: &'static Site) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_live", "site" => site.name, "file" => site.file).decrement(1.0);
    let _ = site;
}

/// A call of `site` ended this way.
pub(crate) fn outcome(site: &'static Site, outcome: Outcome) {
    #[cfg(feature = "metrics")]
    {
        let outcome = match outcome {
            Outcome::Ok => "ok",
            Outcome::Elapsed => "elapsed",
            Outcome::Cancelled => "cancelled",
            Outcome::Panicked => "panicked",
        };
        metrics::counter!("timebox_calls_total", "site" => site.name, "file" => site.file, "outcome" => outcome)
            .increment(1);
    }
    let _ = (site, outcome);
}

/// A timed call of `site` returned `err` to its caller.
pub(crate) fn no_value(site: &'static Site, err: &Error) {
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

/// A cancelled body is still alive past its grace period: reported once.
pub(crate) fn zombie(site: &'static Site, grace: Duration) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "timebox",
        site = site.name,
        file = site.file,
        line = site.line,
        grace_ms = millis(grace),
        "`{}` is a zombie: still alive {:?} after it was cancelled; does it block its thread?",
        site.name,
        grace + crate::zombie::SLACK,
    );
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_zombie", "site" => site.name, "file" => site.file)
        .increment(1.0);
    let _ = (site, grace);
}

/// A zombie of `site` finally ended.
pub(crate) fn zombie_ended(site: &'static Site) {
    #[cfg(feature = "metrics")]
    metrics::gauge!("timebox_tasks_zombie", "site" => site.name, "file" => site.file)
        .decrement(1.0);
    let _ = site;
}

/// The body of a timed call, inside a `timed` span naming the call and its
/// budget.
#[cfg(feature = "tracing")]
pub(crate) fn instrument<F: Future>(
    site: &'static Site,
    budget: &Budget,
    body: F,
) -> impl Future<Output = F::Output> + use<F> {
    use tracing::Instrument;
    let span = tracing::info_span!(
        target: "timebox",
        "timed",
        site = site.name,
        file = site.file,
        line = site.line,
        timeout_ms = millis(budget.timeout),
    );
    body.instrument(span)
}

/// Without `tracing` the body is left as it is.
#[cfg(not(feature = "tracing"))]
pub(crate) fn instrument<F: Future>(_: &'static Site, _: &Budget, body: F) -> F {
    body
}

#[cfg(feature = "tracing")]
fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
