//! Taking over from the stack Taskward replaces, for `taskward import`: the users and tasks
//! of the old FastAPI + SQLModel backend ([`fastapi`]) and the users of a Better Auth
//! database ([`better_auth`]), passwords included.
//!
//! Each source has a reader of its foreign schema (`source.rs`, read-only; the only SQL
//! outside `store/`, because it is not Taskward's database) and an importer that checks
//! every row with the domain types and writes through the store.

pub mod better_auth;
pub mod fastapi;

/// The flags of `taskward import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// The old backend's DATABASE_URL: `sqlite:///./peer.db` or `sqlite:///abs/path.db` or
    /// `postgresql+psycopg://USER:PASSWORD@HOST/DB`. Opened read-only.
    #[arg(
        long = "from",
        value_name = "URL",
        required_unless_present = "from_better_auth",
        conflicts_with = "from_better_auth"
    )]
    pub from: Option<String>,

    /// Instead, a Better Auth database (`postgres://…` or `sqlite://…`, its default
    /// schema): its users become Taskward users linked to their Better Auth ids under
    /// JWT_ISSUER, with their passwords. See docs/better-auth.md.
    #[arg(long = "from-better-auth", value_name = "DATABASE_URL")]
    pub from_better_auth: Option<String>,

    /// Check every row and print what would be imported, without writing anything.
    #[arg(long)]
    pub dry_run: bool,

    /// Rename a table or column of the old schema, e.g. `--map users=accounts`,
    /// `--map users.password_hash=hashed_password`, `--map tasks.tags=` (no such column).
    /// Repeatable; see docs/migrating.md for the expected schema.
    #[arg(
        long = "map",
        value_name = "KEY=NAME",
        conflicts_with = "from_better_auth"
    )]
    pub map: Vec<String>,

    /// Also import tasks whose user is not in the source but already has a Taskward
    /// account under the same id. Without it such tasks are refused: an import only ever
    /// writes into the accounts it brings.
    #[arg(long, conflicts_with = "from_better_auth")]
    pub tasks_for_existing_users: bool,
}
