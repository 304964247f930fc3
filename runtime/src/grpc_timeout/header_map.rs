//! The `grpc-timeout` header in an `http::HeaderMap` (feature `http`): the
//! budget a request carries, and stamping the current scope's into an
//! outgoing one. What the tower layers and hand-written clients share.

use std::time::Duration;

use http::{HeaderMap, HeaderValue};

use super::{HEADER, format, parse};

/// What a client keeps back from the budget it sends: the time the answer
/// needs to travel back, so the callee gives up (and says so) before the
/// caller does.
pub(crate) const DEFAULT_MARGIN: Duration = Duration::from_millis(5);

/// The budget a request carries: the smallest valid `grpc-timeout` value
/// (a caller never gains time by sending the header twice); `None` when
/// there is none or none is valid.
pub(crate) fn budget_of(headers: &HeaderMap) -> Option<Duration> {
    headers
        .get_all(HEADER)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(parse)
        .min()
}

/// Stamps what the current scope has left, less `margin`, into `headers`'
/// `grpc-timeout` (see [`write_budget`]). Whether it is inside a timed
/// call; outside one `headers` are left alone.
pub(crate) fn stamp_with(headers: &mut HeaderMap, margin: Duration) -> bool {
    match crate::remaining() {
        Some(left) => {
            write_budget(headers, left.saturating_sub(margin));
            true
        }
        None => false,
    }
}

/// Sets `headers`' `grpc-timeout` to `budget`, unless a smaller valid value
/// is already there: one header, never a larger budget than either side's.
pub(crate) fn write_budget(headers: &mut HeaderMap, budget: Duration) {
    let budget = budget_of(headers).map_or(budget, |theirs| theirs.min(budget));
    // `format` writes digits and a unit letter: always a valid value.
    let value =
        HeaderValue::try_from(format(budget)).unwrap_or_else(|_| HeaderValue::from_static("0n"));
    // `insert` replaces every value.
    headers.insert(HEADER, value);
}

/// Stamps the current timed call's remaining budget, less a 5 ms margin for
/// the answer's trip back, into `headers` as `grpc-timeout`, for clients
/// that are not tower services (reqwest, a hand-built `http::Request`). A
/// smaller valid value already there is kept, a larger or malformed one
/// replaced; a budget below the margin is sent as `0n`, so the callee
/// answers at once. Returns whether it stamped: outside a timed call it
/// returns `false` and leaves `headers` as they are.
///
/// [`PropagateLayer`](crate::tower::PropagateLayer) does this for tower
/// clients (with a margin of your choice) and also ends the call at the
/// deadline; with `stamp` the deadline is the enclosing call's to enforce.
///
/// Needs the `http` feature (the `tower` feature turns it on).
///
/// ```
/// use std::time::Duration;
/// use http::HeaderMap;
/// use timebox::grpc_timeout;
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)]
/// # async fn main() {
/// let mut headers = HeaderMap::new();
/// assert!(!grpc_timeout::stamp(&mut headers), "outside a timed call");
/// assert!(headers.is_empty());
///
/// let stamped = timebox::call_inline(Duration::from_millis(300), async {
///     let mut headers = HeaderMap::new();
///     grpc_timeout::stamp(&mut headers);
///     headers
/// })
/// .await
/// .unwrap();
/// assert_eq!(stamped[grpc_timeout::HEADER], "295m");
///
/// // With reqwest: build the request, stamp it, send it.
/// // let mut request = client.get(url).build()?;
/// // grpc_timeout::stamp(request.headers_mut());
/// // let response = client.execute(request).await?;
/// # }
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "http")))]
pub fn stamp(headers: &mut HeaderMap) -> bool {
    stamp_with(headers, DEFAULT_MARGIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(HEADER, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn a_request_carries_its_smallest_valid_budget() {
        assert_eq!(budget_of(&headers(&[])), None);
        assert_eq!(budget_of(&headers(&["soon"])), None);
        assert_eq!(budget_of(&headers(&["2S"])), Some(Duration::from_secs(2)));
        assert_eq!(
            budget_of(&headers(&["2S", "bad", "300m"])),
            Some(Duration::from_millis(300))
        );
        assert_eq!(budget_of(&headers(&["0n"])), Some(Duration::ZERO));
        let mut opaque = HeaderMap::new();
        opaque.insert(HEADER, HeaderValue::from_bytes(b"1\xffS").unwrap());
        assert_eq!(budget_of(&opaque), None);
    }

    #[tokio::test(start_paused = true)]
    async fn stamping_keeps_a_smaller_budget_and_replaces_the_rest() {
        let stamp = |values: &'static [&'static str], margin| {
            crate::call_inline(Duration::from_millis(100), async move {
                let mut headers = headers(values);
                assert!(stamp_with(&mut headers, margin));
                let all: Vec<_> = headers.get_all(HEADER).iter().cloned().collect();
                all
            })
        };
        let ms = Duration::from_millis;
        assert_eq!(stamp(&[], ms(5)).await.unwrap(), ["95m"]);
        assert_eq!(stamp(&["20m"], ms(5)).await.unwrap(), ["20m"]);
        assert_eq!(stamp(&["9S"], ms(5)).await.unwrap(), ["95m"]);
        assert_eq!(stamp(&["bad", "9S"], ms(5)).await.unwrap(), ["95m"]);
        assert_eq!(stamp(&["9S", "30m"], ms(0)).await.unwrap(), ["30m"]);
        assert_eq!(stamp(&[], ms(500)).await.unwrap(), ["0n"]);
    }
}
