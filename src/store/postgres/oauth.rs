//! OAuth clients, codes, grants and tokens in PostgreSQL.

use async_trait::async_trait;
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::PgStore;
use crate::auth::pat::Scopes;
use crate::oauth::model::{CodeRecord, Grant, OAuthClient, TokenRecord};
use crate::store::StoreResult;
use crate::store::access_tokens::touch_sql;
use crate::store::oauth::{
    CodeTake, GRANT_COLUMNS, GrantListed, OAuthStore, RefreshTake, access_sql, code_take_sql,
    grants_of_sql, refresh_take_sql, revoke_by_token_sql, sweep_sql,
};

fn grant_from(r: &PgRow) -> Result<Grant, sqlx::Error> {
    let scopes: String = r.try_get("scopes")?;
    Ok(Grant {
        id: r.try_get("id")?,
        user_id: r.try_get("user_id")?,
        client_id: r.try_get("client_id")?,
        scopes: Scopes::from_stored(&scopes),
        created_at: r.try_get("created_at")?,
        last_used_at: r.try_get("last_used_at")?,
    })
}

fn hash_of(r: &PgRow, column: &str) -> Result<[u8; 32], sqlx::Error> {
    let bytes: Vec<u8> = r.try_get(column)?;
    bytes.try_into().map_err(|_| sqlx::Error::ColumnDecode {
        index: column.to_owned(),
        source: "a hash of other than 32 bytes".into(),
    })
}

fn code_from(r: &PgRow) -> Result<CodeRecord, sqlx::Error> {
    let scopes: String = r.try_get("scopes")?;
    Ok(CodeRecord {
        code_hash: hash_of(r, "code_hash")?,
        client_id: r.try_get("client_id")?,
        user_id: r.try_get("user_id")?,
        scopes: Scopes::from_stored(&scopes),
        redirect_uri: r.try_get("redirect_uri")?,
        code_challenge: r.try_get("code_challenge")?,
        expires_at: r.try_get("expires_at")?,
    })
}

async fn insert_tokens(
    c: &mut PgConnection,
    tokens: &[TokenRecord],
    grant: Uuid,
) -> Result<(), sqlx::Error> {
    for t in tokens {
        sqlx::query(
            "INSERT INTO oauth_tokens (token_hash, grant_id, kind, expires_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(&t.token_hash[..])
        .bind(grant)
        .bind(t.kind.as_str())
        .bind(t.expires_at)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

#[async_trait]
impl OAuthStore for PgStore {
    async fn oauth_client_insert(&self, client: &OAuthClient) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oauth_clients (id, name, redirect_uris, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(client.id)
        .bind(&client.name)
        .bind(client.stored_uris())
        .bind(client.created_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn oauth_client(&self, id: Uuid) -> StoreResult<Option<OAuthClient>> {
        let row = sqlx::query(
            "SELECT id, name, redirect_uris, created_at FROM oauth_clients WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let uris: String = r.try_get("redirect_uris")?;
        Ok(Some(OAuthClient {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            redirect_uris: OAuthClient::uris_from_stored(&uris),
            created_at: r.try_get("created_at")?,
        }))
    }

    async fn oauth_code_insert(&self, code: &CodeRecord) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO oauth_codes (code_hash, client_id, user_id, scopes, redirect_uri,
                 code_challenge, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&code.code_hash[..])
        .bind(code.client_id)
        .bind(code.user_id)
        .bind(code.scopes.to_string())
        .bind(&code.redirect_uri)
        .bind(&code.code_challenge)
        .bind(code.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn oauth_code_take(
        &self,
        code_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<CodeTake> {
        let fresh = sqlx::query(AssertSqlSafe(code_take_sql(["$1", "$2"])))
            .bind(&code_hash[..])
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        if let Some(row) = fresh {
            return Ok(CodeTake::Fresh(code_from(&row)?));
        }
        let used = sqlx::query("SELECT grant_id FROM oauth_codes WHERE code_hash = $1")
            .bind(&code_hash[..])
            .fetch_optional(&self.pool)
            .await?;
        Ok(match used {
            Some(row) => CodeTake::Replayed(row.try_get("grant_id")?),
            None => CodeTake::Unknown,
        })
    }

    async fn oauth_grant_start(
        &self,
        grant: &Grant,
        code_hash: [u8; 32],
        tokens: &[TokenRecord],
    ) -> StoreResult<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query(
            "INSERT INTO oauth_grants (id, user_id, client_id, scopes, created_at)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(grant.id)
        .bind(grant.user_id)
        .bind(grant.client_id)
        .bind(grant.scopes.to_string())
        .bind(grant.created_at)
        .execute(&mut *tx)
        .await?;
        sqlx::query("UPDATE oauth_codes SET grant_id = $1 WHERE code_hash = $2")
            .bind(grant.id)
            .bind(&code_hash[..])
            .execute(&mut *tx)
            .await?;
        insert_tokens(&mut tx, tokens, grant.id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn oauth_refresh_take(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
        tokens: &[TokenRecord],
    ) -> StoreResult<RefreshTake> {
        let mut tx = self.pool.begin().await?;
        let spent = sqlx::query(AssertSqlSafe(refresh_take_sql(["$1", "$2"])))
            .bind(&token_hash[..])
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(spent) = spent else {
            let reused = sqlx::query(
                "SELECT grant_id FROM oauth_tokens
                 WHERE token_hash = $1 AND kind = 'refresh' AND used_at IS NOT NULL",
            )
            .bind(&token_hash[..])
            .fetch_optional(&mut *tx)
            .await?;
            tx.commit().await?;
            return Ok(match reused {
                Some(row) => RefreshTake::Reused(row.try_get("grant_id")?),
                None => RefreshTake::Unknown,
            });
        };
        let grant_id: Uuid = spent.try_get("grant_id")?;
        let grant = sqlx::query(AssertSqlSafe(format!(
            "SELECT {GRANT_COLUMNS} FROM oauth_grants g WHERE g.id = $1"
        )))
        .bind(grant_id)
        .fetch_one(&mut *tx)
        .await?;
        let grant = grant_from(&grant)?;
        insert_tokens(&mut tx, tokens, grant_id).await?;
        tx.commit().await?;
        Ok(RefreshTake::Rotated(grant))
    }

    async fn oauth_access(
        &self,
        token_hash: [u8; 32],
        now: OffsetDateTime,
    ) -> StoreResult<Option<Grant>> {
        let row = sqlx::query(AssertSqlSafe(access_sql(["$1", "$2"])))
            .bind(&token_hash[..])
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.as_ref().map(grant_from).transpose()?)
    }

    async fn oauth_grant_touch(
        &self,
        id: Uuid,
        now: OffsetDateTime,
        since: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = sqlx::query(AssertSqlSafe(touch_sql("oauth_grants", ["$1", "$2", "$3"])))
            .bind(id)
            .bind(now)
            .bind(since)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn oauth_grants_of(&self, user_id: Uuid) -> StoreResult<Vec<GrantListed>> {
        let rows = sqlx::query(AssertSqlSafe(grants_of_sql("$1")))
            .bind(user_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                Ok(GrantListed {
                    grant: grant_from(r)?,
                    client_name: r.try_get("name")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?)
    }

    async fn oauth_grant_delete(&self, user_id: Option<Uuid>, id: Uuid) -> StoreResult<bool> {
        let done = sqlx::query(
            "DELETE FROM oauth_grants WHERE id = $1 AND ($2::uuid IS NULL OR user_id = $2)",
        )
        .bind(id)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn oauth_revoke_by_token(
        &self,
        token_hash: [u8; 32],
        client_id: Uuid,
    ) -> StoreResult<bool> {
        let done = sqlx::query(AssertSqlSafe(revoke_by_token_sql(["$1", "$2"])))
            .bind(&token_hash[..])
            .bind(client_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn oauth_sweep(
        &self,
        now: OffsetDateTime,
        idle_before: OffsetDateTime,
    ) -> StoreResult<u64> {
        let mut gone = 0;
        for (sql, at) in sweep_sql("$1", "$1")
            .into_iter()
            .zip([now, now, idle_before])
        {
            gone += sqlx::query(AssertSqlSafe(sql))
                .bind(at)
                .execute(&self.pool)
                .await?
                .rows_affected();
        }
        Ok(gone)
    }
}
