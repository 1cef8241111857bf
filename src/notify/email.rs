//! Email, the channel every account has: plain-text messages handed to the SMTP server of
//! `SMTP_URL` (lettre on tokio; STARTTLS or TLS through rustls with the ring provider,
//! certificates checked against the host's roots), or, with no `SMTP_URL`, written to the
//! log under the target `taskward::mail`, so that a first run needs nothing
//! (API-2.md section 3).
//!
//! Each message is its own connection, closed after it (no pool: nothing runs in the
//! background between reminders). The password is only handed to lettre: it is in no log
//! line and no error text.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

use crate::config::notify::{NotifyConfig, SmtpSecurity, SmtpUrl};

/// Longest time one message may take, from connecting to the server's last answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// The log target of messages not sent for want of `SMTP_URL`.
const LOG_TARGET: &str = "taskward::mail";

/// Why a message was not sent.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The address is not valid.
    #[error("{0}")]
    Address(String),
    /// The server refused permanently (5xx): do not retry.
    #[error("{0}")]
    Rejected(String),
    /// Could not reach the server, or a 4xx: retry later.
    #[error("{0}")]
    Transient(String),
}

/// Sends reminder emails. Cheap to clone: every clone shares one transport.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<Inner>,
}

enum Inner {
    /// No `SMTP_URL`: each message goes to the log.
    Log { from: Option<String> },
    /// Through the SMTP server.
    Smtp(Box<Smtp>),
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// `SMTP_URL` with the password hidden, for `Debug`.
    server: String,
    /// Only to take it out of error texts, should a server ever repeat it.
    password: Option<SecretString>,
}

impl Mailer {
    /// From the settings: with no `SMTP_URL`, a mailer that writes each message to the log
    /// (`tracing::info!` with target `taskward::mail`, marked "email not sent (SMTP_URL is
    /// not set)", with to, subject and body) and reports success. Fails when `SMTP_FROM`
    /// is missing or TLS cannot be set up (e.g. the host has no certificate roots).
    pub fn new(notify: &NotifyConfig) -> Result<Self, String> {
        let Some(url) = &notify.smtp_url else {
            let from = notify.smtp_from.clone();
            return Ok(Self {
                inner: Arc::new(Inner::Log { from }),
            });
        };
        let from = notify
            .smtp_from
            .as_deref()
            .ok_or("SMTP_FROM must be set when SMTP_URL is")?;
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("SMTP_FROM `{from}` is not an email address ({e})"))?;
        Ok(Self {
            inner: Arc::new(Inner::Smtp(Box::new(Smtp {
                transport: transport(url)?,
                from,
                server: url.to_string(),
                password: url.credentials().map(|(_, p)| p.clone()),
            }))),
        })
    }

    /// Whether messages only go to the log (no `SMTP_URL`).
    pub fn is_logging_only(&self) -> bool {
        matches!(*self.inner, Inner::Log { .. })
    }

    /// Sends one plain-text message to `to` (`Name <address>` or a bare address); 10 s
    /// timeout overall.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), MailError> {
        let to: Mailbox = to.trim().parse().map_err(|e| {
            MailError::Address(format!("`{}` is not an email address ({e})", to.trim()))
        })?;
        let subject = one_line(subject);
        let smtp = match &*self.inner {
            Inner::Smtp(smtp) => smtp,
            Inner::Log { from } => {
                let from = from.as_deref().unwrap_or("(SMTP_FROM is not set)");
                tracing::info!(target: LOG_TARGET, %to, from, subject, body, "email not sent (SMTP_URL is not set)");
                return Ok(());
            }
        };
        let message = message(&smtp.from, to, &subject, body)?;
        match tokio::time::timeout(TIMEOUT, smtp.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => {
                let text = scrub(e.to_string(), smtp.password.as_ref());
                if e.is_permanent() {
                    Err(MailError::Rejected(format!(
                        "the mail server refused the message: {text}"
                    )))
                } else {
                    Err(MailError::Transient(format!(
                        "the mail server did not take the message: {text}"
                    )))
                }
            }
            Err(_) => Err(MailError::Transient(format!(
                "the mail server did not take the message within {} s",
                TIMEOUT.as_secs()
            ))),
        }
    }
}

impl fmt::Debug for Mailer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.inner {
            Inner::Log { .. } => f.write_str("Mailer(log only)"),
            Inner::Smtp(smtp) => write!(f, "Mailer({} from {})", smtp.server, smtp.from),
        }
    }
}

/// The transport to `url`'s server, with its TLS and credentials.
fn transport(url: &SmtpUrl) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = |host: &str| {
        TlsParameters::new_rustls(host.to_owned())
            .map_err(|e| format!("SMTP_URL {url}: TLS cannot be set up ({e})"))
    };
    let tls = match url.security() {
        SmtpSecurity::StartTls => Tls::Required(tls(url.host())?),
        SmtpSecurity::Tls => Tls::Wrapper(tls(url.host())?),
        SmtpSecurity::Off => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host())
        .port(url.port())
        .tls(tls)
        .timeout(Some(TIMEOUT));
    if let Some((user, password)) = url.credentials() {
        let password = password.expose_secret().to_owned();
        builder = builder.credentials(Credentials::new(user.to_owned(), password));
    }
    Ok(builder.build())
}

/// One plain-text message (UTF-8), with a `Date` and a `Message-ID` at the sender's domain.
fn message(from: &Mailbox, to: Mailbox, subject: &str, body: &str) -> Result<Message, MailError> {
    let id = format!(
        "<{}@{}>",
        uuid::Uuid::now_v7().simple(),
        from.email.domain()
    );
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .date_now()
        .message_id(Some(id))
        .header(ContentType::TEXT_PLAIN)
        .body(body.to_owned())
        .map_err(|e| MailError::Address(format!("the message cannot be built: {e}")))
}

/// A subject on one line: line breaks and other control characters become spaces.
fn one_line(subject: &str) -> String {
    subject
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// `text` without the password, should a server or library ever repeat it.
fn scrub(text: String, password: Option<&SecretString>) -> String {
    match password.map(|p| p.expose_secret()) {
        Some(p) if !p.is_empty() && text.contains(p) => text.replace(p, "***"),
        _ => text,
    }
}

#[cfg(test)]
mod tests;
