//! Two-factor sign-in (API-2.md section 6): a user's TOTP secret (pending until a code
//! confirms it), the last time step a code was accepted for, the single-use recovery codes
//! (kept as hashes), and the sign-ins waiting for their second step (found by the SHA-256
//! of their token; the token itself is never stored).

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::StoreResult;

/// A user's TOTP secret as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpRecord {
    /// The raw secret (20 bytes for secrets made here).
    pub secret: Vec<u8>,
    /// When the secret was made.
    pub created_at: OffsetDateTime,
    /// When a first code turned two-factor sign-in on; `None` while pending.
    pub enabled_at: Option<OffsetDateTime>,
    /// The last time step a code was accepted for (`-1`: none yet).
    pub last_step: i64,
}

/// A sign-in that passed its password and waits for its second step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaChallenge {
    /// SHA-256 of the token.
    pub token_hash: [u8; 32],
    /// The account signing in.
    pub user_id: Uuid,
    /// When the password was checked.
    pub created_at: OffsetDateTime,
    /// When the token stops working.
    pub expires_at: OffsetDateTime,
}

/// The `totp`, `recovery_codes` and `mfa_challenges` tables.
#[async_trait]
pub trait TwoFactorStore: Send + Sync + 'static {
    /// The user's TOTP secret, pending or on.
    async fn totp_get(&self, user_id: Uuid) -> StoreResult<Option<TotpRecord>>;

    /// Keeps `secret` as the user's pending secret, in place of an earlier pending one;
    /// `false` (and nothing written) when two-factor sign-in is on.
    async fn totp_set_pending(
        &self,
        user_id: Uuid,
        secret: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Turns two-factor sign-in on with the code of `step`, only while the pending secret
    /// is still `secret` (the one the code was checked against), and replaces the user's
    /// recovery codes with `recovery_hashes`, in one transaction; `false` when nothing is
    /// pending with that secret.
    async fn totp_enable(
        &self,
        user_id: Uuid,
        secret: &[u8],
        step: i64,
        recovery_hashes: &[[u8; 32]],
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// Accepts a code of time step `step`: records it as the last one, only when two-factor
    /// sign-in is on and `step` is later than the last accepted step. Of two concurrent
    /// uses of one step, at most one gets `true`.
    async fn totp_use_step(&self, user_id: Uuid, step: i64) -> StoreResult<bool>;

    /// Turns two-factor sign-in off: the secret (pending or on), the recovery codes and
    /// the sign-ins waiting for a code go, in one transaction. `false` when there was no
    /// secret.
    async fn totp_delete(&self, user_id: Uuid) -> StoreResult<bool>;

    /// Uses the recovery code whose hash is `code_hash`: marks it used at `now`, once;
    /// `false` when the user has no such unused code.
    async fn recovery_code_use(
        &self,
        user_id: Uuid,
        code_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<bool>;

    /// How many of the user's recovery codes are still unused.
    async fn recovery_codes_left(&self, user_id: Uuid) -> StoreResult<u32>;

    /// Keeps a challenge, and deletes every challenge expired when it was made.
    async fn mfa_challenge_insert(&self, challenge: &MfaChallenge) -> StoreResult<()>;

    /// Counts an attempt on the challenge whose hash is `token_hash`, only while it is
    /// live at `now` and has had fewer than `max_attempts`; its user, or `None` when it is
    /// unknown, expired or used up. Counted before the code is checked, in one statement,
    /// so concurrent attempts cannot pass the count.
    async fn mfa_challenge_attempt(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
        max_attempts: u32,
    ) -> StoreResult<Option<Uuid>>;

    /// Uses the challenge: deletes it and answers its user while it is live at `now`. Of
    /// two concurrent takes, at most one gets it.
    async fn mfa_challenge_take(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<Option<Uuid>>;
}

/// The statements of the store, with placeholders `{p}1`, `{p}2`, ... (`?` for SQLite, `$`
/// for PostgreSQL).
pub(super) struct TwoFactorSql {
    /// Binds user, secret, now.
    pub set_pending: String,
    /// Binds now, step, user, secret.
    pub enable: String,
    /// Binds user.
    pub drop_codes: String,
    /// Binds user, hash.
    pub insert_code: String,
    /// Binds step, user.
    pub use_step: String,
    /// Binds user.
    pub delete: [String; 3],
    /// Binds now, user, hash.
    pub use_code: String,
    /// Binds user.
    pub codes_left: String,
    /// Binds created (sweep); then hash, user, created, expires (insert).
    pub insert_challenge: [String; 2],
    /// Binds hash, now, max attempts.
    pub attempt: String,
    /// Binds hash, now.
    pub take: String,
}

impl TwoFactorSql {
    pub(super) fn new(p: char) -> Self {
        Self {
            set_pending: format!(
                "INSERT INTO totp (user_id, secret, created_at) VALUES ({p}1, {p}2, {p}3)
                 ON CONFLICT (user_id) DO UPDATE
                 SET secret = excluded.secret, created_at = excluded.created_at, last_step = -1
                 WHERE totp.enabled_at IS NULL"
            ),
            enable: format!(
                "UPDATE totp SET enabled_at = {p}1, last_step = {p}2
                 WHERE user_id = {p}3 AND secret = {p}4 AND enabled_at IS NULL"
            ),
            drop_codes: format!("DELETE FROM recovery_codes WHERE user_id = {p}1"),
            insert_code: format!(
                "INSERT INTO recovery_codes (user_id, code_hash) VALUES ({p}1, {p}2)"
            ),
            use_step: format!(
                "UPDATE totp SET last_step = {p}1
                 WHERE user_id = {p}2 AND enabled_at IS NOT NULL AND last_step < {p}1"
            ),
            delete: [
                format!("DELETE FROM mfa_challenges WHERE user_id = {p}1"),
                format!("DELETE FROM recovery_codes WHERE user_id = {p}1"),
                format!("DELETE FROM totp WHERE user_id = {p}1"),
            ],
            use_code: format!(
                "UPDATE recovery_codes SET used_at = {p}1
                 WHERE user_id = {p}2 AND code_hash = {p}3 AND used_at IS NULL"
            ),
            codes_left: format!(
                "SELECT COUNT(*) FROM recovery_codes WHERE user_id = {p}1 AND used_at IS NULL"
            ),
            insert_challenge: [
                format!("DELETE FROM mfa_challenges WHERE expires_at <= {p}1"),
                format!(
                    "INSERT INTO mfa_challenges (token_hash, user_id, created_at, expires_at)
                     VALUES ({p}1, {p}2, {p}3, {p}4)"
                ),
            ],
            attempt: format!(
                "UPDATE mfa_challenges SET attempts = attempts + 1
                 WHERE token_hash = {p}1 AND expires_at > {p}2 AND attempts < {p}3
                 RETURNING user_id"
            ),
            take: format!(
                "DELETE FROM mfa_challenges WHERE token_hash = {p}1 AND expires_at > {p}2
                 RETURNING user_id"
            ),
        }
    }
}
