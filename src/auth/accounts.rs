//! The account service: sign up, sign in (the password; `totp::TwoFactor` decides whether
//! a second step comes before the session), refresh, sign out, rename, change password,
//! delete. Faces parse their wire format into the values of `model` and call it; every
//! rule about passwords, sessions and limits lives here.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::CurrentUser;
use super::limit::Limits;
use super::model::{DisplayName, Email, Password};
use super::password::{Passwords, Verified};
use super::token::Tokens;
use crate::error::{AppError, AppResult, AuthFailure};
use crate::metrics::Metrics;
use crate::store::{
    NewSession, NewUser, Rotation, SessionRecord, SessionStore, UserRecord, UserStore,
};
use crate::timestamp::now;
use crate::zone::TimeZoneName;

/// Who is on the other end of a sign-in or sign-up: the client's address (after trusted
/// proxies) for the rate limits, and its user agent for the session list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientInfo {
    /// The client's address as far as it can be trusted.
    pub ip: IpAddr,
    /// `User-Agent`, cut to 256 characters.
    pub user_agent: Option<String>,
}

/// Accounts, sessions and their rules: the store's users and sessions, password hashing,
/// token signing, and the sign-in limits.
pub struct Accounts {
    users: Arc<dyn UserStore>,
    sessions: Arc<dyn SessionStore>,
    passwords: Passwords,
    tokens: Arc<Tokens>,
    limits: Limits,
    metrics: Arc<Metrics>,
    refresh_ttl: Duration,
}

/// A fresh pair of tokens and the user they belong to.
#[derive(Debug)]
pub struct Issued {
    /// JWT access token.
    pub access_token: String,
    /// Its lifetime in seconds.
    pub expires_in: u64,
    /// Opaque refresh token (256 random bits, base64url).
    pub refresh_token: String,
    /// The account.
    pub user: UserRecord,
}

/// What sign-up asks for, already parsed.
#[derive(Debug)]
pub struct SignUp {
    /// Email address.
    pub email: Email,
    /// The new password.
    pub password: Password,
    /// Display name; the part of the email before `@` when absent.
    pub name: Option<DisplayName>,
}

/// The one answer to a failed sign-in, whatever the reason (API.md: same body for an
/// unknown email and a wrong password).
fn bad_credentials() -> AppError {
    AppError::Unauthorized {
        failure: AuthFailure::BadCredentials,
        detail: "the email or password is wrong".into(),
    }
}

fn bad_refresh() -> AppError {
    AppError::Unauthorized {
        failure: AuthFailure::InvalidToken,
        detail: "the refresh token is invalid, expired or already used; sign in again".into(),
    }
}

/// 256 random bits in base64url (43 characters): the secret part of a refresh or access
/// token.
pub fn random_token() -> AppResult<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new refresh token and the hash stored in its place.
fn new_refresh_token() -> AppResult<(String, [u8; 32])> {
    let token = random_token()?;
    let hash = hash_refresh_token(&token);
    Ok((token, hash))
}

/// Refresh and access tokens are high-entropy, so one SHA-256 is enough (no password
/// hashing needed).
pub fn hash_refresh_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Accounts {
    /// The service over the store's users and sessions, with a fresh password hasher.
    pub fn new(
        users: Arc<dyn UserStore>,
        sessions: Arc<dyn SessionStore>,
        tokens: Arc<Tokens>,
        limits: Limits,
        metrics: Arc<Metrics>,
        refresh_ttl: Duration,
    ) -> Result<Self, String> {
        Ok(Self {
            users,
            sessions,
            passwords: Passwords::new()
                .map_err(|e| format!("cannot set up password hashing: {e}"))?,
            tokens,
            limits,
            metrics,
            refresh_ttl,
        })
    }

    /// Starts a session for `user` and issues its tokens.
    pub(super) async fn start_session(
        &self,
        user: UserRecord,
        client: &ClientInfo,
    ) -> AppResult<Issued> {
        let now = now();
        let (refresh_token, refresh_hash) = new_refresh_token()?;
        let session = NewSession {
            id: Uuid::now_v7(),
            user_id: user.id,
            refresh_hash,
            created_at: now,
            expires_at: now + self.refresh_ttl,
            user_agent: client.user_agent.clone(),
            ip: Some(client.ip.to_string()),
        };
        self.sessions.session_insert(&session).await?;
        self.issue(user, session.id, refresh_token, now)
    }

    fn issue(
        &self,
        user: UserRecord,
        session_id: Uuid,
        refresh_token: String,
        now: OffsetDateTime,
    ) -> AppResult<Issued> {
        let access_token = self
            .tokens
            .issue(user.id, &user.email, session_id, now)
            .map_err(|e| AppError::Internal(format!("cannot sign an access token: {e}")))?;
        Ok(Issued {
            access_token,
            expires_in: self.tokens.ttl().as_secs(),
            refresh_token,
            user,
        })
    }

    /// Starts a session for `user_id`, whom an OpenID provider vouched for.
    pub async fn sign_in_as(&self, user_id: Uuid, client: &ClientInfo) -> AppResult<Issued> {
        self.start_session_of(user_id, client, "the OpenID provider")
            .await
    }

    /// Starts a session for `user_id`, signed in `how` (for the log).
    pub(super) async fn start_session_of(
        &self,
        user_id: Uuid,
        client: &ClientInfo,
        how: &str,
    ) -> AppResult<Issued> {
        let user = self
            .users
            .user_by_id(user_id)
            .await?
            .ok_or_else(AppError::not_found)?;
        tracing::info!(user_id = %user.id, "signed in with {how}");
        self.start_session(user, client).await
    }

    /// Counts a request that needs no account from `client`'s address (an OAuth client
    /// registering itself) against the sign-in limit per address; `429` once it is full.
    pub async fn admit_anonymous(&self, client: &ClientInfo) -> AppResult<()> {
        self.limits.admit_address(client.ip).await
    }

    /// Creates an account and signs it in.
    #[tracing::instrument(skip_all)]
    pub async fn sign_up(&self, input: SignUp, client: &ClientInfo) -> AppResult<Issued> {
        self.limits.admit_address(client.ip).await?;
        self.limits.admit_email(input.email.lower()).await?;
        let password_hash = self.passwords.hash(input.password.expose()).await?;
        let name = input
            .name
            .unwrap_or_else(|| DisplayName::from_email(&input.email));
        let user = NewUser {
            id: Uuid::now_v7(),
            email: input.email.as_str().to_owned(),
            email_lower: input.email.lower().to_owned(),
            name: name.as_str().to_owned(),
            password_hash,
            created_at: now(),
        };
        // Probing for registered emails counts against the email like a failed sign-in: the
        // attempt was counted above, and only a created account clears it.
        self.users.user_insert(&user).await?;
        self.limits.succeeded(input.email.lower()).await;
        tracing::info!(user_id = %user.id, "account created");
        self.start_session(user.into(), client).await
    }

    /// Checks an email and password: the account, whose session is for the caller to
    /// start (`TwoFactor::sign_in`, which asks for the second step first when it is on).
    pub(super) async fn check_password_sign_in(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> AppResult<UserRecord> {
        self.limits.admit_address(client.ip).await?;
        // A malformed email belongs to no account created here (an imported one may hold
        // one); it still costs a hash below.
        let parsed = Email::parse(email).ok();
        let email_key = parsed
            .as_ref()
            .map_or_else(|| email.trim().to_lowercase(), |e| e.lower().to_owned());
        // No stored email holds NUL, and PostgreSQL refuses it in a parameter: skip the
        // lookup.
        let user = if email_key.contains('\0') {
            None
        } else {
            self.users.user_by_email(&email_key).await?
        };
        // Counted per email: well-formed ones and those of an account. Junk that can name
        // no account costs no counter (the address's limit still holds).
        if parsed.is_some() || user.is_some() {
            self.limits.admit_email(&email_key).await?;
        }
        let verified = self
            .passwords
            .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
            .await?;
        let (Some(user), Verified::Match { rehash }) = (user, verified) else {
            self.metrics.sign_in_failed();
            tracing::info!("sign-in refused");
            return Err(bad_credentials());
        };
        self.limits.succeeded(&email_key).await;
        if rehash {
            self.upgrade_hash(&user, password).await;
        }
        Ok(user)
    }

    /// Replaces a bcrypt (or weaker argon2) hash with a current argon2id one, only if the
    /// stored hash is still the one just verified: a password changed meanwhile stays. A
    /// failure is logged, not fatal: the old hash still verifies.
    async fn upgrade_hash(&self, user: &UserRecord, password: &str) {
        let upgraded = match self.passwords.hash(password).await {
            Ok(hash) => self
                .users
                .user_upgrade_password_hash(user.id, &user.password_hash, &hash, now())
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match upgraded {
            Ok(true) => tracing::info!(user_id = %user.id, "password hash upgraded to argon2id"),
            Ok(false) => {
                tracing::info!(user_id = %user.id, "password changed meanwhile; hash not upgraded");
            }
            Err(e) => {
                tracing::warn!(user_id = %user.id, error = %e, "password hash upgrade failed");
            }
        }
    }

    /// Exchanges a refresh token for a new pair; a reused token ends its session.
    #[tracing::instrument(skip_all)]
    pub async fn refresh(&self, refresh_token: &str) -> AppResult<Issued> {
        let token = refresh_token.trim();
        // 32 bytes in base64url are 43 characters; anything else was never issued by us.
        if token.len() != 43 {
            return Err(bad_refresh());
        }
        let now = now();
        let (new_token, new_hash) = new_refresh_token()?;
        let rotation = self
            .sessions
            .session_rotate(
                &hash_refresh_token(token),
                &new_hash,
                now + self.refresh_ttl,
                now,
            )
            .await?;
        match rotation {
            Rotation::Rotated(session) => {
                let user = self
                    .users
                    .user_by_id(session.user_id)
                    .await?
                    .ok_or_else(bad_refresh)?;
                self.issue(user, session.id, new_token, now)
            }
            Rotation::Reused => {
                tracing::warn!("a used refresh token was presented again: its session is revoked");
                Err(bad_refresh())
            }
            Rotation::Invalid => Err(bad_refresh()),
        }
    }

    /// Ends the caller's session (tokens without a session have nothing to end).
    pub async fn sign_out(&self, user: CurrentUser) -> AppResult<()> {
        if let Some(sid) = user.session_id {
            self.sessions.session_revoke(sid, user.id, now()).await?;
        }
        Ok(())
    }

    /// Ends every session of the caller.
    pub async fn sign_out_all(&self, user: CurrentUser) -> AppResult<()> {
        let ended = self.sessions.sessions_revoke_all(user.id, now()).await?;
        tracing::info!(user_id = %user.id, ended, "signed out everywhere");
        Ok(())
    }

    /// Loads the caller's account.
    pub async fn me(&self, user: CurrentUser) -> AppResult<UserRecord> {
        self.users
            .user_by_id(user.id)
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// Renames the caller.
    pub async fn rename(&self, user: CurrentUser, name: DisplayName) -> AppResult<UserRecord> {
        self.update_profile(user, Some(name), None).await
    }

    /// Changes the caller's name, time zone or both (`None` keeps one).
    pub async fn update_profile(
        &self,
        user: CurrentUser,
        name: Option<DisplayName>,
        timezone: Option<TimeZoneName>,
    ) -> AppResult<UserRecord> {
        self.users
            .user_set_profile(
                user.id,
                name.as_ref().map(DisplayName::as_str),
                timezone.as_ref().map(TimeZoneName::as_str),
                now(),
            )
            .await?
            .ok_or_else(AppError::not_found)
    }

    /// The caller's sessions that still work, newest first.
    pub async fn sessions(&self, user: CurrentUser) -> AppResult<Vec<SessionRecord>> {
        Ok(self.sessions.sessions_active_of(user.id, now()).await?)
    }

    /// Ends session `id` of the caller at once (on every node: each request checks its
    /// session); `404` when it is not one of their working sessions.
    pub async fn end_session(&self, user: CurrentUser, id: Uuid) -> AppResult<()> {
        if self.sessions.session_revoke(id, user.id, now()).await? {
            tracing::info!(user_id = %user.id, session_id = %id, "session ended by its user");
            Ok(())
        } else {
            Err(AppError::NotFound(
                "there is no active session with this id".into(),
            ))
        }
    }

    /// The password hasher, shared with the recovery service (one budget of permits).
    pub(super) fn passwords(&self) -> &Passwords {
        &self.passwords
    }

    /// The rate limits, shared with the recovery and two-factor services.
    pub(super) fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Checks the caller's password; wrong attempts count against their email's limit.
    pub(super) async fn confirm_password(
        &self,
        user: CurrentUser,
        password: &str,
    ) -> AppResult<UserRecord> {
        let account = self.me(user).await?;
        let key = account.email.to_lowercase();
        self.limits.admit_email(&key).await?;
        match self
            .passwords
            .verify(password, Some(&account.password_hash))
            .await?
        {
            Verified::Match { .. } => {
                self.limits.succeeded(&key).await;
                Ok(account)
            }
            Verified::Mismatch => Err(AppError::Unauthorized {
                failure: AuthFailure::BadCredentials,
                detail: "the password is wrong".into(),
            }),
        }
    }

    /// Changes the caller's password and ends every other session.
    #[tracing::instrument(skip_all)]
    pub async fn change_password(
        &self,
        user: CurrentUser,
        current: &str,
        new: Password,
    ) -> AppResult<()> {
        self.confirm_password(user, current).await?;
        let hash = self.passwords.hash(new.expose()).await?;
        self.users
            .user_change_password(user.id, &hash, user.session_id, now())
            .await?;
        tracing::info!(user_id = %user.id, "password changed; other sessions ended");
        Ok(())
    }

    /// Deletes the caller's account, sessions and tasks, after checking the password.
    #[tracing::instrument(skip_all)]
    pub async fn delete_account(&self, user: CurrentUser, password: &str) -> AppResult<()> {
        self.confirm_password(user, password).await?;
        self.users.user_delete(user.id).await?;
        tracing::info!(user_id = %user.id, "account deleted");
        Ok(())
    }
}
