//! Sending one delivery over its channel: a mail ([`super::email`]), a Standard Webhooks
//! POST signed with the channel's secret, or an ntfy JSON publish; every request through
//! the outbound guard ([`crate::outbound`]). Each attempt ends in an [`Outcome`].

use std::net::IpAddr;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::json;
use sha2::Sha256;
use time::OffsetDateTime;
use url::Url;

use super::email::{MailError, Mailer};
use super::model::{Channel, ChannelKind, Claimed, Message, Outcome};
use crate::config::Config;
use crate::outbound::{OutboundClient, OutboundError, OutboundPolicy};

/// The senders of every channel kind, shared by the workers and the service.
#[derive(Clone)]
pub struct Senders {
    client: OutboundClient,
    retry_after: time::Duration,
    policy: Arc<OutboundPolicy>,
    mailer: Mailer,
}

impl Senders {
    /// From the settings (`OUTBOUND_ALLOW_HOSTS`, `SMTP_URL`, `SMTP_FROM`).
    pub fn new(config: &Config) -> Result<Self, String> {
        let policy = config.notify.outbound_allow_hosts.clone();
        Ok(Self {
            client: OutboundClient::new(policy.clone())?,
            retry_after: time::Duration::try_from(config.notify.reminder_retry_after)
                .map_err(|_| "REMINDER_RETRY_AFTER is too long".to_owned())?,
            policy: Arc::new(policy),
            mailer: Mailer::new(&config.notify)?,
        })
    }

    /// The wait before the first retry (`REMINDER_RETRY_AFTER`).
    pub fn retry_after(&self) -> time::Duration {
        self.retry_after
    }

    /// The mailer (`SMTP_URL`), shared with the account mails.
    pub fn mailer(&self) -> Mailer {
        self.mailer.clone()
    }

    /// Whether mail only goes to the log.
    pub fn mail_is_logged_only(&self) -> bool {
        self.mailer.is_logging_only()
    }

    /// Checks a webhook or ntfy URL when a channel is added: the guard's rules, a topic
    /// for ntfy, and every address its host resolves to now (a name that does not
    /// resolve yet is let through: it is checked again on every send).
    pub async fn check_target(&self, kind: ChannelKind, raw: &str) -> Result<Url, String> {
        let url = self.policy.check_url(raw)?;
        if kind == ChannelKind::Ntfy && ntfy_parts(&url).is_none() {
            return Err(
                "must be the URL of an ntfy topic, such as https://ntfy.sh/my-topic".into(),
            );
        }
        if let Some(url::Host::Domain(host)) = url.host() {
            let port = url.port_or_known_default().unwrap_or(443);
            if let Ok(addrs) = tokio::net::lookup_host((host, port)).await {
                let ips: Vec<IpAddr> = addrs.map(|a| a.ip()).collect();
                if !ips.is_empty() && !ips.iter().any(|ip| self.policy.allows(Some(host), *ip)) {
                    return Err(
                        "resolves to a private, loopback or link-local address (OUTBOUND_ALLOW_HOSTS can allow it)"
                            .into(),
                    );
                }
            }
        }
        Ok(url)
    }

    /// Makes one attempt of a claimed delivery at `now`.
    pub async fn send(&self, d: &Claimed, now: OffsetDateTime) -> Outcome {
        match d.channel.kind {
            ChannelKind::Email => self.email(&d.channel, &d.message).await,
            ChannelKind::Webhook => self.webhook(d, now).await,
            ChannelKind::Ntfy => self.ntfy(&d.channel, &d.message).await,
        }
    }

    async fn email(&self, channel: &Channel, m: &Message) -> Outcome {
        let mut body = m.text.clone();
        if let Some(link) = &m.link {
            body.push_str("\n\n");
            body.push_str(link);
        }
        body.push_str(
            "\n\n-- \nSent by Taskward. Change your reminders on the notifications page.\n",
        );
        match self.mailer.send(&channel.target, &m.title, &body).await {
            Ok(()) => Outcome::Delivered,
            Err(MailError::Transient(e)) => Outcome::Transient(e),
            Err(e @ (MailError::Address(_) | MailError::Rejected(_))) => {
                Outcome::Permanent(e.to_string())
            }
        }
    }

    async fn webhook(&self, d: &Claimed, now: OffsetDateTime) -> Outcome {
        let Some(secret) = d.channel.secret.as_deref() else {
            return Outcome::Permanent("the webhook channel has no secret".into());
        };
        let body = serde_json::to_vec(&d.message.event).unwrap_or_default();
        let id = d.id.to_string();
        let timestamp = now.unix_timestamp().to_string();
        let Some(signature) = sign(secret, &id, &timestamp, &body) else {
            return Outcome::Permanent("the webhook secret is not valid base64".into());
        };
        let headers = [
            ("webhook-id", id),
            ("webhook-timestamp", timestamp),
            ("webhook-signature", signature),
        ];
        outcome(
            self.client
                .post_json(&d.channel.target, &headers, body)
                .await,
        )
    }

    async fn ntfy(&self, channel: &Channel, m: &Message) -> Outcome {
        let Some((base, topic)) = Url::parse(&channel.target)
            .ok()
            .as_ref()
            .and_then(ntfy_parts)
        else {
            return Outcome::Permanent("the channel is not an ntfy topic URL".into());
        };
        let mut body = json!({
            "topic": topic,
            "title": m.title,
            "message": m.text,
            "priority": 4,
            "tags": ["alarm_clock"],
        });
        if let Some(link) = &m.link {
            body["click"] = json!(link);
        }
        let headers: Vec<(&str, String)> = channel
            .token
            .iter()
            .map(|t| ("authorization", format!("Bearer {t}")))
            .collect();
        let body = serde_json::to_vec(&body).unwrap_or_default();
        outcome(self.client.post_json(&base, &headers, body).await)
    }
}

/// An ntfy topic URL's server (where JSON is published) and topic: the last segment of
/// the path, the rest being the server's own path.
fn ntfy_parts(url: &Url) -> Option<(String, String)> {
    let path = url.path().trim_end_matches('/');
    let (prefix, topic) = path.rsplit_once('/')?;
    let valid = !topic.is_empty()
        && topic.len() <= 64
        && topic
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !valid {
        return None;
    }
    let mut base = url.clone();
    base.set_path(&format!("{prefix}/"));
    base.set_query(None);
    base.set_fragment(None);
    Some((base.to_string(), topic.to_owned()))
}

/// `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body` under the `whsec_` secret's
/// key (Standard Webhooks, "Signature scheme").
pub fn sign(secret: &str, id: &str, timestamp: &str, body: &[u8]) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(format!(
        "v1,{}",
        STANDARD.encode(mac.finalize().into_bytes())
    ))
}

/// What an HTTP answer means for a delivery: 2xx delivered; 408, 429 and 5xx worth a
/// retry; any other status refused for good (redirects are not followed).
fn outcome(answer: Result<crate::outbound::Answer, OutboundError>) -> Outcome {
    match answer {
        Ok(a) if (200..300).contains(&a.status) => Outcome::Delivered,
        Ok(a) if a.status == 408 || a.status == 429 || a.status >= 500 => {
            Outcome::Transient(format!("the receiver answered {}", a.status))
        }
        Ok(a) if (300..400).contains(&a.status) => Outcome::Permanent(format!(
            "the receiver answered {} (redirects are not followed)",
            a.status
        )),
        Ok(a) => Outcome::Permanent(format!("the receiver refused it ({})", a.status)),
        Err(OutboundError::Refused(why)) => Outcome::Permanent(why),
        Err(OutboundError::Timeout) => Outcome::Transient("no answer within 5 s".into()),
        Err(OutboundError::Network(why)) => Outcome::Transient(why),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ntfy_urls_split_into_server_and_topic() {
        let parts = |u: &str| ntfy_parts(&Url::parse(u).expect("url"));
        assert_eq!(
            parts("https://ntfy.sh/my-topic"),
            Some(("https://ntfy.sh/".into(), "my-topic".into()))
        );
        assert_eq!(
            parts("http://10.0.0.5:8080/ntfy/alerts/?x=1"),
            Some(("http://10.0.0.5:8080/ntfy/".into(), "alerts".into()))
        );
        assert_eq!(parts("https://ntfy.sh/"), None);
        assert_eq!(parts("https://ntfy.sh/a%20b"), None);
    }

    #[test]
    fn the_signature_is_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", body).as_deref(),
            Some("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        );
        assert_eq!(sign("whsec_***", "id", "1", b"{}"), None);
    }

    #[test]
    fn statuses_sort_into_outcomes() {
        let answer = |status| {
            Ok(crate::outbound::Answer {
                status,
                body: Vec::new(),
            })
        };
        assert_eq!(outcome(answer(204)), Outcome::Delivered);
        assert!(matches!(outcome(answer(503)), Outcome::Transient(_)));
        assert!(matches!(outcome(answer(429)), Outcome::Transient(_)));
        assert!(matches!(outcome(answer(410)), Outcome::Permanent(_)));
        assert!(matches!(outcome(answer(302)), Outcome::Permanent(_)));
        assert!(matches!(
            outcome(Err(OutboundError::Refused("private".into()))),
            Outcome::Permanent(_)
        ));
        assert!(matches!(
            outcome(Err(OutboundError::Timeout)),
            Outcome::Transient(_)
        ));
    }
}
