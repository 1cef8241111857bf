//! Conditional requests (RFC 9110 section 13) for versioned resources: the `ETag` of a
//! version, `If-Match` before a change (strong comparison), `If-None-Match` before sending
//! what the client already has (weak comparison).
//!
//! An ETag is the resource's version in quotes (`"3"`): strong, since the version changes
//! with every change of the representation.

use std::convert::Infallible;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa::IntoParams;
use utoipa::openapi::Required;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};

use crate::precondition::Precondition;

/// The ETag of `version`.
pub fn etag(version: i64) -> HeaderValue {
    // A sign, digits and quotes: always a valid header value.
    HeaderValue::from_str(&format!("\"{version}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

/// `response` with the ETag of `version`.
pub fn tagged(version: i64, response: impl IntoResponse) -> Response {
    let mut res = response.into_response();
    res.headers_mut().insert(header::ETAG, etag(version));
    res
}

/// The precondition of an `If-Match` header, when there is one. `*` asks only that the
/// resource exists; otherwise the strong ETags listed name the acceptable versions. Weak
/// tags (`W/"3"`) and tags that are no ETag of ours never match (RFC 9110 13.1.1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(pub Option<Precondition>);

impl IfMatch {
    /// Reads `If-Match` from `headers`.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self(
            headers
                .get(header::IF_MATCH)
                .map(|v| parse_if_match(v.to_str().unwrap_or(""))),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfMatch {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self::from_headers(&parts.headers))
    }
}

/// Documented as the optional header it reads.
impl IntoParams for IfMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header_param(
            "If-Match",
            "Change only if the resource still has this `ETag` (or `*`: only if it exists); else `412` and nothing changes",
        )]
    }
}

/// The `ETag`s of an `If-None-Match` header, when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfNoneMatch(Option<String>);

impl IfNoneMatch {
    /// Whether it names `version` (weak comparison, RFC 9110 13.1.2), so that the
    /// client's copy is current.
    pub fn matches(&self, version: i64) -> bool {
        self.names(etag(version).to_str().unwrap_or_default())
    }

    /// Whether it names the entity tag `current` (`"..."`, weak comparison) or is `*`.
    pub fn names(&self, current: &str) -> bool {
        self.0.as_deref().is_some_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == current)
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Self(
            parts
                .headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        ))
    }
}

/// Documented as the optional header it reads.
impl IntoParams for IfNoneMatch {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header_param(
            "If-None-Match",
            "The `ETag` of the copy the client holds: `304` without a body while it is current",
        )]
    }
}

/// An optional header parameter of type string.
fn header_param(name: &str, description: &str) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
        .build()
}

fn parse_if_match(header: &str) -> Precondition {
    if header.trim() == "*" {
        return Precondition::Any;
    }
    Precondition::Versions(
        header
            .split(',')
            .map(str::trim)
            .filter_map(|t| t.strip_prefix('"')?.strip_suffix('"'))
            .filter_map(version_of)
            .collect(),
    )
}

/// The version an ETag's text names, if it is one of ours (`3`, not `03` or `+3`).
fn version_of(text: &str) -> Option<i64> {
    text.parse::<i64>().ok().filter(|v| v.to_string() == text)
}

/// `304 Not Modified` with the current ETag.
pub fn not_modified_response(version: i64) -> Response {
    tagged(version, StatusCode::NOT_MODIFIED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_parses_lists_and_star() {
        assert_eq!(parse_if_match(" * "), Precondition::Any);
        assert_eq!(
            parse_if_match(r#""3", W/"4", "5""#),
            Precondition::Versions(vec![3, 5])
        );
        assert_eq!(parse_if_match("garbage"), Precondition::Versions(vec![]));
        assert_eq!(
            parse_if_match(r#""03", "+3", "x""#),
            Precondition::Versions(vec![])
        );
    }

    #[test]
    fn an_etag_is_the_quoted_version_and_if_none_match_compares_weakly() {
        assert_eq!(etag(7), "\"7\"");
        let held = IfNoneMatch(Some(r#"W/"7""#.to_owned()));
        assert!(held.matches(7));
        assert!(!held.matches(8));
        assert!(!IfNoneMatch(None).matches(7));
    }
}
