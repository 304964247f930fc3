#[timebox::timed(secs = 1)]
fn fetch() -> Result<(), timebox::Error> {
    Ok(())
}

fn main() {}
