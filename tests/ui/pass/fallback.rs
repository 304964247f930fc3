//! `fallback` lifts the `Result` rule: any return type, the fallback value
//! on timeout, computed lazily by the caller from what is still in scope.

#![deny(warnings)]

use std::sync::atomic::{AtomicUsize, Ordering};

use timebox::timed;

static FALLBACKS: AtomicUsize = AtomicUsize::new(0);

fn counted<T>(value: T) -> T {
    FALLBACKS.fetch_add(1, Ordering::SeqCst);
    value
}

#[timed(ms = 10, fallback = counted(Vec::new()))]
async fn names(stall: bool) -> Vec<&'static str> {
    if stall {
        std::future::pending::<()>().await;
    }
    vec!["a"]
}

/// The fallback reads a `Copy` argument.
#[timed(ms = 10, fallback = default)]
async fn or_default(default: u32, stall: bool) -> u32 {
    if stall {
        std::future::pending::<()>().await;
    }
    default + 1
}

/// No return type at all.
#[timed(ms = 10, fallback = ())]
async fn fire_and_forget(stall: bool) {
    if stall {
        std::future::pending::<()>().await;
    }
}

/// A `Result` with a fallback: the error type needs no `From`.
#[timed(ms = 10, fallback = Err("timed out"))]
async fn text(stall: bool) -> Result<u32, &'static str> {
    if stall {
        std::future::pending::<()>().await;
    }
    Ok(1)
}

/// An `Option`, with an early return in the body.
#[timed(ms = 10, fallback = None)]
async fn maybe(n: u32) -> Option<u32> {
    if n == 0 {
        return Some(0);
    }
    std::future::pending::<()>().await;
    Some(n)
}

/// Judging an `Err` as the outcome `err` asks nothing of the return type:
/// a type merely named `Result`, a generic one, an `impl Trait` inside one.
mod named_result {
    pub type Result<T> = Option<T>;
}

#[timed(ms = 10, fallback = None)]
async fn named_like_result(n: u32) -> named_result::Result<u32> {
    Some(n)
}

#[timed(ms = 10, fallback = T::default(), inline)]
async fn generic<T: Default>(value: T) -> T {
    value
}

#[timed(ms = 10, fallback = Err(0))]
async fn erased(n: u32) -> Result<impl std::fmt::Display + Send, u8> {
    Ok(n)
}

#[timed(ms = 10, fallback = None)]
async fn erased_option(n: u32) -> Option<impl std::fmt::Display + Send> {
    Some(n)
}

/// A trait of the user's with a method named like the judge's, in scope.
#[allow(dead_code)]
trait Judged {
    fn judged(&self) {}
}

impl<T> Judged for T {}

#[timed(ms = 10, fallback = Ok(0))]
async fn judged_by_name(n: u32) -> Result<u32, u8> {
    Ok(n)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    assert_eq!(names(false).await, ["a"]);
    assert_eq!(FALLBACKS.load(Ordering::SeqCst), 0, "evaluated only on timeout");
    assert!(names(true).await.is_empty());
    assert_eq!(FALLBACKS.load(Ordering::SeqCst), 1);
    assert_eq!(or_default(4, false).await, 5);
    assert_eq!(or_default(4, true).await, 4);
    fire_and_forget(true).await;
    assert_eq!(text(false).await, Ok(1));
    assert_eq!(text(true).await, Err("timed out"));
    assert_eq!(maybe(0).await, Some(0));
    assert_eq!(maybe(1).await, None);
    assert_eq!(named_like_result(2).await, Some(2));
    assert_eq!(generic(3).await, 3);
    assert_eq!(erased(4).await.unwrap().to_string(), "4");
    assert_eq!(erased_option(5).await.unwrap().to_string(), "5");
    assert_eq!(judged_by_name(6).await, Ok(6));
}
