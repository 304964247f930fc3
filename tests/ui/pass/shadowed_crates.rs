//! `mod tokio {}` and `use std as tokio;` in the user's crate, and the
//! attribute reached through a re-export with `crate = "..."`.

#![deny(warnings)]

mod tokio {}

mod vendored {
    //! How a framework re-exports timebox to its users.
    pub use ::timebox as tb;
}

mod client {
    use crate::vendored::tb::timed;
    use std as tokio;

    #[timed(secs = 1, crate = "crate::vendored::tb")]
    pub async fn fetch(n: usize) -> Result<usize, crate::vendored::tb::Error> {
        Ok(n + tokio::mem::size_of::<u8>())
    }

    #[timed(ms = 100, crate = "crate::vendored::tb", inline, fallback = 0)]
    pub async fn measure(text: &str) -> usize {
        text.len()
    }
}

fn main() {
    let rt = ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        assert_eq!(client::fetch(1).await.unwrap(), 2);
        assert_eq!(client::measure("abc").await, 3);
    });
}
