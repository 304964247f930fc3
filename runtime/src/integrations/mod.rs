//! What the framework features add to [`Error`](crate::Error): an axum
//! response and a tonic status, impls only this crate may write.

#[cfg(feature = "axum")]
mod axum;
#[cfg(feature = "tonic")]
mod tonic;
