//! A page of a collection: the items as a JSON array, `X-Total-Count` with the number of
//! all matches, and `Link: <...>; rel="next"` (RFC 8288) with the next page's cursor when
//! more follow.

use axum::http::{HeaderName, HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::error::AppError;

/// The header with the number of all matches, on every page.
pub const TOTAL_COUNT: HeaderName = HeaderName::from_static("x-total-count");

/// The response for one page of `items` of the request `uri`, with the `Link` to the
/// next (`next` is its cursor) but no total.
pub fn linked<T: Serialize>(
    items: &[T],
    next: Option<&str>,
    uri: &Uri,
) -> Result<Response, AppError> {
    written(items, next, uri, |items, body| {
        serde_json::to_writer(body, items)
    })
}

/// The response for one page of `items` out of `total` matches of the request `uri`;
/// `next` is the cursor of the following page, if there is one. `write` writes the JSON
/// array of `items` into the body.
pub fn page_written<T>(
    items: &[T],
    total: u64,
    next: Option<&str>,
    uri: &Uri,
    write: impl FnOnce(&[T], &mut Vec<u8>) -> serde_json::Result<()>,
) -> Result<Response, AppError> {
    let mut res = written(items, next, uri, write)?;
    res.headers_mut()
        .insert(TOTAL_COUNT, HeaderValue::from(total));
    Ok(res)
}

fn written<T>(
    items: &[T],
    next: Option<&str>,
    uri: &Uri,
    write: impl FnOnce(&[T], &mut Vec<u8>) -> serde_json::Result<()>,
) -> Result<Response, AppError> {
    // Sized for a typical item up front: the page is written once, not regrown.
    let mut body = Vec::with_capacity(64 + items.len() * 512);
    write(items, &mut body).map_err(|e| AppError::Internal(format!("encoding a page: {e}")))?;
    let mut res = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response();
    let headers = res.headers_mut();
    if let Some(cursor) = next {
        let link = format!(
            "<{}>; rel=\"next\"",
            next_page(uri.path(), uri.query(), cursor)
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, v);
        }
    }
    Ok(res)
}

/// The same request with `cursor` replaced (RFC 8288 link target, relative).
fn next_page(path: &str, query: Option<&str>, cursor: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k != "cursor" {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair("cursor", cursor);
    format!("{path}?{}", out.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_next_link_keeps_the_query_and_replaces_the_cursor() {
        assert_eq!(
            next_page(
                "/api/tasks",
                Some("status=pending&cursor=old&q=a%20b"),
                "new"
            ),
            "/api/tasks?status=pending&q=a+b&cursor=new"
        );
        assert_eq!(next_page("/api/tasks", None, "c"), "/api/tasks?cursor=c");
    }
}
