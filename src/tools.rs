//! The operator's one-shot commands beside `serve`: `import`, `backup`, `healthcheck`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::Config;
use crate::import::{self, ImportArgs};
use crate::store::{self, ConnectOptions};

/// Exit code for a configuration or flag the operator must fix.
pub(crate) const EXIT_CONFIG: u8 = 2;
/// Exit code for a database that cannot be reached, opened, migrated, read or written.
pub(crate) const EXIT_DATABASE: u8 = 1;

/// The multi-threaded runtime of a command; `None` (said on stderr) if it cannot start.
pub(crate) fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => Some(rt),
        Err(e) => {
            eprintln!("taskward: cannot start the async runtime: {e}");
            None
        }
    }
}

/// `taskward import`: prints the summary and the rejected rows on stdout.
pub fn import(settings: Config, args: &ImportArgs) -> ExitCode {
    let config = match validate(settings) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let Some(rt) = runtime() else {
        return ExitCode::FAILURE;
    };
    match rt.block_on(import::fastapi::run(&config, args)) {
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("taskward import: {e}");
            ExitCode::from(if e.starts_with("--map") {
                EXIT_CONFIG
            } else {
                EXIT_DATABASE
            })
        }
    }
}

/// The checked configuration, or the exit code after every problem is said on stderr.
pub(crate) fn validate(mut config: Config) -> Result<Config, ExitCode> {
    match config.check() {
        Ok(()) => Ok(config),
        Err(problems) => {
            for problem in &problems {
                eprintln!("taskward: {problem}");
            }
            Err(ExitCode::from(EXIT_CONFIG))
        }
    }
}

/// `taskward backup PATH`: an online copy of the SQLite database.
pub fn backup(settings: Config, path: &Path) -> ExitCode {
    let config = match validate(settings) {
        Ok(config) => config,
        Err(code) => return code,
    };
    if path.exists() {
        eprintln!(
            "taskward backup: `{}` already exists; name a new file",
            path.display()
        );
        return ExitCode::from(EXIT_CONFIG);
    }
    let Some(rt) = runtime() else {
        return ExitCode::FAILURE;
    };
    let target = path.display().to_string();
    let done = rt.block_on(async {
        let options = ConnectOptions {
            pool_size: 2,
            acquire_timeout: Duration::from_secs(30),
        };
        let store = store::connect(&config.database_url, options).await?;
        let done = store.backup(&target).await;
        store.close().await;
        done
    });
    match done {
        Ok(()) => {
            println!("backed up {} to {target}", config.database_url.redacted());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("taskward backup: {e}");
            ExitCode::from(EXIT_DATABASE)
        }
    }
}

/// The flags of `taskward healthcheck`.
#[derive(Debug, Clone, clap::Args)]
pub struct HealthcheckArgs {
    /// The server's listen address; `0.0.0.0` and `[::]` are checked on the loopback.
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,
}

/// `taskward healthcheck`: one `GET /healthz` with a 3 s deadline, no HTTP client needed.
pub fn healthcheck(args: &HealthcheckArgs) -> ExitCode {
    match check_health(&args.bind) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("taskward healthcheck: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check_health(bind: &str) -> Result<(), String> {
    let mut addr: SocketAddr = bind
        .trim()
        .parse()
        .map_err(|_| format!("BIND `{bind}` is not an address and port"))?;
    if addr.ip().is_unspecified() {
        addr.set_ip(if addr.is_ipv4() {
            std::net::Ipv4Addr::LOCALHOST.into()
        } else {
            std::net::Ipv6Addr::LOCALHOST.into()
        });
    }
    let timeout = Duration::from_secs(3);
    let mut stream =
        TcpStream::connect_timeout(&addr, timeout).map_err(|e| format!("{addr}: {e}"))?;
    let io = |e: std::io::Error| format!("{addr}: {e}");
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    write!(
        stream,
        "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .map_err(io)?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).map_err(io)?;
    let status_line = String::from_utf8_lossy(&head[..n]);
    if status_line.starts_with("HTTP/1.1 200") || status_line.starts_with("HTTP/1.0 200") {
        Ok(())
    } else {
        Err(format!(
            "{addr} answered `{}`",
            status_line.lines().next().unwrap_or("")
        ))
    }
}
