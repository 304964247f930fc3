//! Snapshots of the registry, and the diff of two (`pprof -base` for timed
//! calls): the call sites whose live count grows are the ones that leak.

use std::fmt;
use std::time::Duration;

use tokio::time::Instant;

use crate::registry::{self, Count, Site};

/// The counters of one call site at one moment.
///
/// In a diff ([`Snapshot::since`]) `started` … `panicked` count what happened
/// in between, while `live`, `zombies` and `oldest` are as of the newer
/// snapshot.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// for site in timebox::snapshot().sites() {
///     println!("{} at {}:{}: {} live", site.name, site.file, site.line, site.live);
/// }
/// # }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SiteStats {
    /// The call's label: `name = "…"` or the function's name.
    pub name: &'static str,
    /// The module path of the function.
    pub module: &'static str,
    /// The source file of the function.
    pub file: &'static str,
    /// The line of the function's name.
    pub line: u32,
    /// Bodies alive now.
    pub live: u64,
    /// Live bodies that outlived their cancellation by more than their grace
    /// period plus one second.
    pub zombies: u64,
    /// Calls started.
    pub started: u64,
    /// Calls that returned the body's value: for a `Result`, an `Ok`.
    pub ok: u64,
    /// Calls whose body returned a `Result::Err` (the error reached the
    /// caller: a failure of the work, not of its time).
    pub err: u64,
    /// Calls that ran out of time.
    pub elapsed: u64,
    /// Calls cancelled before their deadline, or whose caller went away.
    pub cancelled: u64,
    /// Calls whose body panicked.
    pub panicked: u64,
    /// Age of the oldest live body.
    pub oldest: Option<Duration>,
    key: usize,
    seq: usize,
    plain: bool,
}

impl SiteStats {
    pub(crate) fn read(site: &'static Site) -> Self {
        let now = Instant::now();
        let c = &site.counts;
        SiteStats {
            name: site.origin.name,
            module: site.origin.module,
            file: site.origin.file,
            line: site.origin.line,
            live: c.live(),
            zombies: site.marks.zombies(),
            started: c.get(Count::Started),
            ok: c.get(Count::Ok),
            err: c.get(Count::Err),
            elapsed: c.get(Count::Elapsed),
            cancelled: c.get(Count::Cancelled),
            panicked: c.get(Count::Panicked),
            oldest: site
                .oldest_start()
                .map(|start| now.saturating_duration_since(start)),
            key: std::ptr::from_ref(site) as usize,
            seq: site.seq(),
            plain: site.is_plain(),
        }
    }

    fn minus(&self, base: &SiteStats) -> SiteStats {
        SiteStats {
            started: self.started.saturating_sub(base.started),
            ok: self.ok.saturating_sub(base.ok),
            err: self.err.saturating_sub(base.err),
            elapsed: self.elapsed.saturating_sub(base.elapsed),
            cancelled: self.cancelled.saturating_sub(base.cancelled),
            panicked: self.panicked.saturating_sub(base.panicked),
            ..self.clone()
        }
    }

    fn is_quiet(&self) -> bool {
        self.live == 0
            && self.zombies == 0
            && self.started == 0
            && self.ok == 0
            && self.err == 0
            && self.elapsed == 0
            && self.cancelled == 0
            && self.panicked == 0
    }
}

/// The registry at one moment: one row per call site.
///
/// ```
/// use timebox::timed;
///
/// #[timed(ms = 100)]
/// async fn ping() -> Result<(), timebox::Error> {
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let base = timebox::snapshot();
/// ping().await.unwrap();
/// let diff = timebox::snapshot().since(&base);
/// let row = diff.sites().iter().find(|s| s.name == "ping").unwrap();
/// assert_eq!((row.started, row.ok, row.live), (1, 1, 0));
/// println!("{diff}");
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Snapshot {
    sites: Vec<SiteStats>,
}

impl Snapshot {
    /// Rows sorted as the table shows them: largest `live` first.
    pub(crate) fn from_rows(mut sites: Vec<SiteStats>) -> Self {
        sites.sort_by_key(|s| std::cmp::Reverse((s.live, s.zombies, s.started)));
        Snapshot { sites }
    }

    /// The rows, largest `live` first.
    pub fn sites(&self) -> &[SiteStats] {
        &self.sites
    }

    /// Timed bodies alive at this snapshot, over all sites, as [`live`]
    /// counts them: the rows of plain tasks ([`track_tasks`]) are left out.
    ///
    /// [`live`]: crate::live
    /// [`track_tasks`]: crate#every-task
    pub fn live(&self) -> u64 {
        self.sites.iter().filter(|s| !s.plain).map(|s| s.live).sum()
    }

    /// Every timed site added up, as one row named `total` (the rows of
    /// plain tasks are left out, as [`live`](crate::live) leaves them out).
    ///
    /// ```
    /// let total = timebox::snapshot().total();
    /// assert_eq!(total.name, "total");
    /// assert_eq!(total.live, timebox::live());
    /// ```
    pub fn total(&self) -> SiteStats {
        let timed = || self.sites.iter().filter(|s| !s.plain);
        let sum = |f: fn(&SiteStats) -> u64| timed().map(f).sum();
        SiteStats {
            name: "total",
            module: "",
            file: "",
            line: 0,
            live: sum(|s| s.live),
            zombies: sum(|s| s.zombies),
            started: sum(|s| s.started),
            ok: sum(|s| s.ok),
            err: sum(|s| s.err),
            elapsed: sum(|s| s.elapsed),
            cancelled: sum(|s| s.cancelled),
            panicked: sum(|s| s.panicked),
            oldest: timed().filter_map(|s| s.oldest).max(),
            key: 0,
            seq: 0,
            plain: false,
        }
    }

    /// What happened since `base`: counters are differences, `live`,
    /// `zombies` and `oldest` are this snapshot's; sites with no activity
    /// and nothing alive drop out.
    pub fn since(&self, base: &Snapshot) -> Snapshot {
        let sites = self
            .sites
            .iter()
            .map(|now| match base.sites.iter().find(|b| b.key == now.key) {
                Some(before) => now.minus(before),
                None => now.clone(),
            })
            .filter(|row| !row.is_quiet())
            .collect();
        Snapshot { sites }
    }
}

/// Reads every call site's counters now.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let snapshot = timebox::snapshot();
/// assert_eq!(snapshot.live(), timebox::live());
/// # }
/// ```
pub fn snapshot() -> Snapshot {
    Snapshot::from_rows(registry::sites().into_iter().map(SiteStats::read).collect())
}

/// An aligned table in the spirit of `go tool pprof -top`.
impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:>7} {:>7} {:>9} {:>9} {:>7} {:>9} {:>9} {:>8} {:>8}  site",
            "live", "zombies", "started", "ok", "err", "elapsed", "cancelled", "panicked", "oldest"
        )?;
        let shared_label = |s: &SiteStats| {
            let same = |o: &&SiteStats| (o.name, o.file, o.line) == (s.name, s.file, s.line);
            self.sites.iter().filter(same).count() > 1
        };
        for s in &self.sites {
            // Sites a macro generates share a label and a line: the
            // registration order tells them apart, the same in every table.
            let seq = if shared_label(s) {
                format!(" #{}", s.seq)
            } else {
                String::new()
            };
            let oldest = s
                .oldest
                .map(|d| format!("{:.1?}", d))
                .unwrap_or_else(|| "-".into());
            writeln!(
                f,
                "{:>7} {:>7} {:>9} {:>9} {:>7} {:>9} {:>9} {:>8} {:>8}  {} {}:{}{}",
                s.live,
                s.zombies,
                s.started,
                s.ok,
                s.err,
                s.elapsed,
                s.cancelled,
                s.panicked,
                oldest,
                s.name,
                s.file,
                s.line,
                seq
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(name: &'static str, key: usize, live: u64, started: u64, ok: u64) -> SiteStats {
        SiteStats {
            name,
            module: "m",
            file: "src/lib.rs",
            line: 7,
            live,
            zombies: 0,
            started,
            ok,
            err: 0,
            elapsed: 0,
            cancelled: 0,
            panicked: 0,
            oldest: None,
            key,
            seq: key,
            plain: false,
        }
    }

    #[test]
    fn since_subtracts_counters_and_keeps_live() {
        let base = Snapshot::from_rows(vec![row("a", 1, 5, 10, 5), row("b", 2, 0, 3, 3)]);
        let now = Snapshot::from_rows(vec![
            row("a", 1, 9, 20, 11),
            row("b", 2, 0, 3, 3),
            row("c", 3, 1, 1, 0),
        ]);
        let diff = now.since(&base);
        let names: Vec<_> = diff.sites().iter().map(|s| s.name).collect();
        assert_eq!(names, ["a", "c"], "the quiet site `b` drops out");
        assert_eq!(
            (
                diff.sites()[0].live,
                diff.sites()[0].started,
                diff.sites()[0].ok
            ),
            (9, 10, 6)
        );
        assert_eq!(diff.sites()[1].started, 1, "a new site counts from zero");
    }

    #[test]
    fn display_is_an_aligned_table() {
        let snap = Snapshot::from_rows(vec![row("fetch", 1, 12, 40, 28)]);
        let text = snap.to_string();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].ends_with("oldest  site"), "{text}");
        assert!(lines[1].ends_with("fetch src/lib.rs:7"), "{text}");
        assert_eq!(
            lines[0].find("live").map(|i| i + 4),
            lines[1].find("12").map(|i| i + 2)
        );
    }

    #[test]
    fn rows_that_share_a_label_and_line_are_told_apart() {
        let snap = Snapshot::from_rows(vec![
            row("made", 4, 1, 1, 0),
            row("made", 9, 1, 1, 0),
            row("alone", 5, 0, 1, 1),
        ]);
        let text = snap.to_string();
        assert!(text.contains("made src/lib.rs:7 #4\n"), "{text}");
        assert!(text.contains("made src/lib.rs:7 #9\n"), "{text}");
        assert!(text.contains("alone src/lib.rs:7\n"), "{text}");
    }
}
