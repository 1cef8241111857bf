//! The browser session: who is visiting (resolved once per request from the cookies),
//! silent renewal from the refresh cookie, and the `Set-Cookie` headers a request adds.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::cookies::{ACCESS, CSRF, CookiePolicy, FLASH, KEPT, REFRESH};
use super::error::{Frame, Shown, WebError};
use super::field_errors::Errors;
use super::kept::{self, Holder, Kept, Reason};
use super::renewals::Renewals;
use super::{csrf, flash, see_other, with_page_headers};
use crate::auth::{CurrentUser, Issued};
use crate::error::AppError;
use crate::state::AppState;

/// Where the visitor stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// No session cookies.
    Anonymous,
    /// Session cookies that no longer work: the session expired or was ended elsewhere.
    Expired,
    /// A working session.
    SignedIn(CurrentUser),
}

/// The visitor of one request: session, CSRF cookie and a pending notice.
#[derive(Clone)]
pub struct Visitor {
    /// The session.
    pub session: SessionState,
    csrf_cookie: String,
    notice: Option<flash::Notice>,
    ctx: Arc<RequestCtx>,
    policy: CookiePolicy,
    /// The ids of the forms kept for this browser (`taskward_kept`), newest first.
    kept: Vec<String>,
}

impl Visitor {
    /// The hidden-field token for forms on the page being rendered.
    pub fn csrf_token(&self, state: &AppState) -> String {
        csrf::token(
            &state.csrf_key.0,
            &self.csrf_cookie,
            session_id(self.session),
        )
    }

    /// Whether a submitted token belongs to this visitor.
    pub fn csrf_valid(&self, state: &AppState, submitted: &str) -> bool {
        csrf::verify(
            &state.csrf_key.0,
            &self.csrf_cookie,
            session_id(self.session),
            submitted,
        )
    }

    /// The notice to show once ("Task added"), from the previous request.
    pub fn notice(&self) -> Option<flash::Notice> {
        self.notice
    }

    /// Shows `code`'s notice on the next page the browser loads.
    pub fn flash(&self, code: &str) {
        if let Some(v) = self.policy.set(FLASH, code, Some(Duration::from_secs(60))) {
            self.ctx.push(v);
        }
    }

    /// Shows the notice of `undo` ("Task deleted.") with its Undo button on the next
    /// page the browser loads.
    pub fn flash_undo(&self, undo: flash::Undo) {
        self.flash(&flash::undo_value(undo));
    }

    /// Starts a session in this browser.
    pub fn start_session(&self, state: &AppState, issued: &Issued) {
        for v in self
            .policy
            .session(&state.config, &issued.access_token, &issued.refresh_token)
        {
            self.ctx.push(v);
        }
    }

    /// Sets the cookie `base` to `value` for `max_age` (a step of a flow in progress).
    pub fn set_cookie(&self, base: &str, value: &str, max_age: Duration) {
        if let Some(v) = self.policy.set(base, value, Some(max_age)) {
            self.ctx.push(v);
        }
    }

    /// Deletes the cookie `base`.
    pub fn clear_cookie(&self, base: &str) {
        self.ctx.push(self.policy.clear(base));
    }

    /// Ends the session in this browser.
    pub fn end_session(&self) {
        for v in self.policy.end_session() {
            self.ctx.push(v);
        }
    }

    /// The signed-in user, if any.
    pub fn user_id(&self) -> Option<Uuid> {
        match self.session {
            SessionState::SignedIn(user) => Some(user.id),
            _ => None,
        }
    }

    /// What a kept form of this request is bound to and made of.
    fn holder(&self) -> Holder<'_> {
        Holder {
            browser: &self.csrf_cookie,
            user_id: match self.session {
                SessionState::SignedIn(user) => Some(user.id),
                _ => None,
            },
            ids: &self.kept,
            body: self.ctx.body.lock().ok().and_then(|b| b.clone()),
            policy: self.policy,
        }
    }

    /// Keeps this request's form as `kept` for the page at `page_url` (post/redirect/get).
    pub async fn keep(&self, state: &AppState, page_url: &str, kept: Kept) -> Result<(), WebError> {
        let cookie = kept::store(state, &self.holder(), page_url, kept).await?;
        self.ctx.extend(cookie);
        Ok(())
    }

    /// Keeps this request's form `form`, refused with `errors`, and sends the browser to
    /// the form's page `page_url`, at its error summary (`#errors`, which takes focus).
    pub async fn refuse(
        &self,
        state: &AppState,
        form: &str,
        page_url: &str,
        errors: Errors,
    ) -> Result<Response, WebError> {
        let kept = Kept {
            form: form.to_owned(),
            errors: errors.0,
            ..Kept::default()
        };
        self.keep(state, page_url, kept).await?;
        Ok(see_other(&format!("{page_url}#errors")))
    }

    /// Takes the form kept for the page `page` (a path) by this browser, if any.
    pub async fn take_kept(&self, state: &AppState, page: &str) -> Result<Option<Kept>, WebError> {
        let (kept, cookie) = kept::take(state, &self.holder(), page).await?;
        self.ctx.extend(cookie);
        Ok(kept)
    }
}

/// The session id CSRF tokens are bound to.
fn session_id(session: SessionState) -> Option<Uuid> {
    match session {
        SessionState::SignedIn(user) => user.session_id,
        _ => None,
    }
}

/// Per-request scratch space shared by the extractors and the middleware.
#[derive(Default)]
struct RequestCtx {
    set_cookies: Mutex<Vec<HeaderValue>>,
    clear_flash: Mutex<Option<HeaderValue>>,
    visitor: tokio::sync::OnceCell<(SessionState, String, Option<flash::Notice>)>,
    renewals: Arc<Renewals>,
    /// A POST's body, read once by the layer so that a form can be kept even when the
    /// handler never runs (the session had ended).
    body: Mutex<Option<Bytes>>,
    /// What an error page needs to show the navigation, once the visitor is known.
    frame: std::sync::OnceLock<Frame>,
}

impl RequestCtx {
    fn push(&self, v: HeaderValue) {
        if let Ok(mut out) = self.set_cookies.lock() {
            out.push(v);
        }
    }

    fn extend(&self, v: Option<HeaderValue>) {
        if let Some(v) = v {
            self.push(v);
        }
    }
}

/// The middleware of every page route: makes room for the extractors, then adds the
/// `Set-Cookie` headers they asked for and the page security headers.
pub async fn layer(renewals: Arc<Renewals>, mut req: Request, next: Next) -> Response {
    let ctx = Arc::new(RequestCtx {
        renewals,
        ..RequestCtx::default()
    });
    req.extensions_mut().insert(ctx.clone());
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let req = if req.method() == Method::POST && form {
        let (parts, body) = req.into_parts();
        let Ok(bytes) = axum::body::to_bytes(body, crate::http::BODY_LIMIT).await else {
            return super::error::unreadable();
        };
        if let Ok(mut kept) = ctx.body.lock() {
            *kept = Some(bytes.clone());
        }
        Request::from_parts(parts, Body::from(bytes))
    } else {
        req
    };
    let mut res = next.run(req).await;
    // An error page is shown inside the frame, with the navigation when signed in.
    if let Some(frame) = ctx.frame.get()
        && let Some(shown) = res.extensions().get::<Shown>().cloned()
    {
        res = shown.render(Some(frame));
    }
    if res.status().is_success()
        && let Ok(mut clear) = ctx.clear_flash.lock()
        && let Some(v) = clear.take()
    {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    if let Ok(mut out) = ctx.set_cookies.lock() {
        for v in out.drain(..) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    with_page_headers(res)
}

/// Reads the cookies once per request: the CSRF cookie (made when missing), the notice,
/// and the session, renewed from the refresh cookie when the access cookie is gone or
/// refused.
async fn resolve(
    state: &AppState,
    headers: &HeaderMap,
    ctx: &RequestCtx,
    policy: CookiePolicy,
) -> Result<(SessionState, String, Option<flash::Notice>), AppError> {
    let csrf_cookie = match policy.get(headers, CSRF).filter(|v| v.len() == 43) {
        Some(v) => v.to_owned(),
        None => {
            let v = csrf::new_cookie_value()
                .ok_or_else(|| AppError::Internal("no randomness available".into()))?;
            if let Some(h) = policy.set(CSRF, &v, None) {
                ctx.push(h);
            }
            v
        }
    };
    let notice = policy.get(headers, FLASH).and_then(flash::read);
    if policy.get(headers, FLASH).is_some()
        && let Ok(mut clear) = ctx.clear_flash.lock()
    {
        *clear = Some(policy.clear(FLASH));
    }
    let access = policy.get(headers, ACCESS);
    if let Some(token) = access {
        match state.authenticator.authenticate(token).await {
            Ok((user, _)) => return Ok((SessionState::SignedIn(user), csrf_cookie, notice)),
            Err(AppError::Unauthorized { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let session = match policy.get(headers, REFRESH) {
        None if access.is_none() => SessionState::Anonymous,
        None => {
            for v in policy.end_session() {
                ctx.push(v);
            }
            SessionState::Expired
        }
        Some(refresh) => match ctx.renewals.renew(state, refresh, &csrf_cookie).await {
            Ok(renewed) => {
                tracing::debug!(user_id = %renewed.user.id, "web session renewed");
                for v in policy.session(&state.config, &renewed.access, &renewed.refresh) {
                    ctx.push(v);
                }
                SessionState::SignedIn(renewed.user)
            }
            Err(AppError::Unauthorized { .. }) => {
                for v in policy.end_session() {
                    ctx.push(v);
                }
                SessionState::Expired
            }
            Err(e) => return Err(e),
        },
    };
    Ok((session, csrf_cookie, notice))
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let ctx = parts
            .extensions
            .get::<Arc<RequestCtx>>()
            .cloned()
            .ok_or_else(|| AppError::Internal("page route without the session layer".into()))?;
        let policy = CookiePolicy::new(&state.config);
        let (session, csrf_cookie, notice) = ctx
            .visitor
            .get_or_try_init(|| resolve(state, &parts.headers, &ctx, policy))
            .await?
            .clone();
        ctx.frame.get_or_init(|| Frame {
            csrf: csrf::token(&state.csrf_key.0, &csrf_cookie, session_id(session)),
            signed_in: matches!(session, SessionState::SignedIn(_)),
        });
        let kept = policy
            .get(&parts.headers, KEPT)
            .map(|v| {
                v.split('.')
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            session,
            csrf_cookie,
            notice,
            ctx,
            policy,
            kept,
        })
    }
}

/// A visitor with a working session; anyone else is sent to `/signin?next=<this page>`
/// (with `expired=1` when their session ended).
#[derive(Clone)]
pub struct SignedIn {
    /// The user.
    pub user: CurrentUser,
    /// The visitor behind it.
    pub visitor: Visitor,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let visitor = Visitor::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        if let SessionState::SignedIn(user) = visitor.session {
            return verified_for(parts, state, &visitor, user)
                .await
                .map(|()| Self { user, visitor });
        }
        // After a form POST, come back to the page that holds the form, not its action.
        let mut kept = false;
        let next = if parts.method == Method::GET || parts.method == Method::HEAD {
            parts
                .uri
                .path_and_query()
                .map_or("/".to_owned(), |p| p.as_str().to_owned())
        } else if let Some(page) = keep_signed_out(parts, state, &visitor).await {
            kept = true;
            page
        } else if parts.uri.path().starts_with("/account") {
            "/account".to_owned()
        } else if parts.uri.path().starts_with("/notifications") {
            "/notifications".to_owned()
        } else {
            "/tasks".to_owned()
        };
        let mut target = format!(
            "/signin?next={}",
            url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
        );
        if visitor.session == SessionState::Expired {
            target.push_str("&expired=1");
        }
        if kept {
            target.push_str("&kept=1");
        }
        Err(see_other(&target))
    }
}

/// `REQUIRE_EMAIL_VERIFICATION`: a user whose address is not verified is sent from the
/// task pages to the account page, which offers a link (the account pages and signing
/// out stay open).
async fn verified_for(
    parts: &Parts,
    state: &AppState,
    visitor: &Visitor,
    user: CurrentUser,
) -> Result<(), Response> {
    let path = parts.uri.path();
    if !state.recovery.requires_verified()
        || path.starts_with("/account")
        || path.starts_with("/signout")
    {
        return Ok(());
    }
    match state.recovery.require_verified(user.id).await {
        Ok(()) => Ok(()),
        Err(AppError::Forbidden(_)) => {
            visitor.flash("verify-first");
            Err(see_other("/account"))
        }
        Err(e) => Err(WebError(e).into_response()),
    }
}

/// Keeps a task form posted after the session ended (never saved: shown again, filled
/// in, after sign-in) and returns the page that will show it. Only a form from our own
/// pages: the CSRF token cannot be checked without the session it was bound to, so the
/// request must name its origin, and that origin must be ours.
async fn keep_signed_out(parts: &Parts, state: &AppState, visitor: &Visitor) -> Option<String> {
    let named =
        parts.headers.contains_key(header::ORIGIN) || parts.headers.contains_key(header::REFERER);
    if !named || !csrf::same_origin(&parts.headers, &state.config) {
        return None;
    }
    let body = visitor.holder().body?;
    let (form, page) = super::pages::back::resumable(parts.uri.path(), &body)?;
    let kept = Kept {
        form: form.to_owned(),
        reason: Reason::SignedOut,
        ..Kept::default()
    };
    match visitor.keep(state, &page, kept).await {
        Ok(()) => Some(page),
        Err(e) => {
            tracing::warn!(error = ?e.0, "a form sent after the session ended could not be kept");
            None
        }
    }
}
