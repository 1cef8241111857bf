//! The `taskward` binary: reads `.env`, parses the command line, hands over to the library.

use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: a request allocates and frees many small
/// buffers (rows, strings, JSON), and glibc's malloc was a fifth of the CPU time of a
/// list request (docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A missing .env is normal; a broken one is a configuration error.
    if let Err(e) = dotenvy::dotenv()
        && !e.not_found()
    {
        eprintln!("taskward: cannot read .env: {e}");
        return ExitCode::from(2);
    }
    match taskward::cli::Cli::parse_args(std::env::args_os().collect()) {
        Ok(cli) => cli.run(),
        Err(code) => code,
    }
}
