//! `?` on an error that the declared error type has no `From` for.

use timebox::timed;

#[allow(dead_code)]
#[derive(Debug)]
enum AppError {
    Timeout(timebox::Error),
    Io(std::io::Error),
}

impl From<timebox::Error> for AppError {
    fn from(err: timebox::Error) -> Self {
        AppError::Timeout(err)
    }
}

impl From<std::io::Error> for AppError {
    fn from(err: std::io::Error) -> Self {
        AppError::Io(err)
    }
}

#[timed(secs = 1)]
async fn parse(text: String) -> Result<u32, AppError> {
    let n: u32 = text.parse()?;
    Ok(n)
}

fn main() {
    let _ = parse("1".into());
}
