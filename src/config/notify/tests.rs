//! The settings of notifications: each form of SMTP_URL and its mistakes, the sender, and
//! their problems as `taskward serve` reports them.

use clap::{FromArgMatches, Parser};
use secrecy::ExposeSecret;

use super::*;
use crate::config::{Config, problems};

/// `taskward serve`'s settings, parsed and checked as the binary does.
#[derive(Debug, Parser)]
struct Cli {
    #[command(flatten)]
    config: Config,
}

fn settings(args: &[&str]) -> Result<Config, Vec<String>> {
    let cmd = <Cli as clap::CommandFactory>::command();
    let args: Vec<std::ffi::OsString> = std::iter::once("taskward")
        .chain(args.iter().copied())
        .map(Into::into)
        .collect();
    match cmd.clone().try_get_matches_from(&args) {
        Ok(m) => {
            let mut c = Cli::from_arg_matches(&m).map_err(|e| vec![e.to_string()])?;
            c.config.check().map(|()| c.config)
        }
        Err(_) => Err(problems::all(&cmd, &args)),
    }
}

fn url(raw: &str) -> SmtpUrl {
    SmtpUrl::parse(raw).unwrap_or_else(|e| panic!("{raw}: {e}"))
}

#[test]
fn the_three_forms_of_smtp_url() {
    let starttls = url("smtp://mailer:s3cret@smtp.example.com");
    assert_eq!(starttls.security(), SmtpSecurity::StartTls);
    assert_eq!(
        (starttls.host(), starttls.port()),
        ("smtp.example.com", 587)
    );
    let (user, password) = starttls.credentials().expect("given");
    assert_eq!((user, password.expose_secret()), ("mailer", "s3cret"));

    let tls = url("smtps://mailer:s3cret@smtp.example.com/");
    assert_eq!((tls.security(), tls.port()), (SmtpSecurity::Tls, 465));

    let relay = url(" smtp://127.0.0.1:25?tls=off ");
    assert_eq!(relay.security(), SmtpSecurity::Off);
    assert_eq!((relay.host(), relay.port()), ("127.0.0.1", 25));
    assert!(relay.credentials().is_none());

    assert_eq!(
        url("smtp://h:2525?tls=starttls").security(),
        SmtpSecurity::StartTls
    );
    assert_eq!(url("smtp://[::1]:25?tls=off").host(), "::1");
    // A password on an unencrypted connection only to this machine.
    assert!(
        url("smtp://u:p@localhost:25?tls=off")
            .credentials()
            .is_some()
    );
}

#[test]
fn user_and_password_are_percent_decoded() {
    let u = url("smtps://me%40example.com:p%40ss%3Aw%2Fo%20rd%25@mail.example.com:2465");
    let (user, password) = u.credentials().expect("given");
    assert_eq!(user, "me@example.com");
    assert_eq!(password.expose_secret(), "p@ss:w/o rd%");
    assert_eq!(u.port(), 2465);
}

#[test]
fn display_and_debug_hide_the_password() {
    let u = url("smtp://me%40example.com:hunter2@mail.example.com");
    assert_eq!(
        u.to_string(),
        "smtp://me%40example.com:***@mail.example.com:587"
    );
    assert_eq!(format!("{u:?}"), u.to_string());
    assert_eq!(url("smtps://[::1]").to_string(), "smtps://[::1]:465");
    assert_eq!(
        url("smtp://relay:25?tls=off").to_string(),
        "smtp://relay:25?tls=off"
    );
    let c = settings(&[
        "--smtp-url",
        "smtp://me:hunter2@mail.example.com",
        "--smtp-from",
        "me@example.com",
    ])
    .expect("valid");
    assert!(!format!("{c:?}").contains("hunter2"));
}

#[test]
fn a_wrong_smtp_url_is_one_clear_sentence_without_the_password() {
    for (raw, why) in [
        ("mail.example.com", "not a valid URL"),
        ("https://u:hunter2@mail.example.com", "scheme `https`"),
        ("smtp://u:hunter2@:587", "not a valid URL (empty host)"),
        ("smtp:relay", "names no host"),
        ("smtp://u:hunter2@mail.example.com:0", "port 0"),
        ("smtp://u:hunter2@mail.example.com/inbox", "has a path"),
        (
            "smtp://u:hunter2@mail.example.com?auth=plain",
            "parameter `auth` is not known",
        ),
        (
            "smtp://mail.example.com?tls=maybe",
            "`tls=maybe` is not supported",
        ),
        ("smtp://mail.example.com?tls=off&tls=off", "`tls` twice"),
        (
            "smtps://u:hunter2@mail.example.com?tls=off",
            "always uses TLS",
        ),
        ("smtp://u@mail.example.com", "no password"),
        ("smtp://:hunter2@mail.example.com", "no user name"),
        (
            "smtp://u:hunter2@mail.example.com:25?tls=off",
            "unencrypted",
        ),
        (
            "smtp://u:%FF%FE@mail.example.com",
            "password that is not UTF-8",
        ),
    ] {
        let e = SmtpUrl::parse(raw).map(|u| u.to_string()).expect_err(raw);
        assert!(e.contains(why), "{raw}: {e}");
        assert!(!e.contains("hunter2"), "{raw}: {e}");
    }
}

#[test]
fn the_sender_is_a_mailbox() {
    assert_eq!(
        mailbox(" Taskward <taskward@example.com> ").as_deref(),
        Ok("Taskward <taskward@example.com>")
    );
    assert!(mailbox("taskward@example.com").is_ok());
    assert!(mailbox("\"Task, ward\" <t@example.com>").is_ok());
    for bad in [
        "taskward",
        "taskward@",
        "@example.com",
        "Taskward <t@example.com",
    ] {
        let e = mailbox(bad).expect_err(bad);
        assert!(e.contains("is not an email address"), "{bad}: {e}");
    }
}

#[test]
fn defaults_send_nothing_and_allow_no_private_target() {
    let c = Config::defaults();
    assert!(c.notify.smtp_url.is_none() && c.notify.smtp_from.is_none());
    assert_eq!(c.notify.outbound_allow_hosts, OutboundPolicy::default());
}

#[test]
fn wrong_settings_are_named_by_their_variables() {
    let problems = settings(&[
        "--outbound-allow-hosts",
        "ntfy.lan, http://x",
        "--smtp-url",
        "smtp://u:hunter2@mail.example.com?tls=no",
        "--smtp-from",
        "taskward",
    ])
    .expect_err("invalid");
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert!(
        problems[0].starts_with("OUTBOUND_ALLOW_HOSTS entry `http://x`"),
        "{problems:?}"
    );
    assert!(
        problems[1].starts_with("SMTP_URL parameter `tls=no`"),
        "{problems:?}"
    );
    assert!(
        problems[2].starts_with("SMTP_FROM `taskward` is not"),
        "{problems:?}"
    );
    assert!(!problems.concat().contains("hunter2"));
}

#[test]
fn smtp_url_needs_smtp_from() {
    let problems = settings(&["--smtp-url", "smtp://relay:25?tls=off"]).expect_err("no from");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].starts_with("SMTP_FROM must be set when SMTP_URL is"));
    let c = settings(&[
        "--smtp-url",
        "smtp://relay:25?tls=off",
        "--smtp-from",
        "Taskward <taskward@example.com>",
        "--outbound-allow-hosts",
        "ntfy.lan,10.0.0.0/8",
    ])
    .expect("valid");
    assert!(c.notify.smtp_url.is_some());
    assert!(
        c.notify
            .outbound_allow_hosts
            .check_url("http://ntfy.lan/t")
            .is_ok()
    );
    assert!(settings(&["--smtp-from", "a@example.com", "--smtp-url", " "]).is_ok());
}
