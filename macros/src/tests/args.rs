//! The argument parser, one form at a time: what it accepts, and for each
//! mistake the one error, its message and the exact tokens it points at.
//! In the inputs, `«` and `»` mark where the error must point.

use super::{parse, tokens};
use crate::values::Timeout;

/// The input without its markers, and the char range between them.
fn unmark(marked: &str) -> (String, Option<(usize, usize)>) {
    let mut text = String::new();
    let (mut start, mut end) = (None, None);
    for c in marked.chars() {
        match c {
            '«' => start = Some(text.chars().count()),
            '»' => end = Some(text.chars().count()),
            _ => text.push(c),
        }
    }
    (text, start.zip(end))
}

/// `marked` gives exactly one error, containing `message`, spanning the
/// marked tokens (nothing marked: the attribute itself).
#[track_caller]
fn rejects(marked: &str, message: &str) {
    let (args, range) = unmark(marked);
    let (_, errors) = parse(tokens(&args));
    let errors: Vec<syn::Error> = match errors.into_result(()) {
        Ok(()) => panic!("{args:?} was accepted; expected an error containing {message:?}"),
        Err(err) => err.into_iter().collect(),
    };
    assert_eq!(
        errors.len(),
        1,
        "{args:?} gave {} errors: {:?}",
        errors.len(),
        errors.iter().map(ToString::to_string).collect::<Vec<_>>()
    );
    let err = &errors[0];
    assert!(
        err.to_string().contains(message),
        "{args:?}: expected a message containing {message:?}, got {:?}",
        err.to_string()
    );
    let span = err.span();
    let found = (span.start().column, span.end().column);
    let expected = range.unwrap_or((0, 0));
    let text = |(a, b): (usize, usize)| {
        args.chars()
            .skip(a)
            .take(b.saturating_sub(a))
            .collect::<String>()
    };
    assert_eq!(
        text(found),
        text(expected),
        "{args:?}: the error {:?} points at the wrong tokens ({found:?}, expected {expected:?})",
        err.to_string()
    );
}

#[track_caller]
fn accepts(args: &str) -> crate::config::Config {
    let (config, errors) = parse(tokens(args));
    match errors.into_result(config) {
        Ok(config) => config,
        Err(err) => panic!("{args:?} was rejected: {err}"),
    }
}

#[track_caller]
fn fixed(args: &str) -> (u64, u32, bool) {
    match accepts(args).timeout {
        Some((
            _,
            _,
            Timeout::Fixed {
                secs,
                nanos,
                millis,
            },
        )) => (secs, nanos, millis),
        _ => panic!("{args:?}: expected a literal timeout"),
    }
}

#[test]
fn literal_timeouts() {
    assert_eq!(fixed("secs = 1"), (1, 0, false));
    assert_eq!(fixed("secs = 1u64"), (1, 0, false));
    assert_eq!(fixed("secs = 0.25"), (0, 250_000_000, false));
    assert_eq!(fixed("secs = 2.5f64"), (2, 500_000_000, false));
    assert_eq!(fixed("secs = 1e3"), (1000, 0, false));
    assert_eq!(fixed("secs = 1_000"), (1000, 0, false));
    assert_eq!(fixed("secs = 0x10"), (16, 0, false));
    assert_eq!(fixed("secs = 18446744073709551615"), (u64::MAX, 0, false));
    assert_eq!(fixed("ms = 1500"), (1, 500_000_000, true));
    assert_eq!(fixed("ms = 1u64"), (0, 1_000_000, true));
    assert_eq!(fixed("ms = 18446744073709551615").0, u64::MAX / 1000);
    assert_eq!(fixed("secs = (5)"), (5, 0, false));
}

#[test]
fn every_key_together() {
    let config = accepts(
        r#"duration = Duration::from_millis(ms * 2), fallback = Vec::new(), grace = 10, name = "fetch_user", crate = "::my::timebox", "#,
    );
    assert!(matches!(
        config.timeout,
        Some((_, "duration", Timeout::Expr(_)))
    ));
    assert!(config.fallback.is_some());
    assert_eq!(config.grace.map(|(_, ms)| ms), Some(10));
    assert_eq!(
        config.name.map(|n| n.value()).as_deref(),
        Some("fetch_user")
    );
    assert!(config.krate.is_some());
    assert!(config.inline.is_none());

    let config = accepts("inline, secs = 1, fallback = 0");
    assert!(config.inline.is_some());
    assert_eq!(
        accepts("secs = 1, grace = 0").grace.map(|(_, ms)| ms),
        Some(0)
    );
}

#[test]
fn missing_timeout() {
    rejects("", "`#[timed]` needs a timeout: write `#[timed(secs = 1)]`");
    rejects(r#"name = "x""#, r#"as in `#[timed(name = "x", secs = 1)]`"#);
    rejects("inline", "as in `#[timed(inline, secs = 1)]`");
}

#[test]
fn keys() {
    rejects(
        "secs = 1, «timeout» = 5",
        "for the timeout write `secs = ..`",
    );
    rejects("«sec» = 1", "did you mean `secs`?");
    rejects("secs = 1, «nmae» = \"x\"", "did you mean `name`?");
    rejects("secs = 1, «inlin»", "did you mean `inline`?");
    rejects("secs = 1, «spawn»", "spawning is the default");
    rejects(
        "secs = 1, «bogus» = 1",
        "the keys are `secs`, `ms`, `duration`, `fallback`, `grace`, `name`, `inline`, `crate`",
    );
    rejects("«a::b» = 1", "keys are single words, not paths");
    rejects("«::secs» = 1", "expected a key");
    rejects(
        "secs«:» 1",
        "write `=` between a key and its value, as in `secs = 1`",
    );
    rejects("«=» 1", "expected a key before `=`");
    rejects("secs «x» = 1", "a key is one word followed by `=`");
    rejects("secs «1»", "expected `=` after `secs`");
    rejects(
        "secs = 1, inline«()»",
        "`inline` is a flag: write `inline` alone",
    );
}

#[test]
fn bare_values() {
    rejects("«1»", "not a bare value: write `secs = 1`");
    rejects("«0.5»", "write `secs = 0.5`");
    rejects("«500ms»", "write `ms = 500`");
    rejects("«2s»", "write `secs = 2`");
    rejects("«\"1.5 secs\"»", "write `secs = 1.5`");
    rejects(
        "«Duration::from_secs(1)»",
        "write `duration = Duration::from_secs(1)`",
    );
    rejects("«true»", "`#[timed]` takes `key = value` arguments");
    rejects("«'x'»", "the keys are");
}

#[test]
fn separators() {
    rejects(
        "secs «=»",
        "`secs` needs a value after `=`, as in `secs = 1`",
    );
    rejects("«secs»", "`secs` needs a value, as in `secs = 1`");
    rejects(
        "secs = 1 «extra»",
        "unexpected `extra` after the value of `secs`",
    );
    rejects(
        "secs = 1 «name» = \"x\"",
        "separate `#[timed]` arguments with commas",
    );
    rejects("«,» secs = 1", "unexpected `,`");
    rejects("secs = 1,«,» name = \"x\"", "unexpected `,`");
    rejects("secs = 1 «=» 2", "unexpected `=` in the value of `secs`");
    // A trailing comma is fine.
    accepts("secs = 1,");
}

#[test]
fn duplicates() {
    rejects("secs = 1, «secs» = 2", "`secs` is given twice: keep one");
    rejects(
        "secs = 1, «ms» = 500",
        "`ms` and `secs` both set the timeout",
    );
    rejects(
        "ms = 1, «duration» = d",
        "`duration` and `ms` both set the timeout",
    );
    rejects(
        "secs = 1, name = \"a\", «name» = \"b\"",
        "`name` is given twice",
    );
    rejects("secs = 1, inline, «inline»", "`inline` is given twice");
    rejects(
        "secs = 1, fallback = 1, «fallback» = 2",
        "`fallback` is given twice",
    );
    rejects("secs = 1, grace = 1, «grace» = 2", "`grace` is given twice");
    rejects(
        "secs = 1, crate = \"a\", «crate» = \"b\"",
        "`crate` is given twice",
    );
}

#[test]
fn secs_values() {
    rejects(
        "secs = «\"1\"»",
        "`secs` takes a number, not a string: write `secs = 1`",
    );
    rejects("secs = «\"500ms\"»", "write `ms = 500`");
    rejects(
        "secs = «\"soon\"»",
        "not a string: write `secs = 1` or `secs = 0.25`",
    );
    rejects("secs = «true»", "not a bool");
    rejects("secs = «'1'»", "not a character");
    rejects("secs = «b'1'»", "not a character");
    rejects("secs = «b\"1\"»", "not a string");
    rejects("secs = «-1»", "a timeout cannot be negative");
    rejects("secs = «-0.5»", "a timeout cannot be negative");
    rejects("secs = «1u8»", "write `secs = 1`, without the `u8` suffix");
    rejects("secs = «1.5f16»", "without the `f16` suffix");
    rejects(
        "secs = «500ms»",
        "not one with a `ms` suffix: write `ms = 500`",
    );
    rejects("secs = «0»", "a zero timeout fails every call");
    rejects("secs = «0.0»", "a zero timeout fails every call");
    rejects("secs = «0e5»", "a zero timeout fails every call");
    rejects("secs = «1e-12»", "shorter than one nanosecond");
    rejects("secs = «1e400»", "`secs = 1e400` is too large");
    rejects(
        "secs = «99999999999999999999»",
        "`secs` is too large: it must fit in a `u64`",
    );
    rejects(
        "secs = «TIMEOUT»",
        "write `duration = Duration::from_secs(TIMEOUT)`",
    );
    rejects(
        "secs = «60 * 5»",
        "write `duration = Duration::from_secs(60 * 5)`",
    );
    rejects(
        "secs = «config.timeout»",
        "Duration::from_secs(config.timeout)",
    );
}

#[test]
fn ms_and_grace_values() {
    rejects("ms = «1.5»", "for fractions write `secs = 0.0015`");
    rejects("ms = «2.0»", "write `ms = 2`");
    rejects(
        "ms = «\"500\"»",
        "`ms` takes a number, not a string: write `ms = 500`",
    );
    rejects("ms = «\"500ms\"»", "write `ms = 500`");
    rejects("ms = «false»", "not a bool");
    rejects("ms = «-500»", "`ms` cannot be negative");
    rejects("ms = «500i32»", "without the `i32` suffix");
    rejects("ms = «0»", "a zero timeout fails every call");
    rejects("ms = «99999999999999999999»", "`ms` is too large");
    rejects(
        "ms = «TIMEOUT_MS»",
        "write `duration = Duration::from_millis(TIMEOUT_MS)`",
    );
    rejects(
        "secs = 1, grace = «\"100ms\"»",
        "`grace` takes a number, not a string: write `grace = 100`",
    );
    rejects(
        "secs = 1, grace = «0.5»",
        "`grace` takes a whole number of milliseconds",
    );
    rejects("secs = 1, grace = «-100»", "`grace` cannot be negative");
    rejects(
        "secs = 1, grace = «GRACE»",
        "`grace` takes a number literal of milliseconds",
    );
    rejects("secs = 1, grace = «'g'»", "not a character");
}

#[test]
fn duration_values() {
    accepts("duration = Duration::from_secs(n)");
    accepts("duration = self.timeout");
    accepts("duration = if fast { A } else { B }");
    rejects(
        "duration = «5»",
        "`duration` takes a `Duration`, not a number: write `secs = 5`",
    );
    rejects("duration = «0.5»", "write `secs = 0.5`");
    rejects("duration = «\"5s\"»", "not a string: write `secs = 5`");
    rejects("duration = «\"soon\"»", "such as `Duration::from_secs(5)`");
    rejects("duration = «true»", "not a bool");
    rejects("duration = «-1»", "cannot be negative");
    rejects(
        "duration = Duration::from_secs(1) «+»",
        "incomplete: expected an expression after `+`",
    );
    rejects(
        "duration = «;»",
        "the value of `duration` is not an expression",
    );
}

#[test]
fn name_crate_inline_values() {
    rejects("secs = 1, name = «1»", "write `name = \"1\"`");
    rejects(
        "secs = 1, name = «fetch_user»",
        "write `name = \"fetch_user\"`",
    );
    rejects("secs = 1, name = «'x'»", "write `name = \"x\"`");
    rejects(
        "secs = 1, name = «a.b»",
        "`name` takes a string literal, such as",
    );
    rejects("secs = 1, name = «\"  \"»", "`name` cannot be empty");
    rejects(
        "secs = 1, crate = «456»",
        "`crate` takes the path to the timebox crate as a string literal",
    );
    rejects(
        "secs = 1, crate = «::my::timebox»",
        "write `crate = \"::my::timebox\"`",
    );
    rejects(
        "secs = 1, crate = «\"not a path\"»",
        "`crate` takes the path to the timebox crate",
    );
    rejects(
        "secs = 1, crate = «\"\"»",
        "`crate` takes the path to the timebox crate",
    );
    rejects(
        "secs = 1, inline = «true»",
        "`inline` is a flag: write `inline` alone",
    );
    rejects("secs = 1, inline = «false»", "leave `inline` out");
    rejects("secs = 1, inline, «grace» = 100", "`inline` runs no task");
    rejects("secs = 1, «grace» = 100, inline", "`inline` runs no task");
    rejects(
        "secs = 1, fallback «=»",
        "`fallback` needs a value after `=`",
    );
}

/// A key whose value is wrong still counts as given, so that it causes
/// no second error and the expansion behaves as the user meant.
#[test]
fn a_bad_value_still_counts_as_given() {
    let (config, errors) = parse(tokens("secs = \"1\""));
    assert!(config.timeout.is_some());
    assert_eq!(errors.into_result(()).unwrap_err().into_iter().count(), 1);

    let (config, _) = parse(tokens("secs = 1, fallback ="));
    assert!(config.fallback.is_some());

    let (config, _) = parse(tokens("secs = 1, inline = true"));
    assert!(config.inline.is_some());

    let (config, _) = parse(tokens("duration = 1 +"));
    assert!(config.timeout.is_some());
}

/// `macro_rules!` fragments arrive wrapped in invisible groups.
#[test]
fn invisible_groups() {
    use proc_macro2::{Delimiter, Group, TokenTree};
    let grouped = |text: &str| TokenTree::Group(Group::new(Delimiter::None, tokens(text)));
    let mut args = tokens("secs = ");
    args.extend([grouped("2")]);
    args.extend(tokens(", name = "));
    args.extend([grouped("\"label\"")]);
    let (config, errors) = parse(args);
    assert!(errors.is_empty());
    assert!(matches!(
        config.timeout,
        Some((_, _, Timeout::Fixed { secs: 2, .. }))
    ));
    assert_eq!(config.name.map(|n| n.value()).as_deref(), Some("label"));
}
