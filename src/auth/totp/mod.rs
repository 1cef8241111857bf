//! Two-factor sign-in with TOTP (issue 20; API-2.md section 6): setting it up (a pending
//! secret, confirmed by a first code, which gives the recovery codes), turning it off, and
//! sign-in in two steps: the password gives a short-lived challenge token (`mfa_token`),
//! which a code or a recovery code exchanges for the session.
//!
//! Every code is used once: the store keeps the last accepted time step and accepts only
//! a later one, in one statement; a recovery code is marked used likewise. Codes tried
//! count against the account ([`Limits::admit_code`](super::limit::Limits::admit_code)),
//! and a challenge dies after [`MAX_ATTEMPTS`] codes or [`CHALLENGE_FOR`].

pub mod code;

use std::sync::Arc;

use time::Duration;
use uuid::Uuid;

use super::accounts::{hash_refresh_token as hash, random_token};
use super::{Accounts, ClientInfo, CurrentUser, Issued};
use crate::error::{AppError, AppResult, AuthFailure, FieldError};
use crate::store::{MfaChallenge, TwoFactorStore};
use crate::timestamp::now;
use code::{TotpSecret, hash_recovery_code, new_recovery_codes, normalise_code};

/// How long a sign-in waits for its second step (the contract: 5 minutes).
pub const CHALLENGE_FOR: Duration = Duration::minutes(5);

/// Codes a challenge takes before it dies (the contract: 5 wrong codes).
pub const MAX_ATTEMPTS: u32 = 5;

/// What a sign-in with the right password leads to.
#[derive(Debug)]
pub enum SignIn {
    /// No second step: the session started.
    Session(Box<Issued>),
    /// Two-factor sign-in is on: the code comes next, with this token.
    SecondStep(Challenge),
}

/// A sign-in waiting for its second step.
#[derive(Debug)]
pub struct Challenge {
    /// The token (256 random bits, base64url) the second step presents.
    pub mfa_token: String,
    /// Seconds it works for.
    pub expires_in: u64,
}

/// The second factor presented.
#[derive(Debug, Clone, Copy)]
pub enum Factor<'a> {
    /// A code of the authenticator app.
    Code(&'a str),
    /// One of the recovery codes.
    RecoveryCode(&'a str),
}

impl Factor<'_> {
    /// The field of the request it came in.
    pub fn field(self) -> &'static str {
        match self {
            Self::Code(_) => "code",
            Self::RecoveryCode(_) => "recovery_code",
        }
    }
}

/// A secret to add to an authenticator app.
#[derive(Debug)]
pub struct Enrollment {
    /// The secret in base32, to type by hand.
    pub secret: String,
    /// The `otpauth://` URI the QR code holds.
    pub otpauth_uri: String,
}

/// Whether two-factor sign-in is on, and how many recovery codes are left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Status {
    /// On (confirmed).
    pub on: bool,
    /// A set-up is waiting for its first code.
    pub pending: bool,
    /// Unused recovery codes.
    pub codes_left: u32,
}

/// The two-factor service.
pub struct TwoFactor {
    store: Arc<dyn TwoFactorStore>,
    accounts: Arc<Accounts>,
}

fn dead_challenge() -> AppError {
    AppError::Unauthorized {
        failure: AuthFailure::InvalidToken,
        detail: "the mfa_token is invalid, expired, already used, or had too many wrong codes; \
                 sign in again with the password"
            .into(),
    }
}

fn wrong(factor: Factor<'_>) -> AppError {
    let message = match factor {
        Factor::Code(_) => "is wrong, expired or already used: enter the current code of the app",
        Factor::RecoveryCode(_) => "is not one of the unused recovery codes of this account",
    };
    AppError::Validation(vec![FieldError::new(factor.field(), message)])
}

fn unix_seconds(at: time::OffsetDateTime) -> u64 {
    u64::try_from(at.unix_timestamp()).unwrap_or(0)
}

impl TwoFactor {
    /// The service over the store's two-factor tables and the account service.
    pub fn new(store: Arc<dyn TwoFactorStore>, accounts: Arc<Accounts>) -> Self {
        Self { store, accounts }
    }

    /// Checks an email and password; starts the session, or, when two-factor sign-in is
    /// on, answers a challenge for the second step.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: &ClientInfo,
    ) -> AppResult<SignIn> {
        let user = self
            .accounts
            .check_password_sign_in(email, password, client)
            .await?;
        if !user.two_factor {
            tracing::info!(user_id = %user.id, "signed in");
            let issued = self.accounts.start_session(user, client).await?;
            return Ok(SignIn::Session(Box::new(issued)));
        }
        let mfa_token = random_token()?;
        let created_at = now();
        self.store
            .mfa_challenge_insert(&MfaChallenge {
                token_hash: hash(&mfa_token),
                user_id: user.id,
                created_at,
                expires_at: created_at + CHALLENGE_FOR,
            })
            .await?;
        tracing::info!(user_id = %user.id, "password right; waiting for the second factor");
        Ok(SignIn::SecondStep(Challenge {
            mfa_token,
            expires_in: CHALLENGE_FOR.whole_seconds().unsigned_abs(),
        }))
    }

    /// The second step: a code or a recovery code for the challenge `mfa_token` starts
    /// the session. Each try counts against the challenge and the account.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in_second(
        &self,
        mfa_token: &str,
        factor: Factor<'_>,
        client: &ClientInfo,
    ) -> AppResult<Issued> {
        let token = mfa_token.trim();
        if token.len() != 43 {
            return Err(dead_challenge());
        }
        let token_hash = hash(token);
        let user_id = self
            .store
            .mfa_challenge_attempt(token_hash, now(), MAX_ATTEMPTS)
            .await?
            .ok_or_else(dead_challenge)?;
        self.check_factor(user_id, factor).await?;
        let user_id = self
            .store
            .mfa_challenge_take(token_hash, now())
            .await?
            .ok_or_else(dead_challenge)?;
        self.accounts
            .start_session_of(user_id, client, "a second factor")
            .await
    }

    /// Checks a code of an account whose two-factor sign-in is on, and uses it up.
    async fn check_factor(&self, user_id: Uuid, factor: Factor<'_>) -> AppResult<()> {
        self.accounts.limits().admit_code(user_id).await?;
        let at = now();
        let right = match factor {
            Factor::Code(typed) => match self.store.totp_get(user_id).await? {
                Some(totp) if totp.enabled_at.is_some() => {
                    let secret = TotpSecret::from_stored(totp.secret);
                    match secret.step_of(&normalise_code(typed), unix_seconds(at))? {
                        Some(step) => self.store.totp_use_step(user_id, step).await?,
                        None => false,
                    }
                }
                _ => false,
            },
            Factor::RecoveryCode(typed) => match code::normalise_recovery_code(typed) {
                Some(code) => {
                    let used = hash_recovery_code(&code);
                    self.store.recovery_code_use(user_id, used, at).await?
                }
                None => false,
            },
        };
        if !right {
            tracing::info!(%user_id, "two-factor code refused");
            return Err(wrong(factor));
        }
        self.accounts.limits().code_succeeded(user_id).await;
        Ok(())
    }

    /// Starts a set-up after checking the password: a new pending secret, in place of an
    /// earlier pending one. `409` when two-factor sign-in is on.
    #[tracing::instrument(skip_all)]
    pub async fn begin(&self, user: CurrentUser, password: &str) -> AppResult<Enrollment> {
        let account = self.accounts.confirm_password(user, password).await?;
        if account.two_factor {
            return Err(already_on());
        }
        let secret = TotpSecret::generate()?;
        if !self
            .store
            .totp_set_pending(user.id, secret.as_bytes(), now())
            .await?
        {
            return Err(already_on());
        }
        tracing::info!(user_id = %user.id, "two-factor set-up started");
        Ok(Enrollment {
            secret: secret.base32(),
            otpauth_uri: secret.otpauth_uri(&account.email)?,
        })
    }

    /// The set-up waiting for its first code, if any (the set-up page shows it again).
    pub async fn pending(&self, user: CurrentUser) -> AppResult<Option<Enrollment>> {
        let Some(totp) = self.store.totp_get(user.id).await? else {
            return Ok(None);
        };
        if totp.enabled_at.is_some() {
            return Ok(None);
        }
        let account = self.accounts.me(user).await?;
        let secret = TotpSecret::from_stored(totp.secret);
        Ok(Some(Enrollment {
            secret: secret.base32(),
            otpauth_uri: secret.otpauth_uri(&account.email)?,
        }))
    }

    /// Turns two-factor sign-in on with a first code of the pending secret; the recovery
    /// codes, shown this once. `409` when nothing is pending.
    #[tracing::instrument(skip_all)]
    pub async fn confirm(&self, user: CurrentUser, typed: &str) -> AppResult<Vec<String>> {
        let totp = match self.store.totp_get(user.id).await? {
            Some(t) if t.enabled_at.is_none() => t,
            Some(_) => return Err(already_on()),
            None => {
                return Err(AppError::Conflict(
                    "no set-up is waiting for a code: start one with POST /api/auth/2fa/totp"
                        .into(),
                ));
            }
        };
        self.accounts.limits().admit_code(user.id).await?;
        let secret = TotpSecret::from_stored(totp.secret);
        let Some(step) = secret.step_of(&normalise_code(typed), unix_seconds(now()))? else {
            return Err(wrong(Factor::Code(typed)));
        };
        let codes = new_recovery_codes()?;
        let hashes: Vec<[u8; 32]> = codes
            .iter()
            .filter_map(|c| code::normalise_recovery_code(c))
            .map(|c| hash_recovery_code(&c))
            .collect();
        if !self
            .store
            .totp_enable(user.id, secret.as_bytes(), step, &hashes, now())
            .await?
        {
            return Err(AppError::Conflict(
                "the set-up changed meanwhile (started again elsewhere): scan the new code".into(),
            ));
        }
        self.accounts.limits().code_succeeded(user.id).await;
        tracing::info!(user_id = %user.id, "two-factor sign-in turned on");
        Ok(codes)
    }

    /// Turns two-factor sign-in off, with the password and a code (or a recovery code).
    /// `409` when it is not on.
    #[tracing::instrument(skip_all)]
    pub async fn disable(
        &self,
        user: CurrentUser,
        password: &str,
        factor: Factor<'_>,
    ) -> AppResult<()> {
        let account = self.accounts.confirm_password(user, password).await?;
        if !account.two_factor {
            return Err(AppError::Conflict("two-factor sign-in is not on".into()));
        }
        self.check_factor(user.id, factor).await?;
        self.store.totp_delete(user.id).await?;
        tracing::info!(user_id = %user.id, "two-factor sign-in turned off");
        Ok(())
    }

    /// Whether two-factor sign-in is on, pending, and the recovery codes left.
    pub async fn status(&self, user: CurrentUser) -> AppResult<Status> {
        let totp = self.store.totp_get(user.id).await?;
        let on = totp.as_ref().is_some_and(|t| t.enabled_at.is_some());
        let codes_left = if on {
            self.store.recovery_codes_left(user.id).await?
        } else {
            0
        };
        Ok(Status {
            on,
            pending: totp.is_some() && !on,
            codes_left,
        })
    }
}

fn already_on() -> AppError {
    AppError::Conflict(
        "two-factor sign-in is already on; turn it off first to set it up again".into(),
    )
}
