//! The attribute written by a `macro_rules!` macro, with its values passed
//! as `expr`, `literal` and `tt` fragments.

#![deny(warnings)]

macro_rules! getter {
    ($name:ident, $secs:expr, $label:literal, $value:expr) => {
        #[timebox::timed(secs = $secs, name = $label)]
        async fn $name() -> Result<u32, timebox::Error> {
            Ok($value)
        }
    };
}

macro_rules! with_args {
    ($name:ident, $($args:tt)*) => {
        #[timebox::timed($($args)*)]
        async fn $name(n: u32) -> u32 {
            n * 2
        }
    };
}

macro_rules! timed_ms {
    ($ms:literal => $($item:tt)*) => {
        #[timebox::timed(ms = $ms)]
        $($item)*
    };
}

getter!(one, 1, "one", 1);
getter!(two, 0.5, "two", 1 + 1);
with_args!(double, ms = 100, fallback = 0);
timed_ms!(250 => async fn three() -> Result<u32, timebox::Error> { Ok(3) });

#[tokio::main(flavor = "current_thread")]
async fn main() {
    assert_eq!(one().await.unwrap(), 1);
    assert_eq!(two().await.unwrap(), 2);
    assert_eq!(double(2).await, 4);
    assert_eq!(three().await.unwrap(), 3);
}
