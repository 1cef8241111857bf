//! Seeds one user with many tasks spread over several lists and prints the query plan and
//! timing of each kind of list query, as built by `store::list_sql` for the database
//! given: across every list (one branch per list) and narrowed to one list (`list=`).
//!
//!     cargo run --release --example query_plans -- sqlite:///tmp/plans.db 100000 5
//!     cargo run --release --example query_plans -- postgres://postgres@127.0.0.1/plans 100000 5
//!
//! A development tool: it writes straight into the database it is given.

use std::time::{Duration, Instant};

use sqlx::{AssertSqlSafe, Row};
use taskward::config::DatabaseUrl;
use taskward::store::list_sql::{self, Dialect, Param, TagPlan};
use taskward::store::{self, ConnectOptions};
use taskward::tasks::query::{Cursor, CursorKey, ListQuery};
use uuid::Uuid;

const COLUMNS: &str = "t.id, t.user_id, t.list_id, t.title, t.description, t.completed, t.priority, t.due_at, t.tags, t.created_at, t.updated_at, t.completed_at, t.version, t.due_date, t.due_key, t.title_lower";

/// For each named list query: its page and count plans (`explain` prefix; the plan text is
/// in column `plan_column`) and the median time of page + count over 7 runs. A macro, not
/// a function, so that one body serves both databases' pools and `bind` functions.
macro_rules! plans_and_timings {
    ($pool:expr, $dialect:expr, $explain:literal, $plan_column:literal, $bind:ident, $user:expr, $lists:expr, $queries:expr) => {
        for (name, q) in $queries {
            let q = with_cursor(q);
            let lq = ListQuery::parse(&q).map_err(|e| format!("{e:?}"))?;
            // `list=` narrows the page to the first list, as the store does.
            let lists = if q.contains("list=") {
                &$lists[..1]
            } else {
                &$lists[..]
            };
            // On PostgreSQL the store finds the user's lists in the page's own statement
            // (`build_readable`); one list asked for by id is bound.
            let mut sql = if $dialect == Dialect::Postgres && !q.contains("list=") {
                list_sql::build_readable(COLUMNS, $user, &lq)
            } else {
                list_sql::build($dialect, COLUMNS, lists, &lq)
            };
            // SQLite's store counts a tag's tasks first and chooses how the page reads
            // them (TagPlan); the statistics' statement is timed with the rest.
            let mut stats = None;
            if $dialect == Dialect::Sqlite
                && let Some((statement, params)) = sql.tag_stats()
            {
                let mut query = sqlx::query(AssertSqlSafe(statement.to_owned()));
                for p in params {
                    query = $bind(query, p);
                }
                let row = query.fetch_one($pool).await?;
                let plan = TagPlan::for_counts(row.try_get(0)?, row.try_get(1)?);
                stats = Some((statement.to_owned(), params.to_vec()));
                sql = list_sql::build_with($dialect, COLUMNS, lists, &lq, plan);
            }
            let mut statements = vec![
                (sql.page(), &sql.page_params[..]),
                (sql.count(), sql.count_params()),
            ];
            if let Some((statement, params)) = &stats {
                statements.push((statement.clone(), &params[..]));
            }
            let mut plans = Vec::new();
            for (statement, params) in &statements {
                let mut explain = sqlx::query(AssertSqlSafe(format!("{} {statement}", $explain)));
                for p in *params {
                    explain = $bind(explain, p);
                }
                let plan: Vec<String> = explain
                    .fetch_all($pool)
                    .await?
                    .iter()
                    .map(|r| r.try_get::<String, _>($plan_column).unwrap_or_default())
                    .collect();
                plans.push(plan);
            }
            let mut times = Vec::new();
            for _ in 0..7 {
                let start = Instant::now();
                for (statement, params) in &statements {
                    let mut query = sqlx::query(AssertSqlSafe(statement.clone()));
                    for p in *params {
                        query = $bind(query, p);
                    }
                    query.fetch_all($pool).await?;
                }
                times.push(start.elapsed());
            }
            report(name, &q, &plans[0], &plans[1], &mut times);
        }
    };
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .ok_or("usage: query_plans DATABASE_URL [TASKS] [LISTS]")?;
    let n: i64 = args.next().map_or(Ok(100_000), |s| s.parse())?;
    let k: usize = args.next().map_or(Ok(5), |s| s.parse())?;
    let parsed = DatabaseUrl::parse(&url)?;
    // Creates the schema.
    let s = store::connect(
        &parsed,
        ConnectOptions {
            pool_size: 2,
            acquire_timeout: Duration::from_secs(5),
        },
    )
    .await?;
    s.close().await;
    let user = Uuid::now_v7();
    let other = Uuid::now_v7();
    // The inbox (the user's id) and k - 1 more lists.
    let lists: Vec<Uuid> = std::iter::once(user)
        .chain((1..k).map(|_| Uuid::now_v7()))
        .collect();
    let queries = [
        ("default: newest first", String::new()),
        ("page 2 of the default", "cursor=CURSOR".to_owned()),
        ("pending", "status=pending".to_owned()),
        (
            "pending, high priority",
            "status=pending&priority=high".to_owned(),
        ),
        ("by due date", "sort=due_at".to_owned()),
        ("by title, page 2", "sort=title&cursor=CURSOR".to_owned()),
        ("tag", "tag=home".to_owned()),
        ("text search", "q=milk".to_owned()),
        ("by due date, descending", "sort=-due_at".to_owned()),
        (
            "due before, pending",
            "due_before=2026-12-01T00:00:00Z&status=pending".to_owned(),
        ),
        (
            "due on one day (as `due=today`)",
            "due_after=2026-01-10T00:00:00Z&due_before=2026-01-11T00:00:00Z".to_owned(),
        ),
        ("one list: default", "list=FIRST".to_owned()),
        (
            "one list: by title, page 2",
            "list=FIRST&sort=title&cursor=CURSOR".to_owned(),
        ),
        ("one list: tag", "list=FIRST&tag=home".to_owned()),
    ];
    let queries = queries.map(|(name, q)| (name, q.replace("FIRST", &user.to_string())));
    match parsed {
        DatabaseUrl::Sqlite(_) => {
            let pool = sqlx::SqlitePool::connect(&url).await?;
            seed_sqlite(&pool, user, &lists, n).await?;
            seed_sqlite(&pool, other, &[other], 1000).await?;
            sqlx::query("ANALYZE").execute(&pool).await?;
            println!(
                "SQLite {}, {n} tasks for one user in {k} lists\n",
                sqlx::query_scalar::<_, String>("SELECT sqlite_version()")
                    .fetch_one(&pool)
                    .await?
            );
            plans_and_timings!(
                &pool,
                Dialect::Sqlite,
                "EXPLAIN QUERY PLAN",
                3,
                bind_sqlite,
                user,
                lists,
                &queries
            );
        }
        DatabaseUrl::Postgres(_) => {
            let pool = sqlx::PgPool::connect(&url).await?;
            seed_pg(&pool, user, &lists, n).await?;
            seed_pg(&pool, other, &[other], 1000).await?;
            // As autovacuum would have by now: statistics, and the visibility map that lets
            // counts read the index alone.
            sqlx::query("VACUUM ANALYZE").execute(&pool).await?;
            println!(
                "{}, {n} tasks for one user in {k} lists\n",
                sqlx::query_scalar::<_, String>("SELECT version()")
                    .fetch_one(&pool)
                    .await?
            );
            plans_and_timings!(
                &pool,
                Dialect::Postgres,
                "EXPLAIN (COSTS OFF)",
                0,
                bind_pg,
                user,
                lists,
                &queries
            );
        }
    }
    Ok(())
}

/// A cursor in the middle of the list (key values the seed makes common).
fn with_cursor(q: &str) -> String {
    let sort = ListQuery::parse(q.split("&cursor").next().unwrap_or(""))
        .map(|l| l.sort)
        .unwrap_or_default();
    let key = if q.contains("sort=title") {
        CursorKey::Text("task 050000".into())
    } else {
        CursorKey::Int(Some(1_790_000_000_000_000))
    };
    q.replace(
        "CURSOR",
        &Cursor {
            key,
            id: Uuid::max(),
        }
        .encode(sort),
    )
}

fn report(name: &str, q: &str, plan: &[String], count_plan: &[String], times: &mut [Duration]) {
    times.sort();
    println!(
        "### {name} (`{q}`)\n\npage:\n```\n{}\n```\ncount:\n```\n{}\n```\nmedian page + count: {:.2} ms\n",
        plan.join("\n"),
        count_plan.join("\n"),
        times[times.len() / 2].as_secs_f64() * 1000.0
    );
}

fn bind_sqlite<'q>(
    q: sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments>,
    p: &Param,
) -> sqlx::query::Query<'q, sqlx::Sqlite, sqlx::sqlite::SqliteArguments> {
    match p {
        Param::Uuid(u) => q.bind(*u),
        Param::Int(i) => q.bind(*i),
        Param::Text(s) => q.bind(s.clone()),
        Param::Bool(b) => q.bind(*b),
        Param::Time(t) => q.bind(i64::try_from(t.unix_timestamp_nanos() / 1000).unwrap_or(0)),
        Param::Date(d) => q.bind(d.to_julian_day()),
    }
}

fn bind_pg<'q>(
    q: sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments>,
    p: &Param,
) -> sqlx::query::Query<'q, sqlx::Postgres, sqlx::postgres::PgArguments> {
    match p {
        Param::Uuid(u) => q.bind(*u),
        Param::Int(i) => q.bind(*i),
        Param::Text(s) => q.bind(s.clone()),
        Param::Bool(b) => q.bind(*b),
        Param::Time(t) => q.bind(*t),
        Param::Date(d) => q.bind(*d),
    }
}

/// Tasks spread over two years of creation times, a third with a due date, a quarter
/// done, priorities mixed; task `i` in list `i % lists.len()`, the first list being the
/// inbox, and in each list one in ten tagged `home` and one in fifty mentioning milk.
async fn seed_sqlite(
    pool: &sqlx::SqlitePool,
    user: Uuid,
    lists: &[Uuid],
    n: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at) VALUES (?1, ?2, ?2, 'seed', 'x', 0, 0)")
        .bind(user).bind(format!("{user}@example.com")).execute(&mut *tx).await?;
    let k = i64::try_from(lists.len()).unwrap_or(1);
    for (j, list) in (0..).zip(lists) {
        sqlx::query("INSERT INTO lists (id, owner_id, name, is_inbox, position, created_at, updated_at) VALUES (?1, ?2, 'seed', ?1 = ?2, ?3, 0, 0)")
            .bind(list).bind(user).bind(j).execute(&mut *tx).await?;
        sqlx::query(
            "WITH RECURSIVE s(i) AS (SELECT ?3 UNION ALL SELECT i + ?4 FROM s WHERE i + ?4 < ?2)
             INSERT INTO tasks (id, user_id, list_id, title, description, title_lower, description_lower, completed, completed_at,
                                priority, due_at, due_key, tags, created_at, updated_at, version)
             SELECT randomblob(16), ?1, ?5, printf('Task %06d', i), CASE WHEN (i / ?4) % 50 = 0 THEN 'buy milk' ELSE 'something' END,
                    printf('task %06d', i), CASE WHEN (i / ?4) % 50 = 0 THEN 'buy milk' ELSE 'something' END,
                    i % 4 = 0, CASE WHEN i % 4 = 0 THEN 1750000000000000 + i * 600000000 END, 1 + i % 3,
                    CASE WHEN i % 3 = 0 THEN 1760000000000000 + i * 3600000000 END,
                    CASE WHEN i % 3 = 0 THEN 1760000000000000 + i * 3600000000 END,
                    CASE WHEN (i / ?4) % 10 = 0 THEN '[\"home\"]' ELSE '[]' END,
                    1740000000000000 + i * 600000000, 1740000000000000 + i * 600000000, 1
             FROM s",
        ).bind(user).bind(n).bind(j).bind(k).bind(list).execute(&mut *tx).await?;
    }
    sqlx::query("INSERT INTO task_tags (list_id, tag, task_id) SELECT list_id, 'home', id FROM tasks WHERE user_id = ?1 AND tags = '[\"home\"]'")
        .bind(user).execute(&mut *tx).await?;
    tx.commit().await
}

async fn seed_pg(
    pool: &sqlx::PgPool,
    user: Uuid,
    lists: &[Uuid],
    n: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    // Without the triggers (the CalDAV stamp and the lists' counts, migrations 0015 and
    // 0019): one statement updating the list's row once per task would make each update
    // walk the versions the earlier ones left. The counts are set once at the end.
    sqlx::query("SET LOCAL session_replication_role = replica")
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO users (id, email, email_lower, name, password_hash, created_at, updated_at) VALUES ($1, $2, $2, 'seed', 'x', now(), now())")
        .bind(user).bind(format!("{user}@example.com")).execute(&mut *tx).await?;
    let k = i64::try_from(lists.len()).unwrap_or(1);
    for (j, list) in (0i64..).zip(lists) {
        sqlx::query("INSERT INTO lists (id, owner_id, name, is_inbox, position, created_at, updated_at) VALUES ($1, $2, 'seed', $1 = $2, $3, now(), now())")
            .bind(list).bind(user).bind(i32::try_from(j).unwrap_or(0)).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO tasks (id, user_id, list_id, title, description, title_lower, description_lower, completed, completed_at,
                                priority, due_at, due_key, tags, created_at, updated_at, version)
             SELECT gen_random_uuid(), $1, $5, format('Task %s', lpad(i::text, 6, '0')),
                    CASE WHEN (i / $4) % 50 = 0 THEN 'buy milk' ELSE 'something' END,
                    format('task %s', lpad(i::text, 6, '0')), CASE WHEN (i / $4) % 50 = 0 THEN 'buy milk' ELSE 'something' END,
                    i % 4 = 0, CASE WHEN i % 4 = 0 THEN timestamptz '2025-06-15' + i * interval '10 min' END, 1 + i % 3,
                    CASE WHEN i % 3 = 0 THEN timestamptz '2025-10-09' + i * interval '1 hour' END,
                    CASE WHEN i % 3 = 0 THEN timestamptz '2025-10-09' + i * interval '1 hour' END,
                    CASE WHEN (i / $4) % 10 = 0 THEN ARRAY['home'] ELSE ARRAY[]::text[] END,
                    timestamptz '2025-02-19' + i * interval '10 min', timestamptz '2025-02-19' + i * interval '10 min', 1
             FROM generate_series($3, $2 - 1, $4) AS i",
        ).bind(user).bind(n).bind(j).bind(k).bind(list).execute(&mut *tx).await?;
    }
    sqlx::query("INSERT INTO task_tags (list_id, tag, task_id) SELECT list_id, 'home', id FROM tasks WHERE user_id = $1 AND tags = ARRAY['home']")
        .bind(user).execute(&mut *tx).await?;
    sqlx::query(
        "UPDATE lists l SET task_count = (SELECT COUNT(*) FROM tasks WHERE list_id = l.id),
             done_count = (SELECT COUNT(*) FROM tasks WHERE list_id = l.id AND completed)
         WHERE owner_id = $1",
    )
    .bind(user)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}
