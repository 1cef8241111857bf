//! `/api/tasks...` and `/api/{user_id}/tasks...`: the same routes in two shapes
//! (API.md "Tasks"). The second shape is what the old Next.js frontend calls.

mod quick;
mod wire;
mod wire_when;

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRef, FromRequestParts, OriginalUri, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ids::TaskId;
use super::responses::{Always, Authenticated, ChangesOne, NotFound, ReadsBody, ValidationFailed};
use crate::auth::{AccessTokens, Authenticator, CurrentUser, ExternalSubject, Recovery};
use crate::error::{AppError, AppResult};
use crate::http::auth::ScopedUser;
use crate::http::conditional::{IfMatch, IfNoneMatch, not_modified_response, tagged};
use crate::http::{ApiJson, paging, path};
use crate::state::AppState;
use crate::tasks::Tasks;
use crate::tasks::model::Task;
use crate::tasks::query::{ListParams, ListQuery};
pub use wire::{Completion, OccurrenceView, TaskChanges, TaskInput, TaskView};

/// Both shapes. The OpenAPI document lists each route under both prefixes; `api::finish`
/// gives the second its `user_id` parameter and distinct operation ids.
pub fn router() -> OpenApiRouter<AppState> {
    let routes = || {
        OpenApiRouter::new()
            .routes(routes!(tasks_list, tasks_create))
            .routes(routes!(tasks_get, tasks_replace, tasks_patch, tasks_delete))
            .routes(routes!(tasks_complete))
    };
    // Quick add and recurrence (API-2.md) are in the new shape only.
    let new_shape = OpenApiRouter::new()
        .routes(routes!(quick::tasks_parse))
        .routes(routes!(tasks_skip))
        .routes(routes!(tasks_history));
    OpenApiRouter::new()
        .nest("/api/tasks", routes().merge(new_shape))
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
    AccessTokens: FromRef<S>,
    Arc<Recovery>: FromRef<S>,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let ScopedUser(user) = ScopedUser::from_request_parts(parts, state).await?;
        // A path that does not decode (invalid UTF-8) names nothing: 404.
        let params = path::params(parts, state)
            .await
            .ok_or_else(AppError::not_found)?;
        let given = params
            .into_iter()
            .find_map(|(name, value)| (name == "user_id").then_some(value));
        if let Some(given) = given
            && !user.is_named_by(&given, parts.extensions.get::<ExternalSubject>())
        {
            return Err(AppError::Forbidden(
                "the user id in the path is not the signed-in user".into(),
            ));
        }
        Ok(Self(user))
    }
}

/// A task response with its `ETag`.
fn task_response(status: StatusCode, task: Task) -> Response {
    tagged(task.version, (status, Json(TaskView::from(task))))
}

/// A body's fields, or the 422 naming every invalid one.
fn valid<T>(read: Result<T, Vec<crate::error::FieldError>>) -> AppResult<T> {
    read.map_err(AppError::Validation)
}

/// List the signed-in user's tasks, filtered, sorted and paged.
#[utoipa::path(get, path = "/", tag = "tasks", security(("bearer" = [])), params(ListParams),
    responses(
        (status = 200, description = "One page of tasks", body = Vec<TaskView>, headers(
            ("X-Total-Count" = u64, description = "How many tasks match, on every page"),
            ("Link" = String, description = "`<url>; rel=\"next\"`, the next page, when more follow"))),
        (status = 422, response = ValidationFailed),
        Authenticated, Always,
    ))]
async fn tasks_list(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
) -> AppResult<Response> {
    let params = ListParams::from_query(query.as_deref().unwrap_or(""));
    let query = ListQuery::from_params(&params).map_err(|errors| {
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
    paging::page_written(
        &views,
        page.total,
        page.next.as_deref(),
        &uri,
        wire::write_page,
    )
}

/// Create a task.
#[utoipa::path(post, path = "/", tag = "tasks", security(("bearer" = [])), request_body = TaskInput,
    responses(
        (status = 201, description = "Created", body = TaskView, headers(
            ("Location" = String, description = "The new task's URL"),
            ("ETag" = String, description = "The task's version"))),
        Authenticated, ReadsBody, Always,
    ))]
async fn tasks_create(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    OriginalUri(uri): OriginalUri,
    ApiJson(body): ApiJson<TaskInput>,
) -> AppResult<Response> {
    let fields = valid(body.into_fields())?;
    let task = tasks.create(user.id, fields).await?;
    let id = task.id;
    Ok(super::located(
        task_response(StatusCode::CREATED, task),
        &uri,
        id,
    ))
}

/// One task. Honours `If-None-Match`.
#[utoipa::path(get, path = "/{id}", tag = "tasks", security(("bearer" = [])), params(TaskId, IfNoneMatch),
    responses(
        (status = 200, description = "The task", body = TaskView,
            headers(("ETag" = String, description = "The task's version"))),
        (status = 304, description = "The copy with the given ETag is current",
            headers(("ETag" = String, description = "The task's version"))),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn tasks_get(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    held: IfNoneMatch,
) -> AppResult<Response> {
    let task = tasks.get(user.id, id).await?;
    if held.matches(task.version) {
        return Ok(not_modified_response(task.version));
    }
    Ok(task_response(StatusCode::OK, task))
}

/// Replace a task (omitted fields take their defaults; completion is kept unless given).
#[utoipa::path(put, path = "/{id}", tag = "tasks", security(("bearer" = [])), request_body = TaskInput, params(TaskId, IfMatch),
    responses(
        (status = 200, description = "The replaced task", body = TaskView,
            headers(("ETag" = String, description = "The task's new version"))),
        ChangesOne,
        Authenticated, ReadsBody, Always,
    ))]
async fn tasks_replace(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    IfMatch(precondition): IfMatch,
    ApiJson(body): ApiJson<TaskInput>,
) -> AppResult<Response> {
    let fields = valid(body.into_fields())?;
    let task = tasks
        .replace(user.id, id, fields, precondition.as_ref())
        .await?;
    Ok(task_response(StatusCode::OK, task))
}

/// Change some fields of a task; `null` clears a field.
#[utoipa::path(patch, path = "/{id}", tag = "tasks", security(("bearer" = [])), request_body = TaskChanges, params(TaskId, IfMatch),
    responses(
        (status = 200, description = "The changed task", body = TaskView,
            headers(("ETag" = String, description = "The task's new version"))),
        ChangesOne,
        Authenticated, ReadsBody, Always,
    ))]
async fn tasks_patch(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    IfMatch(precondition): IfMatch,
    ApiJson(body): ApiJson<TaskChanges>,
) -> AppResult<Response> {
    let change = valid(body.into_patch())?;
    let task = tasks
        .patch(user.id, id, change, precondition.as_ref())
        .await?;
    Ok(task_response(StatusCode::OK, task))
}

/// Delete a task.
#[utoipa::path(delete, path = "/{id}", tag = "tasks", security(("bearer" = [])), params(TaskId, IfMatch),
    responses(
        (status = 204, description = "Deleted"),
        ChangesOne,
        Authenticated, Always,
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

/// Toggle completion (no body, or no `completed`), or set it (`{"completed": true}`).
#[utoipa::path(patch, path = "/{id}/complete", tag = "tasks", security(("bearer" = [])), params(TaskId, IfMatch),
    request_body(content = Option<Completion>, description = "Optional: without it the task is toggled"),
    responses(
        (status = 200, description = "The task", body = TaskView,
            headers(("ETag" = String, description = "The task's new version"))),
        ChangesOne,
        Authenticated, ReadsBody, Always,
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
        let body: Completion = crate::http::parse_json(&body)?;
        let mut f = crate::api::wire::Fields::new();
        let completed = f.optional("completed", body.completed, None, Ok);
        valid(f.finish(completed))?
    };
    let task = tasks
        .complete(user.id, id, completed, precondition.as_ref())
        .await?;
    Ok(task_response(StatusCode::OK, task))
}

/// Skip the current occurrence of a recurring task: its due moves to the next one and no
/// completion is recorded (when the series has no next occurrence, the task is completed).
#[utoipa::path(post, path = "/{id}/skip", tag = "tasks", security(("bearer" = [])), params(TaskId, IfMatch),
    responses(
        (status = 200, description = "The task at its next occurrence", body = TaskView,
            headers(("ETag" = String, description = "The task's new version"))),
        (status = 422, response = ValidationFailed),
        ChangesOne,
        Authenticated, Always,
    ))]
async fn tasks_skip(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
    IfMatch(precondition): IfMatch,
) -> AppResult<Response> {
    let task = tasks.skip(user.id, id, precondition.as_ref()).await?;
    Ok(task_response(StatusCode::OK, task))
}

/// The recorded occurrences of a recurring task, newest first.
#[utoipa::path(get, path = "/{id}/history", tag = "tasks", security(("bearer" = [])), params(TaskId),
    responses(
        (status = 200, description = "Every completed occurrence, newest first", body = Vec<OccurrenceView>),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn tasks_history(
    State(tasks): State<Tasks>,
    Caller(user): Caller,
    TaskId(id): TaskId,
) -> AppResult<Json<Vec<OccurrenceView>>> {
    let history = tasks.history(user.id, id).await?;
    Ok(Json(
        history.into_iter().map(OccurrenceView::from).collect(),
    ))
}
