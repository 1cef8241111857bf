//! Every problem with the values of a command line at once.
//!
//! clap stops at the first value its parsers refuse. To list them all, the command line
//! is parsed again, each time with the settings already found wrong taking any text, until
//! no value is refused: each round names one more problem, in the words of the setting's
//! own parser, after the setting's environment variable.

use std::ffi::OsString;

use clap::Command;
use clap::builder::ValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The problems of the values `args` give to `cmd` (and its subcommands), one sentence
/// each; empty when clap accepts every value. Other errors (an unknown flag, `--help`)
/// are clap's to report: this stops at them.
pub fn all(cmd: &Command, args: &[OsString]) -> Vec<String> {
    // Built, so that its arguments can be shown as clap shows them in errors.
    let mut built = cmd.clone();
    built.build();
    let mut problems = Vec::new();
    let mut lenient: Vec<String> = Vec::new();
    // One more round than there are settings: each round makes one more setting lenient.
    for _ in 0..=count_args(cmd) {
        let attempt = accepting_any(cmd.clone(), &lenient);
        let err = match attempt.try_get_matches_from(args) {
            Ok(_) => break,
            Err(e) if e.kind() == ErrorKind::ValueValidation => e,
            Err(_) => break,
        };
        let Some(shown) = err.get(ContextKind::InvalidArg).and_then(|v| match v {
            ContextValue::String(s) => Some(s.clone()),
            _ => None,
        }) else {
            break;
        };
        let Some((id, name)) = find(&built, &shown) else {
            break;
        };
        let why = std::error::Error::source(&err)
            .map_or_else(|| "has an invalid value".to_owned(), ToString::to_string);
        problems.push(format!("{name} {why}"));
        lenient.push(id);
    }
    problems
}

/// How many arguments `cmd` and its subcommands have.
fn count_args(cmd: &Command) -> usize {
    cmd.get_arguments().count() + cmd.get_subcommands().map(count_args).sum::<usize>()
}

/// `cmd` with the arguments named in `lenient` taking any text, in every subcommand.
fn accepting_any(cmd: Command, lenient: &[String]) -> Command {
    let names: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    let mut cmd = cmd.mut_args(|a| {
        if lenient.iter().any(|id| id == a.get_id().as_str()) {
            a.value_parser(ValueParser::os_string())
        } else {
            a
        }
    });
    for name in names {
        cmd = cmd.mut_subcommand(name, |sub| accepting_any(sub, lenient));
    }
    cmd
}

/// The id and the name (its environment variable, else its flag) of the argument that
/// clap shows as `shown` (`--bind <BIND>`), in `cmd` or a subcommand.
fn find(cmd: &Command, shown: &str) -> Option<(String, String)> {
    cmd.get_arguments()
        .find(|a| a.to_string() == shown)
        .map(|a| {
            let name = a.get_env().map_or_else(
                || format!("--{}", a.get_long().unwrap_or(a.get_id().as_str())),
                |env| env.to_string_lossy().into_owned(),
            );
            (a.get_id().as_str().to_owned(), name)
        })
        .or_else(|| cmd.get_subcommands().find_map(|sub| find(sub, shown)))
}
