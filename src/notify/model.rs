//! The values of notifications (API-2.md section 3): a user's channels, the deliveries of
//! reminders to them, and the rules of retrying. Pure values.

use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// At most this many channels per user.
pub const MAX_CHANNELS: usize = 10;

/// How long a failing delivery is retried before it is `failed`; also how late a
/// reminder may be sent before it is `missed` instead.
pub const RETRY_FOR: Duration = Duration::hours(24);

/// The longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::hours(2);

/// Where a channel sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelKind {
    /// A mail over SMTP.
    Email,
    /// A Standard Webhooks POST.
    Webhook,
    /// An ntfy topic.
    Ntfy,
}

impl ChannelKind {
    /// The name in the API and the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Webhook => "webhook",
            Self::Ntfy => "ntfy",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "email" => Some(Self::Email),
            "webhook" => Some(Self::Webhook),
            "ntfy" => Some(Self::Ntfy),
            _ => None,
        }
    }
}

/// A notification channel of a user.
#[derive(Clone, PartialEq, Eq)]
pub struct Channel {
    /// Its id.
    pub id: Uuid,
    /// The user it belongs to.
    pub user_id: Uuid,
    /// What it is.
    pub kind: ChannelKind,
    /// An email address, a webhook URL or an ntfy topic URL.
    pub target: String,
    /// A webhook's signing secret (`whsec_` and base64).
    pub secret: Option<String>,
    /// An ntfy access token.
    pub token: Option<String>,
    /// Whether reminders go to it.
    pub enabled: bool,
    /// When it was added.
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for Channel {
    /// Never the secret or the token.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("target", &self.target)
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not yet tried.
    Pending,
    /// Sent and accepted.
    Delivered,
    /// Tried and failed; tried again later.
    Retrying,
    /// Given up on.
    Failed,
    /// Due while no node ran, too long ago to send.
    Missed,
}

impl DeliveryStatus {
    /// The name in the API and the database.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Retrying => "retrying",
            Self::Failed => "failed",
            Self::Missed => "missed",
        }
    }

    /// The status named `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(Self::Pending),
            "delivered" => Some(Self::Delivered),
            "retrying" => Some(Self::Retrying),
            "failed" => Some(Self::Failed),
            "missed" => Some(Self::Missed),
            _ => None,
        }
    }
}

/// A delivery of one reminder (or test) to one channel, as its user sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id: the `webhook-id` of every attempt.
    pub id: Uuid,
    /// The channel.
    pub channel_id: Uuid,
    /// The task reminded of (`None` for a test, or once the task is deleted).
    pub task_id: Option<Uuid>,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// When it was due.
    pub scheduled_at: OffsetDateTime,
    /// When it was accepted.
    pub delivered_at: Option<OffsetDateTime>,
    /// What it said: the task's title when the reminder went out, or the test's title.
    pub title: String,
    /// Whether it is a test notification rather than a reminder of a task.
    pub test: bool,
}

/// The webhook event type of a test notification.
pub const TEST_EVENT: &str = "notification.test";

/// What a delivery sends, fixed when it is made so that every attempt sends the same.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Message {
    /// A line: the mail's subject, the ntfy title.
    pub title: String,
    /// A few lines: the mail's body, the ntfy message.
    pub text: String,
    /// A link to the task in the web app, when the public URL is known.
    pub link: Option<String>,
    /// The webhook's JSON body (`{"type", "timestamp", "data"}`).
    pub event: serde_json::Value,
}

impl Message {
    /// Whether it is a test notification.
    pub fn is_test(&self) -> bool {
        self.event["type"] == TEST_EVENT
    }

    /// The title and whether it is a test, of the stored message `text` (empty and
    /// `false` for a text that does not read).
    pub fn about(text: &str) -> (String, bool) {
        serde_json::from_str::<Self>(text).map_or((String::new(), false), |m| {
            let test = m.is_test();
            (m.title, test)
        })
    }
}

/// A new delivery.
#[derive(Debug, Clone)]
pub struct NewDelivery {
    /// Its id (UUIDv7: newest last).
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The channel.
    pub channel_id: Uuid,
    /// The task, for a reminder.
    pub task_id: Option<Uuid>,
    /// `Pending`, or `Missed` for a reminder too late to send.
    pub status: DeliveryStatus,
    /// When it was due.
    pub scheduled_at: OffsetDateTime,
    /// What it sends.
    pub message: Message,
}

/// A delivery claimed by a worker, with its channel, to send now.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The delivery's id (the `webhook-id`).
    pub id: Uuid,
    /// The attempt this is (1 for the first).
    pub attempt: i64,
    /// When it was due.
    pub scheduled_at: OffsetDateTime,
    /// Where it goes.
    pub channel: Channel,
    /// What it sends.
    pub message: Message,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted.
    Delivered,
    /// Failed; worth trying again (a timeout, a 5xx, a 408 or 429, a refused connection).
    Transient(String),
    /// Failed for good (the target refuses it: a 4xx, a bad address, a forbidden target).
    Permanent(String),
}

/// What to record after an attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    /// The new status.
    pub status: DeliveryStatus,
    /// The error to show, if it failed.
    pub last_error: Option<String>,
    /// When to try again (`None`: final).
    pub next_attempt_at: Option<OffsetDateTime>,
    /// When it was accepted.
    pub delivered_at: Option<OffsetDateTime>,
}

impl Outcome {
    /// What attempt number `attempt` of a delivery due at `scheduled_at` leads to at
    /// `now`: delivered; retried after `first` (`REMINDER_RETRY_AFTER`, 30 s by
    /// default), then twice as long each time (at most 2 h apart) while the next try is
    /// within 24 h of when it was due; else failed.
    pub fn settle(
        self,
        attempt: i64,
        first: Duration,
        scheduled_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Settled {
        match self {
            Self::Delivered => Settled {
                status: DeliveryStatus::Delivered,
                last_error: None,
                next_attempt_at: None,
                delivered_at: Some(now),
            },
            Self::Permanent(e) => Settled {
                status: DeliveryStatus::Failed,
                last_error: Some(e),
                next_attempt_at: None,
                delivered_at: None,
            },
            Self::Transient(e) => {
                let next = now + backoff(attempt, first);
                let retry = next <= scheduled_at + RETRY_FOR;
                Settled {
                    status: if retry {
                        DeliveryStatus::Retrying
                    } else {
                        DeliveryStatus::Failed
                    },
                    last_error: Some(e),
                    next_attempt_at: retry.then_some(next),
                    delivered_at: None,
                }
            }
        }
    }
}

/// The wait after failed attempt number `attempt` (1 for the first), the first being
/// `first`.
pub fn backoff(attempt: i64, first: Duration) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    let wait = first.saturating_mul(2_i32.saturating_pow(doublings));
    wait.min(MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    const FIRST: Duration = Duration::seconds(30);

    #[test]
    fn backoff_doubles_from_the_first_wait_up_to_two_hours() {
        assert_eq!(backoff(1, FIRST), Duration::seconds(30));
        assert_eq!(backoff(2, FIRST), Duration::seconds(60));
        assert_eq!(backoff(3, FIRST), Duration::seconds(120));
        assert_eq!(backoff(8, FIRST), Duration::seconds(30 * 128));
        assert_eq!(backoff(9, FIRST), MAX_BACKOFF, "not 30 s x 256");
        assert_eq!(backoff(1000, FIRST), MAX_BACKOFF);
        assert_eq!(backoff(3, Duration::seconds(1)), Duration::seconds(4));
    }

    #[test]
    fn transient_failures_retry_for_a_day_then_fail() {
        let due = datetime!(2026-12-04 9:00 UTC);
        let s = Outcome::Transient("503".into()).settle(1, FIRST, due, due);
        assert_eq!(s.status, DeliveryStatus::Retrying);
        assert_eq!(s.next_attempt_at, Some(due + Duration::seconds(30)));
        let late = due + Duration::hours(23) + Duration::minutes(30);
        let s = Outcome::Transient("503".into()).settle(12, FIRST, due, late);
        assert_eq!(
            s.status,
            DeliveryStatus::Failed,
            "the next try is past 24 h"
        );
        assert_eq!(s.next_attempt_at, None);
        assert_eq!(s.last_error.as_deref(), Some("503"));
        let s = Outcome::Permanent("410".into()).settle(1, FIRST, due, due);
        assert_eq!(s.status, DeliveryStatus::Failed);
        let s = Outcome::Delivered.settle(3, FIRST, due, late);
        assert_eq!(
            (s.status, s.delivered_at),
            (DeliveryStatus::Delivered, Some(late))
        );
    }

    #[test]
    fn a_stored_message_says_what_it_was_about() {
        let message = |kind: &str| Message {
            title: "Stand up".into(),
            text: String::new(),
            link: None,
            event: serde_json::json!({"type": kind}),
        };
        let text = |m: &Message| serde_json::to_string(m).expect("json");
        assert_eq!(
            Message::about(&text(&message("task.reminder"))),
            ("Stand up".to_owned(), false)
        );
        assert_eq!(
            Message::about(&text(&message(TEST_EVENT))),
            ("Stand up".to_owned(), true)
        );
        assert_eq!(Message::about("not json"), (String::new(), false));
    }

    #[test]
    fn names_round_trip() {
        for k in [ChannelKind::Email, ChannelKind::Webhook, ChannelKind::Ntfy] {
            assert_eq!(ChannelKind::from_name(k.name()), Some(k));
        }
        for s in [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Retrying,
            DeliveryStatus::Failed,
            DeliveryStatus::Missed,
        ] {
            assert_eq!(DeliveryStatus::from_name(s.name()), Some(s));
        }
        assert_eq!(ChannelKind::from_name("sms"), None);
    }
}
