//! `/api/feeds...`: a user's private calendar feeds, and `GET /feeds/<token>.ics`, the
//! feed itself (API-2.md section 4), which only its token opens.

use axum::Json;
use std::convert::Infallible;

use axum::extract::{FromRequestParts, OriginalUri, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::ids::FeedId;
use super::responses::{Always, Authenticated, NotFound, ReadsBody};
use super::wire::{Fields, body};
use crate::calendars::Feeds;
use crate::calendars::model::Feed;
use crate::error::{AppError, AppResult};
use crate::http::auth::ScopedUser;
use crate::http::conditional::IfNoneMatch;
use crate::http::{ApiJson, path};
use crate::state::AppState;

/// The feed routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .nest(
            "/api/feeds",
            OpenApiRouter::new()
                .routes(routes!(feeds_all, feeds_create))
                .routes(routes!(feeds_delete)),
        )
        .routes(routes!(feed_ics))
}

body! {
    /// A new feed. Unknown members are ignored.
    pub struct FeedInput {
        /// The one list it publishes; absent or `null`: every list the caller sees.
        #[schema(nullable, format = Uuid)]
        list_id: Uuid,
    }
}

/// A calendar feed as clients see it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Feed)]
pub struct FeedView {
    id: Uuid,
    /// The one list it publishes; `null`: every list the owner sees.
    list_id: Option<Uuid>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    created_at: OffsetDateTime,
    /// The feed's secret URL (`.../feeds/<token>.ics`): in the answer to its creation
    /// only. Whoever has it can read the feed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(
        example = "https://todo.example.com/feeds/q1Xv1mJ0s4pHf2W0aZQ7y3cRkT9uLhB6eN8dG5oI2jA.ics"
    )]
    url: Option<String>,
}

impl FeedView {
    fn of(feed: Feed, url: Option<String>) -> Self {
        Self {
            id: feed.id,
            list_id: feed.list_id,
            created_at: feed.created_at,
            url,
        }
    }
}

/// The caller's feeds, oldest first (without their URLs).
#[utoipa::path(get, path = "/", tag = "calendars", security(("bearer" = [])),
    responses(
        (status = 200, description = "The feeds", body = Vec<FeedView>),
        Authenticated, Always,
    ))]
async fn feeds_all(
    State(feeds): State<Feeds>,
    ScopedUser(user): ScopedUser,
) -> AppResult<Response> {
    let all: Vec<FeedView> = feeds
        .all(user.id)
        .await?
        .into_iter()
        .map(|f| FeedView::of(f, None))
        .collect();
    Ok(Json(all).into_response())
}

/// Make a feed (at most 20) of one list or of every list the caller sees. The answer
/// carries its secret `url`, shown this once; a list the caller does not see is `404`.
#[utoipa::path(post, path = "/", tag = "calendars", security(("bearer" = [])), request_body = FeedInput,
    responses(
        (status = 201, description = "Created", body = FeedView, headers(
            ("Location" = String, description = "The new feed's URL in the API"))),
        (status = 404, response = NotFound),
        Authenticated, ReadsBody, Always,
    ))]
async fn feeds_create(
    State(feeds): State<Feeds>,
    ScopedUser(user): ScopedUser,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    ApiJson(body): ApiJson<FeedInput>,
) -> AppResult<Response> {
    let mut f = Fields::new();
    let list_id = f.optional("list_id", body.list_id, Some(None), |id| Ok(Some(id)));
    let list_id = f.finish(list_id).map_err(AppError::Validation)?.flatten();
    let (feed, token) = feeds.create(user.id, list_id).await?;
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let url = feeds.url(host, &token);
    let id = feed.id;
    let res = (StatusCode::CREATED, Json(FeedView::of(feed, Some(url)))).into_response();
    Ok(super::located(res, &uri, id))
}

/// Delete a feed: its URL is `404` from now on.
#[utoipa::path(delete, path = "/{id}", tag = "calendars", security(("bearer" = [])), params(FeedId),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn feeds_delete(
    State(feeds): State<Feeds>,
    ScopedUser(user): ScopedUser,
    FeedId(id): FeedId,
) -> AppResult<StatusCode> {
    feeds.delete(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The `{file}` of the feed route; `None` when it does not decode (a `404` then).
struct FeedFile(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for FeedFile {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Infallible> {
        Ok(Self(path::param(parts, state, "file").await))
    }
}

/// A feed (RFC 5545): the pending tasks with a due as events. Only the token in the
/// path opens it; `If-None-Match` with its `ETag` is `304`.
#[utoipa::path(get, path = "/feeds/{file}", tag = "calendars",
    params(("file" = String, Path, description = "`<token>.ics`, as in the feed's `url`"), IfNoneMatch),
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar", body = String, headers(
            ("ETag" = String, description = "Changes exactly when the calendar does"))),
        (status = 304, description = "Not modified"),
        (status = 404, response = NotFound),
        Always,
    ))]
async fn feed_ics(
    State(feeds): State<Feeds>,
    FeedFile(file): FeedFile,
    if_none_match: IfNoneMatch,
) -> AppResult<Response> {
    let missing = || AppError::NotFound("there is no calendar feed at this address".into());
    let token = file
        .as_deref()
        .and_then(|f| f.strip_suffix(".ics"))
        .ok_or_else(missing)?;
    let published = feeds.publish(token).await?.ok_or_else(missing)?;
    let etag = HeaderValue::from_str(&published.etag).map_err(|_| missing())?;
    let headers = [
        (header::ETAG, etag),
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, max-age=300"),
        ),
    ];
    if if_none_match.names(&published.etag) {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    Ok((
        headers,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/calendar; charset=utf-8"),
        )],
        published.body,
    )
        .into_response())
}
