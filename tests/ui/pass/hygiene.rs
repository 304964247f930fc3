//! The expansion reaches everything through absolute paths and hygienic
//! locals: a module that shadows every name it could have used, `mod core`,
//! and arguments named like the generated locals all still work.

#![deny(warnings)]

mod core {}

mod shadowed {
    #![allow(dead_code, non_camel_case_types, unused_macros)]

    // The names generated code might reach for without a `::` path.
    struct Result;
    struct Ok;
    struct Err;
    struct Option;
    struct Some;
    struct None;
    struct Box;
    struct Send;
    struct Sync;
    struct Duration;
    struct Future;
    struct Pin;
    struct Spec;
    struct Site;
    struct TimedResult;
    struct run;
    struct run_inline;
    struct finish;
    struct unreachable;
    macro_rules! file {
        () => {
            "shadowed"
        };
    }
    macro_rules! line {
        () => {
            0
        };
    }

    #[timebox::timed(secs = 1)]
    pub async fn add(a: u32, b: u32) -> ::core::result::Result<u32, timebox::Error> {
        ::core::result::Result::Ok(a + b)
    }

    #[timebox::timed(ms = 500, fallback = 0)]
    pub async fn add_or_zero(a: u32, b: u32) -> u32 {
        a + b
    }

    #[timebox::timed(secs = 1, inline)]
    pub async fn len(text: &str) -> ::core::result::Result<usize, timebox::Error> {
        ::core::result::Result::Ok(text.len())
    }
}

/// Every argument is named like something the expansion could generate.
#[timebox::timed(secs = 1)]
#[allow(non_snake_case, clippy::too_many_arguments)]
async fn clash(
    tx: u32,
    rx: u32,
    token: u32,
    handle: u32,
    scope: u32,
    deadline: u32,
    result: u32,
    value: u32,
    output: u32,
    SITE: u32,
    __timebox: u32,
    __timebox_result: u32,
    __timebox_call: u32,
    call: u32,
) -> Result<u32, timebox::Error> {
    Ok(tx + rx + token + handle + scope + deadline + result + value + output + SITE + __timebox + __timebox_result + __timebox_call + call)
}

/// The fallback names `value`, the argument, not the generated binding.
#[timebox::timed(ms = 10, fallback = value)]
async fn value_on_timeout(value: u32, stall: bool) -> u32 {
    if stall {
        std::future::pending::<()>().await;
    }
    value + 1
}

/// `duration` reads an argument named like a generated local.
#[timebox::timed(duration = std::time::Duration::from_millis(deadline))]
async fn budget(deadline: u64) -> Result<u64, timebox::Error> {
    Ok(deadline)
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    assert_eq!(shadowed::add(1, 2).await.unwrap(), 3);
    assert_eq!(shadowed::add_or_zero(1, 2).await, 3);
    assert_eq!(shadowed::len("four").await.unwrap(), 4);
    assert_eq!(clash(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1).await.unwrap(), 14);
    assert_eq!(value_on_timeout(7, false).await, 8);
    assert_eq!(value_on_timeout(7, true).await, 7);
    assert_eq!(budget(250).await.unwrap(), 250);
}
