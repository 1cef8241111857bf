//! The list service's rules against a real SQLite store.

use std::time::Duration;

use super::*;
use crate::lists::model::Role;
use crate::store::{NewUser, TempSqlite};

struct Fixture {
    db: TempSqlite,
    lists: Lists,
}

async fn fixture() -> Fixture {
    let db = TempSqlite::open().await;
    let lists = Lists::new(Arc::clone(&db.store) as _);
    Fixture { db, lists }
}

impl Fixture {
    async fn account(&self, email: &str) -> Uuid {
        let user = NewUser {
            id: Uuid::now_v7(),
            email: email.into(),
            email_lower: email.into(),
            name: "n".into(),
            password_hash: "!".into(),
            created_at: now(),
        };
        self.db.store.user_insert(&user).await.expect("account");
        user.id
    }

    /// Shares `list_id` with `user_id` as the sharing step will (no service for it yet).
    fn share(&self, list_id: Uuid, email: &str, user_id: Uuid, role: &str) {
        let conn = rusqlite::Connection::open(&self.db.path).expect("open");
        conn.busy_timeout(Duration::from_secs(5))
            .expect("busy timeout");
        conn.execute(
            "INSERT INTO list_members (list_id, email_lower, user_id, role, created_at)
             VALUES (?1, ?2, ?3, ?4, 0)",
            rusqlite::params![list_id, email, user_id, role],
        )
        .expect("member");
    }
}

fn name(n: &str) -> ListName {
    ListName::parse(n).expect("name")
}

fn status(e: &AppError) -> &'static str {
    match e {
        AppError::NotFound(_) => "404",
        AppError::Forbidden(_) => "403",
        AppError::PreconditionFailed(_) => "412",
        AppError::Validation(_) => "422",
        _ => "other",
    }
}

#[tokio::test]
async fn new_lists_go_after_the_owners_others() {
    let f = fixture().await;
    let ada = f.account("ada@example.com").await;
    let work = f
        .lists
        .create(ada, name(" Work "), None)
        .await
        .expect("create");
    let color = ListColor::parse("#AABBCC").expect("colour");
    let home = f
        .lists
        .create(ada, name("Home"), Some(color))
        .await
        .expect("create");
    assert_eq!(
        (work.position, home.position),
        (1, 2),
        "after the inbox at 0"
    );
    assert_eq!((work.name.as_str(), work.role), ("Work", Role::Owner));
    assert_eq!(home.color.as_deref(), Some("#aabbcc"));
    let names: Vec<String> = f
        .lists
        .all(ada)
        .await
        .expect("all")
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert_eq!(names, ["Inbox", "Work", "Home"]);
}

#[tokio::test]
async fn only_the_owner_changes_or_deletes_and_strangers_see_nothing() {
    let f = fixture().await;
    let ada = f.account("ada@example.com").await;
    let bob = f.account("bob@example.com").await;
    let eve = f.account("eve@example.com").await;
    let list = f
        .lists
        .create(ada, name("Groceries"), None)
        .await
        .expect("create");
    f.share(list.id, "bob@example.com", bob, "editor");
    let rename = ListChange {
        name: Some(name("Shopping")),
        ..ListChange::default()
    };
    let as_bob = f.lists.change(bob, list.id, &rename, None).await;
    assert_eq!(
        as_bob.as_ref().map_err(status).err(),
        Some("403"),
        "an editor"
    );
    let as_eve = f.lists.change(eve, list.id, &rename, None).await;
    assert_eq!(
        as_eve.as_ref().map_err(status).err(),
        Some("404"),
        "a stranger"
    );
    assert_eq!(
        f.lists
            .get(eve, list.id)
            .await
            .map_err(|e| status(&e))
            .err(),
        Some("404")
    );
    assert_eq!(
        f.lists
            .delete(bob, list.id)
            .await
            .map_err(|e| status(&e))
            .err(),
        Some("403")
    );
    assert_eq!(
        f.lists
            .delete(eve, list.id)
            .await
            .map_err(|e| status(&e))
            .err(),
        Some("404")
    );

    let stale = Precondition::Versions(vec![list.version + 5]);
    let res = f.lists.change(ada, list.id, &rename, Some(&stale)).await;
    assert_eq!(res.map_err(|e| status(&e)).err(), Some("412"));
    let fresh = Precondition::Versions(vec![list.version]);
    let renamed = f
        .lists
        .change(ada, list.id, &rename, Some(&fresh))
        .await
        .expect("rename");
    assert_eq!(
        (renamed.name.as_str(), renamed.version),
        ("Shopping", list.version + 1)
    );
    let unchanged = f
        .lists
        .change(ada, list.id, &rename, None)
        .await
        .expect("same");
    assert_eq!(
        unchanged.version, renamed.version,
        "nothing to change: not rewritten"
    );
    assert_eq!(
        f.lists.get(bob, list.id).await.expect("shared").name,
        "Shopping"
    );

    f.lists.delete(ada, list.id).await.expect("delete");
    assert_eq!(
        f.lists
            .get(ada, list.id)
            .await
            .map_err(|e| status(&e))
            .err(),
        Some("404")
    );
}

#[tokio::test]
async fn the_inbox_is_neither_archived_nor_deleted() {
    let f = fixture().await;
    let ada = f.account("ada@example.com").await;
    let archive = ListChange {
        archived: Some(true),
        ..ListChange::default()
    };
    let res = f.lists.change(ada, ada, &archive, None).await;
    assert_eq!(res.map_err(|e| status(&e)).err(), Some("422"));
    assert_eq!(
        f.lists.delete(ada, ada).await.map_err(|e| status(&e)).err(),
        Some("422")
    );
    let recolour = ListChange {
        color: Some(Some(ListColor::parse("#112233").expect("colour"))),
        ..ListChange::default()
    };
    let inbox = f
        .lists
        .change(ada, ada, &recolour, None)
        .await
        .expect("recolour");
    assert_eq!(
        (inbox.is_inbox, inbox.color.as_deref()),
        (true, Some("#112233"))
    );
}
