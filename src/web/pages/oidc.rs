//! Single sign-on with the OpenID provider (API-2.md section 6): `GET /auth/oidc/start`
//! sends the visitor to the provider with the flow sealed in a cookie; the provider sends
//! them back to `GET /auth/oidc/callback`, which checks it all ([`crate::auth::oidc`]),
//! starts a session and lands on the page they came for. Every failure is a page that
//! says what happened and leads back to sign-in; nobody is signed in by a failed
//! callback.

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::param;
use crate::auth::ClientInfo;
use crate::auth::oidc::OidcError;
use crate::auth::oidc::flow::FLOW_LIFETIME;
use crate::http::public_base;
use crate::state::AppState;
use crate::web::cookies::{CookiePolicy, OIDC};
use crate::web::error::{WebError, not_found, page};
use crate::web::session::Visitor;
use crate::web::{safe_next, see_other};

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/oidc/start", get(start))
        .route("/auth/oidc/callback", get(callback))
}

fn failed(name: &str, e: OidcError) -> Response {
    let (status, message) = match e {
        OidcError::Refused(m) => (StatusCode::BAD_REQUEST, m),
        OidcError::Unavailable(m) => (StatusCode::SERVICE_UNAVAILABLE, m),
        OidcError::App(e) => return WebError(e).into_response(),
    };
    page(
        status,
        &format!("Signing in with {name} did not work"),
        &message,
    )
}

async fn start(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(oidc) = state.oidc.as_deref() else {
        return not_found();
    };
    let next = param(query.as_deref(), "next")
        .filter(|n| safe_next(n).is_some())
        .unwrap_or_else(|| "/".to_owned());
    let base = public_base(&state.config, &headers);
    let (to, sealed) = match oidc
        .begin(&base, &next, crate::timestamp::now().unix_timestamp())
        .await
    {
        Ok(begun) => begun,
        Err(e) => return failed(&oidc.name(), e),
    };
    let policy = CookiePolicy::new(&state.config);
    let mut res = see_other(&to);
    let age = std::time::Duration::from_secs(FLOW_LIFETIME.unsigned_abs());
    if let Some(cookie) = policy.set(OIDC, &sealed, Some(age)) {
        res.headers_mut().append(header::SET_COOKIE, cookie);
    }
    res
}

async fn callback(
    State(state): State<AppState>,
    visitor: Visitor,
    client: ClientInfo,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(oidc) = state.oidc.as_deref() else {
        return not_found();
    };
    let policy = CookiePolicy::new(&state.config);
    let q = query.as_deref();
    let answer = if let Some(error) = param(q, "error") {
        tracing::info!(%error, "oidc: the provider answered with an error");
        Err(OidcError::Refused(if error == "access_denied" {
            "The sign-in was cancelled at the provider.".to_owned()
        } else {
            "The sign-in provider could not sign you in. Start again from the sign-in page."
                .to_owned()
        }))
    } else {
        let (code, st) = (
            param(q, "code").unwrap_or_default(),
            param(q, "state").unwrap_or_default(),
        );
        let base = public_base(&state.config, &headers);
        oidc.finish(
            &base,
            policy.get(&headers, OIDC),
            &st,
            &code,
            crate::timestamp::now().unix_timestamp(),
        )
        .await
    };
    let mut res = match answer {
        Ok((user, next)) => match state.accounts.sign_in_as(user, &client).await {
            Ok(issued) => {
                visitor.start_session(&state, &issued);
                see_other(safe_next(&next).unwrap_or("/"))
            }
            Err(e) => WebError(e).into_response(),
        },
        Err(e) => failed(&oidc.name(), e),
    };
    // A flow is used once, whatever became of it.
    res.headers_mut()
        .append(header::SET_COOKIE, policy.clear(OIDC));
    res
}
