//! A tonic-shaped service: `#[tonic::async_trait]` (a re-export of
//! `async_trait`) and tonic's handler signature, with `inline` for
//! `&self`. `Status` here stands in for `tonic::Status` and converts from
//! `timebox::Error` as the `tonic` feature's impl does, so this case needs
//! no tonic dependency; the server side spawns the handler's future, which
//! must be `Send + 'static`.

#![deny(warnings)]

use std::sync::Arc;
use std::time::Duration;

use timebox::timed;

mod tonic {
    pub use async_trait::async_trait;

    #[derive(Debug)]
    pub struct Request<T>(T);

    impl<T> Request<T> {
        pub fn new(message: T) -> Self {
            Request(message)
        }

        pub fn into_inner(self) -> T {
            self.0
        }
    }

    #[derive(Debug)]
    pub struct Response<T>(T);

    impl<T> Response<T> {
        pub fn new(message: T) -> Self {
            Response(message)
        }

        pub fn into_inner(self) -> T {
            self.0
        }
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum Code {
        DeadlineExceeded,
        Cancelled,
        NotFound,
    }

    #[derive(Debug)]
    pub struct Status {
        pub code: Code,
        pub message: String,
    }

    impl From<timebox::Error> for Status {
        fn from(err: timebox::Error) -> Self {
            let code = match err.kind() {
                timebox::ErrorKind::Elapsed => Code::DeadlineExceeded,
                _ => Code::Cancelled,
            };
            Status {
                code,
                message: err.to_string(),
            }
        }
    }
}

#[derive(Debug)]
pub struct HelloRequest {
    name: String,
    delay_ms: u64,
}

#[derive(Debug)]
pub struct HelloReply {
    message: String,
}

#[tonic::async_trait]
pub trait Greeter: Send + Sync + 'static {
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status>;
}

#[derive(Default)]
pub struct MyGreeter {
    prefix: String,
}

#[tonic::async_trait]
impl Greeter for MyGreeter {
    #[timed(ms = 100, inline)]
    async fn say_hello(
        &self,
        request: tonic::Request<HelloRequest>,
    ) -> Result<tonic::Response<HelloReply>, tonic::Status> {
        let request = request.into_inner();
        tokio::time::sleep(Duration::from_millis(request.delay_ms)).await;
        if request.name.is_empty() {
            return Err(tonic::Status {
                code: tonic::Code::NotFound,
                message: "no name".to_string(),
            });
        }
        Ok(tonic::Response::new(HelloReply {
            message: format!("{}{}", self.prefix, request.name),
        }))
    }
}

/// What tonic's generated server does with a handler: call it through an
/// `Arc` and poll the future in a task of its own.
async fn serve(
    service: Arc<dyn Greeter>,
    request: HelloRequest,
) -> Result<tonic::Response<HelloReply>, tonic::Status> {
    let handle = tokio::spawn(async move { service.say_hello(tonic::Request::new(request)).await });
    handle.await.unwrap()
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let service: Arc<dyn Greeter> = Arc::new(MyGreeter {
        prefix: "hello, ".to_string(),
    });
    let hello = |name: &str, delay_ms| HelloRequest {
        name: name.to_string(),
        delay_ms,
    };
    let reply = serve(Arc::clone(&service), hello("ada", 10)).await.unwrap();
    assert_eq!(reply.into_inner().message, "hello, ada");
    let status = serve(Arc::clone(&service), hello("", 0)).await.unwrap_err();
    assert_eq!(status.code, tonic::Code::NotFound);
    let status = serve(Arc::clone(&service), hello("bob", 500))
        .await
        .unwrap_err();
    assert_eq!(status.code, tonic::Code::DeadlineExceeded);
    assert_eq!(status.message, "`say_hello` timed out after 100ms");
    assert_eq!(timebox::live(), 0);
}
