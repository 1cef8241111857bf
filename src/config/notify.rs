//! The settings of notifications (issue 17, API-2.md section 3): where webhooks and ntfy
//! may reach beyond the public internet, and the SMTP server that sends reminder emails.
//! Flattened into [`super::Config`]; [`NotifyConfig::check`] is its part of
//! [`super::Config::check`].

use std::fmt;
use std::net::IpAddr;

use clap::Args;
use secrecy::SecretString;

use super::parse;
use super::redact_url;
use crate::outbound::OutboundPolicy;

/// The settings of reminders' channels.
#[derive(Debug, Clone, Args)]
pub struct NotifyConfig {
    /// Comma-separated host names, addresses or networks that webhooks and ntfy may reach
    /// although they are private or local, `http://` included (e.g. `ntfy.lan,
    /// 192.168.1.20, 10.0.0.0/8`); empty allows public `https://` targets only.
    #[arg(long, env = "OUTBOUND_ALLOW_HOSTS", default_value = "", value_parser = allow_hosts)]
    pub outbound_allow_hosts: OutboundPolicy,

    /// SMTP server for reminder emails: `smtp://USER:PASSWORD@HOST:587` (STARTTLS required),
    /// `smtps://USER:PASSWORD@HOST:465` (TLS from the start) or `smtp://HOST:25?tls=off` (no
    /// TLS, for a relay nearby; with a password only on localhost). User and password are
    /// percent-encoded. Unset: emails are written to the log instead.
    #[arg(long, env = "SMTP_URL", hide_env_values = true, default_value = "", hide_default_value = true,
        value_parser = parse::optional(SmtpUrl::parse))]
    pub smtp_url: std::option::Option<SmtpUrl>,

    /// Sender of reminder emails, `Taskward <taskward@example.com>` or a bare address.
    /// Required with `SMTP_URL`, on purpose without a default: an address at the SMTP
    /// server's host (often the provider's) would fail the receivers' SPF and DMARC checks.
    #[arg(long, env = "SMTP_FROM", default_value = "", hide_default_value = true,
        value_parser = parse::optional(mailbox))]
    pub smtp_from: std::option::Option<String>,

    /// The wait before the first retry of a reminder a receiver failed to take, e.g.
    /// `30s`; each next wait doubles (at most 2 h apart) until 24 h after the reminder's
    /// time, when the delivery is given up as failed.
    #[arg(long, env = "REMINDER_RETRY_AFTER", default_value = "30s", value_parser = parse::duration)]
    pub reminder_retry_after: std::time::Duration,
}

impl NotifyConfig {
    /// The settings of notifications that must fit together, one message per problem.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.smtp_url.is_some() && self.smtp_from.is_none() {
            problems.push("SMTP_FROM must be set when SMTP_URL is, to the sender of reminder emails (an address the SMTP server may send from), e.g. `Taskward <taskward@example.com>`".to_owned());
        }
        problems
    }
}

/// `OUTBOUND_ALLOW_HOSTS`, read by [`OutboundPolicy::parse`].
fn allow_hosts(raw: &str) -> Result<OutboundPolicy, String> {
    OutboundPolicy::parse(raw).map_err(|e| format!("entry {e}"))
}

/// A mailbox, `Name <address>` or a bare address, trimmed (lettre's reading of it: the one
/// the sender uses).
pub fn mailbox(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    match raw.parse::<lettre::message::Mailbox>() {
        Ok(_) => Ok(raw.to_owned()),
        Err(_) => Err(format!(
            "`{raw}` is not an email address; use e.g. `Taskward <taskward@example.com>` or taskward@example.com"
        )),
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// `smtp://`: a plain connection upgraded by STARTTLS, which the server must offer.
    StartTls,
    /// `smtps://`: TLS from the first byte (implicit TLS, RFC 8314).
    Tls,
    /// `smtp://...?tls=off`: no TLS at all, for a relay on this machine or network.
    Off,
}

/// `SMTP_URL`, read: where and how reminder emails are handed over. `Debug` and `Display`
/// show it with the password as `***`.
#[derive(Clone)]
pub struct SmtpUrl {
    security: SmtpSecurity,
    host: String,
    port: u16,
    user: Option<String>,
    password: Option<SecretString>,
}

/// The forms `SMTP_URL` takes, for messages.
const SMTP_FORMS: &str = "use smtp://USER:PASSWORD@HOST:587 (STARTTLS), smtps://USER:PASSWORD@HOST:465 (TLS) or smtp://HOST:25?tls=off";

impl SmtpUrl {
    /// Parses an `SMTP_URL`, saying what is wrong when it cannot be used (the message
    /// follows the setting's name and never shows the password).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        // Without user information there is no password to hide.
        let shown = if raw.contains('@') {
            redact_url(raw)
        } else {
            raw.to_owned()
        };
        let url = url::Url::parse(raw)
            .map_err(|e| format!("`{shown}` is not a valid URL ({e}); {SMTP_FORMS}"))?;
        let (mut security, default_port) = match url.scheme() {
            "smtp" => (SmtpSecurity::StartTls, 587),
            "smtps" => (SmtpSecurity::Tls, 465),
            other => return Err(format!("scheme `{other}` is not supported; {SMTP_FORMS}")),
        };
        let host = match url.host() {
            Some(url::Host::Domain(name)) if !name.is_empty() => name.to_owned(),
            Some(url::Host::Ipv4(ip)) => ip.to_string(),
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => return Err(format!("`{shown}` names no host; {SMTP_FORMS}")),
        };
        let port = match url.port().unwrap_or(default_port) {
            0 => return Err(format!("`{shown}` has port 0")),
            port => port,
        };
        if !matches!(url.path(), "" | "/") || url.fragment().is_some() {
            return Err(format!(
                "`{shown}` has a path; an SMTP URL is only a server, {SMTP_FORMS}"
            ));
        }
        let mut tls_given = false;
        for (key, value) in url.query_pairs() {
            if key != "tls" {
                return Err(format!(
                    "parameter `{key}` is not known; the only one is `tls=off` (no TLS, smtp:// only)"
                ));
            }
            if std::mem::replace(&mut tls_given, true) {
                return Err("gives the parameter `tls` twice".into());
            }
            security = match (security, value.as_ref()) {
                (SmtpSecurity::StartTls, "off") => SmtpSecurity::Off,
                (SmtpSecurity::StartTls, "starttls") => SmtpSecurity::StartTls,
                (SmtpSecurity::Tls, _) => {
                    return Err("parameter `tls` does not apply to smtps://, which always uses TLS; for no TLS use smtp://HOST:25?tls=off".into());
                }
                (_, other) => {
                    return Err(format!(
                        "parameter `tls={other}` is not supported; use `tls=off` for no TLS, or leave it out for STARTTLS"
                    ));
                }
            };
        }
        let user = Some(decode(url.username(), "user name")?).filter(|u| !u.is_empty());
        let password = url.password().map(|p| decode(p, "password")).transpose()?;
        match (&user, &password) {
            (Some(_), None) => return Err(format!("`{shown}` has a user name but no password")),
            (None, Some(_)) => return Err(format!("`{shown}` has a password but no user name")),
            (Some(_), Some(_)) if security == SmtpSecurity::Off && !is_loopback(&host) => {
                return Err(format!(
                    "`{shown}` would send the password unencrypted (tls=off) to {host}; use smtp:// (STARTTLS) or smtps://, or no user and password for a relay"
                ));
            }
            _ => {}
        }
        Ok(Self {
            security,
            host,
            port,
            user,
            password: password.map(SecretString::from),
        })
    }

    /// STARTTLS, TLS or none.
    pub fn security(&self) -> SmtpSecurity {
        self.security
    }

    /// The server's name or address (an IPv6 address without brackets).
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The server's port: as given, else 587 for `smtp://` and 465 for `smtps://`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The user name and password to authenticate with, percent-decoded, when given.
    pub fn credentials(&self) -> Option<(&str, &SecretString)> {
        Some((self.user.as_deref()?, self.password.as_ref()?))
    }
}

impl fmt::Display for SmtpUrl {
    /// The URL with the password as `***`, safe for logs and messages.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = if self.security == SmtpSecurity::Tls {
            "smtps"
        } else {
            "smtp"
        };
        write!(f, "{scheme}://")?;
        if let Some(user) = &self.user {
            let user = percent_encoding::utf8_percent_encode(user, USERINFO);
            write!(f, "{user}:***@")?;
        }
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)?;
        } else {
            write!(f, "{}:{}", self.host, self.port)?;
        }
        if self.security == SmtpSecurity::Off {
            f.write_str("?tls=off")?;
        }
        Ok(())
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// What a user name shown in a URL has encoded.
const USERINFO: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// A percent-decoded part of the URL's user information (`what` names it; the message never
/// shows it).
fn decode(encoded: &str, what: &str) -> Result<String, String> {
    percent_encoding::percent_decode_str(encoded)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| format!("has a {what} that is not UTF-8 once percent-decoded"))
}

/// `localhost` or a loopback address: a relay on this machine.
fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests;
