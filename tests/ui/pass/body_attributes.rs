//! What surrounds the body is kept: outer attributes (`#[must_use]`, doc
//! comments, `#[inline]`), visibility (`pub(crate)`), inner attributes and
//! inner doc comments at the top of the body, items declared in the body.

#![deny(warnings, missing_docs)]

//! The crate.

mod api {
    use timebox::timed;

    /// Documented, `pub(crate)`, `#[must_use]`: all kept.
    #[must_use]
    #[timed(secs = 1)]
    #[inline]
    pub(crate) async fn visible(n: u32) -> Result<u32, timebox::Error> {
        //! An inner doc comment, part of this function's docs.
        #![allow(unused_variables, clippy::let_and_return)]
        let unused = 5;
        const STEP: u32 = 2;
        fn helper(n: u32) -> u32 {
            n + STEP
        }
        // A plain comment.
        let result = helper(n);
        result
            .checked_add(0)
            .ok_or_else(|| unreachable!("no overflow"))
            .map(Ok)?
    }

    /// The attribute after others.
    #[doc(alias = "other")]
    #[timed(ms = 100, fallback = 0)]
    pub(crate) async fn after_others(n: u32) -> u32 {
        #![allow(unused_mut)]
        let mut same = n;
        same
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(api::visible(1).await.unwrap(), 3);
    assert_eq!(api::after_others(4).await, 4);
}
