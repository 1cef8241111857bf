//! Sign-up, sign-in and sign-out pages.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::two_factor::to_second_step;
use super::{Chrome, landing, local_next, param, with_next};
use crate::auth::model::{DisplayName, Email, Password};
use crate::auth::totp::SignIn;
use crate::auth::{ClientInfo, SignUp};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::{SessionState, SignedIn, Visitor};

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/signin", get(signin_page).post(signin_submit))
        .route("/signup", get(signup_page).post(signup_submit))
        .route("/signout", post(signout))
        .route("/signout-all", post(signout_all))
}

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
struct SigninPage {
    chrome: Chrome,
    email: String,
    next: String,
    errors: Errors,
    expired: bool,
    /// Whether a form sent after the session ended is kept for after sign-in.
    kept: bool,
    /// The OpenID provider's name, when single sign-on is on.
    oidc: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "signup.html")]
struct SignupPage {
    chrome: Chrome,
    email: String,
    name: String,
    next: String,
    errors: Errors,
}

async fn signin_page(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> Response {
    let next = local_next(param(query.as_deref(), "next"));
    if matches!(visitor.session, SessionState::SignedIn(_)) {
        return see_other(landing(&next));
    }
    let expired = param(query.as_deref(), "expired").as_deref() == Some("1");
    let kept = param(query.as_deref(), "kept").as_deref() == Some("1");
    let (email, errors) = match visitor.take_kept(&state, "/signin").await {
        Ok(kept) => kept
            .and_then(|k| k.of::<SigninForm>("signin"))
            .map(|(form, errors)| (form.email, errors))
            .unwrap_or_default(),
        Err(e) => return e.into_response(),
    };
    SigninPage {
        chrome: Chrome::new(&state, &visitor, ""),
        email,
        next,
        errors,
        expired,
        kept,
        oidc: state.oidc.as_ref().map(|o| o.name()),
    }
    .into_response()
}

#[derive(Deserialize)]
struct SigninForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn signin_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    CsrfForm { visitor, form }: CsrfForm<SigninForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::default();
    match state
        .two_factor
        .sign_in(&form.email, &form.password, &client)
        .await
    {
        Ok(SignIn::Session(issued)) => {
            visitor.start_session(&state, &issued);
            return Ok(see_other(landing(&form.next)));
        }
        Ok(SignIn::SecondStep(challenge)) => {
            return Ok(to_second_step(&visitor, &challenge.mfa_token, &form.next));
        }
        Err(AppError::Unauthorized { .. }) => {
            errors.add("email", "The email or password is wrong.");
        }
        Err(AppError::RateLimited { retry_after }) => errors.add(
            "form",
            &format!("Too many attempts. Please wait {retry_after} seconds and try again."),
        ),
        Err(e) => return Err(e.into()),
    }
    // The email is kept for the page, never the password.
    let page = with_next("/signin", &local_next(Some(form.next)));
    visitor.refuse(&state, "signin", &page, errors).await
}

async fn signup_page(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> Response {
    let next = local_next(param(query.as_deref(), "next"));
    if matches!(visitor.session, SessionState::SignedIn(_)) {
        return see_other(landing(&next));
    }
    let (typed, errors) = match visitor.take_kept(&state, "/signup").await {
        Ok(kept) => kept
            .and_then(|k| k.of::<SignupForm>("signup"))
            .map_or((None, Errors::default()), |(f, e)| (Some(f), e)),
        Err(e) => return e.into_response(),
    };
    let (email, name) = typed.map(|f| (f.email, f.name)).unwrap_or_default();
    SignupPage {
        chrome: Chrome::new(&state, &visitor, ""),
        email,
        name,
        next,
        errors,
    }
    .into_response()
}

#[derive(Deserialize)]
struct SignupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn signup_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    CsrfForm { visitor, form }: CsrfForm<SignupForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::default();
    let email = Email::parse(&form.email).map_err(|e| errors.0.push(e)).ok();
    let password = Password::parse("password", &form.password)
        .map_err(|e| errors.0.push(e))
        .ok();
    let name = if form.name.trim().is_empty() {
        Some(None)
    } else {
        DisplayName::parse(&form.name)
            .map(Some)
            .map_err(|e| errors.0.push(e))
            .ok()
    };
    if let (Some(email), Some(password), Some(name)) = (email, password, name) {
        let input = SignUp {
            email,
            password,
            name,
        };
        match state.accounts.sign_up(input, &client).await {
            Ok(issued) => {
                visitor.start_session(&state, &issued);
                visitor.flash("welcome");
                return Ok(see_other(landing(&form.next)));
            }
            Err(AppError::Conflict(_)) => {
                errors.add(
                    "email",
                    "An account with this email already exists. Sign in instead?",
                );
            }
            Err(AppError::RateLimited { retry_after }) => {
                errors.add(
                    "form",
                    &format!("Too many attempts. Please wait {retry_after} seconds and try again."),
                );
            }
            Err(e) => return Err(e.into()),
        }
    }
    let page = with_next("/signup", &local_next(Some(form.next)));
    visitor.refuse(&state, "signup", &page, errors).await
}

/// A form with no fields of its own (only the CSRF token).
#[derive(Deserialize)]
struct NoFields {}

async fn signout(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, .. }: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    state.accounts.sign_out(signed_in.user).await?;
    visitor.end_session();
    visitor.flash("signed-out");
    Ok(see_other("/signin"))
}

async fn signout_all(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, .. }: CsrfForm<NoFields>,
) -> Result<Response, WebError> {
    state.accounts.sign_out_all(signed_in.user).await?;
    visitor.end_session();
    visitor.flash("signed-out-all");
    Ok(see_other("/signin"))
}
