//! The keys of `#[timed(...)]` in one table: name, shape, example and the
//! words users write for each. Dispatch, messages and suggestions read it.

/// A key of `#[timed(...)]`, in the order of [`KEYS`] and of the docs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Key {
    /// `secs = 1`: the timeout in seconds.
    Secs,
    /// `ms = 500`: the timeout in milliseconds.
    Ms,
    /// `duration = EXPR`: the timeout as a `Duration` the caller computes.
    Duration,
    /// `fallback = EXPR`: the value on timeout or cancellation.
    Fallback,
    /// `grace = 100`: milliseconds a cancelled body keeps being polled.
    Grace,
    /// `name = ".."`: the label in errors, traces and leak reports.
    Name,
    /// `inline`: run the body in the caller's task.
    Inline,
    /// `crate = ".."`: the path to `timebox`.
    Crate,
}

/// What follows a key.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Shape {
    /// Nothing: the key alone.
    Flag,
    /// `= value`.
    Value,
}

/// One row of the table.
#[derive(Debug)]
pub(crate) struct KeyRow {
    pub(crate) key: Key,
    pub(crate) name: &'static str,
    pub(crate) shape: Shape,
    /// The key as messages show it in use.
    pub(crate) example: &'static str,
    /// Words written for this key, for which "did you mean" names it.
    pub(crate) synonyms: &'static [&'static str],
}

/// Every key, in the order the docs list them.
pub(crate) const KEYS: [KeyRow; 8] = [
    KeyRow {
        key: Key::Secs,
        name: "secs",
        shape: Shape::Value,
        example: "secs = 1",
        synonyms: &["seconds", "second", "sec", "s"],
    },
    KeyRow {
        key: Key::Ms,
        name: "ms",
        shape: Shape::Value,
        example: "ms = 500",
        synonyms: &["millis", "milliseconds", "msecs", "msec", "millisecond"],
    },
    KeyRow {
        key: Key::Duration,
        name: "duration",
        shape: Shape::Value,
        example: "duration = Duration::from_millis(250)",
        synonyms: &[],
    },
    KeyRow {
        key: Key::Fallback,
        name: "fallback",
        shape: Shape::Value,
        example: "fallback = Vec::new()",
        synonyms: &["default", "on_timeout", "or", "otherwise", "or_else"],
    },
    KeyRow {
        key: Key::Grace,
        name: "grace",
        shape: Shape::Value,
        example: "grace = 100",
        synonyms: &[],
    },
    KeyRow {
        key: Key::Name,
        name: "name",
        shape: Shape::Value,
        example: "name = \"fetch_user\"",
        synonyms: &["label", "site", "id"],
    },
    KeyRow {
        key: Key::Inline,
        name: "inline",
        shape: Shape::Flag,
        example: "inline",
        synonyms: &["no_spawn", "local", "borrow", "inplace"],
    },
    KeyRow {
        key: Key::Crate,
        name: "crate",
        shape: Shape::Value,
        example: "crate = \"my_crate::timebox\"",
        synonyms: &["krate", "path", "timebox"],
    },
];

impl Key {
    /// The key spelled `word`, if any.
    pub(crate) fn named(word: &str) -> Option<Key> {
        KEYS.iter().find(|row| row.name == word).map(|row| row.key)
    }

    pub(crate) fn row(self) -> &'static KeyRow {
        &KEYS[self as usize]
    }

    pub(crate) fn name(self) -> &'static str {
        self.row().name
    }

    pub(crate) fn example(self) -> &'static str {
        self.row().example
    }
}

/// Every key, quoted, for messages that list them: "`secs`, `ms`, ..".
pub(crate) fn listed() -> String {
    KEYS.map(|row| format!("`{}`", row.name)).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_is_at_its_key() {
        for (at, row) in KEYS.iter().enumerate() {
            assert_eq!(row.key as usize, at, "{}", row.name);
            assert_eq!(Key::named(row.name), Some(row.key));
            assert_eq!(row.shape == Shape::Flag, row.example == row.name);
        }
    }
}
