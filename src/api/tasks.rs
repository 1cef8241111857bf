//! `/api/tasks...` and `/api/{user_id}/tasks...`: the same routes in two shapes
//! (API.md "Tasks"). The second shape is what the old Next.js frontend calls.

use axum::body::Bytes;
use axum::extract::{FromRequestParts, OriginalUri, RawPathParams, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch};
use axum::{Json, Router};
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::AppState;
use crate::auth::CurrentUser;
use crate::error::{AppError, AppResult};
use crate::http::ApiJson;
use crate::tasks::model::{Priority, Task, TaskFields, TaskPatch};
use crate::tasks::query::ListQuery;
use crate::tasks::service::{self, Precondition};

pub fn router() -> Router<AppState> {
    let routes = || {
        Router::new()
            .route("/", get(tasks_list).post(tasks_create))
            .route(
                "/{id}",
                get(tasks_get)
                    .put(tasks_replace)
                    .patch(tasks_patch)
                    .delete(tasks_delete),
            )
            .route("/{id}/complete", patch(tasks_complete))
    };
    Router::new()
        .nest("/api/tasks", routes())
        .nest("/api/{user_id}/tasks", routes())
}

/// The caller of a task route. In the `/api/{user_id}/tasks` shape the path's user id
/// must be the token's subject (else `403`); authentication comes first, so a request
/// without a token is `401` whatever its path says.
#[derive(Debug, Clone, Copy)]
struct Caller(CurrentUser);

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::Internal(format!("path parameters: {e}")))?;
        if let Some((_, given)) = params.iter().find(|(name, _)| *name == "user_id")
            && Uuid::parse_str(given).ok() != Some(user.id)
        {
            return Err(AppError::Forbidden(
                "the user id in the path is not the signed-in user".into(),
            ));
        }
        Ok(Self(user))
    }
}

/// The `{id}` of a task route. An id that is not a UUID names no task: `404`.
#[derive(Debug, Clone, Copy)]
struct TaskId(Uuid);

impl FromRequestParts<AppState> for TaskId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::Internal(format!("path parameters: {e}")))?;
        params
            .iter()
            .find(|(name, _)| *name == "id")
            .and_then(|(_, v)| Uuid::parse_str(v).ok())
            .map(Self)
            .ok_or_else(|| AppError::NotFound("there is no task with this id".into()))
    }
}

/// A task as clients see it.
#[derive(Debug, Serialize)]
pub struct TaskView {
    id: Uuid,
    user_id: Uuid,
    title: String,
    description: String,
    completed: bool,
    priority: Priority,
    #[serde(with = "time::serde::rfc3339::option")]
    due_at: Option<OffsetDateTime>,
    tags: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    completed_at: Option<OffsetDateTime>,
}

impl From<Task> for TaskView {
    fn from(t: Task) -> Self {
        Self {
            id: t.id,
            user_id: t.user_id,
            title: t.title,
            description: t.description,
            completed: t.completed,
            priority: t.priority,
            due_at: t.due_at,
            tags: t.tags,
            created_at: t.created_at,
            updated_at: t.updated_at,
            completed_at: t.completed_at,
        }
    }
}

/// A task response with its `ETag`.
fn task_response(status: StatusCode, task: Task) -> Response {
    let etag = HeaderValue::from_str(&task.etag()).ok();
    let mut res = (status, Json(TaskView::from(task))).into_response();
    if let Some(etag) = etag {
        res.headers_mut().insert(header::ETAG, etag);
    }
    res
}

fn precondition(headers: &HeaderMap) -> Option<Precondition> {
    headers
        .get(header::IF_MATCH)
        .map(|v| Precondition::parse(v.to_str().unwrap_or("")))
}

fn task_fields(body: &Value) -> AppResult<TaskFields> {
    TaskFields::from_json(body).map_err(AppError::Validation)
}

async fn tasks_list(
    State(state): State<AppState>,
    Caller(user): Caller,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let query = ListQuery::parse(query.as_deref().unwrap_or("")).map_err(|errors| {
        AppError::Validation(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("query.{}", e.field);
                    e
                })
                .collect(),
        )
    })?;
    let page = service::list(&state, user, &query).await?;
    let tasks: Vec<TaskView> = page.tasks.into_iter().map(TaskView::from).collect();
    let mut res = Json(tasks).into_response();
    let headers = res.headers_mut();
    headers.insert(
        HeaderName::from_static("x-total-count"),
        HeaderValue::from(page.total),
    );
    if let Some(cursor) = page.next {
        let link = format!(
            "<{}>; rel=\"next\"",
            next_page(uri.path(), uri.query(), &cursor)
        );
        if let Ok(v) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, v);
        }
    }
    Ok(res)
}

/// The same list request with `cursor` replaced (RFC 8288 link target, relative).
fn next_page(path: &str, query: Option<&str>, cursor: &str) -> String {
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in url::form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        if k != "cursor" {
            out.append_pair(&k, &v);
        }
    }
    out.append_pair("cursor", cursor);
    format!("{path}?{}", out.finish())
}

async fn tasks_create(
    State(state): State<AppState>,
    Caller(user): Caller,
    OriginalUri(uri): OriginalUri,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Response> {
    let fields = task_fields(&body)?;
    let task = service::create(&state, user, fields).await?;
    let location = format!("{}/{}", uri.path().trim_end_matches('/'), task.id);
    let mut res = task_response(StatusCode::CREATED, task);
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

async fn tasks_get(
    State(state): State<AppState>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    headers: HeaderMap,
) -> AppResult<Response> {
    let task = service::get(&state, user, id).await?;
    // RFC 9110 13.1.2: If-None-Match uses the weak comparison.
    let etag = task.etag();
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim() == "*"
                || v.split(',')
                    .map(|t| t.trim().trim_start_matches("W/"))
                    .any(|t| t == etag)
        });
    if unchanged {
        let mut res = StatusCode::NOT_MODIFIED.into_response();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            res.headers_mut().insert(header::ETAG, v);
        }
        return Ok(res);
    }
    Ok(task_response(StatusCode::OK, task))
}

async fn tasks_replace(
    State(state): State<AppState>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Response> {
    let fields = task_fields(&body)?;
    let task = service::replace(&state, user, id, fields, precondition(&headers).as_ref()).await?;
    Ok(task_response(StatusCode::OK, task))
}

async fn tasks_patch(
    State(state): State<AppState>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Response> {
    let change = TaskPatch::from_json(&body).map_err(AppError::Validation)?;
    let task = service::patch(&state, user, id, change, precondition(&headers).as_ref()).await?;
    Ok(task_response(StatusCode::OK, task))
}

async fn tasks_delete(
    State(state): State<AppState>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    headers: HeaderMap,
) -> AppResult<StatusCode> {
    service::delete(&state, user, id, precondition(&headers).as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// No body toggles; `{"completed": bool}` sets.
async fn tasks_complete(
    State(state): State<AppState>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Response> {
    let completed = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        let is_json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| {
                ct.split(';')
                    .next()
                    .is_some_and(|e| e.trim().eq_ignore_ascii_case("application/json"))
            });
        if !is_json {
            return Err(AppError::UnsupportedMediaType(
                "send no body to toggle, or `{\"completed\": true}` as application/json".into(),
            ));
        }
        let value: Value = crate::http::parse_json(&body)?;
        match value.get("completed") {
            Some(Value::Bool(b)) => Some(*b),
            None if value.is_object() => None,
            _ => return Err(AppError::invalid("completed", "must be true or false")),
        }
    };
    let task =
        service::complete(&state, user, id, completed, precondition(&headers).as_ref()).await?;
    Ok(task_response(StatusCode::OK, task))
}
