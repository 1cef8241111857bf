//! The command line: `taskward [serve]`, `taskward migrate`, and the start-up sequence with
//! its exit codes (0 stopped cleanly, 1 could not reach or open the database, 2 invalid
//! configuration or unusable listen address).

use std::process::ExitCode;
use std::time::Instant;

use std::ffi::OsString;

use clap::{CommandFactory, Parser, Subcommand};

use crate::config::{Config, problems};
use crate::tools::{EXIT_CONFIG, EXIT_DATABASE, runtime, validate};
use crate::{AppState, StartupError, bind, run, telemetry};

/// Taskward: a self-hosted todo service in one binary (accounts, a JSON task API, OpenAPI
/// docs and a web app) on an embedded SQLite file or PostgreSQL.
///
/// Every setting can be given as a flag or as the environment variable in brackets; a
/// `.env` file in the working directory is read too (flags win over the environment,
/// which wins over `.env`).
#[derive(Debug, Parser)]
#[command(name = "taskward", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    settings: Config,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server (the default when no command is given). Migrations run first.
    Serve {
        #[command(flatten)]
        settings: Config,
    },
    /// Bring the database schema up to date, then exit.
    Migrate {
        #[command(flatten)]
        settings: Config,
    },
    /// Import the users and tasks of the old FastAPI + SQLModel backend (`--from`,
    /// docs/migrating.md) or the users of a Better Auth database (`--from-better-auth`,
    /// docs/better-auth.md) into DATABASE_URL, then exit.
    Import {
        #[command(flatten)]
        import: crate::import::ImportArgs,
        #[command(flatten)]
        settings: Config,
    },
    /// Copy the SQLite database to a new file while the server runs (`VACUUM INTO`).
    Backup {
        /// The file to create; it must not exist.
        path: std::path::PathBuf,
        #[command(flatten)]
        settings: Config,
    },
    /// Exit 0 when the server answers `GET /healthz` with 200 (the container HEALTHCHECK).
    Healthcheck(crate::tools::HealthcheckArgs),
}

impl Cli {
    /// Parses `args` (the program's name first). A value that no setting accepts is said
    /// on stderr with every other such value, one line each, and is exit code 2; help,
    /// version and clap's other errors are printed by clap.
    pub fn parse_args(args: Vec<OsString>) -> Result<Self, ExitCode> {
        match Self::try_parse_from(&args) {
            Ok(cli) => Ok(cli),
            Err(e) if e.kind() == clap::error::ErrorKind::ValueValidation => {
                let found = problems::all(&Self::command(), &args);
                if found.is_empty() {
                    let _ = e.print();
                }
                for problem in &found {
                    eprintln!("taskward: {problem}");
                }
                Err(ExitCode::from(EXIT_CONFIG))
            }
            Err(e) => {
                let _ = e.print();
                Err(ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)))
            }
        }
    }

    /// Runs the chosen command and returns the process exit code.
    pub fn run(self) -> ExitCode {
        let (migrate_only, settings) = match self.command {
            None => (false, self.settings),
            Some(Command::Serve { settings }) => (false, settings),
            Some(Command::Migrate { settings }) => (true, settings),
            Some(Command::Import { import, settings }) => {
                return match &import.from_better_auth {
                    Some(source) => import_better_auth(settings, source, import.dry_run),
                    None => crate::tools::import(settings, &import),
                };
            }
            Some(Command::Backup { path, settings }) => {
                return crate::tools::backup(settings, &path);
            }
            Some(Command::Healthcheck(args)) => return crate::tools::healthcheck(&args),
        };
        let config = match validate(settings) {
            Ok(config) => config,
            Err(code) => return code,
        };
        telemetry::init(config.log_format);
        let Some(runtime) = runtime() else {
            return ExitCode::FAILURE;
        };
        let result = runtime.block_on(async move {
            if migrate_only {
                migrate(config).await
            } else {
                serve(config).await
            }
        });
        match result {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("taskward: {e}");
                ExitCode::from(match e {
                    StartupError::Bind(_) | StartupError::Config(_) => EXIT_CONFIG,
                    StartupError::Database(_) => EXIT_DATABASE,
                })
            }
        }
    }
}

/// `taskward import --from-better-auth`: prints the summary; exit 0 when the import ran
/// (skipped rows are listed, not fatal), 1 when a database failed, 2 for configuration.
fn import_better_auth(settings: Config, source: &str, dry_run: bool) -> ExitCode {
    let config = match validate(settings) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let Some(issuer) = config.jwt_issuer.clone() else {
        eprintln!(
            "taskward: JWT_ISSUER must be set to the `iss` of the Better Auth tokens (its base URL unless configured): imported users are linked under it"
        );
        return ExitCode::from(EXIT_CONFIG);
    };
    telemetry::init(config.log_format);
    let Some(runtime) = runtime() else {
        return ExitCode::FAILURE;
    };
    runtime.block_on(async move {
        let store = match crate::store::connect(
            &config.database_url,
            crate::store::ConnectOptions {
                pool_size: 2,
                acquire_timeout: std::time::Duration::from_secs(5),
            },
        )
        .await
        {
            Ok(store) => store,
            Err(e) => {
                eprintln!("taskward: {e}");
                return ExitCode::from(EXIT_DATABASE);
            }
        };
        let result =
            crate::import::better_auth::import_better_auth(&store, source, &issuer, dry_run).await;
        store.close().await;
        match result {
            Ok(report) => {
                print!("{report}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("taskward: the import failed and nothing was written: {e}");
                ExitCode::from(EXIT_DATABASE)
            }
        }
    })
}

async fn serve(config: Config) -> Result<(), StartupError> {
    let started = Instant::now();
    let listener = bind(config.bind).await?;
    let database = config.database_url.redacted();
    let metrics_listener = match config.metrics_bind {
        Some(addr) => Some(bind(addr).await?),
        None => None,
    };
    for warning in config.warnings() {
        tracing::warn!("{warning}");
    }
    let state = AppState::build(config).await?;
    if let Some(listener) = metrics_listener {
        let metrics = crate::http::metrics::serve(listener, state.clone(), shutdown_signal());
        tokio::spawn(async move {
            if let Err(e) = metrics.await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let addr = listener
        .local_addr()
        .map_err(|e| StartupError::Bind(format!("cannot read the listen address: {e}")))?;
    tracing::info!(
        %database,
        ready_ms = started.elapsed().as_millis() as u64,
        "listening on http://{addr}"
    );
    run(listener, state, shutdown_signal())
        .await
        .map_err(|e| StartupError::Bind(format!("the server stopped with an error: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: Config) -> Result<(), StartupError> {
    let database = config.database_url.redacted();
    let state = AppState::build(config).await?;
    state.store.close().await;
    tracing::info!(%database, "the database schema is up to date");
    Ok(())
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM; the server then stops accepting connections and
/// finishes the requests in flight.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => tracing::info!("SIGINT received, finishing requests in flight"),
        () = terminate => tracing::info!("SIGTERM received, finishing requests in flight"),
    }
}
