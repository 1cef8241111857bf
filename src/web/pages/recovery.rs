//! The pages of account recovery, reached without a session: "Forgot password?"
//! (`/forgot-password`), and the pages the mailed links open: `/reset-password`,
//! `/verify-email` and `/confirm-email`, each `?token=...`. A link's page only shows a
//! form; the token is used by the form's `POST`, so a mail scanner that fetches the link
//! uses nothing.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;

use super::{Chrome, param};
use crate::auth::ClientInfo;
use crate::auth::model::Password;
use crate::error::AppError;
use crate::state::AppState;
use crate::store::TokenPurpose;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::{SessionState, Visitor};

/// The routes of this module: the forgotten-password form, and each link's page (`GET`)
/// and form (`POST`) at the link's path.
pub fn router() -> Router<AppState> {
    let mut router = Router::new().route("/forgot-password", get(forgot_page).post(forgot_submit));
    for link in [&RESET, &VERIFY, &CHANGE] {
        let page = move |State(state): State<AppState>, visitor: Visitor, query: RawQuery| async move {
            link.show(&state, &visitor, query.0.as_deref()).await
        };
        let submit = move |State(state): State<AppState>,
                           client: ClientInfo,
                           form: CsrfForm<LinkForm>| async move {
            link.submit(&state, &client, form).await
        };
        router = router.route(link.action, get(page).post(submit));
    }
    router
}

#[derive(Template, WebTemplate)]
#[template(path = "forgot_password.html")]
struct ForgotPage {
    chrome: Chrome,
    email: String,
    errors: Errors,
    /// Whether a link was just asked for.
    sent: bool,
    /// Whether this server writes mail to its log instead of sending it.
    logged_only: bool,
}

#[derive(Deserialize)]
struct ForgotForm {
    #[serde(default)]
    email: String,
}

async fn forgot_page(
    State(state): State<AppState>,
    visitor: Visitor,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let (email, errors) = visitor
        .take_kept(&state, "/forgot-password")
        .await?
        .and_then(|k| k.of::<ForgotForm>("forgot"))
        .map(|(form, errors)| (form.email, errors))
        .unwrap_or_default();
    Ok(ForgotPage {
        chrome: Chrome::new(&state, &visitor, ""),
        email,
        errors,
        sent: param(query.as_deref(), "sent").as_deref() == Some("1"),
        logged_only: state.recovery.mail_is_logged_only(),
    }
    .into_response())
}

async fn forgot_submit(
    State(state): State<AppState>,
    client: ClientInfo,
    CsrfForm { visitor, form }: CsrfForm<ForgotForm>,
) -> Result<Response, WebError> {
    let mut errors = Errors::default();
    if form.email.trim().is_empty() {
        errors.add("email", "Enter the email address of your account.");
    } else {
        match state.recovery.request_reset(&form.email, &client).await {
            Ok(()) => return Ok(see_other("/forgot-password?sent=1")),
            Err(AppError::RateLimited { retry_after }) => errors.add(
                "form",
                &format!("Too many requests. Please wait {retry_after} seconds and try again."),
            ),
            Err(e) => return Err(e.into()),
        }
    }
    visitor
        .refuse(&state, "forgot", "/forgot-password", errors)
        .await
}

/// A link's page: a form that posts the token, or why the link cannot be used.
#[derive(Template, WebTemplate)]
#[template(path = "link_page.html")]
struct LinkPage {
    chrome: Chrome,
    title: &'static str,
    /// What the page says above its form.
    lead: &'static str,
    /// Where the form posts (its own path).
    action: &'static str,
    /// The form's button.
    button: &'static str,
    token: String,
    /// Whether the link can be used; else the page says so and offers `retry`.
    live: bool,
    /// Where to ask for a new link, and its words.
    retry: (&'static str, &'static str),
    /// Whether the form asks for a new password (the reset page).
    password: bool,
    errors: Errors,
}

/// What each link's page shows, and the notice after its form.
struct Link {
    purpose: TokenPurpose,
    notice: &'static str,
    title: &'static str,
    lead: &'static str,
    action: &'static str,
    button: &'static str,
    retry: (&'static str, &'static str),
}

static RESET: Link = Link {
    purpose: TokenPurpose::PasswordReset,
    notice: "password-reset",
    title: "Choose a new password",
    lead: "Choose the new password of your account. Every device signed in to it will be signed out.",
    action: "/reset-password",
    button: "Set the new password",
    retry: ("/forgot-password", "Ask for a new link"),
};

static VERIFY: Link = Link {
    purpose: TokenPurpose::VerifyEmail,
    notice: "email-verified",
    title: "Confirm your email address",
    lead: "Confirm that this email address is yours.",
    action: "/verify-email",
    button: "Confirm my address",
    retry: ("/account", "Send a new link from your account page"),
};

static CHANGE: Link = Link {
    purpose: TokenPurpose::ChangeEmail,
    notice: "email-changed",
    title: "Confirm your new email address",
    lead: "Confirm that your account uses this email address from now on.",
    action: "/confirm-email",
    button: "Use this address",
    retry: ("/account", "Ask again from your account page"),
};

impl Link {
    fn page(&self, state: &AppState, visitor: &Visitor, token: String, live: bool) -> LinkPage {
        LinkPage {
            chrome: Chrome::new(state, visitor, ""),
            title: self.title,
            lead: self.lead,
            action: self.action,
            button: self.button,
            token,
            live,
            retry: self.retry,
            password: self.purpose == TokenPurpose::PasswordReset,
            errors: Errors::default(),
        }
    }

    /// The page of the link in `query`.
    async fn show(
        &self,
        state: &AppState,
        visitor: &Visitor,
        query: Option<&str>,
    ) -> Result<Response, WebError> {
        let token = param(query, "token").unwrap_or_default();
        let live = state.recovery.link_is_live(&token, self.purpose).await?;
        let page = self.page(state, visitor, token, live);
        let status = if live {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        Ok((status, page).into_response())
    }

    /// Uses the token of the posted form. A reset ends every session, this browser's
    /// too, and leads to sign-in; the others lead to the account page (or sign-in).
    async fn submit(
        &self,
        state: &AppState,
        client: &ClientInfo,
        CsrfForm { visitor, form }: CsrfForm<LinkForm>,
    ) -> Result<Response, WebError> {
        let recovery = &state.recovery;
        let done = match self.purpose {
            TokenPurpose::PasswordReset => {
                match Password::parse("new_password", &form.new_password) {
                    Ok(password) => recovery.confirm_reset(&form.token, password, client).await,
                    Err(e) => Err(AppError::Validation(vec![e])),
                }
            }
            TokenPurpose::VerifyEmail => recovery.confirm_verification(&form.token, client).await,
            TokenPurpose::ChangeEmail => recovery.confirm_email_change(&form.token, client).await,
        };
        match done {
            Ok(()) if self.purpose == TokenPurpose::PasswordReset => {
                visitor.end_session();
                visitor.flash(self.notice);
                Ok(see_other("/signin"))
            }
            Ok(()) => Ok(after_link(&visitor, self.notice)),
            Err(e) => self.failed(state, &visitor, form.token, e),
        }
    }

    /// The page again after its form failed: `errors` over the form, or (`400`) the
    /// link is dead.
    fn failed(
        &self,
        state: &AppState,
        visitor: &Visitor,
        token: String,
        e: AppError,
    ) -> Result<Response, WebError> {
        let (status, live, errors) = match e {
            AppError::Validation(fields) => (StatusCode::UNPROCESSABLE_ENTITY, true, fields),
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, false, Vec::new()),
            AppError::Conflict(_) => {
                let mut errors = Errors::default();
                errors.add("form", "Another account uses this email address now.");
                (StatusCode::CONFLICT, false, errors.0)
            }
            AppError::RateLimited { retry_after } => {
                let mut errors = Errors::default();
                errors.add(
                    "form",
                    &format!("Too many attempts. Please wait {retry_after} seconds and try again."),
                );
                (StatusCode::TOO_MANY_REQUESTS, true, errors.0)
            }
            other => return Err(other.into()),
        };
        let mut page = self.page(state, visitor, token, live);
        page.errors = Errors(errors);
        Ok((status, page).into_response())
    }
}

#[derive(Deserialize)]
struct LinkForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
}

/// Where a used link sends the browser: the account page when signed in, else sign-in.
fn after_link(visitor: &Visitor, notice: &str) -> Response {
    visitor.flash(notice);
    if matches!(visitor.session, SessionState::SignedIn(_)) {
        see_other("/account")
    } else {
        see_other("/signin")
    }
}
