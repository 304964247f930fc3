//! A debug page, as Go's `net/http/pprof` serves goroutines (feature
//! `http`): the snapshot table as text, and its diff against a base the page
//! keeps, so a leak is found from a browser or `curl` the way
//! `pprof -base` finds one. Plain `http` types, so any server can mount it.

use std::sync::Mutex;

use http::{Method, Request, Response, StatusCode, header};
use tokio::time::Instant;

use crate::lock::lock;
use crate::snapshot::{Snapshot, snapshot};

/// The base the page diffs against, and when it was taken.
static BASE: Mutex<Option<(Snapshot, Instant)>> = Mutex::new(None);

/// Answers a request for the debug page: `GET` shows what happened since the
/// base (taken by the first request, or by the last `?reset`) and then
/// every site; `GET ?reset` takes a new base first. Other methods get
/// `405 Method Not Allowed`. Mount it at a path of your choice, behind
/// whatever guards your other debug endpoints.
///
/// ```
/// use http::{Request, StatusCode};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let page = timebox::debug::page(&Request::get("/debug/timebox").body(()).unwrap());
/// assert_eq!(page.status(), StatusCode::OK);
/// assert!(page.body().contains("since the base"));
/// # }
/// ```
///
/// With axum: `.route("/debug/timebox", get(|req: Request| async move { timebox::debug::page(&req) }))`.
pub fn page<B>(request: &Request<B>) -> Response<String> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let mut response = text(
            StatusCode::METHOD_NOT_ALLOWED,
            "the debug page answers GET\n".into(),
        );
        let allow = header::HeaderValue::from_static("GET, HEAD");
        response.headers_mut().insert(header::ALLOW, allow);
        return response;
    }
    let reset = request
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|pair| pair == "reset"));
    let now = snapshot();
    let (diff, age) = {
        let mut base = lock(&BASE);
        if reset || base.is_none() {
            *base = Some((now.clone(), Instant::now()));
        }
        match base.as_ref() {
            Some((base, taken)) => (now.since(base), taken.elapsed()),
            None => (now.since(&now), std::time::Duration::ZERO),
        }
    };
    let body = format!(
        "# timebox: since the base, taken {age:.1?} ago (?reset takes a new one)\n{diff}\n# every site\n{now}"
    );
    text(StatusCode::OK, body)
}

fn text(status: StatusCode, body: String) -> Response<String> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_shows_the_diff_then_every_site_and_resets_on_request() {
        let get = |uri: &str| page(&Request::get(uri).body(()).unwrap());
        let first = get("/debug/timebox");
        assert_eq!(first.status(), StatusCode::OK);
        assert_eq!(
            first.headers()[header::CONTENT_TYPE],
            "text/plain; charset=utf-8"
        );
        let body = first.body();
        let since = body.find("# timebox: since the base").expect(body);
        let every = body.find("# every site").expect(body);
        assert!(since < every, "{body}");
        let reset = get("/debug/timebox?x=1&reset");
        assert_eq!(reset.status(), StatusCode::OK);
        assert!(
            reset
                .body()
                .starts_with("# timebox: since the base, taken "),
            "{}",
            reset.body()
        );
    }

    #[test]
    fn other_methods_are_not_allowed() {
        let post = page(&Request::post("/debug/timebox").body(()).unwrap());
        assert_eq!(post.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(post.headers()[header::ALLOW], "GET, HEAD");
    }
}
