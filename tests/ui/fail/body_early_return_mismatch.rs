//! An early `return` of the wrong type: the error is at that `return`.

use timebox::timed;

#[timed(secs = 1)]
async fn count(flag: bool) -> Result<usize, timebox::Error> {
    if flag {
        return Ok(-1i64);
    }
    Ok(5)
}

fn main() {
    let _ = count(true);
}
