//! The notification API's wire format: the channel body, and channels and deliveries as
//! clients see them.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::api::wire::{Fields, body};
use crate::error::FieldError;
use crate::notify::ChannelRequest;
use crate::notify::model::{Channel, ChannelKind, Delivery};

/// Where a channel sends.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = ChannelKind)]
pub enum KindWire {
    /// Mail over SMTP to an address.
    Email,
    /// Standard Webhooks POSTs to a URL.
    Webhook,
    /// Notifications to an ntfy topic.
    Ntfy,
}

impl From<KindWire> for ChannelKind {
    fn from(k: KindWire) -> Self {
        match k {
            KindWire::Email => Self::Email,
            KindWire::Webhook => Self::Webhook,
            KindWire::Ntfy => Self::Ntfy,
        }
    }
}

impl From<ChannelKind> for KindWire {
    fn from(k: ChannelKind) -> Self {
        match k {
            ChannelKind::Email => Self::Email,
            ChannelKind::Webhook => Self::Webhook,
            ChannelKind::Ntfy => Self::Ntfy,
        }
    }
}

body! {
    /// A new channel. Unknown members are ignored.
    pub struct ChannelInput {
        /// `email`, `webhook` or `ntfy`.
        #[schema(required)]
        kind: KindWire,
        /// `email`: an address (absent or `null`: the account's own). `webhook`: an
        /// `https://` URL. `ntfy`: an `https://` topic URL such as
        /// `https://ntfy.sh/my-topic`. `http://` and private addresses only for hosts
        /// the operator allows (`OUTBOUND_ALLOW_HOSTS`).
        #[schema(nullable, max_length = 2048, example = "https://ntfy.sh/my-reminders")]
        target: String,
        /// `ntfy` only: an access token for a protected topic, sent as `Bearer`.
        #[schema(nullable, max_length = 200)]
        token: String,
    }
}

impl ChannelInput {
    /// The request, or one error per invalid member.
    pub fn into_request(self) -> Result<ChannelRequest, Vec<FieldError>> {
        let mut f = Fields::new();
        let kind = f.required("kind", self.kind, Ok);
        let target = f.optional("target", self.target, Some(None), |t| Ok(Some(t)));
        let token = f.optional("token", self.token, Some(None), |t| Ok(Some(t)));
        let request = (|| {
            Some(ChannelRequest {
                kind: kind?.into(),
                target: target?.flatten(),
                token: token?.flatten(),
            })
        })();
        f.finish(request)
    }
}

/// A notification channel as clients see it (never its token).
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Channel)]
pub struct ChannelView {
    id: Uuid,
    kind: KindWire,
    /// The address, or the URL.
    target: String,
    /// Whether reminders go to it.
    enabled: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    /// A webhook's signing secret (`whsec_...`): in the answer to its creation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    secret: Option<String>,
}

impl ChannelView {
    /// The channel without its secret.
    pub fn listed(c: Channel) -> Self {
        let mut view = Self::created(c);
        view.secret = None;
        view
    }

    /// The channel as just created: a webhook's with its secret.
    pub fn created(c: Channel) -> Self {
        Self {
            id: c.id,
            kind: c.kind.into(),
            target: c.target,
            enabled: c.enabled,
            created_at: c.created_at,
            secret: c.secret,
        }
    }
}

/// Where a delivery stands.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
#[schema(as = DeliveryStatus)]
pub enum StatusWire {
    /// Not yet tried.
    Pending,
    /// Accepted by the receiver.
    Delivered,
    /// Failed; tried again later (backoff from 30 s, for 24 h).
    Retrying,
    /// Given up on.
    Failed,
    /// Due while no node ran, more than 24 h before one did.
    Missed,
}

/// One delivery of a reminder (or test) to a channel.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Delivery)]
pub struct DeliveryView {
    /// Also the `webhook-id` of every attempt.
    id: Uuid,
    channel_id: Uuid,
    /// The task reminded of; `null` for a test or a deleted task.
    task_id: Option<Uuid>,
    status: StatusWire,
    attempts: i64,
    /// Why the last attempt failed.
    last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    scheduled_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    delivered_at: Option<OffsetDateTime>,
}

impl From<Delivery> for DeliveryView {
    fn from(d: Delivery) -> Self {
        use crate::notify::model::DeliveryStatus as S;
        Self {
            id: d.id,
            channel_id: d.channel_id,
            task_id: d.task_id,
            status: match d.status {
                S::Pending => StatusWire::Pending,
                S::Delivered => StatusWire::Delivered,
                S::Retrying => StatusWire::Retrying,
                S::Failed => StatusWire::Failed,
                S::Missed => StatusWire::Missed,
            },
            attempts: d.attempts,
            last_error: d.last_error,
            scheduled_at: d.scheduled_at,
            delivered_at: d.delivered_at,
        }
    }
}
