// Spawn mode, the default: the body runs as its own task.

#[timed(secs = 1)]
pub async fn fetch(url: String, retries: u32) -> Result<Body, timebox::Error> {
    let body = get(&url, retries).await?;
    Ok(body)
}
