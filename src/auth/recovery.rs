//! Account recovery (issue 20, part 1; API-2.md section 6): password reset by email,
//! email verification and email change, each by a link mailed through the reminders'
//! mailer ([`Mailer`], `SMTP_URL`), and the rule `REQUIRE_EMAIL_VERIFICATION`.
//!
//! A link carries 256 random bits in base64url (43 characters, made like refresh tokens);
//! only its SHA-256 is stored, and it is used once (its row deleted). Asking for a reset
//! answers at once, the same for every email: finding the account, making the token and
//! sending the mail happen after the answer, in a detached job, so neither the answer nor
//! its timing says whether an account has the address (docs/security.md).

use std::future::Future;
use std::sync::Arc;

use subtle::ConstantTimeEq;
use time::Duration;
use tokio::sync::Semaphore;
use uuid::Uuid;

use super::accounts::{hash_refresh_token as hash, random_token};
use super::model::{Email, Password};
use super::{Accounts, ClientInfo, CurrentUser};
use crate::config::Config;
use crate::error::{AppError, AppResult, FieldError};
use crate::notify::email::Mailer;
use crate::store::{AccountToken, AccountTokenStore, TokenPurpose, UserStore};
use crate::timestamp::now;

mod mail;

/// How long a password-reset link works (the contract: 30 minutes).
pub const RESET_FOR: Duration = Duration::minutes(30);

/// How long a verification or email-change link works.
pub const CONFIRM_FOR: Duration = Duration::hours(24);

/// The length of a link's token: 256 bits in base64url.
#[cfg(test)]
const TOKEN_LEN: usize = 43;

/// Detached mail jobs at once; past that a request's mail is dropped with a warning.
const MAX_JOBS: usize = 32;

/// What the detached jobs share.
struct Shared {
    users: Arc<dyn UserStore>,
    tokens: Arc<dyn AccountTokenStore>,
    mailer: Mailer,
    /// What links start with: `PUBLIC_URL`, else `http://<BIND>/`.
    base: url::Url,
}

/// Password reset, email verification and change.
pub struct Recovery {
    shared: Arc<Shared>,
    accounts: Arc<Accounts>,
    require_verified: bool,
    jobs: Arc<Semaphore>,
}

/// The one answer to a link that cannot be used, whatever the reason.
fn unusable() -> AppError {
    AppError::BadRequest(
        "this link is invalid, has expired or was already used; ask for a new one".into(),
    )
}

/// Whether `token` has the shape of a link's token (43 base64url characters): anything
/// else is refused before the database is asked.
fn well_formed(token: &str) -> bool {
    crate::auth::model::is_base64url_256(token)
}

impl Shared {
    /// The address of the page `path` with `token` in its query.
    fn link(&self, path: &str, token: &str) -> String {
        let mut url = self.base.join(path).unwrap_or_else(|_| self.base.clone());
        url.query_pairs_mut().clear().append_pair("token", token);
        url.to_string()
    }

    /// Makes and keeps a token of `purpose` for `user_id`, mailed to `email`; the token.
    async fn issue(
        &self,
        user_id: Uuid,
        purpose: TokenPurpose,
        email: &str,
        ttl: Duration,
    ) -> AppResult<String> {
        let token = random_token()?;
        let created_at = now();
        let record = AccountToken {
            token_hash: hash(&token),
            user_id,
            purpose,
            email: email.to_owned(),
            created_at,
            expires_at: created_at + ttl,
        };
        self.tokens.account_token_insert(&record).await?;
        Ok(token)
    }

    /// Sends one mail; a failure is an error of the job (logged), never of a request.
    async fn send(&self, message: mail::Mail) -> AppResult<()> {
        self.mailer
            .send(&message.to, &message.subject, &message.body)
            .await
            .map_err(|e| AppError::Internal(format!("the mail to the account was not sent: {e}")))
    }

    /// The job behind a reset request: a link to the account of `email_lower`, if any.
    async fn reset_job(self: Arc<Self>, email_lower: String) -> AppResult<()> {
        let Some(user) = self.users.user_by_email(&email_lower).await? else {
            tracing::info!("password reset asked for an address no account has; nothing sent");
            return Ok(());
        };
        let token = self
            .issue(user.id, TokenPurpose::PasswordReset, &user.email, RESET_FOR)
            .await?;
        let link = self.link("reset-password", &token);
        self.send(mail::reset(&user.email, &link)).await?;
        tracing::info!(user_id = %user.id, "password reset link sent");
        Ok(())
    }

    /// The job behind a change request: the old address told, the new one sent a link
    /// (or, when another account has it, a note instead).
    async fn change_job(self: Arc<Self>, user_id: Uuid, old: String, new: Email) -> AppResult<()> {
        if let Err(e) = self.send(mail::change_told(&old, new.as_str())).await {
            tracing::warn!(%user_id, error = %e, "the old address was not told of an email change");
        }
        if self.users.user_by_email(new.lower()).await?.is_some() {
            self.send(mail::change_taken(new.as_str())).await?;
            tracing::info!(%user_id, "email change to an address another account has; told it");
            return Ok(());
        }
        let token = self
            .issue(
                user_id,
                TokenPurpose::ChangeEmail,
                new.as_str(),
                CONFIRM_FOR,
            )
            .await?;
        let link = self.link("confirm-email", &token);
        self.send(mail::change(new.as_str(), &link)).await?;
        tracing::info!(%user_id, "email change link sent");
        Ok(())
    }
}

impl Recovery {
    /// The service over the users and account tokens, the account service (its password
    /// hasher, password check and limits) and the mailer; links start with `PUBLIC_URL`
    /// (else `http://<BIND>/`).
    pub fn new(
        config: &Config,
        users: Arc<dyn UserStore>,
        tokens: Arc<dyn AccountTokenStore>,
        accounts: Arc<Accounts>,
        mailer: Mailer,
    ) -> Result<Self, String> {
        let base = match &config.public_url {
            Some(url) => url.clone(),
            None => url::Url::parse(&format!("http://{}/", config.bind))
                .map_err(|e| format!("BIND {} makes no URL for links: {e}", config.bind))?,
        };
        Ok(Self {
            shared: Arc::new(Shared {
                users,
                tokens,
                mailer,
                base,
            }),
            accounts,
            require_verified: config.accounts.require_email_verification,
            jobs: Arc::new(Semaphore::new(MAX_JOBS)),
        })
    }

    /// Whether mail only goes to the log (no `SMTP_URL`), for the pages to say so.
    pub fn mail_is_logged_only(&self) -> bool {
        self.shared.mailer.is_logging_only()
    }

    /// Runs `job` after the answer; past [`MAX_JOBS`] at once it is dropped, with a
    /// warning. Its failure is a warning in the log, never the caller's error.
    fn detach(
        &self,
        what: &'static str,
        job: impl Future<Output = AppResult<()>> + Send + 'static,
    ) {
        let Ok(permit) = Arc::clone(&self.jobs).try_acquire_owned() else {
            tracing::warn!(
                what,
                "too many account mails under way: this one is dropped"
            );
            return;
        };
        tokio::spawn(async move {
            if let Err(e) = job.await {
                tracing::warn!(what, error = %e, "an account mail job failed");
            }
            drop(permit);
        });
    }

    /// Uses the token of a link: the stored token, or `400` for anything that is not a
    /// live token of `purpose`.
    async fn take(&self, token: &str, purpose: TokenPurpose) -> AppResult<AccountToken> {
        let token = token.trim();
        if !well_formed(token) {
            return Err(unusable());
        }
        let digest = hash(token);
        let found = self
            .shared
            .tokens
            .account_token_take(digest, purpose, now())
            .await?
            .ok_or_else(unusable)?;
        // Found by this very hash; compared again in constant time all the same.
        if bool::from(found.token_hash.ct_eq(&digest)) {
            Ok(found)
        } else {
            Err(unusable())
        }
    }

    /// Asks for a password-reset link for `email`. Counted per client address and per
    /// address asked (well-formed ones), then answered at once, the same whether or not
    /// an account has the address: the rest happens after the answer.
    #[tracing::instrument(skip_all)]
    pub async fn request_reset(&self, email: &str, client: &ClientInfo) -> AppResult<()> {
        let limits = self.accounts.limits();
        limits.admit_address(client.ip).await?;
        // A malformed address belongs to no account created here; it costs no counter
        // and no job (the address's limit still holds).
        let Ok(email) = Email::parse(email) else {
            return Ok(());
        };
        limits.admit_mail(email.lower()).await?;
        let shared = Arc::clone(&self.shared);
        self.detach("password reset", shared.reset_job(email.lower().to_owned()));
        Ok(())
    }

    /// Whether `token` is a live token of `purpose` (a link's page asks before it shows
    /// its form; nothing is used).
    pub async fn link_is_live(&self, token: &str, purpose: TokenPurpose) -> AppResult<bool> {
        let token = token.trim();
        if !well_formed(token) {
            return Ok(false);
        }
        let found = self
            .shared
            .tokens
            .account_token_find(hash(token), purpose, now())
            .await?;
        Ok(found.is_some())
    }

    /// Sets a new password with a reset link's token: every session of the account ends
    /// (and tokens without a session issued until now), and its address counts as
    /// verified (the link reached it). `400` for a token that cannot be used.
    #[tracing::instrument(skip_all)]
    pub async fn confirm_reset(
        &self,
        token: &str,
        password: Password,
        client: &ClientInfo,
    ) -> AppResult<()> {
        self.accounts.limits().admit_address(client.ip).await?;
        let found = self.take(token, TokenPurpose::PasswordReset).await?;
        let password_hash = self.accounts.passwords().hash(password.expose()).await?;
        let at = now();
        self.shared
            .users
            .user_change_password(found.user_id, &password_hash, None, at)
            .await
            .map_err(|e| match e {
                crate::store::StoreError::NotFound => unusable(),
                other => other.into(),
            })?;
        self.shared
            .users
            .user_set_email_verified(found.user_id, &found.email.to_lowercase(), at)
            .await?;
        tracing::info!(user_id = %found.user_id, "password reset; every session ended");
        Ok(())
    }

    /// Mails the caller a link that verifies their address; `409` when it is verified
    /// already. Counted per address.
    pub async fn send_verification(&self, user: CurrentUser) -> AppResult<()> {
        let account = self.accounts.me(user).await?;
        if account.email_verified {
            return Err(AppError::Conflict(
                "the email address is already verified".into(),
            ));
        }
        self.accounts
            .limits()
            .admit_mail(&account.email.to_lowercase())
            .await?;
        let shared = Arc::clone(&self.shared);
        self.detach("verification", async move {
            let token = shared
                .issue(
                    account.id,
                    TokenPurpose::VerifyEmail,
                    &account.email,
                    CONFIRM_FOR,
                )
                .await?;
            let link = shared.link("verify-email", &token);
            shared.send(mail::verify(&account.email, &link)).await?;
            tracing::info!(user_id = %account.id, "verification link sent");
            Ok(())
        });
        Ok(())
    }

    /// Verifies the address a verification link was sent to, while the account still
    /// has it; `400` otherwise.
    pub async fn confirm_verification(&self, token: &str, client: &ClientInfo) -> AppResult<()> {
        self.accounts.limits().admit_address(client.ip).await?;
        let found = self.take(token, TokenPurpose::VerifyEmail).await?;
        let verified = self
            .shared
            .users
            .user_set_email_verified(found.user_id, &found.email.to_lowercase(), now())
            .await?;
        if !verified {
            return Err(AppError::BadRequest(
                "this link was sent to an address the account no longer has".into(),
            ));
        }
        tracing::info!(user_id = %found.user_id, "email address verified");
        Ok(())
    }

    /// Asks to change the caller's address to `new_email`, after checking their password
    /// (`401`, counted like a password change's): the old address is told and the new one
    /// is mailed a link, after the answer. `422` when it is already the account's.
    pub async fn request_email_change(
        &self,
        user: CurrentUser,
        new_email: Email,
        password: &str,
    ) -> AppResult<()> {
        let account = self.accounts.confirm_password(user, password).await?;
        if account.email.to_lowercase() == new_email.lower() {
            return Err(AppError::Validation(vec![FieldError::new(
                "new_email",
                "is already the account's email address",
            )]));
        }
        self.accounts.limits().admit_mail(new_email.lower()).await?;
        let shared = Arc::clone(&self.shared);
        self.detach(
            "email change",
            shared.change_job(account.id, account.email, new_email),
        );
        Ok(())
    }

    /// Gives the account the address an email-change link was sent to, verified. `400`
    /// for a token that cannot be used, `409` when another account has the address now.
    pub async fn confirm_email_change(&self, token: &str, client: &ClientInfo) -> AppResult<()> {
        self.accounts.limits().admit_address(client.ip).await?;
        let found = self.take(token, TokenPurpose::ChangeEmail).await?;
        let lower = found.email.to_lowercase();
        let changed = self
            .shared
            .users
            .user_change_email(found.user_id, &found.email, &lower, now())
            .await?;
        if !changed {
            return Err(unusable());
        }
        tracing::info!(user_id = %found.user_id, "email address changed");
        Ok(())
    }

    /// `REQUIRE_EMAIL_VERIFICATION`: `403` for a user whose address is not verified, when
    /// it is on. One read of the account per call, only then.
    pub async fn require_verified(&self, user_id: Uuid) -> AppResult<()> {
        if !self.require_verified {
            return Ok(());
        }
        let verified = self
            .shared
            .users
            .user_by_id(user_id)
            .await?
            .is_some_and(|u| u.email_verified);
        if verified {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "verify your email address first: POST /api/auth/verify-email mails you a link \
                 (this server requires a verified address to use tasks)"
                    .into(),
            ))
        }
    }

    /// Whether `REQUIRE_EMAIL_VERIFICATION` is on.
    pub fn requires_verified(&self) -> bool {
        self.require_verified
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_shape_of_a_token_is_looked_up() {
        assert!(well_formed(&"A".repeat(TOKEN_LEN)));
        assert!(well_formed(&format!("{}-_", "a".repeat(TOKEN_LEN - 2))));
        for bad in [
            "A".repeat(TOKEN_LEN - 1),
            "A".repeat(TOKEN_LEN + 1),
            format!("{}=", "A".repeat(TOKEN_LEN - 1)),
            format!("{}%", "A".repeat(TOKEN_LEN - 1)),
            String::new(),
        ] {
            assert!(!well_formed(&bad), "{bad}");
        }
    }
}
