#[timebox::timed]
async fn fetch() -> Result<(), timebox::Error> {
    Ok(())
}

fn main() {}
