//! README.md and the crate docs say some things twice: the attribute's key
//! table, the compile errors and the runtime messages they quote. These
//! tests keep the copies equal to each other and to what the code really
//! says, so they cannot drift apart.

use std::time::Duration;

use timebox::timed;

const README: &str = include_str!("../../README.md");
const CRATE_DOCS: &str = include_str!("../../runtime/src/lib.rs");
const FAIL_CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/fail");

/// The rows of the first table whose header is `| key | value | meaning |`.
fn key_table(text: &str, prefix: &str) -> Vec<String> {
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .collect();
    let header = lines
        .iter()
        .position(|line| line.trim() == "| key | value | meaning |")
        .expect("a key table");
    lines[header + 2..]
        .iter()
        .take_while(|line| line.starts_with("| `"))
        .map(|line| line.trim().to_string())
        .collect()
}

#[test]
fn readme_and_crate_docs_have_the_same_key_table() {
    let readme = key_table(README, "");
    assert_eq!(readme.len(), 8, "{readme:#?}");
    assert_eq!(readme, key_table(CRATE_DOCS, "/// "));
}

#[test]
fn every_compile_error_readme_quotes_is_a_reviewed_one() {
    let reviewed: String = std::fs::read_dir(FAIL_CASES)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "stderr"))
        .map(|path| std::fs::read_to_string(path).unwrap())
        .collect();
    let quoted: Vec<&str> = README
        .lines()
        .filter(|line| line.starts_with("error: "))
        .collect();
    assert!(!quoted.is_empty());
    for line in quoted {
        assert!(
            reviewed.lines().any(|real| real == line),
            "README quotes a compile error no fail case gives:\n{line}"
        );
    }
}

#[timed(secs = 1)]
async fn fetch() -> Result<(), timebox::Error> {
    std::future::pending().await
}

/// The inner call's message, as the outer body saw it during its grace.
static INNER: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

#[timed(ms = 50, grace = 100)]
async fn outer() -> Result<(), timebox::Error> {
    let err = inner().await.unwrap_err();
    *INNER.lock().unwrap() = Some(err.to_string());
    Ok(())
}

#[timed(secs = 60)]
async fn inner() -> Result<(), timebox::Error> {
    std::future::pending().await
}

#[tokio::test(start_paused = true)]
async fn the_runtime_messages_readme_quotes_are_the_real_ones() {
    let timed_out = fetch().await.unwrap_err().to_string();
    let quote = format!("``\"{timed_out}\"``");
    assert!(README.contains(&quote), "README does not quote {quote}");

    outer().await.unwrap_err();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let clamped = INNER.lock().unwrap().clone().expect("the inner call ended");
    let (_, suffix) = clamped.split_once(" (").expect("the clamp is named");
    let quote = format!("``\"… ({suffix}\"``");
    assert!(README.contains(&quote), "README does not quote {quote}");
}
