// `crate = "..."`: timebox reached through a re-export.

#[timed(ms = 100, crate = "::framework::timebox")]
async fn ping() -> Result<(), framework::Error> {
    Ok(())
}
