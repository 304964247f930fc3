//! Generic functions: bounds inline and in `where` clauses, const generics,
//! `impl Trait` arguments.

#![deny(warnings)]

use std::fmt::Display;

use timebox::timed;

#[timed(secs = 1)]
async fn largest<T, I>(items: I) -> Result<Option<T>, timebox::Error>
where
    T: Ord + Send + 'static,
    I: IntoIterator<Item = T> + Send + 'static,
{
    Ok(items.into_iter().max())
}

#[timed(secs = 1)]
async fn describe<T: Display + Send + 'static>(value: T) -> Result<String, timebox::Error> {
    tokio::task::yield_now().await;
    Ok(format!("<{value}>"))
}

#[timed(secs = 1)]
async fn sum<const N: usize>(values: [u32; N]) -> Result<u32, timebox::Error> {
    Ok(values.iter().sum())
}

#[timed(secs = 1)]
async fn shout(text: impl Display + Send + 'static) -> Result<String, timebox::Error> {
    Ok(text.to_string().to_uppercase())
}

#[timed(secs = 1, inline)]
async fn joined<'a, T>(parts: &'a [T], sep: &str) -> Result<String, timebox::Error>
where
    T: AsRef<str> + 'a,
{
    Ok(parts.iter().map(AsRef::as_ref).collect::<Vec<_>>().join(sep))
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(largest(vec![3, 9, 2]).await.unwrap(), Some(9));
    assert_eq!(describe(5).await.unwrap(), "<5>");
    assert_eq!(sum([1, 2, 3]).await.unwrap(), 6);
    assert_eq!(shout("hi").await.unwrap(), "HI");
    assert_eq!(joined(&["a", "b"], "-").await.unwrap(), "a-b");
}
