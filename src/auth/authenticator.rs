//! Who is calling: the one check behind the API's Bearer header and the web app's
//! session cookie, for our own tokens, tokens signed with the shared secret by another
//! component, and the external issuer's tokens.

use std::sync::Arc;

use jsonwebtoken::Algorithm;
use uuid::Uuid;

use super::external::{ExternalError, ExternalTokens, linked_user};
use super::token::{MAX_TOKEN_BYTES, Tokens};
use crate::error::{AppError, AuthFailure};
use crate::store::{IdentityStore, SessionStore, UserStore};
use crate::timestamp::now;

/// The authenticated caller of a protected route or page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CurrentUser {
    /// The Taskward user id (the `sub` of our own tokens).
    pub id: Uuid,
    /// The session the access token belongs to; `None` for tokens minted by another
    /// component with the shared secret and for external issuers' tokens.
    pub session_id: Option<Uuid>,
}

/// The external issuer's user id (its token's `sub`) when the caller came with an external
/// token: `/api/{user_id}/tasks` accepts it as `{user_id}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalSubject(pub String);

impl CurrentUser {
    /// Whether `{user_id}` of a path names this caller: the Taskward id, or the external
    /// issuer's id the token carried.
    pub fn is_named_by(&self, path_user_id: &str, external: Option<&ExternalSubject>) -> bool {
        Uuid::parse_str(path_user_id).ok() == Some(self.id)
            || external.is_some_and(|e| e.0 == path_user_id)
    }
}

/// Checks access tokens and that their session is still active.
pub struct Authenticator {
    tokens: Arc<Tokens>,
    external: Option<ExternalTokens>,
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn SessionStore>,
    identities: Arc<dyn IdentityStore>,
}

fn invalid(detail: &str) -> AppError {
    AppError::Unauthorized {
        failure: AuthFailure::InvalidToken,
        detail: detail.to_owned(),
    }
}

impl Authenticator {
    /// The checker of our tokens and, when one is configured, the external issuer's.
    pub fn new(
        tokens: Arc<Tokens>,
        external: Option<ExternalTokens>,
        users: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        identities: Arc<dyn IdentityStore>,
    ) -> Self {
        Self {
            tokens,
            external,
            users,
            sessions,
            identities,
        }
    }

    /// Checks an access token and that its session is still active, with the external
    /// subject when the token came from the external issuer. HS256 tokens are ours (or
    /// signed with the shared secret); asymmetric ones go to the external issuer, when one
    /// is configured.
    pub async fn authenticate(
        &self,
        token: &str,
    ) -> Result<(CurrentUser, Option<ExternalSubject>), AppError> {
        if let Some(external) = &self.external
            && token.len() <= MAX_TOKEN_BYTES
            && let Ok(header) = jsonwebtoken::decode_header(token)
            && header.alg != Algorithm::HS256
        {
            let claims = external.verify(token, &header).await.map_err(|e| match e {
                ExternalError::Unavailable => AppError::Unavailable,
                ExternalError::Invalid(reason) => {
                    tracing::debug!(%reason, "external access token refused");
                    invalid("the access token is invalid or has expired")
                }
            })?;
            let id = linked_user(self.identities.as_ref(), external.issuer(), &claims).await?;
            return Ok((
                CurrentUser {
                    id,
                    session_id: None,
                },
                Some(ExternalSubject(claims.subject)),
            ));
        }
        // Everything else, `alg: none` and algorithm confusion included, meets the
        // HS256-only verifier and is refused there.
        let subject = self.tokens.verify(token).map_err(|e| {
            tracing::debug!(reason = %e, "access token refused");
            invalid("the access token is invalid or has expired")
        })?;
        // One indexed look-up per request, on every node: signing out takes effect at once.
        let alive = match subject.session_id {
            Some(sid) => {
                self.sessions
                    .session_is_active(sid, subject.user_id, now())
                    .await?
            }
            // A token minted by another component: its user must exist, and signing out
            // everywhere, a password change or deletion since it was issued ends it.
            None => self
                .users
                .user_token_cutoff(subject.user_id)
                .await?
                .is_some_and(|cutoff| cutoff.admits(subject.issued_at)),
        };
        if !alive {
            return Err(invalid("the session has ended; sign in again"));
        }
        Ok((
            CurrentUser {
                id: subject.user_id,
                session_id: subject.session_id,
            },
            None,
        ))
    }
}
