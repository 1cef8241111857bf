//! Calendar feeds in SQLite.

use async_trait::async_trait;
use rusqlite::{OptionalExtension, Row, params};
use uuid::Uuid;

use super::SqliteStore;
use crate::calendars::model::Feed;
use crate::store::StoreResult;
use crate::store::feeds::{FEED_COLUMNS, FeedStore, insert_sql};
use crate::timestamp::{from_micros, to_micros};

fn feed_from(r: &Row<'_>) -> rusqlite::Result<Feed> {
    Ok(Feed {
        id: r.get(0)?,
        user_id: r.get(1)?,
        list_id: r.get(2)?,
        token_hash: r.get(3)?,
        created_at: from_micros(r.get(4)?),
    })
}

#[async_trait]
impl FeedStore for SqliteStore {
    async fn feeds_of(&self, user_id: Uuid) -> StoreResult<Vec<Feed>> {
        self.reader
            .read(move |c| {
                let sql = format!(
                    "SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE user_id = ?1 ORDER BY created_at, id"
                );
                Ok(c.prepare_cached(&sql)?
                    .query_map([user_id], feed_from)?
                    .collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    async fn feed_insert(&self, feed: &Feed, max: usize) -> StoreResult<bool> {
        let feed = feed.clone();
        let max = i64::try_from(max).unwrap_or(i64::MAX);
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached(&insert_sql(["?1", "?2", "?3", "?4", "?5", "?6"]))?
                    .execute(params![
                        feed.id,
                        feed.user_id,
                        feed.list_id,
                        feed.token_hash,
                        to_micros(feed.created_at),
                        max,
                    ])?;
                Ok(done == 1)
            })
            .await
    }

    async fn feed_delete(&self, user_id: Uuid, id: Uuid) -> StoreResult<bool> {
        self.writer
            .run(move |c| {
                let done = c
                    .prepare_cached("DELETE FROM calendar_feeds WHERE user_id = ?1 AND id = ?2")?
                    .execute(params![user_id, id])?;
                Ok(done > 0)
            })
            .await
    }

    async fn feed_by_token(&self, token_hash: [u8; 32]) -> StoreResult<Option<Feed>> {
        self.reader
            .read(move |c| {
                let sql =
                    format!("SELECT {FEED_COLUMNS} FROM calendar_feeds WHERE token_hash = ?1");
                Ok(c.prepare_cached(&sql)?
                    .query_row([&token_hash[..]], feed_from)
                    .optional()?)
            })
            .await
    }
}
