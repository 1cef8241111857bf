//! Kept forms (issue 21): what the web app keeps for one read between a POST and the
//! page it redirects to, a refused form or one received after the session ended. Kept in
//! the database, so that any node can show what another node kept; readable once, only
//! by the browser (and the user) that sent it, for [`KEPT_FOR`].

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::store::{KeptStore, NewKept};

/// How long a kept form can be read.
pub const KEPT_FOR: Duration = Duration::from_secs(15 * 60);

/// The kept-form service.
#[derive(Clone)]
pub struct KeptForms {
    store: Arc<dyn KeptStore>,
}

fn digest(value: &str) -> [u8; 32] {
    Sha256::digest(value.as_bytes()).into()
}

impl KeptForms {
    /// The service over `store`.
    pub fn new(store: Arc<dyn KeptStore>) -> Self {
        Self { store }
    }

    /// Keeps `data` for the page `page` of the browser `browser` (a secret only it holds)
    /// and `user_id` (`None` when nobody is signed in); returns the random id to hand it
    /// back with.
    pub async fn keep(
        &self,
        browser: &str,
        user_id: Option<Uuid>,
        page: &str,
        data: String,
    ) -> AppResult<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|_| AppError::Internal("no randomness available".into()))?;
        let id = URL_SAFE_NO_PAD.encode(bytes);
        let now = OffsetDateTime::now_utc();
        let kept = NewKept {
            id: digest(&id),
            owner: digest(browser),
            user_id,
            page: page.to_owned(),
            data,
            expires: now + KEPT_FOR,
        };
        self.store.kept_put(kept, now).await?;
        Ok(id)
    }

    /// Takes the form `id` kept for `page` by `browser`: it belongs to `user_id`, or was
    /// kept when nobody was signed in. Read once; anyone else gets nothing.
    pub async fn take(
        &self,
        id: &str,
        browser: &str,
        user_id: Option<Uuid>,
        page: &str,
    ) -> AppResult<Option<String>> {
        let now = OffsetDateTime::now_utc();
        Ok(self
            .store
            .kept_take(digest(id), digest(browser), user_id, page, now)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::TempSqlite;

    #[tokio::test]
    async fn a_kept_form_is_read_once_by_its_browser_and_page_only() {
        let db = TempSqlite::open().await;
        let kept = KeptForms::new(db.store.clone());
        let id = kept
            .keep("browser-a", None, "/tasks", "typed".into())
            .await
            .expect("kept");
        let take = |browser: &'static str, page: &'static str| {
            let (kept, id) = (kept.clone(), id.clone());
            async move { kept.take(&id, browser, None, page).await.expect("take") }
        };
        assert_eq!(take("browser-b", "/tasks").await, None, "another browser");
        assert_eq!(take("browser-a", "/lists").await, None, "another page");
        assert_eq!(take("browser-a", "/tasks").await.as_deref(), Some("typed"));
        assert_eq!(take("browser-a", "/tasks").await, None, "read once");
        assert_eq!(
            kept.take("forged", "browser-a", None, "/tasks")
                .await
                .expect("take"),
            None
        );
    }
}
