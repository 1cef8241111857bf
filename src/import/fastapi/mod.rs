//! `taskward import --from URL`: brings the users and tasks of the old FastAPI + SQLModel
//! stack into Taskward, keeping their ids and password hashes.
//!
//! Read everything (one snapshot of the old database), check every row with the domain
//! types, then write all accepted rows in ONE transaction through [`Store::import`]: either
//! all of them land or none does, so a failed run leaves nothing half-imported and is simply
//! run again. Rows whose id is already in Taskward are skipped, which makes a second run a
//! no-op. Rows that break Taskward's rules are listed with the reason and left out.

mod rows;
pub mod source;

use std::collections::{HashMap, HashSet};
use std::fmt;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use uuid::Uuid;

use super::ImportArgs;
use crate::config::Config;
use crate::store::{self, ConnectOptions, DynStore, ImportBatch};
use source::{Mapping, Source, TASK_COLUMNS, USER_COLUMNS};

/// Imports at least this large get a progress bar (on a terminal only).
const PROGRESS_FROM: u64 = 500;

/// One row left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// `users` or `tasks`.
    pub table: &'static str,
    /// The row's id as stored in the old database.
    pub id: String,
    /// Why it cannot be imported.
    pub reason: String,
}

/// Counts for one table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TableCounts {
    /// Rows read from the old database.
    pub read: u64,
    /// Rows written (or, in a dry run, that would be).
    pub imported: u64,
    /// Rows whose id Taskward already holds (imported before).
    pub already_present: u64,
    /// Rows left out.
    pub rejected: u64,
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct ImportReport {
    /// Nothing was written.
    pub dry_run: bool,
    /// Users.
    pub users: TableCounts,
    /// Tasks.
    pub tasks: TableCounts,
    /// Every row left out.
    pub rejected: Vec<Rejected>,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        for (name, c) in [("users", self.users), ("tasks", self.tasks)] {
            writeln!(
                f,
                "{name}: {} read, {} {verb}, {} already present, {} rejected",
                c.read, c.imported, c.already_present, c.rejected
            )?;
        }
        if !self.rejected.is_empty() {
            writeln!(f, "rejected rows:")?;
            for r in &self.rejected {
                writeln!(f, "  {} {}: {}", r.table, r.id, r.reason)?;
            }
        }
        if self.dry_run {
            writeln!(f, "dry run: nothing was written")?;
        }
        Ok(())
    }
}

/// Runs an import into the database of `config`; `Err` is one line for the operator.
pub async fn run(config: &Config, args: &ImportArgs) -> Result<ImportReport, String> {
    let mapping = Mapping::parse(&args.map)?;
    let from = args
        .from
        .as_deref()
        .ok_or_else(|| "--from names no database".to_owned())?;
    let mut source = Source::open(from).await?;
    source.begin_snapshot().await?;
    let users = source.read(&mapping, "users", &USER_COLUMNS).await?;
    let tasks = source.read(&mapping, "tasks", &TASK_COLUMNS).await?;
    source.end_snapshot().await?;
    source.close().await;

    let store = store::connect(
        &config.database_url,
        ConnectOptions {
            pool_size: 2,
            acquire_timeout: std::time::Duration::from_secs(30),
        },
    )
    .await
    .map_err(|e| format!("cannot open Taskward's database: {e}"))?;
    let result = import_rows(&store, users, tasks, args).await;
    store.close().await;
    result
}

async fn import_rows(
    store: &DynStore,
    user_rows: Vec<source::RawRow>,
    task_rows: Vec<source::RawRow>,
    args: &ImportArgs,
) -> Result<ImportReport, String> {
    let dry_run = args.dry_run;
    let failed = |e: store::StoreError| format!("the import was rolled back: {e}");
    let mut report = ImportReport {
        dry_run,
        ..ImportReport::default()
    };
    let mut batch = ImportBatch::default();
    // Owners a task may belong to: accepted here, or (with `--tasks-for-existing-users`)
    // already in Taskward.
    let mut owners: HashMap<Uuid, bool> = HashMap::new();
    let mut emails = HashSet::new();
    report.users.read = user_rows.len() as u64;
    for row in &user_rows {
        let checked = match rows::user(row) {
            Ok(user) => check_user(store, &user, &mut emails).await?.map(|()| user),
            Err(reason) => Err(reason),
        };
        match checked {
            Ok(user) => {
                owners.insert(user.id, true);
                batch.users.push(user);
            }
            Err(reason) => report.reject("users", rows::row_id(row), reason),
        }
    }
    report.tasks.read = task_rows.len() as u64;
    let mut task_ids = HashSet::new();
    for row in &task_rows {
        let checked = match rows::task(row) {
            Ok(task) if !task_ids.insert(task.id) => Err("id: appears twice".to_owned()),
            Ok(task) if args.tasks_for_existing_users => {
                match owner_known(store, &mut owners, task.user_id).await {
                    Ok(true) => Ok(task),
                    Ok(false) => Err(format!("user_id: user {} was not imported", task.user_id)),
                    Err(e) => return Err(failed(e)),
                }
            }
            Ok(task) if owners.contains_key(&task.user_id) => Ok(task),
            Ok(task) => Err(format!(
                "user_id: user {} is not among the users of this import \
                 (--tasks-for-existing-users attaches tasks to accounts already in Taskward)",
                task.user_id
            )),
            Err(reason) => Err(reason),
        };
        match checked {
            Ok(task) => batch.tasks.push(task),
            Err(reason) => report.reject("tasks", rows::row_id(row), reason),
        }
    }

    let total = (batch.users.len() + batch.tasks.len()) as u64;
    let bar = progress_bar(total);
    let tick = bar.clone();
    let written = store
        .import(&batch, !dry_run, &move |n| tick.set_position(n))
        .await
        .map_err(failed)?;
    bar.finish_and_clear();
    report.users.imported = written.users;
    report.users.already_present = batch.users.len() as u64 - written.users;
    report.tasks.imported = written.tasks;
    report.tasks.already_present = batch.tasks.len() as u64 - written.tasks;
    Ok(report)
}

impl ImportReport {
    fn reject(&mut self, table: &'static str, id: String, reason: String) {
        match table {
            "users" => self.users.rejected += 1,
            _ => self.tasks.rejected += 1,
        }
        self.rejected.push(Rejected { table, id, reason });
    }
}

/// `Ok(Ok(()))` when the user can be imported (or is already here under the same id).
async fn check_user(
    store: &DynStore,
    user: &store::NewUser,
    emails: &mut HashSet<String>,
) -> Result<Result<(), String>, String> {
    let failed = |e: store::StoreError| format!("cannot read Taskward's database: {e}");
    if !emails.insert(user.email_lower.clone()) {
        return Ok(Err(
            "email: appears twice (emails are case-insensitive)".into()
        ));
    }
    match store
        .user_by_email(&user.email_lower)
        .await
        .map_err(failed)?
    {
        Some(existing) if existing.id != user.id => Ok(Err(format!(
            "email: already belongs to Taskward account {} (created there, not imported)",
            existing.id
        ))),
        _ => Ok(Ok(())),
    }
}

async fn owner_known(
    store: &DynStore,
    owners: &mut HashMap<Uuid, bool>,
    id: Uuid,
) -> store::StoreResult<bool> {
    if let Some(known) = owners.get(&id) {
        return Ok(*known);
    }
    let known = store.user_by_id(id).await?.is_some();
    owners.insert(id, known);
    Ok(known)
}

/// A bar on stderr for large imports; indicatif hides it when stderr is not a terminal.
fn progress_bar(total: u64) -> ProgressBar {
    if total < PROGRESS_FROM {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows {elapsed}") {
        bar.set_style(style);
    }
    bar
}
