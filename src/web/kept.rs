//! Post/redirect/get for forms that cannot be saved as sent (issue 21): a refused form,
//! a stale edit, or a form that arrived after the session ended is kept server-side for
//! one read ([`crate::kept`]), its random id goes into the `taskward_kept` cookie, and
//! the answer is `303` to the page that holds the form, which takes it back and shows
//! what was typed with its errors. So Back never resubmits a form.
//!
//! What is kept: the submitted fields except the CSRF token and secrets (passwords, an
//! ntfy token), the field errors, and why it was kept. It is bound to the browser (its
//! CSRF cookie) and to the signed-in user, and read once.

use axum::body::Bytes;
use axum::http::HeaderValue;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::cookies::{CookiePolicy, KEPT};
use super::csrf::CSRF_FIELD;
use super::error::WebError;
use super::field_errors::Errors;
use crate::error::{AppError, FieldError};
use crate::kept::KEPT_FOR;
use crate::state::AppState;

/// Fields never kept: the CSRF token and secrets the user must type again.
const SECRETS: &[&str] = &[
    CSRF_FIELD,
    "password",
    "current_password",
    "new_password",
    "token",
    "code",
    "recovery_code",
];

/// Ids a browser holds at once (a refused sign-in after a form kept at the session's end
/// makes two).
const MAX_IDS: usize = 4;

/// Why a form was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// It did not validate: its errors are shown.
    #[default]
    Refused,
    /// The session had ended: it is shown again after sign-in, never saved silently.
    SignedOut,
    /// It was made from a version that has changed since: both are shown.
    Conflict,
}

/// A form kept for its page.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Kept {
    /// Which form of the page (`task`, `quick`, `share`, ...).
    pub form: String,
    /// The fields as sent, but for [`SECRETS`].
    pub fields: Vec<(String, String)>,
    /// What was wrong with them.
    pub errors: Vec<FieldError>,
    /// Why it was kept.
    pub reason: Reason,
}

impl Kept {
    /// The kept form `name` read as `T`, with its errors; `None` for another form.
    pub fn of<T: DeserializeOwned>(&self, name: &str) -> Option<(T, Errors)> {
        if self.form != name {
            return None;
        }
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&self.fields)
            .finish();
        let form = serde_urlencoded::from_str(&encoded).ok()?;
        Some((form, Errors(self.errors.clone())))
    }
}

/// What a kept form of one request is bound to and made of (from the visitor).
pub struct Holder<'a> {
    /// What only this browser holds (its CSRF cookie).
    pub browser: &'a str,
    /// The signed-in user, if any.
    pub user_id: Option<Uuid>,
    /// The ids of the forms kept for this browser (`taskward_kept`), newest first.
    pub ids: &'a [String],
    /// The body of this request's form (a POST).
    pub body: Option<Bytes>,
    /// How cookies are named and set here.
    pub policy: CookiePolicy,
}

/// The fields of a form body worth keeping.
fn fields_of(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body)
        .filter(|(k, _)| !SECRETS.contains(&k.as_ref()))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The path of `url` (no query, no fragment): what a kept form is filed under.
fn path_of(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url)
}

/// The `Set-Cookie` that makes the browser hold `ids`.
fn cookie(policy: CookiePolicy, ids: &[String]) -> Option<HeaderValue> {
    if ids.is_empty() {
        Some(policy.clear(KEPT))
    } else {
        policy.set(KEPT, &ids.join("."), Some(KEPT_FOR))
    }
}

/// Keeps the form of `holder`'s request as `kept` for the page at `page_url`; returns
/// the cookie that hands its id to the browser.
pub async fn store(
    state: &AppState,
    holder: &Holder<'_>,
    page_url: &str,
    kept: Kept,
) -> Result<Option<HeaderValue>, WebError> {
    let kept = Kept {
        fields: fields_of(holder.body.as_deref().unwrap_or_default()),
        ..kept
    };
    let data = serde_json::to_string(&kept).map_err(|e| AppError::Internal(e.to_string()))?;
    let page = path_of(page_url);
    let id = state
        .kept
        .keep(holder.browser, holder.user_id, page, data)
        .await?;
    let mut held = vec![id];
    held.extend(holder.ids.iter().take(MAX_IDS - 1).cloned());
    Ok(cookie(holder.policy, &held))
}

/// Takes the form kept for the page `page` (a path) by `holder`'s browser and user, if
/// any; with the cookie that forgets its id.
pub async fn take(
    state: &AppState,
    holder: &Holder<'_>,
    page: &str,
) -> Result<(Option<Kept>, Option<HeaderValue>), WebError> {
    for (i, id) in holder.ids.iter().enumerate() {
        let kept = state.kept.take(id, holder.browser, holder.user_id, page);
        let Some(data) = kept.await? else {
            continue;
        };
        let rest: Vec<String> = holder
            .ids
            .iter()
            .enumerate()
            .filter(|(j, _)| *j != i)
            .map(|(_, id)| id.clone())
            .collect();
        // Written by this code; anything unreadable is as good as nothing.
        let kept = serde_json::from_str(&data).ok();
        return Ok((kept, cookie(holder.policy, &rest)));
    }
    Ok((None, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_form_is_filed_under_its_pages_path() {
        assert_eq!(path_of("/tasks?list=1&status=all"), "/tasks");
        assert_eq!(path_of("/tasks/abc/edit?back=x#errors"), "/tasks/abc/edit");
        assert_eq!(path_of("/today"), "/today");
    }

    #[test]
    fn a_kept_form_is_read_back_as_its_type_only() {
        #[derive(Deserialize)]
        struct Named {
            name: String,
        }
        let kept = Kept {
            form: "list".into(),
            fields: vec![("name".into(), "Groceries & more".into())],
            errors: vec![FieldError::new("name", "must not be empty")],
            reason: Reason::Refused,
        };
        let (named, errors) = kept.of::<Named>("list").expect("the list form");
        assert_eq!(named.name, "Groceries & more");
        assert!(errors.any());
        assert!(kept.of::<Named>("share").is_none());
    }
}
