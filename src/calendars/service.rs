//! The feed service: a user's feeds (made with a random token shown once, kept as its
//! SHA-256), and a feed's body for whoever holds its token.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::feed::FeedBody;
use super::model::{Feed, MAX_FEEDS};
use crate::error::{AppError, AppResult, FieldError};
use crate::store::{FeedStore, ListStore, TaskStore, UserStore};
use crate::tasks::model::Task;
use crate::tasks::order::{Sort, Status};
use crate::tasks::query::{Cursor, ListQuery, MAX_LIMIT};
use crate::timestamp::now;

/// The random bytes of a token (256 bits), and the length of its base64url form.
const TOKEN_BYTES: usize = 32;
const TOKEN_LEN: usize = 43;

/// The most tasks one feed reads (pages of [`MAX_LIMIT`]).
const MAX_TASKS: usize = 5000;

/// A feed's body and its entity tag.
#[derive(Debug, Clone)]
pub struct Published {
    /// The `VCALENDAR`.
    pub body: String,
    /// A strong `ETag`: a hash of the body, so it changes exactly when the body does.
    pub etag: String,
}

/// The feeds of every user.
#[derive(Clone)]
pub struct Feeds {
    store: Arc<dyn FeedStore>,
    tasks: Arc<dyn TaskStore>,
    lists: Arc<dyn ListStore>,
    users: Arc<dyn UserStore>,
    public_url: Option<url::Url>,
}

/// A strong entity tag of a calendar body: a hash of it, so that it changes exactly when
/// the body does.
pub fn etag_of(body: &str) -> String {
    let digest = Sha256::digest(body.as_bytes());
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(&digest[..18]))
}

fn hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

fn no_list() -> AppError {
    AppError::NotFound("there is no list with this id".into())
}

impl Feeds {
    /// The service over the stores; task links in feeds start with `public_url`.
    pub fn new(
        store: Arc<dyn FeedStore>,
        tasks: Arc<dyn TaskStore>,
        lists: Arc<dyn ListStore>,
        users: Arc<dyn UserStore>,
        public_url: Option<url::Url>,
    ) -> Self {
        Self {
            store,
            tasks,
            lists,
            users,
            public_url,
        }
    }

    /// The feeds of `user_id`, oldest first.
    pub async fn all(&self, user_id: Uuid) -> AppResult<Vec<Feed>> {
        Ok(self.store.feeds_of(user_id).await?)
    }

    /// Makes a feed of list `list_id` (`404` when the user does not see it) or of all
    /// their lists; `422` when they have [`MAX_FEEDS`]. The token is in the result, the
    /// only time it is known.
    pub async fn create(&self, user_id: Uuid, list_id: Option<Uuid>) -> AppResult<(Feed, String)> {
        if let Some(id) = list_id {
            self.lists
                .list_get(user_id, id)
                .await?
                .ok_or_else(no_list)?;
        }
        let mut key = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut key)
            .map_err(|e| AppError::Internal(format!("no randomness for a feed token: {e}")))?;
        let token = URL_SAFE_NO_PAD.encode(key);
        let feed = Feed {
            id: Uuid::now_v7(),
            user_id,
            list_id,
            token_hash: hash(&token),
            created_at: now(),
        };
        if !self.store.feed_insert(&feed, MAX_FEEDS).await? {
            return Err(FieldError::new(
                "list_id",
                format!("you have {MAX_FEEDS} feeds already: delete one first"),
            )
            .into());
        }
        Ok((feed, token))
    }

    /// Deletes feed `id` of `user_id`: its URL is `404` from now on.
    pub async fn delete(&self, user_id: Uuid, id: Uuid) -> AppResult<()> {
        if self.store.feed_delete(user_id, id).await? {
            Ok(())
        } else {
            Err(AppError::NotFound("there is no feed with this id".into()))
        }
    }

    /// The body of the feed whose token is `token`; `None` for a token that names no
    /// feed (or is not one).
    pub async fn publish(&self, token: &str) -> AppResult<Option<Published>> {
        if token.len() != TOKEN_LEN
            || !token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Ok(None);
        }
        let Some(feed) = self.store.feed_by_token(hash(token)).await? else {
            return Ok(None);
        };
        let zone = self
            .users
            .user_by_id(feed.user_id)
            .await?
            .map_or_else(|| "UTC".to_owned(), |u| u.timezone);
        let name = match feed.list_id {
            Some(id) => match self.lists.list_get(feed.user_id, id).await? {
                Some(list) => format!("Taskward: {}", list.name),
                None => "Taskward".to_owned(),
            },
            None => "Taskward".to_owned(),
        };
        let tasks = self.pending(&feed).await?;
        let body = FeedBody {
            name: &name,
            zone: &zone,
            tasks: &tasks,
            public_url: self.public_url.as_ref(),
        }
        .render();
        let etag = etag_of(&body);
        Ok(Some(Published { body, etag }))
    }

    /// The pending tasks of the feed's list (or of every list its user sees), page by
    /// page; none when the user no longer sees the list.
    async fn pending(&self, feed: &Feed) -> AppResult<Vec<Task>> {
        let sort = Sort::default();
        let mut query = ListQuery {
            list: feed.list_id,
            status: Status::Pending,
            sort,
            limit: MAX_LIMIT,
            ..ListQuery::default()
        };
        let mut all = Vec::new();
        loop {
            let Some((mut page, _)) = self.tasks.task_list(feed.user_id, &query).await? else {
                return Ok(Vec::new());
            };
            let more = page.len() > MAX_LIMIT as usize;
            page.truncate(MAX_LIMIT as usize);
            query.cursor = page.last().map(|t| Cursor::after(t, sort));
            all.extend(page);
            if !more || all.len() >= MAX_TASKS {
                return Ok(all);
            }
        }
    }
}

impl Feeds {
    /// The URL of the feed with `token`: under `PUBLIC_URL`, else under `http://` and the
    /// `Host` the request came to.
    pub fn url(&self, host: Option<&str>, token: &str) -> String {
        self.address(host, &format!("feeds/{token}.ics"))
    }

    /// The absolute address of `path` (relative, no leading slash) on this server: under
    /// `PUBLIC_URL` when set, else on the request's `Host`.
    pub fn address(&self, host: Option<&str>, path: &str) -> String {
        self.public_url
            .as_ref()
            .and_then(|u| u.join(path).ok())
            .map_or_else(
                || format!("http://{}/{path}", host.unwrap_or("localhost")),
                |u| u.to_string(),
            )
    }
}
