//! `/api/lists...`: a user's lists, and sharing them by email (API-2.md section 1).

mod wire;

use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use utoipa::IntoParams;
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, Required};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ids::ListId;
use super::responses::{Always, Authenticated, ChangesOne, NotFound, ReadsBody, ValidationFailed};
use crate::auth::model::Email;
use crate::error::{AppError, AppResult, FieldError};
use crate::http::ApiJson;
use crate::http::auth::ScopedUser;
use crate::http::conditional::{IfMatch, IfNoneMatch, not_modified_response, tagged};
use crate::http::path;
use crate::lists::Lists;
use crate::lists::model::List;
use crate::state::AppState;
pub use wire::{ListChanges, ListInput, ListView, MemberInput, MemberView};

/// The list routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().nest(
        "/api/lists",
        OpenApiRouter::new()
            .routes(routes!(lists_all, lists_create))
            .routes(routes!(lists_get, lists_patch, lists_delete))
            .routes(routes!(members_all))
            .routes(routes!(members_put, members_delete)),
    )
}

/// The `{email}` of a member route, decoded; `None` when it does not decode.
#[derive(Debug, Clone)]
struct MemberEmail(Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for MemberEmail {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        Ok(Self(path::param(parts, state, "email").await))
    }
}

impl IntoParams for MemberEmail {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![
            ParameterBuilder::new()
                .name("email")
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .description(Some(
                    "The member's email (any case; percent-encode `+` and other reserved characters)",
                ))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email))),
                ))
                .build(),
        ]
    }
}

/// A list response with its `ETag`.
fn list_response(status: StatusCode, list: List) -> Response {
    tagged(list.version, (status, Json(ListView::from(list))))
}

fn valid<T>(read: Result<T, Vec<FieldError>>) -> AppResult<T> {
    read.map_err(AppError::Validation)
}

/// The caller's lists (owned and shared with them), by position, then name. Shares made
/// to the caller's email become active here.
#[utoipa::path(get, path = "/", tag = "lists", security(("bearer" = [])),
    responses(
        (status = 200, description = "The lists", body = Vec<ListView>),
        Authenticated, Always,
    ))]
async fn lists_all(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
) -> AppResult<Response> {
    let all: Vec<ListView> = lists
        .all(user.id)
        .await?
        .into_iter()
        .map(ListView::from)
        .collect();
    Ok(Json(all).into_response())
}

/// Create a list, placed after the caller's other lists.
#[utoipa::path(post, path = "/", tag = "lists", security(("bearer" = [])), request_body = ListInput,
    responses(
        (status = 201, description = "Created", body = ListView, headers(
            ("Location" = String, description = "The new list's URL"),
            ("ETag" = String, description = "The list's version"))),
        Authenticated, ReadsBody, Always,
    ))]
async fn lists_create(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
    OriginalUri(uri): OriginalUri,
    ApiJson(body): ApiJson<ListInput>,
) -> AppResult<Response> {
    let (name, color) = valid(body.into_fields())?;
    let list = lists.create(user.id, name, color).await?;
    let id = list.id;
    Ok(super::located(
        list_response(StatusCode::CREATED, list),
        &uri,
        id,
    ))
}

/// One list. Honours `If-None-Match`.
#[utoipa::path(get, path = "/{id}", tag = "lists", security(("bearer" = [])), params(ListId, IfNoneMatch),
    responses(
        (status = 200, description = "The list", body = ListView,
            headers(("ETag" = String, description = "The list's version"))),
        (status = 304, description = "The copy with the given ETag is current",
            headers(("ETag" = String, description = "The list's version"))),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn lists_get(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
    ListId(id): ListId,
    held: IfNoneMatch,
) -> AppResult<Response> {
    let list = lists.get(user.id, id).await?;
    if held.matches(list.version) {
        return Ok(not_modified_response(list.version));
    }
    Ok(list_response(StatusCode::OK, list))
}

/// Rename, recolour, move or archive a list (its owner only; a member gets `403`).
#[utoipa::path(patch, path = "/{id}", tag = "lists", security(("bearer" = [])), request_body = ListChanges, params(ListId, IfMatch),
    responses(
        (status = 200, description = "The changed list", body = ListView,
            headers(("ETag" = String, description = "The list's new version"))),
        ChangesOne,
        Authenticated, ReadsBody, Always,
    ))]
async fn lists_patch(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
    ListId(id): ListId,
    IfMatch(precondition): IfMatch,
    ApiJson(body): ApiJson<ListChanges>,
) -> AppResult<Response> {
    let change = valid(body.into_change())?;
    let list = lists
        .change(user.id, id, &change, precondition.as_ref())
        .await?;
    Ok(list_response(StatusCode::OK, list))
}

/// Delete a list and its tasks (its owner only; never the inbox: `422`).
#[utoipa::path(delete, path = "/{id}", tag = "lists", security(("bearer" = [])), params(ListId),
    responses(
        (status = 204, description = "Deleted, with its tasks"),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
        Authenticated, Always,
    ))]
async fn lists_delete(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
    ListId(id): ListId,
) -> AppResult<StatusCode> {
    lists.delete(user.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Who the list is shared with: its owner first, then every member by email.
#[utoipa::path(get, path = "/{id}/members", tag = "lists", security(("bearer" = [])), params(ListId),
    responses(
        (status = 200, description = "The owner and the members", body = Vec<MemberView>),
        (status = 404, response = NotFound),
        Authenticated, Always,
    ))]
async fn members_all(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
    ListId(id): ListId,
) -> AppResult<Response> {
    let members: Vec<MemberView> = lists
        .members(user.id, id)
        .await?
        .into_iter()
        .map(MemberView::from)
        .collect();
    Ok(Json(members).into_response())
}

/// Share the list with an email, or change a member's role (the owner only). A new
/// member is `pending` with `user_id: null`, whether or not the email has an account.
#[utoipa::path(put, path = "/{id}/members/{email}", tag = "lists", security(("bearer" = [])),
    params(ListId, MemberEmail), request_body = MemberInput,
    responses(
        (status = 200, description = "The member", body = MemberView),
        (status = 404, response = NotFound),
        Authenticated, ReadsBody, Always,
    ))]
async fn members_put(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
    ListId(id): ListId,
    MemberEmail(email): MemberEmail,
    ApiJson(body): ApiJson<MemberInput>,
) -> AppResult<Response> {
    // Sharing with what is not an email is an invalid request, however it is spelt.
    let email = Email::parse(email.as_deref().unwrap_or(""));
    let role = body.into_role();
    let (email, role) = match (email, role) {
        (Ok(e), Ok(r)) => (e, r),
        (e, r) => {
            let mut errors: Vec<FieldError> = e.err().into_iter().collect();
            errors.extend(r.err().unwrap_or_default());
            return Err(AppError::Validation(errors));
        }
    };
    let member = lists.share(user.id, id, &email, role).await?;
    Ok(Json(MemberView::from(member)).into_response())
}

/// Remove a member: the owner removes anyone, a member removes themselves (leaves).
#[utoipa::path(delete, path = "/{id}/members/{email}", tag = "lists", security(("bearer" = [])),
    params(ListId, MemberEmail),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, response = NotFound),
        (status = 422, response = ValidationFailed),
        Authenticated, Always,
    ))]
async fn members_delete(
    State(lists): State<Lists>,
    ScopedUser(user): ScopedUser,
    ListId(id): ListId,
    MemberEmail(email): MemberEmail,
) -> AppResult<StatusCode> {
    let not_member = || AppError::NotFound("this list is not shared with this email".into());
    let email = email.ok_or_else(not_member)?;
    let email = Email::parse(&email).map_err(|_| not_member())?;
    lists.unshare(user.id, id, &email).await?;
    Ok(StatusCode::NO_CONTENT)
}
