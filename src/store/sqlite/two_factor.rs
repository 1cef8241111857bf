//! Two-factor sign-in in SQLite: TOTP secrets, recovery codes, challenges.

use std::sync::LazyLock;

use async_trait::async_trait;
use rusqlite::{OptionalExtension, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::SqliteStore;
use crate::store::StoreResult;
use crate::store::two_factor::{MfaChallenge, TotpRecord, TwoFactorSql, TwoFactorStore};
use crate::timestamp::{from_micros, to_micros};

static SQL: LazyLock<TwoFactorSql> = LazyLock::new(|| TwoFactorSql::new('?'));

#[async_trait]
impl TwoFactorStore for SqliteStore {
    async fn totp_get(&self, user_id: Uuid) -> StoreResult<Option<TotpRecord>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT secret, created_at, enabled_at, last_step FROM totp WHERE user_id = ?1",
                )?
                .query_row([user_id], |r| {
                    Ok(TotpRecord {
                        secret: r.get(0)?,
                        created_at: from_micros(r.get(1)?),
                        enabled_at: r.get::<_, Option<i64>>(2)?.map(from_micros),
                        last_step: r.get(3)?,
                    })
                })
                .optional()?)
            })
            .await
    }

    async fn totp_set_pending(
        &self,
        user_id: Uuid,
        secret: &[u8],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let secret = secret.to_vec();
        self.writer
            .run(move |c| {
                let written = c.prepare_cached(&SQL.set_pending)?.execute(params![
                    user_id,
                    secret,
                    to_micros(now)
                ])?;
                Ok(written > 0)
            })
            .await
    }

    async fn totp_enable(
        &self,
        user_id: Uuid,
        secret: &[u8],
        step: i64,
        recovery_hashes: &[[u8; 32]],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let (secret, hashes) = (secret.to_vec(), recovery_hashes.to_vec());
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let enabled = tx.prepare_cached(&SQL.enable)?.execute(params![
                    to_micros(now),
                    step,
                    user_id,
                    secret
                ])? > 0;
                if enabled {
                    tx.prepare_cached(&SQL.drop_codes)?.execute([user_id])?;
                    let mut insert = tx.prepare_cached(&SQL.insert_code)?;
                    for hash in &hashes {
                        insert.execute(params![user_id, &hash[..]])?;
                    }
                }
                tx.commit()?;
                Ok(enabled)
            })
            .await
    }

    async fn totp_use_step(&self, user_id: Uuid, step: i64) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                Ok(c.prepare_cached(&SQL.use_step)?
                    .execute(params![step, user_id])?
                    > 0)
            })
            .await
    }

    async fn totp_delete(&self, user_id: Uuid) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let [challenges, codes, totp] = &SQL.delete;
                tx.prepare_cached(challenges)?.execute([user_id])?;
                tx.prepare_cached(codes)?.execute([user_id])?;
                let deleted = tx.prepare_cached(totp)?.execute([user_id])? > 0;
                tx.commit()?;
                Ok(deleted)
            })
            .await
    }

    async fn recovery_code_use(
        &self,
        user_id: Uuid,
        code_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let used = c.prepare_cached(&SQL.use_code)?.execute(params![
                    to_micros(now),
                    user_id,
                    &code_hash[..]
                ])?;
                Ok(used > 0)
            })
            .await
    }

    async fn recovery_codes_left(&self, user_id: Uuid) -> StoreResult<u32> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&SQL.codes_left)?
                    .query_row([user_id], |r| r.get(0))?)
            })
            .await
    }

    async fn mfa_challenge_insert(&self, challenge: &MfaChallenge) -> StoreResult<()> {
        let ch = challenge.clone();
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let [sweep, insert] = &SQL.insert_challenge;
                let created = to_micros(ch.created_at);
                tx.prepare_cached(sweep)?.execute([created])?;
                tx.prepare_cached(insert)?.execute(params![
                    &ch.token_hash[..],
                    ch.user_id,
                    created,
                    to_micros(ch.expires_at)
                ])?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn mfa_challenge_attempt(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
        max_attempts: u32,
    ) -> StoreResult<Option<Uuid>> {
        self.writer
            .run(move |c| {
                Ok(c.prepare_cached(&SQL.attempt)?
                    .query_row(
                        params![&token_hash[..], to_micros(now), max_attempts],
                        |r| r.get(0),
                    )
                    .optional()?)
            })
            .await
    }

    async fn mfa_challenge_take(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<Option<Uuid>> {
        self.writer
            .run(move |c| {
                Ok(c.prepare_cached(&SQL.take)?
                    .query_row(params![&token_hash[..], to_micros(now)], |r| r.get(0))
                    .optional()?)
            })
            .await
    }
}
