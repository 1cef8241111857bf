//! The JSON API: one router per resource, merged here, and the OpenAPI 3.1 document
//! generated from the same annotated handlers, so the two cannot drift apart.

mod auth;
mod docs;
mod health;
mod schema;
mod tasks;

use axum::Router;
use utoipa::OpenApi as _;
use utoipa::openapi::path::{
    HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn, PathItem,
};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Required, ResponseBuilder};
use utoipa_axum::router::OpenApiRouter;

use crate::config::Config;
use crate::state::AppState;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Taskward",
        description = "A self-hosted todo service: accounts with JWT sign-in and a task API. \
            Every task route exists twice: `/api/tasks...` and `/api/{user_id}/tasks...` \
            (the shape of the FastAPI backend Taskward replaces). Errors are RFC 9457 \
            `application/problem+json`.",
        license(name = "MIT", identifier = "MIT"),
    ),
    tags(
        (name = "accounts", description = "Sign up, sign in, tokens and sessions"),
        (name = "tasks", description = "The signed-in user's tasks"),
        (name = "service", description = "Health, readiness and this document"),
    ),
    components(schemas(crate::error::FieldError))
)]
struct ApiDoc;

/// Every API route, with its documentation.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(auth::router())
        .merge(tasks::router())
}

/// The API router (service routes, accounts, tasks, `/openapi.json` and `/docs`).
pub fn router(_config: &Config) -> Router<AppState> {
    let (router, mut doc) = routes().split_for_parts();
    finish(&mut doc);
    router.merge(docs::router(doc))
}

/// The OpenAPI document, as served at `/openapi.json`.
pub fn openapi() -> OpenApi {
    let (_, mut doc) = routes().split_for_parts();
    finish(&mut doc);
    doc
}

/// What the annotations cannot say: the bearer scheme, the `user_id` parameter and
/// distinct operation ids of the second route shape, and the two documentation routes.
fn finish(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .build(),
        ),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        if !path.contains("{user_id}") {
            continue;
        }
        let user_id = ParameterBuilder::new()
            .name("user_id")
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(
                "The signed-in user's id (the token's `sub`); any other value is 403",
            ))
            .schema(Some(utoipa::openapi::schema::Object::with_type(
                utoipa::openapi::schema::Type::String,
            )))
            .build();
        item.parameters
            .get_or_insert_with(Vec::new)
            .push(user_id.into());
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
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
