//! The links mailed for account recovery, in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use time::OffsetDateTime;

use super::SqliteStore;
use crate::store::StoreResult;
use crate::store::account_tokens::{
    AccountToken, AccountTokenStore, TokenPurpose, insert_sql, live_sql,
};
use crate::timestamp::{from_micros, to_micros};

fn token_from(r: &Row<'_>) -> rusqlite::Result<Option<AccountToken>> {
    let purpose: String = r.get(2)?;
    let Some(purpose) = TokenPurpose::from_stored(&purpose) else {
        return Ok(None);
    };
    Ok(Some(AccountToken {
        token_hash: r.get(0)?,
        user_id: r.get(1)?,
        purpose,
        email: r.get(3)?,
        created_at: from_micros(r.get(4)?),
        expires_at: from_micros(r.get(5)?),
    }))
}

#[async_trait]
impl AccountTokenStore for SqliteStore {
    async fn account_token_insert(&self, token: &AccountToken) -> StoreResult<()> {
        let t = token.clone();
        self.writer
            .run(move |c| {
                let tx = c.savepoint()?;
                let [expired, earlier, insert] = insert_sql('?');
                let created = to_micros(t.created_at);
                tx.prepare_cached(&expired)?.execute([created])?;
                tx.prepare_cached(&earlier)?
                    .execute(params![t.user_id, t.purpose.as_str()])?;
                tx.prepare_cached(&insert)?.execute(params![
                    &t.token_hash[..],
                    t.user_id,
                    t.purpose.as_str(),
                    t.email,
                    created,
                    to_micros(t.expires_at)
                ])?;
                tx.commit()?;
                Ok(())
            })
            .await
    }

    async fn account_token_live(
        &self,
        token_hash: [u8; 32],
        purpose: TokenPurpose,
        now: OffsetDateTime,
        take: bool,
    ) -> StoreResult<Option<AccountToken>> {
        let sql = live_sql(take, '?');
        let op = move |c: &rusqlite::Connection| -> StoreResult<Option<AccountToken>> {
            Ok(c.prepare_cached(&sql)?
                .query_row(
                    params![&token_hash[..], purpose.as_str(), to_micros(now)],
                    token_from,
                )
                .optional()?
                .flatten())
        };
        if take {
            self.writer.run(move |c| op(c)).await
        } else {
            self.reader.read(op).await
        }
    }
}
