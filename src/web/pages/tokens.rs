//! The access tokens page: the user's personal access tokens (name, scopes, when made,
//! when they expire, when last used, and "Revoke"), the form for a new one, a new token
//! shown once, to copy into a calendar app or a script, and the connected applications
//! (the OAuth grants of MCP clients: name, scopes, when connected, last use,
//! "Disconnect").

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::task_row::Clock;
use super::{Chrome, IdPath as TokenPath};
use crate::auth::NewAccessToken;
use crate::auth::pat::{ExpiresIn, MAX_ACCESS_TOKENS, Scope, Scopes, TokenName};
use crate::error::{AppError, FieldError};
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(tokens_page).post(token_add))
        .route("/tokens/{id}/revoke", post(token_revoke))
        .route("/tokens/apps/{id}/revoke", post(app_revoke))
}

/// The expiry choices: the form's value, its label, and its days (`None`: never).
const EXPIRIES: [(&str, &str, Option<i64>); 4] = [
    ("30", "30 days", Some(30)),
    ("90", "90 days", Some(90)),
    ("365", "1 year", Some(365)),
    ("never", "Never", None),
];

/// A token as the page lists it.
struct TokenRow {
    id: Uuid,
    name: String,
    scopes: String,
    created: String,
    expires: String,
    last_used: String,
}

/// A connected application (an OAuth grant) as the page lists it.
struct AppRow {
    id: Uuid,
    name: String,
    scopes: String,
    created: String,
    last_used: String,
}

/// A choice of the expiry select.
struct ExpiryOpt {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
struct TokensPage {
    chrome: Chrome,
    tokens: Vec<TokenRow>,
    apps: Vec<AppRow>,
    form: TokenForm,
    expiry_opts: Vec<ExpiryOpt>,
    errors: Errors,
    /// A token just made: its secret, shown this once.
    created: Option<String>,
    /// Whether the user has as many tokens as allowed.
    full: bool,
    max: usize,
}

/// A new token as typed: its name, the ticked scopes (checkboxes: present when
/// ticked), and an expiry choice.
#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    read: Option<String>,
    #[serde(default)]
    write: Option<String>,
    #[serde(default)]
    expires: String,
}

impl TokenForm {
    /// The form as first shown: both scopes (what a CalDAV app needs), for a year.
    fn fresh() -> Self {
        Self {
            read: Some("on".into()),
            write: Some("on".into()),
            expires: "365".into(),
            ..Self::default()
        }
    }

    /// The token it asks for, or every error in it.
    fn read(&self) -> Result<NewAccessToken, Vec<FieldError>> {
        let name = TokenName::parse(&self.name);
        let ticked = [
            (self.read.is_some(), Scope::TasksRead),
            (self.write.is_some(), Scope::TasksWrite),
        ];
        let scopes = Scopes::new("scopes", ticked.iter().filter(|t| t.0).map(|t| t.1))
            .map_err(|_| FieldError::new("scopes", "Tick at least one: read, or change."));
        let expires = match EXPIRIES.iter().find(|e| e.0 == self.expires) {
            Some((_, _, Some(days))) => ExpiresIn::days("expires", *days).map(Some),
            Some((_, _, None)) => Ok(None),
            None => Err(FieldError::new("expires", "must be one of the choices")),
        };
        match (name, scopes, expires) {
            (Ok(name), Ok(scopes), Ok(expires_in)) => Ok(NewAccessToken {
                name,
                scopes,
                expires_in,
            }),
            (name, scopes, expires) => Err([name.err(), scopes.err(), expires.err()]
                .into_iter()
                .flatten()
                .collect()),
        }
    }
}

/// How the page says what a token may do.
fn scope_words(scopes: &Scopes) -> String {
    if scopes.allows(Scope::TasksWrite) {
        "Read and change tasks".to_owned()
    } else {
        "Read tasks".to_owned()
    }
}

async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    form: TokenForm,
    errors: Errors,
    created: Option<String>,
) -> Result<TokensPage, WebError> {
    let user = state.accounts.me(signed_in.user).await?;
    let clock = Clock::in_zone(&user.timezone);
    let tokens = state.access_tokens.list(user.id).await?;
    let never = || "never".to_owned();
    let apps = state
        .oauth
        .grants(user.id)
        .await?
        .into_iter()
        .map(|a| AppRow {
            id: a.grant.id,
            scopes: scope_words(&a.grant.scopes),
            created: clock.instant(a.grant.created_at),
            last_used: a
                .grant
                .last_used_at
                .map_or_else(never, |at| clock.instant(at)),
            name: a.client_name,
        })
        .collect();
    let expiry_opts = EXPIRIES
        .iter()
        .map(|&(value, label, _)| ExpiryOpt {
            value,
            label,
            selected: form.expires == value,
        })
        .collect();
    Ok(TokensPage {
        chrome: Chrome::new(state, &signed_in.visitor, ""),
        full: tokens.len() >= MAX_ACCESS_TOKENS,
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                scopes: scope_words(&t.scopes),
                created: clock.instant(t.created_at),
                expires: t.expires_at.map_or_else(never, |at| clock.instant(at)),
                last_used: t.last_used_at.map_or_else(never, |at| clock.instant(at)),
                name: t.name,
            })
            .collect(),
        apps,
        form,
        expiry_opts,
        errors,
        created,
        max: MAX_ACCESS_TOKENS,
    })
}

async fn tokens_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let kept = signed_in.visitor.take_kept(&state, "/tokens").await?;
    let (form, errors) = kept
        .and_then(|k| k.of::<TokenForm>("token"))
        .unwrap_or_else(|| (TokenForm::fresh(), Errors::default()));
    Ok(render(&state, &signed_in, form, errors, None)
        .await?
        .into_response())
}

async fn token_add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<TokenForm>,
) -> Result<Response, WebError> {
    let made = match form.read() {
        Ok(new) => state.access_tokens.create(signed_in.user.id, new).await,
        Err(fields) => Err(AppError::Validation(fields)),
    };
    let (_, secret) = match made {
        Ok(made) => made,
        Err(AppError::Validation(fields)) => {
            return visitor
                .refuse(&state, "token", "/tokens", Errors(fields))
                .await;
        }
        Err(e) => return Err(WebError(e)),
    };
    // The token is shown this once, on the page itself: it must not travel in a cookie.
    let mut page = render(
        &state,
        &signed_in,
        TokenForm::fresh(),
        Errors::default(),
        Some(secret),
    )
    .await?;
    page.chrome.notice = Some("Token made. Copy it now: it is shown only this once.");
    Ok((StatusCode::CREATED, page).into_response())
}

#[derive(Deserialize)]
struct Nothing {}

async fn token_revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TokenPath(id): TokenPath,
    CsrfForm { visitor, .. }: CsrfForm<Nothing>,
) -> Result<Response, WebError> {
    state.access_tokens.revoke(signed_in.user.id, id).await?;
    visitor.flash("token-revoked");
    Ok(see_other("/tokens"))
}

async fn app_revoke(
    State(state): State<AppState>,
    signed_in: SignedIn,
    TokenPath(id): TokenPath,
    CsrfForm { visitor, .. }: CsrfForm<Nothing>,
) -> Result<Response, WebError> {
    state.oauth.revoke(signed_in.user.id, id).await?;
    visitor.flash("app-revoked");
    Ok(see_other("/tokens"))
}
