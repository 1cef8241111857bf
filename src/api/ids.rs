//! The ids in the API's paths. An id that is not a UUID (or does not decode) names
//! nothing: `404`, as for an id that names nothing or something the caller may not see.

/// Declares the extractor of a UUID path parameter, documented as that parameter.
macro_rules! path_id {
    ($(#[$meta:meta])* $name:ident, $param:literal, $about:literal, $missing:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name(pub uuid::Uuid);

        impl<S: Send + Sync> axum::extract::FromRequestParts<S> for $name {
            type Rejection = $crate::error::AppError;

            async fn from_request_parts(
                parts: &mut axum::http::request::Parts,
                state: &S,
            ) -> Result<Self, $crate::error::AppError> {
                $crate::http::path::uuid(parts, state, $param)
                    .await
                    .map(Self)
                    .ok_or_else(|| $crate::error::AppError::NotFound($missing.into()))
            }
        }

        impl utoipa::IntoParams for $name {
            fn into_params(
                _: impl Fn() -> Option<utoipa::openapi::path::ParameterIn>,
            ) -> Vec<utoipa::openapi::path::Parameter> {
                $crate::api::ids::uuid_param($param, $about)
            }
        }
    };
}

use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{KnownFormat, Required};

/// The documentation of a required UUID path parameter.
pub fn uuid_param(name: &str, about: &str) -> Vec<Parameter> {
    vec![
        ParameterBuilder::new()
            .name(name)
            .parameter_in(ParameterIn::Path)
            .required(Required::True)
            .description(Some(about))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid))),
            ))
            .build(),
    ]
}

path_id!(
    /// The `{id}` of a task route.
    TaskId,
    "id",
    "The task's id",
    "there is no task with this id"
);

path_id!(
    /// The `{id}` of a list route.
    ListId,
    "id",
    "The list's id",
    "there is no list with this id"
);

path_id!(
    /// The `{id}` of a notification channel route.
    ChannelId,
    "id",
    "The channel's id",
    "there is no notification channel with this id"
);

path_id!(
    /// The `{id}` of a calendar feed route.
    FeedId,
    "id",
    "The feed's id",
    "there is no feed with this id"
);

path_id!(
    /// The `{id}` of a personal access token route.
    AccessTokenId,
    "id",
    "The access token's id",
    "there is no access token with this id"
);

path_id!(
    /// The `{id}` of a connected application (an OAuth grant) route.
    ApplicationId,
    "id",
    "The connected application's id",
    "there is no connected application with this id"
);

path_id!(
    /// The `{id}` of a session route.
    SessionId,
    "id",
    "The session's id",
    "there is no active session with this id"
);
