//! The JSON API: one router per resource, merged here, and the OpenAPI 3.1 document
//! generated from the same annotated handlers and the very types they read and write
//! (`wire.rs`), so the two cannot drift apart. Problem responses are declared once
//! (`responses.rs`).

mod applications;
mod auth;
mod docs;
mod feeds;
mod health;
mod ids;
mod lists;
mod notifications;
mod recovery;
mod responses;
mod sessions;
mod tasks;
mod tokens;
mod two_factor;
mod wire;

use axum::Router;
use utoipa::OpenApi as _;
use utoipa::openapi::path::{
    HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::request_body::RequestBody;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::server::Server;
use utoipa::openapi::{ContentBuilder, OpenApi, RefOr, Required, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Taskward",
        description = "A self-hosted todo service: accounts with JWT sign-in and a task API. \
            Every task route exists twice: `/api/tasks...` and `/api/{user_id}/tasks...` \
            (the shape of the FastAPI backend Taskward replaces). Send the access token as \
            `Authorization: Bearer <token>`. Errors are RFC 9457 \
            `application/problem+json`; a method a path does not have is `405` with `Allow`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "accounts", description = "Sign up, sign in, tokens and sessions"),
        (name = "tasks", description = "The tasks of every list the signed-in user sees"),
        (name = "lists", description = "Lists, and sharing them by email"),
        (name = "notifications", description = "Where reminders go: channels, tests and deliveries"),
        (name = "calendars", description = "Private calendar feeds (.ics) of the tasks with a due"),
        (name = "service", description = "Health, readiness and this document"),
    ),
    components(schemas(
        crate::error::FieldError,
        crate::http::problem::Problem,
        crate::tasks::order::Status,
        crate::tasks::order::Sort,
    ))
)]
struct ApiDoc;

/// Every API route, with its documentation.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::router())
        .merge(sessions::router())
        .merge(recovery::router())
        .merge(two_factor::router())
        .merge(tokens::router())
        .merge(applications::router())
        .merge(tasks::router())
        .merge(lists::router())
        .merge(notifications::router())
        .merge(feeds::router())
}

/// A task as the API shows it, for the payloads of webhooks.
pub fn task_json(task: &crate::tasks::model::Task) -> serde_json::Value {
    serde_json::to_value(tasks::TaskView::from(task.clone())).unwrap_or_default()
}

/// The API router (service routes, accounts, tasks, `/openapi.json` and `/docs`).
/// `res` (a `201 Created`) with the new resource's `Location`: `id` under the collection
/// the request was made to.
fn located(
    mut res: axum::response::Response,
    collection: &axum::http::Uri,
    id: uuid::Uuid,
) -> axum::response::Response {
    let location = format!("{}/{id}", collection.path().trim_end_matches('/'));
    if let Ok(v) = axum::http::HeaderValue::from_str(&location) {
        res.headers_mut().insert(axum::http::header::LOCATION, v);
    }
    res
}

pub fn router(config: &Config) -> Router<AppState> {
    let (router, mut doc) = routes().split_for_parts();
    finish(&mut doc, config);
    router.merge(docs::router(doc))
}

/// The operations of a path item.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.post,
        &mut item.put,
        &mut item.patch,
        &mut item.delete,
    ]
    .into_iter()
    .flatten()
}

/// An optional body (`request_body(content = Option<T>)`) means "send `T` or nothing";
/// the annotation also lets `null` into its schema, which no body of this API accepts.
fn optional_body(body: &mut RequestBody) {
    if matches!(body.required, Some(Required::True)) {
        return;
    }
    body.required = Some(Required::False);
    for content in body.content.values_mut() {
        let RefOr::T(content) = content else { continue };
        if let Some(RefOr::T(Schema::OneOf(one_of))) = &content.schema {
            let not_null: Vec<_> = one_of
                .items
                .iter()
                .filter(|item| {
                    !matches!(item, RefOr::T(Schema::Object(o))
                        if o.schema_type == SchemaType::Type(Type::Null))
                })
                .cloned()
                .collect();
            if let [only] = not_null.as_slice() {
                content.schema = Some(only.clone());
            }
        }
    }
}

/// What the annotations cannot say: the server, the bearer scheme, the problem responses,
/// that public operations need no credentials, the `user_id` parameter and distinct
/// operation ids of the second route shape, and the two documentation routes.
fn finish(doc: &mut OpenApi, config: &Config) {
    // Relative to the document unless the public URL is known (RFC 3986 reference).
    let base = config.public_url.as_ref().map_or_else(
        || "/".to_owned(),
        |u| u.as_str().trim_end_matches('/').to_owned(),
    );
    doc.servers = Some(vec![Server::new(base)]);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "A session's access token (a JWT from sign-in). The task, list, reminder \
                     and feed routes also take a personal access token (`tw_pat_...`): \
                     reads need the scope `tasks:read`, writes `tasks:write`, else `403` \
                     with `WWW-Authenticate: Bearer error=\"insufficient_scope\"`.",
                ))
                .build(),
        ),
    );
    components.responses.extend(responses::all());
    for (path, item) in doc.paths.paths.iter_mut() {
        for op in operations(item) {
            // An operation that names no scheme needs none: say so (`security: []`).
            if op.security.as_ref().is_none_or(|s| s.is_empty()) {
                op.security = Some(Vec::new());
            }
            if let Some(RefOr::T(body)) = &mut op.request_body {
                optional_body(body);
            }
        }
        if !path.contains("{user_id}") {
            continue;
        }
        let user_id = ParameterBuilder::new()
            .name("user_id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(
                "The signed-in user's id (the token's `sub`, not always a UUID for an external issuer's tokens); any other value is 403",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build();
        item.parameters
            .get_or_insert_with(Vec::new)
            .push(user_id.into());
        for op in operations(item) {
            if let Some(id) = &op.operation_id {
                op.operation_id = Some(format!("{id}_for_user"));
            }
        }
    }
    for (path, operation_id, summary, media) in [
        (
            "/openapi.json",
            "openapi_document",
            "This OpenAPI 3.1 document",
            "application/json",
        ),
        (
            "/docs",
            "api_reference",
            "Interactive API reference (works offline)",
            "text/html",
        ),
    ] {
        let op = OperationBuilder::new()
            .operation_id(Some(operation_id))
            .summary(Some(summary))
            .tag("service")
            .securities(Some(Vec::new()))
            .response(
                "200",
                ResponseBuilder::new()
                    .description(summary)
                    .content(media, ContentBuilder::new().build())
                    .build(),
            )
            .build();
        doc.paths
            .paths
            .insert(path.to_owned(), PathItem::new(HttpMethod::Get, op));
    }
}
