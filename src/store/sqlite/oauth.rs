//! OAuth clients, codes, grants and tokens in SQLite.

use async_trait::async_trait;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;
use uuid::Uuid;

use super::SqliteStore;
use crate::auth::pat::Scopes;
use crate::oauth::model::{CodeRecord, Grant, OAuthClient, TokenRecord};
use crate::store::StoreResult;
use crate::store::access_tokens::touch_sql;
use crate::store::oauth::{
    CodeTake, GRANT_COLUMNS, GrantListed, OAuthStore, RefreshTake, access_sql, code_take_sql,
    grants_of_sql, refresh_take_sql, revoke_by_token_sql, sweep_sql,
};
use crate::timestamp::{from_micros, to_micros};

fn grant_from(r: &Row<'_>) -> rusqlite::Result<Grant> {
    let scopes: String = r.get(3)?;
    Ok(Grant {
        id: r.get(0)?,
        user_id: r.get(1)?,
        client_id: r.get(2)?,
        scopes: Scopes::from_stored(&scopes),
        created_at: from_micros(r.get(4)?),
        last_used_at: r.get::<_, Option<i64>>(5)?.map(from_micros),
    })
}

fn code_from(r: &Row<'_>) -> rusqlite::Result<CodeRecord> {
    let scopes: String = r.get(3)?;
    Ok(CodeRecord {
        code_hash: r.get(0)?,
        client_id: r.get(1)?,
        user_id: r.get(2)?,
        scopes: Scopes::from_stored(&scopes),
        redirect_uri: r.get(4)?,
        code_challenge: r.get(5)?,
        expires_at: from_micros(r.get(6)?),
    })
}

fn insert_tokens(c: &Connection, tokens: &[TokenRecord], grant: Uuid) -> rusqlite::Result<()> {
    let mut insert = c.prepare_cached(
        "INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for t in tokens {
        insert.execute(params![
            &t.token_hash[..],
            grant,
            t.kind.as_str(),
            to_micros(t.expires_at)
        ])?;
    }
    Ok(())
}

#[async_trait]
impl OAuthStore for SqliteStore {
    async fn oauth_client_insert(&self, client: &OAuthClient) -> StoreResult<()> {
        let (id, name, uris, at) = (
            client.id,
            client.name.clone(),
            client.stored_uris(),
            to_micros(client.created_at),
        );
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO oauth_clients (id, name, redirect_uris, created_at) VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![id, name, uris, at])?;
                Ok(())
            })
            .await
    }

    async fn oauth_client(&self, id: Uuid) -> StoreResult<Option<OAuthClient>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(
                    "SELECT id, name, redirect_uris, created_at FROM oauth_clients WHERE id = ?1",
                )?
                .query_row([id], |r| {
                    let uris: String = r.get(2)?;
                    Ok(OAuthClient {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        redirect_uris: OAuthClient::uris_from_stored(&uris),
                        created_at: from_micros(r.get(3)?),
                    })
                })
                .optional()?)
            })
            .await
    }

    async fn oauth_code_insert(&self, code: &CodeRecord) -> StoreResult<()> {
        let code = code.clone();
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO oauth_codes (code_hash, client_id, user_id, scopes, redirect_uri,
                         code_challenge, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                )?
                .execute(params![
                    &code.code_hash[..],
                    code.client_id,
                    code.user_id,
                    code.scopes.to_string(),
                    code.redirect_uri,
                    code.code_challenge,
                    to_micros(code.expires_at),
                ])?;
                Ok(())
            })
            .await
    }

    async fn oauth_code_take(
        &self,
        code_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<CodeTake> {
        self.writer
            .run(move |c| {
                let fresh = c
                    .prepare_cached(&code_take_sql(["?1", "?2"]))?
                    .query_row(params![&code_hash[..], to_micros(now)], code_from)
                    .optional()?;
                if let Some(code) = fresh {
                    return Ok(CodeTake::Fresh(code));
                }
                let used: Option<Option<Uuid>> = c
                    .prepare_cached("SELECT grant_id FROM oauth_codes WHERE code_hash = ?1")?
                    .query_row([&code_hash[..]], |r| r.get(0))
                    .optional()?;
                Ok(used.map_or(CodeTake::Unknown, CodeTake::Replayed))
            })
            .await
    }

    async fn oauth_grant_start(
        &self,
        grant: &Grant,
        code_hash: [u8; 32],
        tokens: &[TokenRecord],
    ) -> StoreResult<()> {
        let (grant, tokens) = (grant.clone(), tokens.to_vec());
        self.writer
            .run(move |c| {
                c.prepare_cached(
                    "INSERT INTO oauth_grants (id, user_id, client_id, scopes, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![
                    grant.id,
                    grant.user_id,
                    grant.client_id,
                    grant.scopes.to_string(),
                    to_micros(grant.created_at),
                ])?;
                c.prepare_cached("UPDATE oauth_codes SET grant_id = ?1 WHERE code_hash = ?2")?
                    .execute(params![grant.id, &code_hash[..]])?;
                insert_tokens(c, &tokens, grant.id)?;
                Ok(())
            })
            .await
    }

    async fn oauth_refresh_take(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
        tokens: &[TokenRecord],
    ) -> StoreResult<RefreshTake> {
        let tokens = tokens.to_vec();
        self.writer
            .run(move |c| {
                let at = to_micros(now);
                let spent: Option<Uuid> = c
                    .prepare_cached(&refresh_take_sql(["?1", "?2"]))?
                    .query_row(params![&token_hash[..], at], |r| r.get(0))
                    .optional()?;
                let Some(grant_id) = spent else {
                    let reused: Option<Uuid> = c
                        .prepare_cached(
                            "SELECT grant_id FROM oauth_tokens
                             WHERE token_hash = ?1 AND kind = 'refresh' AND used_at IS NOT NULL",
                        )?
                        .query_row([&token_hash[..]], |r| r.get(0))
                        .optional()?;
                    return Ok(reused.map_or(RefreshTake::Unknown, RefreshTake::Reused));
                };
                let sql = format!("SELECT {GRANT_COLUMNS} FROM oauth_grants g WHERE g.id = ?1");
                let grant = c.prepare_cached(&sql)?.query_row([grant_id], grant_from)?;
                insert_tokens(c, &tokens, grant_id)?;
                Ok(RefreshTake::Rotated(grant))
            })
            .await
    }

    async fn oauth_access(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<Option<Grant>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&access_sql(["?1", "?2"]))?
                    .query_row(params![&token_hash[..], to_micros(now)], grant_from)
                    .optional()?)
            })
            .await
    }

    async fn oauth_grant_touch(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(&touch_sql("oauth_grants", ["?1", "?2", "?3"]))?
                    .execute(params![id, to_micros(now), to_micros(since)])?;
                Ok(done == 1)
            })
            .await
    }

    async fn oauth_grants_of(&self, user_id: Uuid) -> StoreResult<Vec<GrantListed>> {
        self.reader
            .read(move |c| {
                Ok(c.prepare_cached(&grants_of_sql("?1"))?
                    .query_map([user_id], |r| {
                        Ok(GrantListed {
                            grant: grant_from(r)?,
                            client_name: r.get(6)?,
                        })
                    })?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    async fn oauth_grant_delete(&self, user_id: Option<Uuid>, id: Uuid) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(
                        "DELETE FROM oauth_grants WHERE id = ?1 AND (?2 IS NULL OR user_id = ?2)",
                    )?
                    .execute(params![id, user_id])?;
                Ok(done > 0)
            })
            .await
    }

    async fn oauth_revoke_by_token(
        &self,
        token_hash: [u8; 32],
        client_id: Uuid,
    ) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(&revoke_by_token_sql(["?1", "?2"]))?
                    .execute(params![&token_hash[..], client_id])?;
                Ok(done > 0)
            })
            .await
    }

    async fn oauth_sweep(
        &self,
        now: OffsetDateTime,
        idle_before: OffsetDateTime,
    ) -> StoreResult<u64> {
        self.writer
            .run(move |c| {
                let [tokens, codes, clients] = sweep_sql("?1", "?1");
                let mut gone = 0;
                gone += c.prepare_cached(&tokens)?.execute([to_micros(now)])?;
                gone += c.prepare_cached(&codes)?.execute([to_micros(now)])?;
                gone += c
                    .prepare_cached(&clients)?
                    .execute([to_micros(idle_before)])?;
                Ok(u64::try_from(gone).unwrap_or(u64::MAX))
            })
            .await
    }
}
