//! The answers every part of the CalDAV face shares: the `Depth` header, `OPTIONS`, a
//! multistatus, precondition bodies, the addresses of the tree and the sync token.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::xml::{self, PropName, XmlError};
use crate::error::AppError;

/// The XML content type of every body Taskward writes here.
pub const XML: &str = "application/xml; charset=utf-8";

/// The `DAV` header: WebDAV classes 1 and 3 (no locks) and CalDAV.
const DAV_CLASSES: &str = "1, 3, calendar-access";

/// The `Depth` of a `PROPFIND` or `REPORT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Depth {
    /// The resource itself.
    Zero,
    /// And its members.
    One,
    /// Everything below (absent, or `infinity`): refused for `PROPFIND`.
    Infinity,
}

impl Depth {
    /// The request's depth (RFC 4918: absent means infinity).
    pub fn of(headers: &HeaderMap) -> Self {
        match headers
            .get("depth")
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
        {
            Some("0") => Self::Zero,
            Some("1") => Self::One,
            _ => Self::Infinity,
        }
    }
}

/// `200` to `OPTIONS`, naming what the resource allows.
pub fn options(allow: &[&str]) -> Response {
    let mut res = StatusCode::OK.into_response();
    let h = res.headers_mut();
    h.insert("dav", HeaderValue::from_static(DAV_CLASSES));
    if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
        h.insert(header::ALLOW, v);
    }
    res
}

/// `405` with `Allow`.
pub fn refuse_method(allow: &[&str]) -> Response {
    let mut res = AppError::MethodNotAllowed.into_response();
    if let Ok(v) = HeaderValue::from_str(&allow.join(", ")) {
        res.headers_mut().insert(header::ALLOW, v);
    }
    res
}

/// `404`: nothing here, or nothing this user may see.
pub fn not_found() -> Response {
    AppError::NotFound("there is nothing at this address".into()).into_response()
}

/// A refusal with a precondition body (RFC 4918 section 16).
pub fn refuse(status: StatusCode, precondition: &PropName, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, XML)],
        xml::error(precondition, Some(message)),
    )
        .into_response()
}

/// `207 Multi-Status`.
pub fn multistatus(body: String) -> Response {
    (
        StatusCode::MULTI_STATUS,
        [(header::CONTENT_TYPE, XML)],
        body,
    )
        .into_response()
}

/// A body that could not be read.
pub fn bad_xml(e: &XmlError) -> Response {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    match e.precondition() {
        Some(p) => refuse(status, &p, &e.to_string()),
        None => AppError::BadRequest(format!("the XML body cannot be read: {e}")).into_response(),
    }
}

/// A refusal of the services, in CalDAV's terms where a client looks for them: a right
/// the user lacks is `403` with `need-privileges`, a refused value `403` with
/// `valid-calendar-object-resource`; the rest as the API answers it.
pub fn app_error(e: AppError) -> Response {
    match e {
        AppError::Forbidden(message) => refuse(
            StatusCode::FORBIDDEN,
            &PropName::dav("need-privileges"),
            &message,
        ),
        AppError::Validation(errors) => {
            let message = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            refuse(
                StatusCode::FORBIDDEN,
                &PropName::caldav("valid-calendar-object-resource"),
                &message,
            )
        }
        e => e.into_response(),
    }
}

/// `/dav/principals/<user>/`.
pub fn principal_href(user: Uuid) -> String {
    format!("/dav/principals/{user}/")
}

/// `/dav/calendars/<user>/`.
pub fn home_href(user: Uuid) -> String {
    format!("/dav/calendars/{user}/")
}

/// `/dav/calendars/<user>/<list>/`.
pub fn list_href(user: Uuid, list: Uuid) -> String {
    format!("/dav/calendars/{user}/{list}/")
}

/// `/dav/calendars/<user>/<list>/<name>`, the name percent-encoded.
pub fn object_href(user: Uuid, list: Uuid, name: &str) -> String {
    let name: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    format!("/dav/calendars/{user}/{list}/{name}")
}

/// A list's sync token (RFC 6578: a URI): its id and its count.
pub fn sync_token(list: Uuid, seq: i64) -> String {
    format!("urn:taskward:sync:{list}:{seq}")
}

/// The count a sync token of list `list` stands for; `None` when it is not one of its.
pub fn sync_count(list: Uuid, token: &str) -> Option<i64> {
    let rest = token.strip_prefix("urn:taskward:sync:")?;
    let (id, seq) = rest.rsplit_once(':')?;
    (Uuid::parse_str(id).ok()? == list)
        .then(|| seq.parse::<i64>().ok())
        .flatten()
        .filter(|n| *n >= 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_tokens_name_their_list() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(sync_count(a, &sync_token(a, 42)), Some(42));
        assert_eq!(sync_count(b, &sync_token(a, 42)), None);
        assert_eq!(sync_count(a, "urn:taskward:sync:x:1"), None);
        assert_eq!(sync_count(a, &format!("urn:taskward:sync:{a}:-1")), None);
        assert_eq!(sync_count(a, "http://example.com/sync/1"), None);
    }

    #[test]
    fn object_names_are_encoded_in_hrefs() {
        let u = Uuid::nil();
        assert_eq!(
            object_href(u, u, "a b&c.ics"),
            format!("/dav/calendars/{u}/{u}/a%20b%26c.ics")
        );
    }
}
