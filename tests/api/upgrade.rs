//! Upgrading a database made before lists (migration 0005): users and tasks written at the
//! schema before it keep every task, id and field the body and ETag come from, each task
//! lands in its creator's inbox, and the store works on at once.

use std::borrow::Cow;

use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use taskward::lists::model::Role;
use taskward::store::{NewUser, Store};
use taskward::tasks::model::{Priority, Task};
use taskward::tasks::query::ListQuery;

use crate::helpers::TestDb;
use crate::on_both_databases;

/// The last migration before lists.
const BEFORE_LISTS: i64 = 4;

fn migrator(dir: &str) -> sqlx::migrate::Migrator {
    let mut m = match dir {
        "sqlite" => sqlx::migrate!("migrations/sqlite"),
        _ => sqlx::migrate!("migrations/postgres"),
    };
    m.migrations = Cow::Owned(
        m.migrations
            .iter()
            .filter(|x| x.version <= BEFORE_LISTS)
            .cloned()
            .collect(),
    );
    m
}

fn users() -> [(Uuid, &'static str); 2] {
    [
        (
            Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0001),
            "ada@example.com",
        ),
        (
            Uuid::from_u128(0x0193_0000_0000_7000_8000_0000_0000_0002),
            "bob@example.com",
        ),
    ]
}

fn tasks() -> Vec<Task> {
    let [(ada, _), (bob, _)] = users();
    let task = |n: u128, user_id, title: &str, completed, version| Task {
        id: Uuid::from_u128(0x0193_1111_0000_7000_8000_0000_0000_0000 + n),
        user_id,
        list_id: user_id,
        title: title.into(),
        description: format!("about {title}"),
        completed,
        priority: if completed {
            Priority::High
        } else {
            Priority::Low
        },
        due_at: completed.then_some(datetime!(2026-12-24 18:30:00.123456 UTC)),
        // The upgrade gives every timed due its key.
        due_date: None,
        due_key: completed.then_some(datetime!(2026-12-24 18:30:00.123456 UTC)),
        tags: if completed {
            vec!["home".into(), "urgent".into()]
        } else {
            vec![]
        },
        recurrence: None,
        reminders: taskward::tasks::reminders::Reminders::default(),
        created_at: datetime!(2026-01-02 03:04:05.000001 UTC),
        updated_at: datetime!(2026-02-03 04:05:06.654321 UTC),
        completed_at: completed.then_some(datetime!(2026-02-03 04:05:06.654321 UTC)),
        version,
        dav: Default::default(),
    };
    vec![
        task(1, ada, "Buy oat milk", false, 1),
        task(2, ada, "Pay the rent", true, 7),
        task(3, bob, "Fix the bike", true, 3),
    ]
}

/// The rows of [`users`] and [`tasks`] as SQL of the schema before lists.
fn seed_sql(sqlite: bool) -> String {
    let id = |u: Uuid| {
        if sqlite {
            format!("X'{}'", u.simple())
        } else {
            format!("'{u}'")
        }
    };
    let at = |t: OffsetDateTime| {
        if sqlite {
            (t.unix_timestamp_nanos() / 1000).to_string()
        } else {
            let micros = t.unix_timestamp_nanos() / 1000;
            format!("to_timestamp({micros}::float8 / 1000000)")
        }
    };
    let opt = |t: Option<OffsetDateTime>| t.map_or("NULL".to_owned(), at);
    let mut sql = String::new();
    for (uid, email) in users() {
        let now = at(datetime!(2026-01-01 00:00:00 UTC));
        sql += &format!(
            "INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at)
             VALUES ({}, '{email}', '{email}', 'n', '!', {now}, {now});\n",
            id(uid)
        );
    }
    for t in tasks() {
        let tags = if sqlite {
            format!("'{}'", serde_json::to_string(&t.tags).expect("json"))
        } else {
            let quoted: Vec<String> = t.tags.iter().map(|g| format!("'{g}'")).collect();
            format!("ARRAY[{}]::text[]", quoted.join(","))
        };
        let completed = if sqlite {
            u8::from(t.completed).to_string()
        } else {
            t.completed.to_string()
        };
        sql += &format!(
            "INSERT INTO tasks (id, user_id, title, description, title_lower, description_lower,
                 completed, priority, due_at, tags, created_at, updated_at, completed_at, version)
             VALUES ({}, {}, '{}', '{}', '{}', '{}', {completed}, {}, {}, {tags}, {}, {}, {}, {});\n",
            id(t.id),
            id(t.user_id),
            t.title,
            t.description,
            t.title.to_lowercase(),
            t.description.to_lowercase(),
            t.priority.rank(),
            opt(t.due_at),
            at(t.created_at),
            at(t.updated_at),
            opt(t.completed_at),
            t.version
        );
        for tag in &t.tags {
            sql += &format!(
                "INSERT INTO task_tags (user_id, tag, task_id) VALUES ({}, '{tag}', {});\n",
                id(t.user_id),
                id(t.id)
            );
        }
    }
    sql
}

/// The database at the schema before lists, with the seed.
async fn database_before_lists(db: &TestDb) {
    if db.url.starts_with("sqlite") {
        let options: sqlx::sqlite::SqliteConnectOptions = db
            .url
            .parse::<sqlx::sqlite::SqliteConnectOptions>()
            .expect("url")
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(options)
            .await
            .expect("sqlite");
        migrator("sqlite")
            .run(&pool)
            .await
            .expect("migrate to 0004");
        sqlx::raw_sql(sqlx::AssertSqlSafe(seed_sql(true)))
            .execute(&pool)
            .await
            .expect("seed");
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        migrator("postgres")
            .run(&pool)
            .await
            .expect("migrate to 0004");
        sqlx::raw_sql(sqlx::AssertSqlSafe(seed_sql(false)))
            .execute(&pool)
            .await
            .expect("seed");
        pool.close().await;
    }
}

/// `(task id, list id, the list's owner, whether it is an inbox)` of every task.
async fn placement(db: &TestDb) -> Vec<(Uuid, Uuid, Uuid, bool)> {
    let sql = "SELECT t.id, t.list_id, l.owner_id, l.is_inbox FROM tasks t
               JOIN lists l ON l.id = t.list_id ORDER BY t.id";
    if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let rows: Vec<(Uuid, Uuid, Uuid, bool)> = sqlx::query_as(sql)
            .fetch_all(&pool)
            .await
            .expect("placement");
        pool.close().await;
        rows
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let rows = sqlx::query_as(sql)
            .fetch_all(&pool)
            .await
            .expect("placement");
        pool.close().await;
        rows
    }
}

async fn a_database_from_before_lists_keeps_every_task_and_puts_it_in_the_inbox(db: TestDb) {
    database_before_lists(&db).await;
    let store = db.open_store().await;
    for task in tasks() {
        let stored = store
            .task_get(task.user_id, task.id)
            .await
            .expect("read")
            .map(|(task, _)| task);
        assert_eq!(
            stored.as_ref(),
            Some(&task),
            "task {} after the upgrade",
            task.id
        );
    }
    // The lists' counts (migration 0019) were counted from the rows already there.
    for user in tasks().iter().map(|t| t.user_id) {
        let mine: Vec<Task> = tasks().into_iter().filter(|t| t.user_id == user).collect();
        let done = mine.iter().filter(|t| t.completed).count() as u64;
        for (query, n) in [
            ("status=all", mine.len() as u64),
            ("status=completed", done),
            ("status=pending", mine.len() as u64 - done),
        ] {
            let q = ListQuery::parse(query).expect("query");
            let (_, total) = store
                .task_list(user, &q)
                .await
                .expect("list")
                .expect("visible");
            assert_eq!(total, n, "{user} {query}");
        }
    }
    let expected: Vec<(Uuid, Uuid, Uuid, bool)> = tasks()
        .iter()
        .map(|t| (t.id, t.user_id, t.user_id, true))
        .collect();
    assert_eq!(
        placement(&db).await,
        expected,
        "every task in its creator's inbox"
    );
    let (task, owner) = after_the_upgrade(&*store).await;
    store.close().await;
    // Opening again changes nothing; the new task is in the new account's inbox.
    let store = db.open_store().await;
    let mut expected = expected;
    expected.push((task, owner, owner, true));
    assert_eq!(placement(&db).await, expected);
    store.close().await;
    assert_a_task_needs_a_list(&db).await;
}

/// A task row without a list is refused by the database itself (SQLite: the triggers of
/// migration 0005; PostgreSQL: `NOT NULL`).
async fn assert_a_task_needs_a_list(db: &TestDb) {
    let [(ada, _), _] = users();
    let sql = "INSERT INTO tasks (id, user_id, title, title_lower, created_at, updated_at)
               VALUES ($1, $2, 'x', 'x', $3, $3)";
    let refused = if db.url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&db.url).await.expect("sqlite");
        let done = sqlx::query(sql)
            .bind(Uuid::now_v7())
            .bind(ada)
            .bind(0_i64)
            .execute(&pool)
            .await;
        pool.close().await;
        done.err().map(|e| e.to_string())
    } else {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("postgres");
        let done = sqlx::query(sql)
            .bind(Uuid::now_v7())
            .bind(ada)
            .bind(OffsetDateTime::UNIX_EPOCH)
            .execute(&pool)
            .await;
        pool.close().await;
        done.err().map(|e| e.to_string())
    };
    let refused = refused.unwrap_or_else(|| panic!("a task without a list was stored"));
    assert!(
        refused.contains("list_id"),
        "refused for another reason: {refused}"
    );
}

/// New accounts and tasks work on the upgraded database: the new task's id and owner.
async fn after_the_upgrade(store: &dyn Store) -> (Uuid, Uuid) {
    let carol = NewUser {
        id: Uuid::now_v7(),
        email: "carol@example.com".into(),
        email_lower: "carol@example.com".into(),
        name: "carol".into(),
        password_hash: "!".into(),
        created_at: taskward::timestamp::now(),
    };
    store.user_insert(&carol).await.expect("a new account");
    let mut task = tasks().remove(0);
    task.id = Uuid::now_v7();
    task.user_id = carol.id;
    task.list_id = carol.id;
    assert!(
        store
            .task_insert(carol.id, &task)
            .await
            .expect("a new task")
    );
    let id = task.id;
    assert_eq!(
        store.task_get(carol.id, id).await.expect("read"),
        Some((task, Role::Owner))
    );
    (id, carol.id)
}

on_both_databases!(a_database_from_before_lists_keeps_every_task_and_puts_it_in_the_inbox);
