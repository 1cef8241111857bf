//! The settings' parsing and checks.

use clap::Parser;

use std::path::PathBuf;

use super::*;

/// A command line of `taskward serve`'s settings, parsed as the binary parses it (the
/// environment too: problems are named by their variables).
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

fn parse(args: &[&str]) -> Result<Config, Vec<String>> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let args: Vec<std::ffi::OsString> = std::iter::once("taskward")
        .chain(args.iter().copied())
        .map(Into::into)
        .collect();
    match cmd.clone().try_get_matches_from(&args) {
        Ok(m) => {
            let mut config = Cli::from_arg_matches(&m)
                .map_err(|e| vec![e.to_string()])?
                .config;
            config.check().map(|()| config)
        }
        Err(_) => Err(problems::all(&cmd, &args)),
    }
}

#[test]
fn defaults_parse() {
    let c = Config::defaults();
    assert_eq!(c.bind.to_string(), "127.0.0.1:8000");
    assert_eq!(c.access_token_ttl, Duration::from_secs(900));
    assert_eq!(c.refresh_token_ttl, Duration::from_secs(30 * 86_400));
    assert!(matches!(c.database_url, DatabaseUrl::Sqlite(_)));
    assert!(c.rate_limit && !c.metrics);
    assert_eq!(c.jwt_secret.as_ref().map(|_| ()), None);
    assert!(parse(&[]).is_ok());
}

#[test]
fn every_problem_is_reported_at_once() {
    let problems = parse(&[
        "--database-url",
        "mysql://x/y",
        "--bind",
        "nope",
        "--jwt-secret",
        "short",
        "--log-format",
        "xml",
    ])
    .expect_err("invalid");
    assert_eq!(problems.len(), 4, "{problems:?}");
    assert!(problems[0].contains("DATABASE_URL scheme `mysql`"));
    assert!(problems[1].contains("BIND `nope`"));
    assert!(problems[2].contains("JWT_SECRET is 5 bytes"));
    assert!(problems[3].contains("LOG_FORMAT `xml`"));
}

#[test]
fn urls_in_messages_hide_the_password() {
    let err = DatabaseUrl::parse("redis://user:hunter2@h/db").expect_err("unsupported");
    assert!(!err.contains("hunter2"));
    let u = DatabaseUrl::parse("postgres://user:hunter2@db.example.com/app").expect("valid");
    assert_eq!(u.redacted(), "postgres://user:***@db.example.com/app");
    assert!(!format!("{u:?}").contains("hunter2"));
}

#[test]
fn debug_of_config_redacts_the_secret() {
    let secret = "x".repeat(40);
    let c = parse(&["--jwt-secret", &secret]).expect("valid");
    assert!(c.jwt_secret.is_some());
    assert!(!format!("{c:?}").contains(&secret));
}

#[test]
fn rate_rules_and_proxies_parse() {
    let c = parse(&[
        "--rate-limit-per-email",
        "5/1h",
        "--trusted-proxies",
        "127.0.0.1, 10.0.0.0/8",
    ])
    .expect("valid");
    assert_eq!(
        c.rate_limit_per_email,
        RateRule {
            max: 5,
            window: Duration::from_secs(3600)
        }
    );
    assert_eq!(c.trusted_proxies.len(), 2);
    let problems = parse(&[
        "--rate-limit-per-ip",
        "0/1m",
        "--trusted-proxies",
        "proxy.local",
        "--rate-limit",
        "maybe",
    ])
    .expect_err("invalid");
    assert_eq!(problems.len(), 3, "{problems:?}");
}

#[test]
fn an_external_issuer_needs_its_issuer_audience_and_asymmetric_algorithms() {
    let jwks = ["--jwt-jwks-url", "https://app.example.com/api/auth/jwks"];
    let problems = parse(&jwks).expect_err("no iss/aud");
    assert!(problems[0].contains("JWT_ISSUER"), "{problems:?}");
    assert!(problems[1].contains("JWT_AUDIENCE"), "{problems:?}");
    let both = [
        "--jwt-issuer",
        "https://app.example.com",
        "--jwt-audience",
        "https://app.example.com",
    ];
    let c = parse(&[&jwks[..], &both[..]].concat()).expect("valid");
    let ext = c.external_issuer().expect("configured");
    assert_eq!(
        ext.algorithms,
        [Algorithm::EdDSA, Algorithm::ES256, Algorithm::RS256]
    );
    assert_eq!(ext.refetch_interval, Duration::from_secs(60));
    let hs = parse(&[&jwks[..], &both[..], &["--jwt-algorithms", "EdDSA,HS256"]].concat())
        .expect_err("HS256");
    assert!(hs[0].contains("`HS256`"), "{hs:?}");
    let ftp =
        parse(&[&["--jwt-jwks-url", "ftp://x/jwks"][..], &both[..]].concat()).expect_err("scheme");
    assert!(ftp[0].contains("JWT_JWKS_URL"), "{ftp:?}");
}

#[test]
fn a_public_bind_without_public_url_is_warned_about() {
    let warned = |args: &[&str]| parse(args).expect("valid").warnings();
    assert!(warned(&[]).is_empty(), "the default binds loopback");
    assert!(warned(&["--bind", "[::1]:8000"]).is_empty());
    let w = warned(&["--bind", "0.0.0.0:8000"]);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("PUBLIC_URL") && w[0].contains("Secure"),
        "{w:?}"
    );
    assert!(
        warned(&[
            "--bind",
            "0.0.0.0:8000",
            "--public-url",
            "https://todo.example"
        ])
        .is_empty()
    );
}

#[test]
fn empty_values_of_optional_settings_mean_unset() {
    let c = parse(&[
        "--public-url",
        "",
        "--metrics-bind",
        " ",
        "--jwt-issuer",
        "",
    ])
    .expect("valid");
    assert_eq!(c.public_url, None);
    assert_eq!(c.metrics_bind, None);
    assert_eq!(c.jwt_issuer, None);
}

#[test]
fn secret_file_sits_next_to_the_database() {
    assert_eq!(
        secret_path_for_sqlite("sqlite://data/taskward.db?mode=rwc"),
        Some(PathBuf::from("data/taskward.db.secret"))
    );
    assert_eq!(secret_path_for_sqlite("sqlite::memory:"), None);
}
