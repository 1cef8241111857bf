//! Personal access tokens in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::SqliteStore;
use crate::auth::pat::{AccessToken, Scopes};
use crate::store::StoreResult;
use crate::store::access_tokens::{
    AccessTokenStore, FoundToken, TOKEN_COLUMNS, by_hash_sql, insert_sql, touch_sql,
};
use crate::timestamp::{from_micros, to_micros};

fn token_from(r: &Row<'_>) -> rusqlite::Result<AccessToken> {
    let scopes: String = r.get(4)?;
    Ok(AccessToken {
        id: r.get(0)?,
        user_id: r.get(1)?,
        name: r.get(2)?,
        token_hash: r.get(3)?,
        scopes: Scopes::from_stored(&scopes),
        created_at: from_micros(r.get(5)?),
        expires_at: r.get::<_, Option<i64>>(6)?.map(from_micros),
        last_used_at: r.get::<_, Option<i64>>(7)?.map(from_micros),
    })
}

#[async_trait]
impl AccessTokenStore for SqliteStore {
    async fn access_tokens_of(&self, user_id: Uuid) -> StoreResult<Vec<AccessToken>> {
        self.reader
            .read(move |c| {
                let sql = format!(
                    "SELECT {TOKEN_COLUMNS} FROM access_tokens WHERE user_id = ?1 ORDER BY created_at, id"
                );
                Ok(c.prepare_cached(&sql)?
                    .query_map([user_id], token_from)?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    async fn access_token_insert(&self, token: &AccessToken, max: usize) -> StoreResult<bool> {
        let token = token.clone();
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(&insert_sql([
                        "?1", "?2", "?3", "?4", "?5", "?6", "?7", "?8",
                    ]))?
                    .execute(params![
                        token.id,
                        token.user_id,
                        token.name,
                        token.token_hash,
                        token.scopes.to_string(),
                        to_micros(token.created_at),
                        token.expires_at.map(to_micros),
                        max,
                    ])?;
                Ok(done == 1)
            })
            .await
    }

    async fn access_token_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached("DELETE FROM access_tokens WHERE user_id = ?1 AND id = ?2")?
                    .execute(params![user_id, id])?;
                Ok(done > 0)
            })
            .await
    }

    async fn access_token_by_hash(&self, token_hash: [u8; 32]) -> StoreResult<Option<FoundToken>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&by_hash_sql("?1"))?
                    .query_row([&token_hash[..]], |r| {
                        Ok(FoundToken {
                            token: token_from(r)?,
                            email_lower: r.get(8)?,
                        })
                    })
                    .optional()?)
            })
            .await
    }

    async fn access_token_touch(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(&touch_sql("access_tokens", ["?1", "?2", "?3"]))?
                    .execute(params![id, to_micros(now), to_micros(since)])?;
                Ok(done == 1)
            })
            .await
    }
}
