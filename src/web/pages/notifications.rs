//! The notifications page: the user's channels (each with "Send a test" and "Delete",
//! which asks first), the form to add one, a new webhook's secret shown once, and the
//! recent deliveries with their status.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use uuid::Uuid;

use super::task_form::{Opt, field_errors, options};
use super::task_row::Clock;
use super::{Chrome, IdPath as ChannelPath};
use crate::error::AppError;
use crate::notify::ChannelRequest;
use crate::notify::model::{Channel, ChannelKind, Delivery, DeliveryStatus, MAX_CHANNELS};
use crate::state::AppState;
use crate::web::error::WebError;
use crate::web::forms::{CsrfForm, Errors};
use crate::web::see_other;
use crate::web::session::SignedIn;

/// The deliveries shown, newest first.
const RECENT: u32 = 20;

/// The kinds of channel, as (value, label).
const KINDS: &[(&str, &str)] = &[
    ("email", "Email"),
    ("ntfy", "ntfy (phone notifications)"),
    ("webhook", "Webhook (Standard Webhooks)"),
];

/// The routes of this module.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/notifications", get(notifications_page))
        .route("/notifications/channels", post(channel_add))
        .route("/notifications/channels/{id}/test", post(channel_test))
        .route(
            "/notifications/channels/{id}/delete",
            get(channel_delete_page).post(channel_delete),
        )
}

/// A channel as the page lists it.
struct ChannelRow {
    id: Uuid,
    kind: &'static str,
    target: String,
    created: String,
}

/// A delivery as the page lists it.
struct DeliveryRow {
    /// When it was due, in the user's zone.
    when: String,
    /// "Email: ada@example.com".
    channel: String,
    /// "Test", or the task's title.
    about: String,
    /// The task's edit page, while the task exists.
    task_link: Option<String>,
    /// The status's name, for the style.
    status: &'static str,
    /// The status in words.
    label: &'static str,
    attempts: i64,
    last_error: Option<String>,
    /// When it was accepted.
    delivered: Option<String>,
}

/// A webhook just added, with its secret.
struct Created {
    target: String,
    secret: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    channels: Vec<ChannelRow>,
    deliveries: Vec<DeliveryRow>,
    kind_opts: Vec<Opt>,
    form: ChannelForm,
    errors: Errors,
    /// A webhook just added: its secret, shown this once.
    created: Option<Created>,
    /// Whether emails only go to the server's log (no `SMTP_URL`).
    mail_logged_only: bool,
    /// The account's address, where an email channel without one sends.
    email: String,
    /// Whether the user has as many channels as allowed.
    full: bool,
    max: usize,
}

/// A new channel, as typed.
#[derive(Deserialize, Default)]
struct ChannelForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    token: String,
}

impl ChannelForm {
    fn request(&self) -> Result<ChannelRequest, Errors> {
        let Some(kind) = ChannelKind::from_name(self.kind.trim()) else {
            let mut errors = Errors::default();
            errors.add("kind", "must be one of the choices");
            return Err(errors);
        };
        let given = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(ChannelRequest {
            kind,
            target: given(&self.target),
            token: given(&self.token),
        })
    }
}

fn kind_label(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::Email => "Email",
        ChannelKind::Webhook => "Webhook",
        ChannelKind::Ntfy => "ntfy",
    }
}

fn status_label(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => "Waiting to be sent",
        DeliveryStatus::Delivered => "Delivered",
        DeliveryStatus::Retrying => "Failed, will try again",
        DeliveryStatus::Failed => "Failed",
        DeliveryStatus::Missed => "Missed (no server was running)",
    }
}

fn delivery_row(d: Delivery, channels: &[Channel], clock: &Clock) -> DeliveryRow {
    let channel = channels.iter().find(|c| c.id == d.channel_id).map_or_else(
        || "A deleted channel".to_owned(),
        |c| format!("{}: {}", kind_label(c.kind), c.target),
    );
    let title = if d.title.is_empty() {
        "A task".to_owned()
    } else {
        d.title
    };
    let about = match (d.test, d.task_id) {
        (true, _) => "Test".to_owned(),
        (false, Some(_)) => title,
        (false, None) => format!("{title} (deleted)"),
    };
    DeliveryRow {
        when: clock.instant(d.scheduled_at),
        channel,
        about,
        task_link: d
            .task_id
            .filter(|_| !d.test)
            .map(|id| format!("/tasks/{id}/edit?back=/notifications")),
        status: d.status.name(),
        label: status_label(d.status),
        attempts: d.attempts,
        last_error: d.last_error,
        delivered: d.delivered_at.map(|at| clock.instant(at)),
    }
}

/// The page, with the add form as typed and its errors, and a new webhook's secret.
async fn render(
    state: &AppState,
    signed_in: &SignedIn,
    form: ChannelForm,
    errors: Errors,
    created: Option<Created>,
) -> Result<NotificationsPage, WebError> {
    let user = state.accounts.me(signed_in.user).await?;
    let clock = Clock::in_zone(&user.timezone);
    let notifications = &state.notifications;
    let channels = notifications.channels(user.id).await?;
    let deliveries = notifications
        .deliveries(user.id, None, RECENT)
        .await?
        .into_iter()
        .map(|d| delivery_row(d, &channels, &clock))
        .collect();
    let kind = if form.kind.is_empty() {
        "email"
    } else {
        form.kind.as_str()
    };
    Ok(NotificationsPage {
        chrome: Chrome::new(state, &signed_in.visitor, "notifications"),
        kind_opts: options(KINDS, kind),
        full: channels.len() >= MAX_CHANNELS,
        channels: channels
            .into_iter()
            .map(|c| ChannelRow {
                id: c.id,
                kind: kind_label(c.kind),
                created: clock.instant(c.created_at),
                target: c.target,
            })
            .collect(),
        deliveries,
        form,
        errors,
        created,
        mail_logged_only: notifications.mail_is_logged_only(),
        email: user.email,
        max: MAX_CHANNELS,
    })
}

async fn notifications_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
) -> Result<Response, WebError> {
    let kept = signed_in
        .visitor
        .take_kept(&state, "/notifications")
        .await?;
    let (form, errors) = kept
        .and_then(|k| k.of::<ChannelForm>("channel"))
        .unwrap_or_default();
    let page = render(&state, &signed_in, form, errors, None).await?;
    Ok(page.into_response())
}

async fn channel_add(
    State(state): State<AppState>,
    signed_in: SignedIn,
    CsrfForm { visitor, form }: CsrfForm<ChannelForm>,
) -> Result<Response, WebError> {
    let added = match form.request() {
        Ok(request) => {
            state
                .notifications
                .add_channel(signed_in.user.id, request)
                .await
        }
        Err(errors) => Err(AppError::Validation(errors.0)),
    };
    let channel = match added {
        Ok(channel) => channel,
        Err(e) => {
            // Kept for the page (not the token: it is typed again).
            let errors = field_errors(e)?;
            return visitor
                .refuse(&state, "channel", "/notifications", errors)
                .await;
        }
    };
    let Some(secret) = channel.secret else {
        visitor.flash("channel-added");
        return Ok(see_other("/notifications"));
    };
    // A webhook's secret is shown this once, on the page itself: a flash carries only a
    // code, and the secret must not travel in a cookie.
    let created = Created {
        target: channel.target,
        secret,
    };
    let mut page = render(
        &state,
        &signed_in,
        ChannelForm::default(),
        Errors::default(),
        Some(created),
    )
    .await?;
    page.chrome.notice =
        Some("Webhook added. Store its signing secret now: it is shown only this once.");
    Ok((StatusCode::CREATED, page).into_response())
}

#[derive(Deserialize)]
struct Nothing {}

async fn channel_test(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ChannelPath(id): ChannelPath,
    CsrfForm { visitor, .. }: CsrfForm<Nothing>,
) -> Result<Response, WebError> {
    state.notifications.test(signed_in.user.id, id).await?;
    visitor.flash("test-sent");
    Ok(see_other("/notifications"))
}

#[derive(Template, WebTemplate)]
#[template(path = "channel_delete.html")]
struct DeletePage {
    chrome: Chrome,
    id: Uuid,
    kind: &'static str,
    target: String,
}

async fn channel_delete_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ChannelPath(id): ChannelPath,
) -> Result<Response, WebError> {
    let channel = state
        .notifications
        .channels(signed_in.user.id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| WebError(AppError::not_found()))?;
    Ok(DeletePage {
        chrome: Chrome::new(&state, &signed_in.visitor, "notifications"),
        id,
        kind: kind_label(channel.kind),
        target: channel.target,
    }
    .into_response())
}

async fn channel_delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    ChannelPath(id): ChannelPath,
    CsrfForm { visitor, .. }: CsrfForm<Nothing>,
) -> Result<Response, WebError> {
    state
        .notifications
        .delete_channel(signed_in.user.id, id)
        .await?;
    visitor.flash("channel-deleted");
    Ok(see_other("/notifications"))
}
