//! Inline mode: no spawn. The body runs in the caller's own task, inside the
//! same kind of scope, raced against the scope's token and the deadline, so
//! it may borrow and need not be `Send`. Dropping the call drops the body.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;

use crate::call::Spec;
use crate::error::{Error, ErrorKind};
use crate::registry::{Outcome, Site};
use crate::scope::Scope;

/// Inline mode: the body runs in the caller's task, in a new scope, until
/// its value, its deadline or its cancellation.
#[doc(hidden)]
pub async fn run_inline<F: Future>(spec: Spec, body: F) -> Result<F::Output, Error> {
    let scope = Scope::open(spec.site, spec.timeout);
    let mut outcome = Unfinished(Some(spec.site));
    let result = {
        let _live = spec.site.enter();
        let mut body = pin!(Arc::clone(&scope).enter(body));
        let mut cancelled = pin!(scope.cancelled());
        let mut sleep = pin!(tokio::time::sleep_until(scope.budget.deadline));
        poll_fn(|cx| {
            if let Poll::Ready(value) = body.as_mut().poll(cx) {
                return Poll::Ready(Ok(value));
            }
            if cancelled.as_mut().poll(cx).is_ready() {
                return Poll::Ready(Err(ErrorKind::Cancelled));
            }
            sleep.as_mut().poll(cx).map(|()| Err(ErrorKind::Elapsed))
        })
        .await
    };
    let result = result.map_err(|kind| {
        scope.cancel();
        Error::new(kind, &scope.budget)
    });
    outcome.set(match &result {
        Ok(_) => Outcome::Ok,
        Err(err) if err.is_elapsed() => Outcome::Elapsed,
        Err(_) => Outcome::Cancelled,
    });
    result
}

/// Records how an inline call ended. If it is dropped before `set` the call
/// never finished: the body panicked (the panic is unwinding through us) or
/// the caller dropped the call.
struct Unfinished(Option<&'static Site>);

impl Unfinished {
    fn set(&mut self, outcome: Outcome) {
        if let Some(site) = self.0.take() {
            site.record(outcome);
        }
    }
}

impl Drop for Unfinished {
    fn drop(&mut self) {
        self.set(if std::thread::panicking() {
            Outcome::Panicked
        } else {
            Outcome::Cancelled
        });
    }
}
