// A mistake in the attribute: one error, beside the function expanded with
// a default config (one second), so that nothing else breaks.

#[timed(secs = "1")]
async fn fetch(id: u64) -> Result<User, timebox::Error> {
    load(id).await
}
