//! A borrowed slice in spawn mode: the error names the owned types to take.

use timebox::timed;

#[timed(secs = 1)]
async fn total(values: &[u64]) -> Result<u64, timebox::Error> {
    Ok(values.iter().sum())
}

fn main() {
    let _ = total(&[1, 2]);
}
