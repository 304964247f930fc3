#[timebox::timed(secs = 1, name = "a", name = "b")]
async fn fetch() -> Result<(), timebox::Error> {
    Ok(())
}

fn main() {}
