//! The consent page of OAuth for MCP clients (API-2.md section 5): `GET /oauth/authorize`
//! checks the client's request and asks the signed-in user (a visitor signs in first and
//! comes back); `POST /oauth/authorize` (CSRF-checked) sends them back to the client with a
//! code, or with `access_denied`. The page names the client as the client named itself,
//! says so, and shows where the answer goes.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use url::Url;

use super::Chrome;
use crate::auth::pat::Scope;
use crate::http::public_base;
use crate::oauth::model::{OAuthError, form_action_source, mcp_resources, redirect_with};
use crate::oauth::{AuthorizeParams, AuthorizeRefusal, Consent};
use crate::state::AppState;
use crate::web::error::{WebError, page};
use crate::web::forms::CsrfForm;
use crate::web::session::{SessionState, SignedIn, Visitor};
use crate::web::{PAGE_CSP, see_other};

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new().route("/oauth/authorize", get(consent_page).post(consent_answer))
}

#[derive(Template, WebTemplate)]
#[template(path = "oauth_consent.html")]
struct ConsentPage {
    chrome: Chrome,
    /// The client's own name for itself.
    client_name: String,
    /// Who is signed in.
    email: String,
    /// Whether it asks to change tasks too.
    write: bool,
    /// Where the answer goes, in words.
    destination: String,
    /// The request, carried by the form.
    params: AuthorizeParams,
    /// The scopes asked, as the form sends them.
    scope: String,
}

/// The consent form: the request again, and the answer.
#[derive(Deserialize)]
struct Answer {
    #[serde(flatten)]
    params: AuthorizeParams,
    #[serde(default)]
    decision: String,
}

/// The page for a request that cannot be answered to its client.
fn cannot(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "This connection request cannot be used",
        message,
    )
}

/// Sends the visitor back to the client with `pairs` (and `iss`, RFC 9207).
fn back_to(
    redirect_uri: &str,
    state: Option<&str>,
    base: &str,
    pairs: &[(&str, &str)],
) -> Response {
    let mut all: Vec<(&str, &str)> = pairs.to_vec();
    if let Some(state) = state {
        all.push(("state", state));
    }
    all.push(("iss", base));
    match redirect_with(redirect_uri, &all) {
        Some(to) => see_other(&to),
        None => cannot("The application's return address is not valid."),
    }
}

/// What a refused request becomes: a page, or the client's redirect URI with the error.
fn refusal(r: AuthorizeRefusal, base: &str) -> Response {
    match r {
        AuthorizeRefusal::Page(message) => cannot(&message),
        AuthorizeRefusal::Redirect {
            redirect_uri,
            state,
            error,
        } => refuse_to(&redirect_uri, state.as_deref(), base, &error),
        AuthorizeRefusal::Failed(e) => WebError(e).into_response(),
    }
}

fn refuse_to(redirect_uri: &str, state: Option<&str>, base: &str, e: &OAuthError) -> Response {
    back_to(
        redirect_uri,
        state,
        base,
        &[("error", e.code()), ("error_description", e.description())],
    )
}

/// Where the answer goes, said for a person: a site's host, an app on this computer, or
/// an app that opens its own links.
fn destination(redirect_uri: &str) -> String {
    let Ok(url) = Url::parse(redirect_uri) else {
        return redirect_uri.to_owned();
    };
    match (url.scheme(), url.host_str()) {
        ("https", Some(host)) => host.to_owned(),
        ("http", Some(_)) => "an application on this computer".to_owned(),
        (scheme, _) => format!("the application that opens {scheme}: links"),
    }
}

/// Reads the query; a parameter given twice is refused (OAuth 2.1 section 3.1).
fn params_of(query: Option<&str>) -> Option<AuthorizeParams> {
    serde_urlencoded::from_str(query.unwrap_or("")).ok()
}

async fn check(
    state: &AppState,
    params: &AuthorizeParams,
    base: &str,
) -> Result<Consent, AuthorizeRefusal> {
    state
        .oauth
        .check_authorize(params, &mcp_resources(base))
        .await
}

async fn consent_page(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let base = public_base(&state.config, &headers);
    let Some(params) = params_of(query.as_deref()) else {
        return Ok(cannot("A parameter is repeated or cannot be read."));
    };
    let consent = match check(&state, &params, &base).await {
        Ok(consent) => consent,
        Err(r) => return Ok(refusal(r, &base)),
    };
    let SessionState::SignedIn(user) = visitor.session else {
        let here = format!("/oauth/authorize?{}", query.unwrap_or_default());
        let next: String = url::form_urlencoded::byte_serialize(here.as_bytes()).collect();
        return Ok(see_other(&format!("/signin?next={next}")));
    };
    let user = state.accounts.me(user).await?;
    let form_action = form_action_source(&consent.redirect_uri);
    let body = ConsentPage {
        chrome: Chrome::new(&state, &visitor, ""),
        client_name: consent.client.name.clone(),
        email: user.email,
        write: consent.scopes.allows(Scope::TasksWrite),
        destination: destination(&consent.redirect_uri),
        scope: consent.scopes.to_string(),
        params: AuthorizeParams {
            redirect_uri: Some(consent.redirect_uri.clone()),
            ..params
        },
    };
    let mut res = body.into_response();
    // The answer is a redirect to the client, which a form's `form-action` must allow.
    let csp = PAGE_CSP.replace(
        "form-action 'self'",
        &format!("form-action 'self' {}", form_action.unwrap_or_default()),
    );
    if let Ok(value) = HeaderValue::from_str(&csp) {
        res.headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(res)
}

async fn consent_answer(
    State(state): State<AppState>,
    signed_in: SignedIn,
    headers: HeaderMap,
    CsrfForm { form, .. }: CsrfForm<Answer>,
) -> Result<Response, WebError> {
    let base = public_base(&state.config, &headers);
    let consent = match check(&state, &form.params, &base).await {
        Ok(consent) => consent,
        Err(r) => return Ok(refusal(r, &base)),
    };
    let state_param = consent.state.as_deref();
    if form.decision != "allow" {
        let denied = OAuthError::AccessDenied("the user did not allow the connection".into());
        return Ok(refuse_to(
            &consent.redirect_uri,
            state_param,
            &base,
            &denied,
        ));
    }
    let code = state.oauth.approve(signed_in.user.id, &consent).await?;
    tracing::info!(client = %consent.client.id, "oauth: a user connected an application");
    Ok(back_to(
        &consent.redirect_uri,
        state_param,
        &base,
        &[("code", &code)],
    ))
}
