//! What a call is allowed: its deadline, clamped to the enclosing call's, and
//! the timeout it really got. A leaf: errors and reports name it, the scope
//! computes it.

use std::time::Duration;

use tokio::time::Instant;

/// What a call was allowed: its label, deadline and the timeout it really got.
#[derive(Debug, Clone)]
pub(crate) struct Budget {
    pub(crate) name: &'static str,
    pub(crate) deadline: Instant,
    /// `deadline - start`: the configured timeout, or less if clamped.
    pub(crate) timeout: Duration,
    /// The enclosing call whose deadline came first, if any.
    pub(crate) clamped_by: Option<&'static str>,
}

impl Budget {
    /// The budget of a call named `name` that may take `timeout` from `now`,
    /// inside `outer` if any: a nested call never outlives its parent's
    /// deadline.
    pub(crate) fn within(
        name: &'static str,
        timeout: Duration,
        now: Instant,
        outer: Option<&Budget>,
    ) -> Budget {
        let own = now.checked_add(timeout).unwrap_or_else(|| far_future(now));
        match outer {
            Some(outer) if outer.deadline < own => Budget {
                name,
                deadline: outer.deadline,
                timeout: outer.deadline.saturating_duration_since(now),
                clamped_by: Some(outer.name),
            },
            _ => Budget {
                name,
                deadline: own,
                timeout,
                clamped_by: None,
            },
        }
    }
}

/// About 30 years from `now`: a deadline that is never reached, for budgets
/// too large to add to an `Instant`.
fn far_future(now: Instant) -> Instant {
    now + Duration::from_secs(86_400 * 365 * 30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nested_budget_is_clamped_to_the_outer_deadline() {
        let now = Instant::now();
        let outer = Budget::within("outer", Duration::from_millis(50), now, None);
        let inner = Budget::within("inner", Duration::from_secs(60), now, Some(&outer));
        assert_eq!(inner.deadline, outer.deadline);
        assert_eq!(inner.timeout, Duration::from_millis(50));
        assert_eq!(inner.clamped_by, Some("outer"));

        let roomy = Budget::within("inner", Duration::from_millis(10), now, Some(&outer));
        assert_eq!(roomy.timeout, Duration::from_millis(10));
        assert_eq!(roomy.clamped_by, None);
    }

    #[test]
    fn huge_timeouts_do_not_overflow() {
        let budget = Budget::within("huge", Duration::MAX, Instant::now(), None);
        assert!(budget.timeout > Duration::from_secs(86_400 * 365));
    }
}
