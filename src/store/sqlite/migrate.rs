//! The migration runner: sqlx's embedded migrations, applied over rusqlite and recorded
//! in sqlx's own table with the same checksums.

use std::time::Instant;

use rusqlite::Connection;

use super::error::message;

/// Applies the embedded migrations not yet applied, each in its own transaction, and
/// refuses a database changed by hand or migrated by a newer Taskward.
pub(super) fn migrate(conn: &mut Connection) -> Result<(), String> {
    let migrator = sqlx::migrate!("migrations/sqlite");
    let fail = |e: rusqlite::Error| format!("cannot migrate: {}", message(&e));
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS _sqlx_migrations (
             version BIGINT PRIMARY KEY,
             description TEXT NOT NULL,
             installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
             success BOOLEAN NOT NULL,
             checksum BLOB NOT NULL,
             execution_time BIGINT NOT NULL
         )",
    )
    .map_err(fail)?;
    let applied: Vec<(i64, bool, Vec<u8>)> = {
        let mut stmt = conn
            .prepare("SELECT version, success, checksum FROM _sqlx_migrations ORDER BY version")
            .map_err(fail)?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?
    };
    for (version, success, checksum) in &applied {
        let known = migrator
            .iter()
            .find(|m| m.version == *version && m.migration_type.is_up_migration());
        match known {
            None => {
                return Err(format!(
                    "the database was migrated by a newer Taskward (migration {version} is unknown to this one)"
                ));
            }
            Some(_) if !success => {
                return Err(format!(
                    "migration {version} failed part-way earlier; restore a backup"
                ));
            }
            Some(m) if m.checksum.as_ref() != checksum.as_slice() => {
                return Err(format!(
                    "migration {version} ({}) was changed after it was applied",
                    m.description
                ));
            }
            Some(_) => {}
        }
    }
    for m in migrator.iter() {
        if !m.migration_type.is_up_migration() || applied.iter().any(|a| a.0 == m.version) {
            continue;
        }
        let started = Instant::now();
        let tx = conn.transaction().map_err(fail)?;
        tx.execute_batch(m.sql.as_str()).map_err(fail)?;
        tx.execute(
            "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
             VALUES (?1, ?2, TRUE, ?3, ?4)",
            rusqlite::params![
                m.version,
                m.description.as_ref(),
                m.checksum.as_ref(),
                i64::try_from(started.elapsed().as_nanos()).unwrap_or(i64::MAX)
            ],
        )
        .map_err(fail)?;
        tx.commit().map_err(fail)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::store::sqlite::open::close;
    use crate::store::sqlite::open::testing::{counted, open_file};

    #[tokio::test]
    async fn databases_migrated_by_sqlx_open_and_tampered_ones_are_refused() {
        use sqlx::Connection as _;
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("t.db");
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.expect("sqlx");
        sqlx::migrate!("migrations/sqlite")
            .run(&mut conn)
            .await
            .expect("sqlx migrate");
        conn.close().await.expect("close");

        let pools = open_file(&dir).expect("a database sqlx migrated opens");
        let (applied, _) = counted(&pools, "SELECT count(*) FROM _sqlx_migrations").await;
        let known = sqlx::migrate!("migrations/sqlite").iter().count();
        assert_eq!(
            applied,
            i64::try_from(known).expect("small"),
            "nothing re-applied"
        );
        pools
            .writer
            .run(|c| {
                c.execute_batch("UPDATE _sqlx_migrations SET checksum = x'00' WHERE version = 1")?;
                Ok(())
            })
            .await
            .expect("tamper");
        close(&pools.writer, &pools.reader).await;
        let err = open_file(&dir).err().expect("refused");
        assert!(err.contains("was changed after it was applied"), "{err}");

        let other = tempfile::tempdir().expect("tempdir");
        let pools = open_file(&other).expect("open");
        pools
            .writer
            .run(|c| {
                c.execute_batch(
                    "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
                     VALUES (99990101000000, 'from the future', TRUE, x'00', 0)",
                )?;
                Ok(())
            })
            .await
            .expect("future migration");
        close(&pools.writer, &pools.reader).await;
        let err = open_file(&other).err().expect("refused");
        assert!(err.contains("newer Taskward"), "{err}");
    }
}
