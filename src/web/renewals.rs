//! Silent renewal of web sessions: one exchange of a refresh token per browser, shared by
//! the concurrent requests of that browser (two tabs reopened together), never by anyone
//! else (docs/web.md, "Two tabs, one refresh token").

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::state::AppState;

/// How long the tokens of a renewal are handed to a concurrent request presenting the
/// same (now used) refresh token, instead of letting it revoke the session as a reuse.
const RENEWAL_REUSE: Duration = Duration::from_secs(30);

/// The tokens of one renewal and whom they belong to.
#[derive(Clone)]
pub(super) struct Renewed {
    pub(super) access: String,
    pub(super) refresh: String,
    pub(super) user: CurrentUser,
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
    pub(super) async fn renew(
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
