//! Reads the OLD stack's database (the FastAPI + SQLModel schema of `peers/fastapi`).
//!
//! This is the one place outside `store/` with SQL, on purpose: it is not Taskward's store
//! but a read-only client of a foreign schema, whose table and column names come from the
//! operator's `--map` flags. Every value is read as text (`CAST(.. AS TEXT)` on SQLite,
//! `::text` on PostgreSQL with the session in UTC) and checked by the importer, so one
//! reader serves both databases and any column type the old schema happened to use.

use std::collections::BTreeMap;
use std::str::FromStr;

use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{AssertSqlSafe, Connection, PgConnection, Row, SqliteConnection};

/// The logical columns of the old `users` table, in the order [`RawUser`] holds them.
pub const USER_COLUMNS: [&str; 5] = ["id", "email", "name", "password_hash", "created_at"];
/// The logical columns of the old `tasks` table, in the order [`RawTask`] holds them.
pub const TASK_COLUMNS: [&str; 11] = [
    "id",
    "user_id",
    "title",
    "description",
    "completed",
    "priority",
    "due_at",
    "tags",
    "created_at",
    "updated_at",
    "completed_at",
];
/// Logical columns that may be mapped to nothing (`--map tasks.tags=`): read as NULL.
const OPTIONAL: [&str; 7] = [
    "users.name",
    "tasks.description",
    "tasks.priority",
    "tasks.due_at",
    "tasks.tags",
    "tasks.updated_at",
    "tasks.completed_at",
];

/// A row as text, one entry per logical column (NULL is `None`).
pub type RawRow = Vec<Option<String>>;

/// Table and column names of the old schema: the defaults of `peers/fastapi`, overridden
/// by `--map users=accounts`, `--map users.password_hash=hashed_password`, ...
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    names: BTreeMap<String, String>,
}

impl Mapping {
    /// Parses `KEY=NAME` flags; KEY is `users`, `tasks`, `users.COLUMN` or `tasks.COLUMN`.
    pub fn parse(flags: &[String]) -> Result<Self, String> {
        let mut names = BTreeMap::new();
        for flag in flags {
            let (key, name) = flag
                .split_once('=')
                .ok_or_else(|| format!("--map `{flag}` must look like KEY=NAME, e.g. users.password_hash=hashed_password"))?;
            let key = key.trim().to_owned();
            let name = name.trim().to_owned();
            let known = match key.split_once('.') {
                None => key == "users" || key == "tasks",
                Some(("users", c)) => USER_COLUMNS.contains(&c),
                Some(("tasks", c)) => TASK_COLUMNS.contains(&c),
                Some(_) => false,
            };
            if !known {
                return Err(format!(
                    "--map `{key}` is not a table or column the importer reads; see docs/migrating.md"
                ));
            }
            if name.is_empty() && !OPTIONAL.contains(&key.as_str()) {
                return Err(format!("--map `{key}=` : this column is required"));
            }
            if !name.is_empty() && !is_identifier(&name) {
                return Err(format!(
                    "--map `{key}={name}`: names may hold only letters, digits and `_`"
                ));
            }
            names.insert(key, name);
        }
        Ok(Self { names })
    }

    /// The real name of table `table` (`users` or `tasks`).
    pub fn table<'a>(&'a self, table: &'a str) -> &'a str {
        self.names.get(table).map_or(table, String::as_str)
    }

    /// The real name of `table.column`; `None` when mapped to nothing.
    pub fn column<'a>(&'a self, table: &str, column: &'a str) -> Option<&'a str> {
        match self.names.get(&format!("{table}.{column}")) {
            Some(n) if n.is_empty() => None,
            Some(n) => Some(n),
            None => Some(column),
        }
    }
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// An open, read-only connection to the old database.
pub enum Source {
    /// SQLite file.
    Sqlite(SqliteConnection),
    /// PostgreSQL server.
    Postgres(PgConnection),
}

/// Turns a SQLAlchemy or sqlx SQLite URL into a file path: `sqlite:///./peer.db` (relative,
/// SQLAlchemy), `sqlite:////abs/peer.db` (absolute, SQLAlchemy), `sqlite:///abs/peer.db` and
/// `sqlite://peer.db` (sqlx, as in `DATABASE_URL`).
pub fn sqlite_path(url: &str) -> Option<String> {
    let rest = url.strip_prefix("sqlite:")?;
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let rest = rest.split('?').next().unwrap_or(rest);
    let path = if let Some(relative) = rest.strip_prefix("/./").or(rest.strip_prefix("/../")) {
        if rest.starts_with("/../") {
            format!("../{relative}")
        } else {
            relative.to_owned()
        }
    } else if let Some(abs) = rest.strip_prefix("//") {
        format!("/{abs}")
    } else {
        rest.to_owned()
    };
    (!path.is_empty()).then_some(path)
}

impl Source {
    /// Opens `url` read-only: `sqlite:...` or `postgres[ql][+driver]://...`.
    pub async fn open(url: &str) -> Result<Self, String> {
        let shown = crate::config::redact_url(url);
        if url.starts_with("sqlite:") {
            let path = sqlite_path(url).ok_or_else(|| format!("`{shown}` names no file"))?;
            if !std::path::Path::new(&path).is_file() {
                return Err(format!("the old database `{path}` does not exist"));
            }
            let options = SqliteConnectOptions::new().filename(&path).read_only(true);
            let conn = SqliteConnection::connect_with(&options)
                .await
                .map_err(|e| format!("cannot open the old database `{path}`: {e}"))?;
            return Ok(Self::Sqlite(conn));
        }
        // SQLAlchemy URLs name the Python driver: postgresql+psycopg://, postgres+asyncpg://.
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("`{shown}` is not a database URL"))?;
        let base = scheme.split('+').next().unwrap_or(scheme);
        if base != "postgres" && base != "postgresql" {
            return Err(format!(
                "`{shown}`: the old database must be sqlite:// or postgresql://"
            ));
        }
        let options = PgConnectOptions::from_str(&format!("postgres://{rest}"))
            .map_err(|e| format!("`{shown}` is not a PostgreSQL URL: {e}"))?
            .options([("TimeZone", "UTC")]);
        let conn = PgConnection::connect_with(&options)
            .await
            .map_err(|e| format!("cannot connect to the old database `{shown}`: {e}"))?;
        Ok(Self::Postgres(conn))
    }

    /// Starts a read-only snapshot so users and tasks are read at the same instant.
    pub async fn begin_snapshot(&mut self) -> Result<(), String> {
        let sql = match self {
            Self::Sqlite(_) => "BEGIN",
            Self::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        };
        self.execute(sql).await
    }

    /// Ends the snapshot (nothing was written).
    pub async fn end_snapshot(&mut self) -> Result<(), String> {
        self.execute("ROLLBACK").await
    }

    async fn execute(&mut self, sql: &'static str) -> Result<(), String> {
        let done = match self {
            Self::Sqlite(c) => sqlx::query(sql).execute(c).await.map(|_| ()),
            Self::Postgres(c) => sqlx::query(sql).execute(c).await.map(|_| ()),
        };
        done.map_err(|e| format!("the old database refused `{sql}`: {e}"))
    }

    /// Every row of `table` (`users` or `tasks`), the logical `columns` as text.
    pub async fn read(
        &mut self,
        mapping: &Mapping,
        table: &str,
        columns: &[&str],
    ) -> Result<Vec<RawRow>, String> {
        let pg = matches!(self, Self::Postgres(_));
        let select: Vec<String> = columns
            .iter()
            .map(|c| match mapping.column(table, c) {
                None => "NULL".to_owned(),
                // Identifiers were checked by Mapping::parse; quoting keeps reserved words safe.
                // SQLite gets backticks: a "double-quoted" name it cannot find silently
                // becomes a string literal there.
                Some(real) if pg => format!("\"{real}\"::text"),
                Some(real) => format!("CAST(`{real}` AS TEXT)"),
            })
            .collect();
        let real_table = mapping.table(table);
        let order = mapping.column(table, "id").unwrap_or("id");
        let q = if pg { '"' } else { '`' };
        let sql = format!(
            "SELECT {} FROM {q}{real_table}{q} ORDER BY {q}{order}{q}",
            select.join(", ")
        );
        let n = columns.len();
        let rows = match self {
            Self::Sqlite(c) => sqlx::query(AssertSqlSafe(sql))
                .fetch_all(c)
                .await
                .and_then(|rows| rows.iter().map(|r| text_row(r, n)).collect()),
            Self::Postgres(c) => sqlx::query(AssertSqlSafe(sql))
                .fetch_all(c)
                .await
                .and_then(|rows| rows.iter().map(|r| text_row(r, n)).collect()),
        };
        rows.map_err(|e| {
            format!(
                "cannot read table `{real_table}` of the old database: {e} (use --map to name its tables and columns; see docs/migrating.md)"
            )
        })
    }

    /// Closes the connection.
    pub async fn close(self) {
        let _ = match self {
            Self::Sqlite(c) => c.close().await,
            Self::Postgres(c) => c.close().await,
        };
    }
}

fn text_row<R: Row>(row: &R, n: usize) -> Result<RawRow, sqlx::Error>
where
    usize: sqlx::ColumnIndex<R>,
    for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    (0..n)
        .map(|i| row.try_get::<Option<String>, _>(i))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlalchemy_and_sqlx_sqlite_urls_name_the_same_files() {
        assert_eq!(
            sqlite_path("sqlite:///./peer.db").as_deref(),
            Some("peer.db")
        );
        assert_eq!(
            sqlite_path("sqlite:////tmp/peer.db").as_deref(),
            Some("/tmp/peer.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/peer.db").as_deref(),
            Some("/tmp/peer.db")
        );
        assert_eq!(sqlite_path("sqlite://peer.db").as_deref(), Some("peer.db"));
        assert_eq!(sqlite_path("sqlite://").as_deref(), None);
    }

    #[test]
    fn mapping_renames_tables_and_columns_and_refuses_unsafe_names() {
        let m = Mapping::parse(&[
            "users=accounts".into(),
            "users.password_hash=hashed_password".into(),
            "tasks.tags=".into(),
        ])
        .expect("valid");
        assert_eq!(m.table("users"), "accounts");
        assert_eq!(m.table("tasks"), "tasks");
        assert_eq!(m.column("users", "password_hash"), Some("hashed_password"));
        assert_eq!(m.column("tasks", "tags"), None);
        assert!(Mapping::parse(&["users.email=x\"; DROP".into()]).is_err());
        assert!(Mapping::parse(&["users.nope=x".into()]).is_err());
        assert!(Mapping::parse(&["users.email=".into()]).is_err());
    }
}
