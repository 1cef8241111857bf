//! The access token service (API-2.md section 5): a user makes, lists and revokes their
//! personal access tokens, and the faces that take one (CalDAV's Basic password now, the
//! API's and MCP's bearer later) ask what it grants.
//!
//! A token is `tw_pat_` and 256 random bits in base64url, shown once and kept as its
//! SHA-256. Every check reads the database, so a revoked or expired token is refused at
//! once on every node. Its last use is written at most once a minute.

use std::sync::Arc;

use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::accounts::{hash_refresh_token as hash, random_token};
use super::model::is_base64url_256;
use super::pat::{
    AccessToken, ExpiresIn, MAX_ACCESS_TOKENS, Scopes, TOKEN_PREFIX, TokenGrant, TokenName,
};
use crate::error::{AppError, AppResult, FieldError};
use crate::store::{AccessTokenStore, FoundToken};
use crate::timestamp::now;

/// The length of a token's random part: 256 bits in base64url.
#[cfg(test)]
const SECRET_LEN: usize = 43;

/// How stale a token's last use may be before a use writes it again (personal access
/// tokens and OAuth grants alike).
pub const TOUCH_EVERY: Duration = Duration::minutes(1);

/// A token to make.
#[derive(Debug, Clone)]
pub struct NewAccessToken {
    /// Its name.
    pub name: TokenName,
    /// What it may do.
    pub scopes: Scopes,
    /// How long it lives; `None`: until revoked.
    pub expires_in: Option<ExpiresIn>,
}

/// The personal access tokens of every user.
#[derive(Clone)]
pub struct AccessTokens {
    store: Arc<dyn AccessTokenStore>,
}

/// Whether `secret` has the shape of a token: the prefix and 43 base64url characters.
/// Anything else (a password, a JWT) is refused before the database is asked.
fn well_formed(secret: &str) -> bool {
    secret
        .strip_prefix(TOKEN_PREFIX)
        .is_some_and(is_base64url_256)
}

impl AccessTokens {
    /// The service over the store.
    pub fn new(store: Arc<dyn AccessTokenStore>) -> Self {
        Self { store }
    }

    /// The tokens of `user_id`, oldest first (their hashes only).
    pub async fn list(&self, user_id: Uuid) -> AppResult<Vec<AccessToken>> {
        Ok(self.store.access_tokens_of(user_id).await?)
    }

    /// Makes a token for `user_id`; `422` (on `name`) when they have
    /// [`MAX_ACCESS_TOKENS`]. The secret is in the result, the only time it is known.
    pub async fn create(
        &self,
        user_id: Uuid,
        new: NewAccessToken,
    ) -> AppResult<(AccessToken, String)> {
        let secret = format!("{TOKEN_PREFIX}{}", random_token()?);
        let created_at = now();
        let token = AccessToken {
            id: Uuid::now_v7(),
            user_id,
            name: new.name.as_str().to_owned(),
            token_hash: hash(&secret),
            scopes: new.scopes,
            created_at,
            expires_at: new.expires_in.map(|e| e.after(created_at)),
            last_used_at: None,
        };
        if !self
            .store
            .access_token_insert(&token, MAX_ACCESS_TOKENS)
            .await?
        {
            return Err(FieldError::new(
                "name",
                format!(
                    "You have {MAX_ACCESS_TOKENS} access tokens already: revoke one you no longer use first."
                ),
            )
            .into());
        }
        Ok((token, secret))
    }

    /// Revokes token `id` of `user_id`: refused from now on, on every node. `404` for a
    /// token that is not theirs.
    pub async fn revoke(&self, user_id: Uuid, id: Uuid) -> AppResult<()> {
        if self.store.access_token_delete(user_id, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound(
                "there is no access token with this id".into(),
            ))
        }
    }

    /// What the token `secret` grants: `None` for anything that is not a live token
    /// (unknown, revoked, expired, or not a token at all, such as a password).
    pub async fn authenticate(&self, secret: &str) -> AppResult<Option<TokenGrant>> {
        Ok(self.find(secret).await?.map(|found| grant(found.token)))
    }

    /// What the token `secret` grants when presented with `email` (HTTP Basic, as
    /// CalDAV clients send it): `None` unless it is a live token of the account with that
    /// email (compared case-insensitively).
    pub async fn authenticate_basic(
        &self,
        email: &str,
        secret: &str,
    ) -> AppResult<Option<TokenGrant>> {
        let Some(found) = self.find(secret).await? else {
            return Ok(None);
        };
        let given = email.trim().to_lowercase();
        let same: bool = given.as_bytes().ct_eq(found.email_lower.as_bytes()).into();
        Ok(same.then(|| grant(found.token)))
    }

    /// The live token `secret` names, its last use written when it is over a minute old.
    async fn find(&self, secret: &str) -> AppResult<Option<FoundToken>> {
        if !well_formed(secret) {
            return Ok(None);
        }
        let digest = hash(secret);
        let Some(found) = self.store.access_token_by_hash(digest).await? else {
            return Ok(None);
        };
        // The row was found by this very hash; compare again in constant time anyway, so
        // no code path depends on how the database compares bytes.
        if !bool::from(found.token.token_hash.ct_eq(&digest)) {
            return Ok(None);
        }
        let at = now();
        if found.token.expired(at) {
            return Ok(None);
        }
        if stale(found.token.last_used_at, at) {
            self.store
                .access_token_touch(found.token.id, at, at - TOUCH_EVERY)
                .await?;
        }
        Ok(Some(found))
    }
}

/// Whether a last use at `last` is worth writing over at `at`.
pub fn stale(last: Option<OffsetDateTime>, at: OffsetDateTime) -> bool {
    last.is_none_or(|last| last < at - TOUCH_EVERY)
}

fn grant(token: AccessToken) -> TokenGrant {
    TokenGrant {
        user_id: token.user_id,
        token_id: token.id,
        scopes: token.scopes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shape_of_a_token_is_looked_up() {
        let good = format!("{TOKEN_PREFIX}{}", "A".repeat(SECRET_LEN));
        assert!(well_formed(&good));
        for bad in [
            "correct horse battery staple".to_owned(),
            "A".repeat(SECRET_LEN),
            format!("{TOKEN_PREFIX}{}", "A".repeat(SECRET_LEN - 1)),
            format!("{TOKEN_PREFIX}{}=", "A".repeat(SECRET_LEN - 1)),
            format!("TW_PAT_{}", "A".repeat(SECRET_LEN)),
            format!("{good} "),
        ] {
            assert!(!well_formed(&bad), "{bad}");
        }
    }

    #[test]
    fn a_use_is_written_once_a_minute() {
        let at = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        assert!(stale(None, at));
        assert!(stale(Some(at - Duration::seconds(61)), at));
        assert!(!stale(Some(at - Duration::seconds(59)), at));
        assert!(!stale(Some(at), at));
    }
}
