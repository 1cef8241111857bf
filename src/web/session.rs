//! The browser session: who is visiting (resolved once per request from the cookies),
//! silent renewal from the refresh cookie, and the `Set-Cookie` headers a request adds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::cookies::{ACCESS, CSRF, CookiePolicy, FLASH, REFRESH};
use super::error::WebError;
use super::{csrf, flash, see_other, with_page_headers};
use crate::auth::{CurrentUser, Issued};
use crate::error::AppError;
use crate::state::AppState;

/// How long the tokens of a renewal are handed to a concurrent request presenting the
/// same (now used) refresh token, instead of letting it revoke the session as a reuse.
const RENEWAL_REUSE: Duration = Duration::from_secs(30);

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
}

impl Visitor {
    /// The session id CSRF tokens are bound to.
    fn session_id(&self) -> Option<Uuid> {
        match self.session {
            SessionState::SignedIn(user) => user.session_id,
            _ => None,
        }
    }

    /// The hidden-field token for forms on the page being rendered.
    pub fn csrf_token(&self, state: &AppState) -> String {
        csrf::token(&state.csrf_key.0, &self.csrf_cookie, self.session_id())
    }

    /// Whether a submitted token belongs to this visitor.
    pub fn csrf_valid(&self, state: &AppState, submitted: &str) -> bool {
        csrf::verify(
            &state.csrf_key.0,
            &self.csrf_cookie,
            self.session_id(),
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

    /// Ends the session in this browser.
    pub fn end_session(&self) {
        for v in self.policy.end_session() {
            self.ctx.push(v);
        }
    }
}

/// Per-request scratch space shared by the extractors and the middleware.
#[derive(Default)]
struct RequestCtx {
    set_cookies: Mutex<Vec<HeaderValue>>,
    clear_flash: Mutex<Option<HeaderValue>>,
    visitor: tokio::sync::OnceCell<(SessionState, String, Option<flash::Notice>)>,
    renewals: Arc<Renewals>,
}

impl RequestCtx {
    fn push(&self, v: HeaderValue) {
        if let Ok(mut out) = self.set_cookies.lock() {
            out.push(v);
        }
    }
}

/// The tokens of one renewal and whom they belong to.
#[derive(Clone)]
struct Renewed {
    access: String,
    refresh: String,
    user: CurrentUser,
}

/// One renewal: the browser that asked for it (a hash of its CSRF cookie) and, once the
/// exchange has been made, its tokens.
struct Renewal {
    started: Instant,
    browser: [u8; 32],
    done: Arc<tokio::sync::OnceCell<Renewed>>,
}

/// Recent renewals on this node, so that two requests of one browser racing with one
/// refresh token (two tabs reopened together) both get the new tokens instead of revoking
/// the session as a reuse.
///
/// The shared answer is bound to the browser: a request presenting the same refresh token
/// with another CSRF cookie (someone replaying a stolen refresh cookie) gets what it would
/// get after the window, a reuse that ends the session. A shared answer is checked again
/// before it is used, so a session signed out in the meantime is over at once. Renewals
/// of different refresh tokens never wait for each other: the map's lock is held only to
/// find or add an entry, never across the exchange.
#[derive(Default)]
pub struct Renewals {
    recent: Mutex<HashMap<[u8; 32], Renewal>>,
}

/// Entries kept at most; beyond it the oldest are not shared (a renewal still works, a
/// racing tab may then see a reuse).
const MAX_RENEWALS: usize = 10_000;

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

impl Renewals {
    /// The exchange of `refresh_token` that `browser` may share: an existing one of the
    /// same browser within [`RENEWAL_REUSE`], else a new one (`None` for another browser).
    fn slot(
        &self,
        key: [u8; 32],
        browser: [u8; 32],
    ) -> Option<Arc<tokio::sync::OnceCell<Renewed>>> {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.len() >= MAX_RENEWALS {
            recent.retain(|_, r| r.started.elapsed() < RENEWAL_REUSE);
        }
        match recent.get(&key) {
            Some(r) if r.started.elapsed() < RENEWAL_REUSE => {
                (r.browser == browser).then(|| Arc::clone(&r.done))
            }
            _ if recent.len() >= MAX_RENEWALS => Some(Arc::default()),
            _ => {
                let done = Arc::<tokio::sync::OnceCell<Renewed>>::default();
                recent.insert(
                    key,
                    Renewal {
                        started: Instant::now(),
                        browser,
                        done: Arc::clone(&done),
                    },
                );
                Some(done)
            }
        }
    }

    /// Forgets a renewal that failed, so that its error is not shared.
    fn forget(&self, key: &[u8; 32], done: &Arc<tokio::sync::OnceCell<Renewed>>) {
        let mut recent = self.recent.lock().unwrap_or_else(PoisonError::into_inner);
        if recent.get(key).is_some_and(|r| Arc::ptr_eq(&r.done, done)) {
            recent.remove(key);
        }
    }

    /// Exchanges `refresh_token` for `browser` (its CSRF cookie); the same browser
    /// presenting the same token within [`RENEWAL_REUSE`] gets the same tokens.
    async fn renew(
        &self,
        state: &AppState,
        refresh_token: &str,
        browser: &str,
    ) -> Result<Renewed, AppError> {
        let key = digest(refresh_token);
        let Some(done) = self.slot(key, digest(browser)) else {
            // Another browser: no sharing, so the exchange sees the reuse.
            return exchange(state, refresh_token).await;
        };
        let mut fresh = false;
        let renewed = done
            .get_or_try_init(|| {
                fresh = true;
                exchange(state, refresh_token)
            })
            .await;
        let renewed = match renewed {
            Ok(r) => r.clone(),
            Err(e) => {
                self.forget(&key, &done);
                return Err(e);
            }
        };
        if !fresh {
            // Shared tokens: the session may have been signed out since they were issued.
            state.authenticator.authenticate(&renewed.access).await?;
        }
        Ok(renewed)
    }
}

/// One exchange of a refresh token, and who the new access token speaks for.
async fn exchange(state: &AppState, refresh_token: &str) -> Result<Renewed, AppError> {
    let issued = state.accounts.refresh(refresh_token).await?;
    let (user, _) = state
        .authenticator
        .authenticate(&issued.access_token)
        .await?;
    Ok(Renewed {
        access: issued.access_token,
        refresh: issued.refresh_token,
        user,
    })
}

/// The middleware of every page route: makes room for the extractors, then adds the
/// `Set-Cookie` headers they asked for and the page security headers.
pub async fn layer(renewals: Arc<Renewals>, mut req: Request, next: Next) -> Response {
    let ctx = Arc::new(RequestCtx {
        renewals,
        ..RequestCtx::default()
    });
    req.extensions_mut().insert(ctx.clone());
    let mut res = next.run(req).await;
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
        Ok(Self {
            session,
            csrf_cookie,
            notice,
            ctx,
            policy,
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
            return Ok(Self { user, visitor });
        }
        // After a form POST, come back to the page that holds the form, not its action.
        let next = if parts.method == Method::GET || parts.method == Method::HEAD {
            parts
                .uri
                .path_and_query()
                .map_or("/".to_owned(), |p| p.as_str().to_owned())
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
        Err(see_other(&target))
    }
}
