//! Reading a Better Auth database (its default schema: `user` and `account` tables with
//! camelCase columns), PostgreSQL or SQLite, read-only, for `taskward import`.

use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row};

use crate::config::redact_url;
use crate::store::{StoreError, StoreResult};

/// One Better Auth user with its email/password credential, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BetterAuthUser {
    /// `user.id`: becomes the linked identity's subject.
    pub id: String,
    /// `user.email`.
    pub email: String,
    /// `user.name`.
    pub name: Option<String>,
    /// `user.createdAt` as text (an ISO string, a timestamp, or epoch milliseconds).
    pub created_at: Option<String>,
    /// `account.password` of the `credential` account, if the user has one.
    pub password: Option<String>,
    /// The user's IANA time zone, when the app added a `timezone` (or `timeZone`) field
    /// to Better Auth's user (`user.additionalFields`).
    pub timezone: Option<String>,
}

/// The names an app's own time zone field of the user goes by.
const ZONE_COLUMNS: [&str; 2] = ["timezone", "timeZone"];

/// Which of [`ZONE_COLUMNS`] the `user` table has, as the query's select expression.
fn zone_select(found: &[String]) -> String {
    ZONE_COLUMNS
        .iter()
        .find(|c| found.iter().any(|f| f == *c))
        .map_or_else(
            || "NULL AS timezone".to_owned(),
            |c| format!(r#"CAST(u."{c}" AS TEXT) AS timezone"#),
        )
}

const PG_COLUMNS: &str = "SELECT column_name::text FROM information_schema.columns WHERE table_name = 'user' AND table_schema = current_schema()";

const SQLITE_COLUMNS: &str = "SELECT name FROM pragma_table_info('user')";

const PG_QUERY: &str = r#"
    SELECT u."id", u."email", u."name", u."createdAt"::text AS created_at, ZONE,
           (SELECT a."password" FROM "account" a
             WHERE a."userId" = u."id" AND a."providerId" = 'credential'
             ORDER BY a."id" LIMIT 1) AS password
    FROM "user" u ORDER BY u."id""#;

const SQLITE_QUERY: &str = r#"
    SELECT u."id", u."email", u."name", CAST(u."createdAt" AS TEXT) AS created_at, ZONE,
           (SELECT a."password" FROM "account" a
             WHERE a."userId" = u."id" AND a."providerId" = 'credential'
             ORDER BY a."id" LIMIT 1) AS password
    FROM "user" u ORDER BY u."id""#;

/// Every user of the Better Auth database at `url` (`postgres://…` or `sqlite://…`).
pub async fn read_better_auth_users(url: &str) -> StoreResult<Vec<BetterAuthUser>> {
    let shown = redact_url(url);
    let open = |e: sqlx::Error| {
        StoreError::Open(format!(
            "cannot open the Better Auth database `{shown}`: {e}"
        ))
    };
    let read = |e: sqlx::Error| {
        StoreError::Open(format!(
            "cannot read the `user` and `account` tables of `{shown}` (is it Better Auth's default schema?): {e}"
        ))
    };
    let rows = if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        let mut conn = sqlx::PgConnection::connect(url).await.map_err(open)?;
        let columns: Vec<String> = sqlx::query_scalar(PG_COLUMNS)
            .fetch_all(&mut conn)
            .await
            .map_err(read)?;
        let query = PG_QUERY.replace("ZONE", &zone_select(&columns));
        let rows = sqlx::query(sqlx::AssertSqlSafe(query))
            .fetch_all(&mut conn)
            .await
            .map_err(read)?;
        let _ = conn.close().await;
        rows.iter().map(user_row).collect::<Result<Vec<_>, _>>()
    } else if url.starts_with("sqlite:") {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(open)?
            .read_only(true);
        let mut conn = sqlx::SqliteConnection::connect_with(&options)
            .await
            .map_err(open)?;
        let columns: Vec<String> = sqlx::query_scalar(SQLITE_COLUMNS)
            .fetch_all(&mut conn)
            .await
            .map_err(read)?;
        let query = SQLITE_QUERY.replace("ZONE", &zone_select(&columns));
        let rows = sqlx::query(sqlx::AssertSqlSafe(query))
            .fetch_all(&mut conn)
            .await
            .map_err(read)?;
        let _ = conn.close().await;
        rows.iter().map(user_row).collect::<Result<Vec<_>, _>>()
    } else {
        return Err(StoreError::Open(format!(
            "`{shown}` is not a PostgreSQL or SQLite URL"
        )));
    };
    rows.map_err(read)
}

/// A user row of either database (the queries select the same names, as text).
fn user_row<R: Row>(row: &R) -> Result<BetterAuthUser, sqlx::Error>
where
    for<'c> &'c str: sqlx::ColumnIndex<R>,
    for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    Ok(BetterAuthUser {
        id: row.try_get("id")?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        created_at: row.try_get("created_at")?,
        password: row.try_get("password")?,
        timezone: row.try_get("timezone")?,
    })
}
