//! `/api/notifications...`: a user's notification channels, a test through one, and the
//! recent deliveries (API-2.md section 3).

mod wire;

use axum::Json;
use axum::extract::{OriginalUri, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ids::ChannelId;
use super::responses::{Always, Authenticated, NotFound, ReadsBody, ValidationFailed};
use crate::error::{AppError, AppResult, FieldError};
use crate::http::auth::ScopedUser;
use crate::http::{ApiJson, paging};
use crate::notify::Notifications;
use crate::state::AppState;
pub use wire::{ChannelInput, ChannelView, DeliveryView};

/// The most deliveries on one page, and the default.
const MAX_LIMIT: u32 = 100;
const DEFAULT_LIMIT: u32 = 50;

/// The notification routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().nest(
        "/api/notifications",
        OpenApiRouter::new()
            .routes(routes!(channels_all, channels_create))
            .routes(routes!(channels_delete))
            .routes(routes!(channels_test))
            .routes(routes!(deliveries_all)),
    )
}

/// The caller's notification channels, oldest first (no secrets or tokens).
#[utoipa::path(get, path = "/channels", tag = "notifications", security(("bearer" = [])),
    responses(
        (status = 200, description = "The channels", body = Vec<ChannelView>),
        Authenticated, Always,
    ))]
async fn channels_all(
    State(notifications): State<Notifications>,
    ScopedUser(user): ScopedUser,
) -> AppResult<Response> {
    let all: Vec<ChannelView> = notifications
        .channels(user.id)
        .await?
        .into_iter()
        .map(ChannelView::listed)
        .collect();
    Ok(Json(all).into_response())
}

/// Add a channel (at most 10). Reminders of the caller's tasks go to every channel. A
/// webhook's answer carries its signing `secret`, shown this once.
#[utoipa::path(post, path = "/channels", tag = "notifications", security(("bearer" = [])), request_body = ChannelInput,
    responses(
        (status = 201, description = "Created", body = ChannelView, headers(
            ("Location" = String, description = "The new channel's URL"))),
        Authenticated, ReadsBody, Always,
    ))]
async fn channels_create(
    State(notifications): State<Notifications>,
    ScopedUser(user): ScopedUser,
    OriginalUri(uri): OriginalUri,
    ApiJson(body): ApiJson<ChannelInput>,
) -> AppResult<Response> {
    let request = body.into_request().map_err(AppError::Validation)?;
    let channel = notifications.add_channel(user.id, request).await?;
    let id = channel.id;
    let res = (StatusCode::CREATED, Json(ChannelView::created(channel))).into_response();
    Ok(super::located(res, &uri, id))
}

/// Delete a channel, with its deliveries.
#[utoipa::path(delete, path = "/channels/{id}", tag = "notifications", security(("bearer" = [])), params(ChannelId),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn channels_delete(
    State(notifications): State<Notifications>,
    ScopedUser(user): ScopedUser,
    ChannelId(id): ChannelId,
) -> AppResult<StatusCode> {
    notifications.delete_channel(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Send a test notification through a channel now; its delivery shows in the list of
/// deliveries.
#[utoipa::path(post, path = "/channels/{id}/test", tag = "notifications", security(("bearer" = [])), params(ChannelId),
    responses(
        (status = 202, description = "Queued: a worker sends it at once", body = DeliveryView),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn channels_test(
    State(notifications): State<Notifications>,
    ScopedUser(user): ScopedUser,
    ChannelId(id): ChannelId,
) -> AppResult<Response> {
    let delivery = notifications.test(user.id, id).await?;
    Ok((StatusCode::ACCEPTED, Json(DeliveryView::from(delivery))).into_response())
}

/// The query of the deliveries.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)] // documentation only: the query is read by `paging_params`
struct DeliveryParams {
    /// 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<u32>,
    /// The `cursor` of the `Link: rel="next"` of the previous page.
    cursor: Option<String>,
}

/// `limit` and `cursor` from a query string, one error per bad parameter.
fn paging_params(query: &str) -> AppResult<(u32, Option<Uuid>)> {
    let mut limit = DEFAULT_LIMIT;
    let mut cursor = None;
    let mut errors = Vec::new();
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match k.as_ref() {
            "limit" => match v.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_LIMIT).contains(&n) => limit = n,
                _ => errors.push(FieldError::new(
                    "query.limit",
                    format!("must be a whole number from 1 to {MAX_LIMIT}"),
                )),
            },
            "cursor" => match Uuid::parse_str(v.trim()) {
                Ok(id) => cursor = Some(id),
                Err(_) => errors.push(FieldError::new(
                    "query.cursor",
                    "must be the cursor of a `Link` header of this list",
                )),
            },
            _ => {}
        }
    }
    if errors.is_empty() {
        Ok((limit, cursor))
    } else {
        Err(AppError::Validation(errors))
    }
}

/// The caller's deliveries, newest first, paged by `Link: <...>; rel="next"`.
#[utoipa::path(get, path = "/deliveries", tag = "notifications", security(("bearer" = [])), params(DeliveryParams),
    responses(
        (status = 200, description = "One page of deliveries", body = Vec<DeliveryView>, headers(
            ("Link" = String, description = "`<url>; rel=\"next\"`, the next page, when more follow"))),
        (status = 422, response = ValidationFailed),
        Authenticated, Always,
    ))]
async fn deliveries_all(
    State(notifications): State<Notifications>,
    ScopedUser(user): ScopedUser,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let (limit, cursor) = paging_params(query.as_deref().unwrap_or(""))?;
    let mut page = notifications.deliveries(user.id, cursor, limit + 1).await?;
    let next = if page.len() > limit as usize {
        page.truncate(limit as usize);
        page.last().map(|d| d.id.to_string())
    } else {
        None
    };
    let views: Vec<DeliveryView> = page.into_iter().map(DeliveryView::from).collect();
    paging::linked(&views, next.as_deref(), &uri)
}
