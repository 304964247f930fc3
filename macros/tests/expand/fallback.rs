// `fallback`: any return type; the fallback is evaluated only on timeout.

#[timed(secs = 0.5, fallback = Vec::new())]
async fn suggestions(prefix: String) -> Vec<String> {
    search(&prefix).await
}
