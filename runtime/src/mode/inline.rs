//! Inline mode: no spawn. The body runs in the caller's own task, inside the
//! same kind of scope, raced against the scope's token and the deadline, so
//! it may borrow and need not be `Send`. Dropping the call drops the body.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::Poll;

use tokio::time::{Instant, Sleep};

use super::{Race, Spec, no_value, outcome_of};
use crate::error::{Error, ErrorKind};
use crate::guard::{Live, OutcomeGuard};
use crate::outcome::Outcome;
use crate::report;
use crate::scope::Scope;

/// Inline mode: the body runs in the caller's task, in a new scope, until
/// its value, its deadline or its cancellation.
#[doc(hidden)]
pub async fn run_inline<F: Future>(spec: Spec, body: F) -> Result<F::Output, Error> {
    let now = Instant::now();
    let (scope, budget) = Scope::open(spec.site, spec.timeout, spec.grace, now);
    let _close = CloseOnDrop(&scope);
    let mut outcome = OutcomeGuard::new(spec.site);
    let result = {
        let _live = Live::new(Arc::clone(&scope));
        let mut body = pin!(report::instrument(&spec.site.origin, &budget, body));
        let mut race = Race::new(&scope);
        // No timer until the body first waits.
        let mut sleep: Option<Pin<Box<Sleep>>> = None;
        poll_fn(|cx| {
            match race.poll(body.as_mut(), cx) {
                Poll::Ready(Some(value)) => return Poll::Ready(Ok(value)),
                Poll::Ready(None) => return Poll::Ready(Err(ErrorKind::Cancelled)),
                Poll::Pending => {}
            }
            let sleep =
                sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep_until(budget.deadline)));
            sleep.as_mut().poll(cx).map(|()| Err(ErrorKind::Elapsed))
        })
        .await
    };
    outcome.set(match result {
        Ok(_) => Outcome::Ok,
        Err(kind) => outcome_of(kind),
    });
    result.map_err(|kind| no_value(spec.site, kind, &budget))
}

/// Closes the scope when the inline call ends, however it ends: the body's
/// `timebox::spawn` children do not outlive it.
struct CloseOnDrop<'a>(&'a Scope);

impl Drop for CloseOnDrop<'_> {
    fn drop(&mut self) {
        self.0.close();
    }
}
