//! How a call ended, as its caller saw it: the one vocabulary the counters,
//! the metrics labels and the run modes share.

/// How a call ended, as its caller saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The body's value reached the caller (for a `Result`, an `Ok`).
    Ok,
    /// The body returned a `Result::Err`, and it reached the caller.
    Err,
    /// The deadline passed first.
    Elapsed,
    /// Cancelled before the deadline, or the caller went away.
    Cancelled,
    /// The body panicked.
    Panicked,
}

impl Outcome {
    /// The label value metrics and traces use.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) fn label(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Err => "err",
            Outcome::Elapsed => "elapsed",
            Outcome::Cancelled => "cancelled",
            Outcome::Panicked => "panicked",
        }
    }
}
