// Inline mode: the body borrows, and runs in the caller's task.

#[timed(ms = 250, inline)]
async fn lookup(&self, key: &str) -> std::io::Result<Option<&Entry>> {
    Ok(self.entries.get(key))
}
