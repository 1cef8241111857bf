//! The API's problem responses, declared once: each is a component of the document
//! (`#/components/responses/...`, all problem+json with the headers it carries), and the
//! sets of them a kind of route can answer are named here, so an operation lists its own
//! successes and the sets that apply to it.

use std::collections::BTreeMap;

use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{IntoResponses, ToResponse};

use crate::http::problem::PROBLEM_JSON;

/// A problem+json response with `headers` (name, type, description).
fn problem(description: &str, headers: &[(&str, Type, &str)]) -> Response {
    let mut response = ResponseBuilder::new().description(description).content(
        PROBLEM_JSON,
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("Problem")))
            .build(),
    );
    for (name, kind, about) in headers {
        response = response.header(
            *name,
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(kind.clone())))
                .description(Some(*about))
                .build(),
        );
    }
    response.build()
}

macro_rules! problem_responses {
    ($( $(#[$doc:meta])* $name:ident = $description:literal $([$($header:literal : $kind:ident = $about:literal),*])?; )*) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl<'r> ToResponse<'r> for $name {
                fn response() -> (&'r str, RefOr<Response>) {
                    let headers: &[(&str, Type, &str)] = &[$($(($header, Type::$kind, $about)),*)?];
                    (stringify!($name), problem($description, headers).into())
                }
            }
        )*

        /// Every problem response, for the document's components.
        pub fn all() -> Vec<(String, RefOr<Response>)> {
            vec![$({
                let (name, response) = <$name as ToResponse>::response();
                (name.to_owned(), response)
            }),*]
        }
    };
}

problem_responses! {
    /// 400.
    BadRequest = "The request could not be read: the body is not valid JSON, is empty, or is not UTF-8";
    /// 401.
    Unauthorized = "No valid credentials: the access token is missing, malformed, expired or revoked (or, where credentials are the body, they are wrong)" [
        "WWW-Authenticate": String = "`Bearer`, with `error=\"invalid_token\"` when a token was sent but refused (RFC 6750)"
    ];
    /// 403.
    Forbidden = "Not allowed: the path's `user_id` is not the signed-in user; a list member asks for what only the list's owner may do, or a viewer for a change to the list's tasks; an external issuer's token names an email whose account is not linked to it; or a personal access token lacks the scope the request needs (`tasks:write` for every write; `WWW-Authenticate: Bearer error=\"insufficient_scope\"`)";
    /// 404.
    NotFound = "There is no such resource, or the caller may not see it (someone else's, in a list not shared with them)";
    /// 409.
    Conflict = "In conflict with what is stored: the email is already registered, or the task kept changing under the request";
    /// 412.
    PreconditionFailed = "The resource changed since the `If-Match` ETag was read; nothing was changed";
    /// 413.
    PayloadTooLarge = "The body is larger than 64 KiB; nothing was changed";
    /// 415.
    UnsupportedMediaType = "The body is not sent as `Content-Type: application/json`";
    /// 422.
    ValidationFailed = "Invalid values: `errors` names each field and what is wrong with it; nothing was changed";
    /// 429.
    TooManyRequests = "Too many attempts from this address or for this email" [
        "Retry-After": Integer = "Seconds to wait before trying again"
    ];
    /// 503.
    Unavailable = "The database does not answer, or the request took longer than the server allows" [
        "Retry-After": Integer = "Seconds to wait before trying again"
    ];
    /// Any other status.
    OtherError = "Any other error, also problem+json: `405` with `Allow` for a method this path does not have, `500` for a fault of the server" [
        "Allow": String = "With `405`: the methods this path has"
    ];
}

macro_rules! response_sets {
    ($( $(#[$doc:meta])* $set:ident { $($status:literal => $response:ident),* } )*) => {
        $(
            $(#[$doc])*
            pub struct $set;

            impl IntoResponses for $set {
                fn responses() -> BTreeMap<String, RefOr<Response>> {
                    [$(($status.to_owned(), Ref::from_response_name(stringify!($response)).into())),*]
                        .into_iter()
                        .collect()
                }
            }
        )*
    };
}

response_sets! {
    /// What any route may answer besides its own statuses.
    Always { "503" => Unavailable, "default" => OtherError }
    /// What a route behind `Authorization: Bearer` may answer.
    Authenticated { "401" => Unauthorized, "403" => Forbidden }
    /// What a route that changes one existing, versioned resource may answer.
    ChangesOne { "404" => NotFound, "412" => PreconditionFailed }
    /// What a route that reads a JSON body may answer.
    ReadsBody {
        "400" => BadRequest, "413" => PayloadTooLarge, "415" => UnsupportedMediaType,
        "422" => ValidationFailed
    }
}
