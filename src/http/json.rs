//! The JSON body extractor, whose rejections are problem+json with a useful sentence.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;
use serde::de::DeserializeOwned;

use crate::error::{AppError, FieldError};

/// JSON request body. Unlike `axum::Json`, a rejection is an [`AppError`]: 415 for another
/// content type, 413 past the body limit, 400 for malformed JSON, 422 naming the field
/// whose value has the wrong type. Unknown fields are ignored (API.md).
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json(req.headers()) {
            return Err(AppError::UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`".into(),
            ));
        }
        let body = Bytes::from_request(req, state).await.map_err(|rejection| {
            match rejection.status().as_u16() {
                413 => AppError::PayloadTooLarge {
                    limit: super::BODY_LIMIT,
                },
                _ => AppError::BadRequest("the request body could not be read".into()),
            }
        })?;
        parse(&body).map(ApiJson)
    }
}

/// Parses a JSON body in two steps: first as JSON (malformed, empty, trailing text, or
/// nested deeper than serde_json's limit of 128: `400`), then as `T` (a value of the wrong
/// type: `422` naming the field). Every body of this API is an object, so an array is
/// refused at its first bracket (`422`), before anything is read.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, AppError> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(AppError::invalid("body", "must be a JSON object"));
    }
    let value: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        if e.classify() == serde_json::error::Category::Eof
            && body.iter().all(u8::is_ascii_whitespace)
        {
            AppError::BadRequest("the request body is empty; send a JSON object".into())
        } else {
            AppError::BadRequest(format!("the request body is not valid JSON: {e}"))
        }
    })?;
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = err.path().to_string();
        let field = if path == "." { "body".to_owned() } else { path };
        AppError::Validation(vec![FieldError::new(field, data_message(err.inner()))])
    })
}

/// serde's message without its " at line 1 column 12" suffix, which means nothing to a user
/// of a form.
fn data_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}

fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || (essence.starts_with("application/") && essence.ends_with("+json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Sample {
        title: String,
        #[serde(default)]
        tags: Vec<String>,
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        let e = parse::<Sample>(b"{\"title\": ").expect_err("malformed");
        assert_eq!(e.status().as_u16(), 400);
        let e = parse::<Sample>(b"").expect_err("empty");
        assert_eq!(e.status().as_u16(), 400);
    }

    #[test]
    fn wrong_types_name_the_field() {
        let e = parse::<Sample>(br#"{"title": "a", "tags": [1]}"#).expect_err("bad type");
        match e {
            AppError::Validation(errors) => {
                assert_eq!(errors[0].field, "tags[0]");
                assert!(
                    errors[0].message.contains("expected a string"),
                    "{}",
                    errors[0].message
                );
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let deep = format!("{{\"title\": {}", "[".repeat(100_000));
        let e = parse::<serde_json::Value>(deep.as_bytes()).expect_err("too deep");
        assert_eq!(e.status().as_u16(), 400);
        let e = parse::<serde_json::Value>("[".repeat(100_000).as_bytes()).expect_err("array");
        assert_eq!(e.status().as_u16(), 422);
    }

    #[test]
    fn unknown_fields_are_ignored() {
        let s: Sample = parse(br#"{"title": "a", "extra": {"x": 1}}"#).expect("valid");
        assert_eq!(s.title, "a");
    }
}
