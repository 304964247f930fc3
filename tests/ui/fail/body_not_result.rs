#[timebox::timed(secs = 1)]
async fn fetch() -> u32 {
    7
}

fn main() {}
