//! The mailer without a real SMTP server: the message it builds, the address it refuses,
//! the log it writes without `SMTP_URL`, and how it reads the answers of a scripted
//! one-connection server on loopback (the real one, aiosmtpd, is the integration tests').

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use super::*;
use crate::outbound::OutboundPolicy;

const PASSWORD: &str = "hunter2-secret";

fn settings(smtp_url: Option<&str>, from: Option<&str>) -> NotifyConfig {
    NotifyConfig {
        outbound_allow_hosts: OutboundPolicy::default(),
        smtp_url: smtp_url.map(|u| SmtpUrl::parse(u).expect("valid SMTP_URL")),
        smtp_from: from.map(str::to_owned),
        reminder_retry_after: std::time::Duration::from_secs(30),
    }
}

fn log_only() -> Mailer {
    Mailer::new(&settings(None, None)).expect("no SMTP_URL needs nothing")
}

/// A mailer to `port` on loopback without TLS, signing in with [`PASSWORD`].
fn to_port(port: u16) -> Mailer {
    let url = format!("smtp://taskward:{PASSWORD}@127.0.0.1:{port}?tls=off");
    Mailer::new(&settings(
        Some(&url),
        Some("Taskward <taskward@example.com>"),
    ))
    .expect("valid settings")
}

/// A server that takes one connection, answers `AUTH` with `auth` and `RCPT` with
/// `rcpt`, and returns everything it was sent.
fn scripted_server(auth: &'static str, rcpt: &'static str) -> (u16, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = listener.local_addr().expect("bound").port();
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().expect("the mailer connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut out = stream;
        let mut seen = String::new();
        let mut in_data = false;
        out.write_all(b"220 scripted ESMTP\r\n").expect("greeting");
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            seen.push_str(&line);
            let answer = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                "250 2.0.0 queued"
            } else {
                match line.get(..4).map(str::to_ascii_uppercase).as_deref() {
                    Some("EHLO") => "250-scripted\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME",
                    Some("AUTH") => auth,
                    Some("RCPT") => rcpt,
                    Some("DATA") => {
                        in_data = true;
                        "354 end with <CRLF>.<CRLF>"
                    }
                    Some("QUIT") => {
                        let _ = out.write_all(b"221 2.0.0 bye\r\n");
                        break;
                    }
                    _ => "250 2.0.0 ok",
                }
            };
            if out.write_all(format!("{answer}\r\n").as_bytes()).is_err() {
                break;
            }
        }
        seen
    });
    (port, server)
}

#[test]
fn the_message_is_plain_text_with_date_and_message_id() {
    let from: Mailbox = "Taskward <taskward@example.com>".parse().expect("mailbox");
    let to: Mailbox = "ann@example.org".parse().expect("mailbox");
    let subject = one_line("Reminder: Pay rent\r\nBcc: evil@example.com");
    let m = message(
        &from,
        to,
        &subject,
        "Due at 9:00.\nOpen Taskward to see it.",
    )
    .expect("builds");
    let text = String::from_utf8(m.formatted()).expect("ASCII");
    for header in [
        "From: Taskward <taskward@example.com>\r\n",
        "To: ann@example.org\r\n",
        "Subject: Reminder: Pay rent  Bcc: evil@example.com\r\n",
        "Content-Type: text/plain; charset=utf-8\r\n",
        "Date: ",
        "Message-ID: <",
    ] {
        assert!(text.contains(header), "{header:?} in {text}");
    }
    assert!(!text.contains("\r\nBcc:"), "{text}");
    let id = text
        .split("Message-ID: <")
        .nth(1)
        .and_then(|r| r.split('>').next());
    assert!(
        id.is_some_and(|id| id.ends_with("@example.com") && id.len() > 20),
        "{text}"
    );
    assert!(
        text.ends_with("\r\n\r\nDue at 9:00.\r\nOpen Taskward to see it."),
        "{text}"
    );
}

#[tokio::test]
async fn an_invalid_address_is_an_address_error() {
    for mailer in [log_only(), to_port(9)] {
        for bad in [
            "",
            "ann",
            "ann@",
            "<ann@example.com",
            "ann@example.com, bob@example.com",
        ] {
            let e = mailer.send(bad, "s", "b").await.expect_err(bad);
            assert!(matches!(e, MailError::Address(_)), "{bad}: {e:?}");
        }
    }
}

/// Whatever a test logs, as text.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("unpoisoned").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn without_smtp_url_the_message_is_logged_and_reported_sent() {
    let mailer = log_only();
    assert!(mailer.is_logging_only());
    assert_eq!(format!("{mailer:?}"), "Mailer(log only)");
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    mailer
        .send(
            "Ann <ann@example.org>",
            "Reminder: Pay rent",
            "Due at 9:00.\nSee you.",
        )
        .await
        .expect("logging succeeds");
    let log = String::from_utf8(captured.0.lock().expect("unpoisoned").clone()).expect("utf-8");
    for part in [
        "INFO taskward::mail",
        "email not sent (SMTP_URL is not set)",
        "to=Ann <ann@example.org>",
        "subject=\"Reminder: Pay rent\"",
        "body=\"Due at 9:00.\\nSee you.\"",
    ] {
        assert!(log.contains(part), "{part:?} in {log}");
    }
    assert_eq!(log.lines().count(), 1, "one line: {log}");
}

#[tokio::test]
async fn a_message_reaches_the_server_signed_in() {
    let (port, server) = scripted_server("235 2.7.0 ok", "250 2.1.5 ok");
    let mailer = to_port(port);
    assert!(!mailer.is_logging_only());
    let shown = format!("{mailer:?}");
    assert!(
        shown.contains("taskward:***@127.0.0.1") && !shown.contains(PASSWORD),
        "{shown}"
    );
    mailer
        .send("ann@example.org", "Reminder: Pay rent", "Due at 9:00.")
        .await
        .expect("sent");
    let seen = server.join().expect("server");
    for part in [
        "AUTH PLAIN ",
        "MAIL FROM:<taskward@example.com>",
        "RCPT TO:<ann@example.org>",
        "Subject: Reminder: Pay rent\r\n",
        "Message-ID: <",
        "\r\nDue at 9:00.\r\n.\r\n",
        "QUIT",
    ] {
        assert!(seen.contains(part), "{part:?} in {seen}");
    }
}

#[tokio::test]
async fn a_5xx_is_rejected_and_a_4xx_transient() {
    let (port, server) = scripted_server("235 2.7.0 ok", "550 5.1.1 no such user");
    let e = to_port(port)
        .send("nobody@example.org", "s", "b")
        .await
        .expect_err("550");
    assert!(
        matches!(&e, MailError::Rejected(t) if t.contains("550")),
        "{e:?}"
    );
    server.join().expect("server");

    let (port, server) = scripted_server("235 2.7.0 ok", "451 4.3.0 try again later");
    let e = to_port(port)
        .send("ann@example.org", "s", "b")
        .await
        .expect_err("451");
    assert!(
        matches!(&e, MailError::Transient(t) if t.contains("451")),
        "{e:?}"
    );
    server.join().expect("server");

    let (port, server) = scripted_server("535 5.7.8 bad credentials", "250 ok");
    let e = to_port(port)
        .send("ann@example.org", "s", "b")
        .await
        .expect_err("535");
    assert!(
        matches!(&e, MailError::Rejected(t) if t.contains("535")),
        "{e:?}"
    );
    assert!(!e.to_string().contains(PASSWORD), "{e}");
    server.join().expect("server");
}

#[tokio::test]
async fn an_unreachable_server_is_transient() {
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let e = to_port(port)
        .send("ann@example.org", "s", "b")
        .await
        .expect_err("refused");
    assert!(matches!(e, MailError::Transient(_)), "{e:?}");
    assert!(!e.to_string().contains(PASSWORD), "{e}");
}

#[test]
fn smtp_needs_a_sender_and_errors_hide_the_password() {
    let url = format!("smtp://u:{PASSWORD}@127.0.0.1:25?tls=off");
    let e = Mailer::new(&settings(Some(&url), None)).expect_err("no SMTP_FROM");
    assert!(e.contains("SMTP_FROM") && !e.contains(PASSWORD), "{e}");
    assert_eq!(
        scrub(
            format!("535 {PASSWORD} is wrong"),
            Some(&SecretString::from(PASSWORD))
        ),
        "535 *** is wrong"
    );
    // STARTTLS and TLS set up with the host's roots (the ring provider, no I/O yet).
    for url in ["smtp://u:p@smtp.example.com", "smtps://smtp.example.com"] {
        let m = Mailer::new(&settings(Some(url), Some("t@example.com")));
        assert!(m.is_ok(), "{url}: {m:?}");
    }
}
