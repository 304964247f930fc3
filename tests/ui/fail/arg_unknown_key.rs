#[timebox::timed(secs = 1, timeout = 5)]
async fn fetch() -> Result<(), timebox::Error> {
    Ok(())
}

fn main() {}
