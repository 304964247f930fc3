//! An argument with an explicit lifetime in spawn mode.

use std::borrow::Cow;
use timebox::timed;

#[timed(secs = 1)]
async fn fetch<'a>(url: Cow<'a, str>) -> Result<usize, timebox::Error> {
    Ok(url.len())
}

fn main() {
    let _ = fetch(Cow::Borrowed("https://example.com"));
}
