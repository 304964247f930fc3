//! Every task, not only timed ones (cfg `tokio_unstable`): [`track_tasks`]
//! installs tokio's task hooks on a runtime, so that each task spawned on
//! it is counted at its spawn location, a snapshot row like any timed site,
//! and a plain `tokio::spawn` leak is found at its line. The spawn hook runs
//! in the spawning task, where the scope is visible: a task spawned inside
//! a leak check counts in that check too.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use tokio::runtime::{Builder, TaskMeta};
use tokio::task::Id;
use tokio::time::Instant;

use crate::lock::lock;
use crate::registry::{self, BodyRef, Site};
use crate::scope::Scope;
use crate::spawner;
use crate::tracker::Tracker;

/// A plain task being counted: where it was spawned, its record there, and
/// the leak check it was spawned in, if any.
struct Tracked {
    site: &'static Site,
    body: BodyRef,
    tracker: Option<Arc<Tracker>>,
}

/// The plain tasks alive on every tracked runtime, by task id.
static TASKS: LazyLock<Mutex<HashMap<Id, Tracked>>> = LazyLock::new(Default::default);

/// Counts every task spawned on the runtime `builder` builds, at its spawn
/// location: [`snapshot`](crate::snapshot) then has a row per plain-spawn
/// location, named `"tokio::spawn"`, with its file and line, `started`,
/// `live` and `oldest` (the outcome counters stay 0: a hook cannot see
/// them), which [`Snapshot::since`](crate::Snapshot::since) diffs like any
/// other; and [`assert_no_leaks`](crate::testing::assert_no_leaks) also
/// fails on a plain `tokio::spawn` started inside it, naming its line.
/// timebox's own tasks are not counted twice: a timed body appears at its
/// timed site only. [`live`](crate::live) still counts timed bodies only.
///
/// It sets the builder's `on_task_spawn` and `on_task_terminate` hooks,
/// replacing any set before. It needs `--cfg tokio_unstable` (tokio's task
/// hooks are unstable): build with `RUSTFLAGS="--cfg tokio_unstable"`, or
/// put `rustflags = ["--cfg", "tokio_unstable"]` under `[build]` in
/// `.cargo/config.toml`. Without it, this function does not exist.
///
/// ```
/// let rt = timebox::track_tasks(tokio::runtime::Builder::new_current_thread().enable_all())
///     .build()
///     .unwrap();
/// rt.block_on(async {
///     let base = timebox::snapshot();
///     let leaked = tokio::spawn(std::future::pending::<()>()); // this line leaks
///     let diff = timebox::snapshot().since(&base);
///     let top = &diff.sites()[0];
///     assert_eq!((top.name, top.line, top.live), ("tokio::spawn", line!() - 3, 1));
///     leaked.abort();
/// });
/// ```
pub fn track_tasks(builder: &mut Builder) -> &mut Builder {
    builder.on_task_spawn(spawned).on_task_terminate(terminated)
}

fn spawned(meta: &TaskMeta<'_>) {
    if spawner::spawning_own() {
        return;
    }
    let site = registry::plain_site_at(meta.spawned_at());
    let body = site.start(Instant::now());
    let tracker = Scope::with_current(|scope| scope.tracker().cloned()).flatten();
    if let Some(tracker) = &tracker {
        tracker.started(site);
    }
    let tracked = Tracked {
        site,
        body,
        tracker,
    };
    lock(&TASKS).insert(meta.id(), tracked);
}

fn terminated(meta: &TaskMeta<'_>) {
    let Some(tracked) = lock(&TASKS).remove(&meta.id()) else {
        return;
    };
    if let Some(tracker) = &tracked.tracker {
        tracker.ended(tracked.site);
    }
    tracked.site.end(tracked.body);
}
