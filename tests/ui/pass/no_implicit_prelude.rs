//! A crate without the implicit prelude: the expansion names nothing the
//! prelude would have given it.

#![no_implicit_prelude]
#![deny(warnings)]

#[::timebox::timed(secs = 1)]
async fn double(n: u32) -> ::core::result::Result<u32, ::timebox::Error> {
    ::core::result::Result::Ok(n * 2)
}

#[::timebox::timed(ms = 100, fallback = ::std::vec::Vec::new())]
async fn names() -> ::std::vec::Vec<&'static str> {
    ::std::vec!["a", "b"]
}

#[::timebox::timed(secs = 1, inline)]
async fn first(items: &[u32]) -> ::core::result::Result<::core::option::Option<u32>, ::timebox::Error> {
    ::core::result::Result::Ok(items.first().copied())
}

fn main() {
    let rt = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        ::std::assert_eq!(double(2).await.unwrap(), 4);
        ::std::assert_eq!(names().await.len(), 2);
        ::std::assert_eq!(first(&[3, 4]).await.unwrap(), ::core::option::Option::Some(3));
    });
}
