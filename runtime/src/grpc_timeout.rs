//! The `grpc-timeout` header format, to carry a caller's remaining budget
//! across the wire: `250m` is 250 ms. Plain functions with no dependencies,
//! so an HTTP client or server of any crate can use them; with the `http`
//! feature, `stamp` writes the current call's budget into an
//! `http::HeaderMap`.
//!
//! ```
//! use std::time::Duration;
//! use timebox::grpc_timeout;
//!
//! assert_eq!(grpc_timeout::format(Duration::from_millis(250)), "250m");
//! assert_eq!(grpc_timeout::parse("250m"), Some(Duration::from_millis(250)));
//! ```

use std::time::Duration;

#[cfg(feature = "http")]
pub(crate) mod header_map;
#[cfg(feature = "http")]
pub use header_map::stamp;

/// The header's name.
///
/// ```
/// assert_eq!(timebox::grpc_timeout::HEADER, "grpc-timeout");
/// ```
pub const HEADER: &str = "grpc-timeout";

/// At most eight digits, by the gRPC wire specification.
const MAX_VALUE: u128 = 99_999_999;

/// Units from the coarsest to the finest, with their length in nanoseconds.
const UNITS: [(char, u128); 6] = [
    ('H', 3_600_000_000_000),
    ('M', 60_000_000_000),
    ('S', 1_000_000_000),
    ('m', 1_000_000),
    ('u', 1_000),
    ('n', 1),
];

/// Formats a budget as a `grpc-timeout` value: the coarsest unit that states
/// it exactly in at most eight digits, else the finest unit that fits,
/// rounded down, so the remote side never gets more time than the caller had.
/// Budgets beyond 99,999,999 hours are capped there.
///
/// ```
/// use std::time::Duration;
/// use timebox::grpc_timeout::format;
///
/// assert_eq!(format(Duration::from_secs(2)), "2S");
/// assert_eq!(format(Duration::from_millis(1500)), "1500m");
/// assert_eq!(format(Duration::from_nanos(123_456_789)), "123456u");
/// assert_eq!(format(Duration::ZERO), "0n");
/// ```
pub fn format(budget: Duration) -> String {
    let nanos = budget.as_nanos();
    if nanos == 0 {
        return "0n".into();
    }
    let exact = UNITS
        .iter()
        .find(|(_, len)| nanos % len == 0 && nanos / len <= MAX_VALUE);
    let fitting = || UNITS.iter().rev().find(|(_, len)| nanos / len <= MAX_VALUE);
    match exact.or_else(fitting) {
        Some((unit, len)) => format!("{}{unit}", nanos / len),
        None => format!("{MAX_VALUE}H"),
    }
}

/// Parses a `grpc-timeout` value: one to eight ASCII digits and a unit
/// (`H`, `M`, `S`, `m`, `u`, `n`). Anything else is `None`: a malformed
/// header is ignored rather than trusted.
///
/// ```
/// use std::time::Duration;
/// use timebox::grpc_timeout::parse;
///
/// assert_eq!(parse("3S"), Some(Duration::from_secs(3)));
/// assert_eq!(parse("100u"), Some(Duration::from_micros(100)));
/// assert_eq!(parse("1.5S"), None);
/// assert_eq!(parse("123456789m"), None);
/// ```
pub fn parse(value: &str) -> Option<Duration> {
    let value = value.trim();
    let unit = value.chars().last()?;
    let digits = &value[..value.len() - unit.len_utf8()];
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let count: u64 = digits.parse().ok()?;
    let (_, len) = UNITS.iter().find(|(u, _)| *u == unit)?;
    let nanos = u128::from(count) * len;
    Some(Duration::new(
        u64::try_from(nanos / 1_000_000_000).ok()?,
        u32::try_from(nanos % 1_000_000_000).ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_what_it_can_state_exactly() {
        for budget in [
            Duration::from_nanos(1),
            Duration::from_micros(7),
            Duration::from_millis(250),
            Duration::from_secs(59),
            Duration::from_secs(60 * 90),
            Duration::from_secs(3600 * 5),
        ] {
            assert_eq!(parse(&format(budget)), Some(budget), "{budget:?}");
        }
    }

    #[test]
    fn never_gives_the_remote_more_time() {
        for nanos in [123_456_789_u64, 987_654_321_012, u64::MAX] {
            let budget = Duration::from_nanos(nanos);
            let sent = parse(&format(budget)).unwrap();
            assert!(sent <= budget, "{budget:?} became {sent:?}");
        }
        assert_eq!(format(Duration::MAX), "99999999H");
    }

    #[test]
    fn rejects_malformed_values() {
        for bad in [
            "",
            "S",
            "10",
            "10x",
            "-1S",
            "1 S",
            "123456789S",
            "1,5m",
            "٣S",
        ] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
        assert_eq!(parse(" 5m "), Some(Duration::from_millis(5)));
    }
}
