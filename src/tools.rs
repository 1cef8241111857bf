//! The operator's one-shot commands beside `serve`: `import` (and their exit codes).

use std::process::ExitCode;

use crate::config::Settings;
use crate::import::{self, ImportArgs};

/// Exit code for a configuration or flag the operator must fix.
const EXIT_CONFIG: u8 = 2;
/// Exit code for a database that cannot be read or written.
const EXIT_DATABASE: u8 = 1;

fn runtime() -> Option<tokio::runtime::Runtime> {
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
pub fn import(settings: &Settings, args: &ImportArgs) -> ExitCode {
    let config = match settings.validate() {
        Ok(config) => config,
        Err(problems) => {
            for problem in &problems {
                eprintln!("taskward: {problem}");
            }
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let Some(rt) = runtime() else {
        return ExitCode::FAILURE;
    };
    match rt.block_on(import::run(&config, args)) {
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
