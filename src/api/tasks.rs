//! `/api/tasks...` and `/api/{user_id}/tasks...`: the same routes in two shapes
//! (API.md "Tasks"). The second shape is what the old Next.js frontend calls.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, OriginalUri, RawPathParams, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Serialize;
use serde_json::Value;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::api::schema::{Completion, ListTasksQuery, TaskChanges, TaskInput};
use crate::auth::{Authenticator, CurrentUser, ExternalSubject};
use crate::error::{AppError, AppResult};
use crate::http::ApiJson;
use crate::http::conditional::{IfMatch, not_modified, not_modified_response, tagged};
use crate::http::paging;
use crate::http::problem::Problem;
use crate::state::AppState;
use crate::tasks::Tasks;
use crate::tasks::model::{Priority, Task, TaskFields, TaskPatch};
use crate::tasks::query::ListQuery;

/// Both shapes. The OpenAPI document lists each route under both prefixes; `api::openapi`
/// gives the second its `user_id` parameter and distinct operation ids.
pub fn router() -> OpenApiRouter<AppState> {
    let routes = || {
        OpenApiRouter::new()
            .routes(routes!(tasks_list, tasks_create))
            .routes(routes!(tasks_get, tasks_replace, tasks_patch, tasks_delete))
            .routes(routes!(tasks_complete))
    };
    OpenApiRouter::new()
        .nest("/api/tasks", routes())
        .nest("/api/{user_id}/tasks", routes())
}

/// The caller of a task route. In the `/api/{user_id}/tasks` shape the path's user id
/// must be the token's subject (else `403`); authentication comes first, so a request
/// without a token is `401` whatever its path says.
#[derive(Debug, Clone, Copy)]
struct Caller(CurrentUser);

impl<S> FromRequestParts<S> for Caller
where
    S: Send + Sync,
    Arc<Authenticator>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let user = CurrentUser::from_request_parts(parts, state).await?;
        let params = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|e| AppError::Internal(format!("path parameters: {e}")))?;
        if let Some((_, given)) = params.iter().find(|(name, _)| *name == "user_id")
            && !user.is_named_by(given, parts.extensions.get::<ExternalSubject>())
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

impl<S: Send + Sync> FromRequestParts<S> for TaskId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
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

/// A task as clients see it. Every response carrying one has its `ETag`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Task, example = json!({"id": "019ab8d2-7f10-7c3e-b2d4-5a6b7c8d9e0f",
    "user_id": "019ab8d2-6c4e-7d1a-9a35-2f1e0c8b7a64", "title": "Buy milk", "description": "",
    "completed": false, "priority": "high", "due_at": "2026-11-30T17:00:00Z", "tags": ["home"],
    "created_at": "2026-11-25T09:30:00Z", "updated_at": "2026-11-25T09:30:00Z", "completed_at": null}))]
pub struct TaskView {
    id: Uuid,
    user_id: Uuid,
    title: String,
    description: String,
    completed: bool,
    priority: Priority,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    due_at: Option<OffsetDateTime>,
    tags: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
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
    tagged(task.version, (status, Json(TaskView::from(task))))
}

fn task_fields(body: &Value) -> AppResult<TaskFields> {
    TaskFields::from_json(body).map_err(AppError::Validation)
}

/// List the signed-in user's tasks, filtered, sorted and paged.
#[utoipa::path(get, path = "/", tag = "tasks", security(("bearer" = [])), params(ListTasksQuery),
    responses(
        (status = 200, description = "One page of tasks", body = Vec<TaskView>, headers(
            ("X-Total-Count" = u64, description = "Number of all matching tasks"),
            ("Link" = String, description = "`<url>; rel=\"next\"` when more pages follow"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The path's user id is not the signed-in user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid query parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tasks_list(
    State(tasks): State<Tasks>,
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
    let page = tasks.list(user.id, &query).await?;
    let views: Vec<TaskView> = page.tasks.into_iter().map(TaskView::from).collect();
    paging::page(&views, page.total, page.next.as_deref(), &uri)
}

/// Create a task.
#[utoipa::path(post, path = "/", tag = "tasks", security(("bearer" = [])), request_body = TaskInput,
    responses(
        (status = 201, description = "Created", body = TaskView, headers(
            ("Location" = String, description = "URL of the new task"),
            ("ETag" = String, description = "Version of the task"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The path's user id is not the signed-in user", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tasks_create(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    OriginalUri(uri): OriginalUri,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Response> {
    let fields = task_fields(&body)?;
    let task = tasks.create(user.id, fields).await?;
    let location = format!("{}/{}", uri.path().trim_end_matches('/'), task.id);
    let mut res = task_response(StatusCode::CREATED, task);
    if let Ok(v) = HeaderValue::from_str(&location) {
        res.headers_mut().insert(header::LOCATION, v);
    }
    Ok(res)
}

/// One task. Honours `If-None-Match`.
#[utoipa::path(get, path = "/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Task id (UUID)"),
        ("If-None-Match" = Option<String>, Header, description = "ETag held by the client")),
    responses(
        (status = 200, description = "The task", body = TaskView, headers(("ETag" = String, description = "Version of the task"))),
        (status = 304, description = "Unchanged since the given ETag"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The path's user id is not the signed-in user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task (or another user's)", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tasks_get(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    headers: HeaderMap,
) -> AppResult<Response> {
    let task = tasks.get(user.id, id).await?;
    if not_modified(&headers, task.version) {
        return Ok(not_modified_response(task.version));
    }
    Ok(task_response(StatusCode::OK, task))
}

/// Replace a task (omitted optional fields reset to their defaults).
#[utoipa::path(put, path = "/{id}", tag = "tasks", security(("bearer" = [])), request_body = TaskInput,
    params(("id" = String, Path, description = "Task id (UUID)"), ("If-Match" = Option<String>, Header, description = "Write only if the task still has this ETag")),
    responses(
        (status = 200, description = "The replaced task", body = TaskView, headers(("ETag" = String, description = "New version"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The path's user id is not the signed-in user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The task changed since the given ETag; nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tasks_replace(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    IfMatch(precondition): IfMatch,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Response> {
    let fields = task_fields(&body)?;
    let task = tasks
        .replace(user.id, id, fields, precondition.as_ref())
        .await?;
    Ok(task_response(StatusCode::OK, task))
}

/// Change some fields of a task; `null` clears a field.
#[utoipa::path(patch, path = "/{id}", tag = "tasks", security(("bearer" = [])), request_body = TaskChanges,
    params(("id" = String, Path, description = "Task id (UUID)"), ("If-Match" = Option<String>, Header, description = "Write only if the task still has this ETag")),
    responses(
        (status = 200, description = "The changed task", body = TaskView, headers(("ETag" = String, description = "New version"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The path's user id is not the signed-in user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The task changed since the given ETag; nothing was written", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid field", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tasks_patch(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    IfMatch(precondition): IfMatch,
    ApiJson(body): ApiJson<Value>,
) -> AppResult<Response> {
    let change = TaskPatch::from_json(&body).map_err(AppError::Validation)?;
    let task = tasks
        .patch(user.id, id, change, precondition.as_ref())
        .await?;
    Ok(task_response(StatusCode::OK, task))
}

/// Delete a task.
#[utoipa::path(delete, path = "/{id}", tag = "tasks", security(("bearer" = [])),
    params(("id" = String, Path, description = "Task id (UUID)"), ("If-Match" = Option<String>, Header, description = "Write only if the task still has this ETag")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The path's user id is not the signed-in user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The task changed since the given ETag; nothing was deleted", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tasks_delete(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    IfMatch(precondition): IfMatch,
) -> AppResult<StatusCode> {
    tasks.delete(user.id, id, precondition.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Toggle completion (no body), or set it (`{"completed": true}`).
#[utoipa::path(patch, path = "/{id}/complete", tag = "tasks", security(("bearer" = [])),
    request_body(content = Option<Completion>, description = "Omit to toggle"),
    params(("id" = String, Path, description = "Task id (UUID)"), ("If-Match" = Option<String>, Header, description = "Write only if the task still has this ETag")),
    responses(
        (status = 200, description = "The task", body = TaskView, headers(("ETag" = String, description = "New version"))),
        (status = 401, description = "Missing or invalid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The path's user id is not the signed-in user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such task", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "The task changed since the given ETag", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`completed` is not a boolean", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tasks_complete(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    IfMatch(precondition): IfMatch,
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
    let task = tasks
        .complete(user.id, id, completed, precondition.as_ref())
        .await?;
    Ok(task_response(StatusCode::OK, task))
}
