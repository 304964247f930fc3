// `grace`: a cancelled body keeps being polled for 200 ms to clean up.

#[timed(secs = 5, grace = 200)]
async fn upload((path, data): (PathBuf, Bytes)) -> anyhow::Result<()> {
    #![allow(clippy::needless_return)]
    write_atomically(&path, &data).await?;
    return Ok(());
}
