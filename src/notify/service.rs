//! The notification service: a user's channels (adding one checks its target; a webhook
//! gets its signing secret), a test notification, and the recent deliveries (API-2.md
//! section 3). The sending is the worker's ([`super::worker`]).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use uuid::Uuid;

use super::model::{
    Channel, ChannelKind, Delivery, DeliveryStatus, MAX_CHANNELS, Message, NewDelivery, TEST_EVENT,
};
use super::send::Senders;
use crate::auth::model::Email;
use crate::error::{AppError, AppResult, FieldError};
use crate::store::{NotifyStore, UserStore};
use crate::timestamp::now;

/// The longest ntfy access token.
const MAX_TOKEN: usize = 200;

/// A channel to add, as a client asks for it.
#[derive(Debug, Clone)]
pub struct ChannelRequest {
    /// The kind.
    pub kind: ChannelKind,
    /// The address or URL; an email channel without one uses the account's address.
    pub target: Option<String>,
    /// An ntfy access token.
    pub token: Option<String>,
}

/// The channels and deliveries of every user.
#[derive(Clone)]
pub struct Notifications {
    pub(super) store: Arc<dyn NotifyStore>,
    users: Arc<dyn UserStore>,
    pub(super) senders: Senders,
}

fn no_channel() -> AppError {
    AppError::NotFound("there is no notification channel with this id".into())
}

/// A new webhook secret: `whsec_` and 24 random bytes in base64 (Standard Webhooks).
fn new_secret() -> AppResult<String> {
    let mut key = [0u8; 24];
    getrandom::fill(&mut key)
        .map_err(|e| AppError::Internal(format!("no randomness for a webhook secret: {e}")))?;
    Ok(format!("whsec_{}", STANDARD.encode(key)))
}

impl Notifications {
    /// The service over the store, sending with `senders`.
    pub fn new(store: Arc<dyn NotifyStore>, users: Arc<dyn UserStore>, senders: Senders) -> Self {
        Self {
            store,
            users,
            senders,
        }
    }

    /// The senders, for the worker.
    pub fn senders(&self) -> &Senders {
        &self.senders
    }

    /// Whether mail only goes to the log (no `SMTP_URL`).
    pub fn mail_is_logged_only(&self) -> bool {
        self.senders.mail_is_logged_only()
    }

    /// The channels of `user_id`, oldest first.
    pub async fn channels(&self, user_id: Uuid) -> AppResult<Vec<Channel>> {
        Ok(self.store.channels_of(user_id).await?)
    }

    /// Adds a channel for `user_id` (`422` naming the field for a bad target or token,
    /// or when they have [`MAX_CHANNELS`]); a webhook's secret is in the result, the only
    /// time it is shown.
    pub async fn add_channel(&self, user_id: Uuid, req: ChannelRequest) -> AppResult<Channel> {
        let target = match req.kind {
            ChannelKind::Email => match req.target.as_deref().map(str::trim) {
                Some(t) if !t.is_empty() => Email::parse(t)
                    .map_err(|e| FieldError::new("target", e.message))?
                    .as_str()
                    .to_owned(),
                _ => {
                    self.users
                        .user_by_id(user_id)
                        .await?
                        .ok_or_else(AppError::not_found)?
                        .email
                }
            },
            ChannelKind::Webhook | ChannelKind::Ntfy => {
                let raw = req.target.as_deref().unwrap_or_default();
                let url = self
                    .senders
                    .check_target(req.kind, raw)
                    .await
                    .map_err(|why| FieldError::new("target", why))?;
                url.to_string()
            }
        };
        let token = match (req.kind, req.token.as_deref().map(str::trim)) {
            (_, None | Some("")) => None,
            (ChannelKind::Ntfy, Some(t))
                if t.len() <= MAX_TOKEN && t.bytes().all(|b| b.is_ascii_graphic()) =>
            {
                Some(t.to_owned())
            }
            (ChannelKind::Ntfy, Some(_)) => {
                return Err(FieldError::new(
                    "token",
                    format!("must be an ntfy access token: up to {MAX_TOKEN} printable characters without spaces"),
                )
                .into());
            }
            (_, Some(_)) => {
                return Err(FieldError::new("token", "is only for ntfy channels").into());
            }
        };
        let channel = Channel {
            id: Uuid::now_v7(),
            user_id,
            kind: req.kind,
            target,
            secret: (req.kind == ChannelKind::Webhook)
                .then(new_secret)
                .transpose()?,
            token,
            enabled: true,
            created_at: now(),
        };
        if !self.store.channel_insert(&channel, MAX_CHANNELS).await? {
            return Err(FieldError::new(
                "kind",
                format!("you have {MAX_CHANNELS} channels already: delete one first"),
            )
            .into());
        }
        Ok(channel)
    }

    /// Deletes a channel of `user_id` with its deliveries.
    pub async fn delete_channel(&self, user_id: Uuid, id: Uuid) -> AppResult<()> {
        if self.store.channel_delete(user_id, id).await? {
            Ok(())
        } else {
            Err(no_channel())
        }
    }

    /// Queues a test notification to a channel of `user_id`, sent at once by a worker.
    pub async fn test(&self, user_id: Uuid, id: Uuid) -> AppResult<Delivery> {
        let channel = self
            .store
            .channel_get(user_id, id)
            .await?
            .ok_or_else(no_channel)?;
        let at = now();
        let stamp = crate::timestamp::format_rfc3339(at);
        let delivery = NewDelivery {
            id: Uuid::now_v7(),
            user_id,
            channel_id: channel.id,
            task_id: None,
            status: DeliveryStatus::Pending,
            scheduled_at: at,
            message: Message {
                title: "Taskward test notification".into(),
                text: format!(
                    "This is a test from Taskward: reminders reach this {} channel.",
                    channel.kind.name()
                ),
                link: None,
                event: json!({
                    "type": TEST_EVENT,
                    "timestamp": stamp,
                    "data": {"channel_id": channel.id},
                }),
            },
        };
        self.store
            .deliveries_insert(std::slice::from_ref(&delivery))
            .await?;
        Ok(Delivery {
            title: delivery.message.title,
            test: true,
            id: delivery.id,
            channel_id: channel.id,
            task_id: None,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_error: None,
            scheduled_at: at,
            delivered_at: None,
        })
    }

    /// Up to `limit` deliveries of `user_id`, newest first, after the cursor `before`.
    pub async fn deliveries(
        &self,
        user_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> AppResult<Vec<Delivery>> {
        Ok(self.store.deliveries_of(user_id, before, limit).await?)
    }
}
