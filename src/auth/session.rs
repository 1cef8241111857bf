//! The account flows: sign up, sign in, refresh, sign out, change password, delete.
//!
//! Each flow is a function of the shared state; handlers only parse and serialise.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use super::extract::{ClientInfo, CurrentUser};
use super::model::{DisplayName, Email, Password};
use super::password::Verified;
use crate::AppState;
use crate::error::{AppError, AppResult, AuthFailure};
use crate::store::{NewSession, NewUser, Rotation, UserRecord, truncate_to_micros};

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

fn now() -> OffsetDateTime {
    truncate_to_micros(OffsetDateTime::now_utc())
}

/// A new refresh token and the hash stored in its place.
fn new_refresh_token() -> AppResult<(String, [u8; 32])> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Internal(format!("no randomness available: {e}")))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    Ok((token, hash))
}

/// Refresh tokens are high-entropy, so one SHA-256 is enough (no password hashing needed).
fn hash_refresh_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Starts a session for `user` and issues its tokens.
async fn start_session(
    state: &AppState,
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
        expires_at: now + state.config.refresh_token_ttl,
        user_agent: client.user_agent.clone(),
    };
    state.store.session_insert(&session).await?;
    issue(state, user, session.id, refresh_token, now)
}

fn issue(
    state: &AppState,
    user: UserRecord,
    session_id: Uuid,
    refresh_token: String,
    now: OffsetDateTime,
) -> AppResult<Issued> {
    let tokens = &state.auth.tokens;
    let access_token = tokens
        .issue(user.id, &user.email, session_id, now)
        .map_err(|e| AppError::Internal(format!("cannot sign an access token: {e}")))?;
    Ok(Issued {
        access_token,
        expires_in: tokens.ttl().as_secs(),
        refresh_token,
        user,
    })
}

/// Creates an account and signs it in.
#[tracing::instrument(skip_all)]
pub async fn sign_up(state: &AppState, input: SignUp, client: &ClientInfo) -> AppResult<Issued> {
    let limits = &state.auth.limits;
    limits.attempt_from(client.ip)?;
    limits.check_email(input.email.lower())?;
    let password_hash = state.auth.passwords.hash(input.password.expose()).await?;
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
    if let Err(e) = state.store.user_insert(&user).await {
        // Probing for registered emails counts against the address like a failed sign-in.
        limits.failed(input.email.lower());
        return Err(e.into());
    }
    tracing::info!(user_id = %user.id, "account created");
    let record = UserRecord {
        id: user.id,
        email: user.email,
        name: user.name,
        password_hash: user.password_hash,
        created_at: user.created_at,
    };
    start_session(state, record, client).await
}

/// Checks an email and password and starts a session.
#[tracing::instrument(skip_all)]
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: &ClientInfo,
) -> AppResult<Issued> {
    let limits = &state.auth.limits;
    limits.attempt_from(client.ip)?;
    // A malformed email cannot belong to an account; it still costs a hash below.
    let email_key =
        Email::parse(email).map_or_else(|_| email.trim().to_lowercase(), |e| e.lower().to_owned());
    limits.check_email(&email_key)?;
    // No stored email holds NUL, and PostgreSQL refuses it in a parameter: skip the lookup.
    let user = if email_key.contains('\0') {
        None
    } else {
        state.store.user_by_email(&email_key).await?
    };
    let verified = state
        .auth
        .passwords
        .verify(password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let (Some(user), Verified::Match { rehash }) = (user, verified) else {
        limits.failed(&email_key);
        state.metrics.sign_in_failed();
        tracing::info!("sign-in refused");
        return Err(bad_credentials());
    };
    limits.succeeded(&email_key);
    if rehash {
        upgrade_hash(state, &user, password).await;
    }
    tracing::info!(user_id = %user.id, "signed in");
    start_session(state, user, client).await
}

/// Replaces a bcrypt (or weaker argon2) hash with a current argon2id one. A failure is
/// logged, not fatal: the old hash still verifies.
async fn upgrade_hash(state: &AppState, user: &UserRecord, password: &str) {
    let upgraded = match state.auth.passwords.hash(password).await {
        Ok(hash) => state
            .store
            .user_set_password_hash(user.id, &hash, now())
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    };
    match upgraded {
        Ok(()) => tracing::info!(user_id = %user.id, "password hash upgraded to argon2id"),
        Err(e) => tracing::warn!(user_id = %user.id, error = %e, "password hash upgrade failed"),
    }
}

/// Exchanges a refresh token for a new pair; a reused token ends its session.
#[tracing::instrument(skip_all)]
pub async fn refresh(state: &AppState, refresh_token: &str) -> AppResult<Issued> {
    let token = refresh_token.trim();
    // 32 bytes in base64url are 43 characters; anything else was never issued by us.
    if token.len() != 43 {
        return Err(bad_refresh());
    }
    let now = now();
    let (new_token, new_hash) = new_refresh_token()?;
    let rotation = state
        .store
        .session_rotate(
            &hash_refresh_token(token),
            &new_hash,
            now + state.config.refresh_token_ttl,
            now,
        )
        .await?;
    match rotation {
        Rotation::Rotated(session) => {
            let user = state
                .store
                .user_by_id(session.user_id)
                .await?
                .ok_or_else(bad_refresh)?;
            issue(state, user, session.id, new_token, now)
        }
        Rotation::Reused => {
            tracing::warn!("a used refresh token was presented again: its session is revoked");
            Err(bad_refresh())
        }
        Rotation::Invalid => Err(bad_refresh()),
    }
}

/// Ends the caller's session (tokens without a session have nothing to end).
pub async fn sign_out(state: &AppState, user: CurrentUser) -> AppResult<()> {
    if let Some(sid) = user.session_id {
        state.store.session_revoke(sid, user.id, now()).await?;
    }
    Ok(())
}

/// Ends every session of the caller.
pub async fn sign_out_all(state: &AppState, user: CurrentUser) -> AppResult<()> {
    let ended = state.store.sessions_revoke_all(user.id, now()).await?;
    tracing::info!(user_id = %user.id, ended, "signed out everywhere");
    Ok(())
}

/// Loads the caller's account.
pub async fn me(state: &AppState, user: CurrentUser) -> AppResult<UserRecord> {
    state
        .store
        .user_by_id(user.id)
        .await?
        .ok_or_else(AppError::not_found)
}

/// Renames the caller.
pub async fn rename(
    state: &AppState,
    user: CurrentUser,
    name: DisplayName,
) -> AppResult<UserRecord> {
    state
        .store
        .user_set_name(user.id, name.as_str(), now())
        .await?
        .ok_or_else(AppError::not_found)
}

/// Checks the caller's password; wrong attempts count against their email's limit.
async fn confirm_password(
    state: &AppState,
    user: CurrentUser,
    password: &str,
) -> AppResult<UserRecord> {
    let account = me(state, user).await?;
    let key = account.email.to_lowercase();
    state.auth.limits.check_email(&key)?;
    match state
        .auth
        .passwords
        .verify(password, Some(&account.password_hash))
        .await?
    {
        Verified::Match { .. } => Ok(account),
        Verified::Mismatch => {
            state.auth.limits.failed(&key);
            Err(AppError::Unauthorized {
                failure: AuthFailure::BadCredentials,
                detail: "the password is wrong".into(),
            })
        }
    }
}

/// Changes the caller's password and ends every other session.
#[tracing::instrument(skip_all)]
pub async fn change_password(
    state: &AppState,
    user: CurrentUser,
    current: &str,
    new: Password,
) -> AppResult<()> {
    confirm_password(state, user, current).await?;
    let hash = state.auth.passwords.hash(new.expose()).await?;
    state
        .store
        .user_change_password(user.id, &hash, user.session_id, now())
        .await?;
    tracing::info!(user_id = %user.id, "password changed; other sessions ended");
    Ok(())
}

/// Deletes the caller's account, sessions and tasks, after checking the password.
#[tracing::instrument(skip_all)]
pub async fn delete_account(state: &AppState, user: CurrentUser, password: &str) -> AppResult<()> {
    confirm_password(state, user, password).await?;
    state.store.user_delete(user.id).await?;
    tracing::info!(user_id = %user.id, "account deleted");
    Ok(())
}
