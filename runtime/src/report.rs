//! What timebox tells the outside world as it happens: events through the
//! `tracing` feature. Without the feature these are empty and vanish.

use crate::scope::Scope;

/// A cancelled body is still alive past its grace period: reported once.
pub(crate) fn zombie(scope: &Scope) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        target: "timebox",
        site = scope.site.name,
        file = scope.site.file,
        line = scope.site.line,
        grace_ms = u64::try_from(scope.grace.as_millis()).unwrap_or(u64::MAX),
        "`{}` is a zombie: still alive {:?} after it was cancelled (does it block the thread?)",
        scope.site.name,
        scope.grace + crate::zombie::SLACK,
    );
    #[cfg(not(feature = "tracing"))]
    let _ = scope;
}
