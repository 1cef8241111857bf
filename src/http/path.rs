//! Path parameters as the faces read them. A segment whose percent-encoding does not
//! decode to UTF-8 (`/api/tasks/%ff%fe`) names nothing Taskward has: it reads as absent,
//! so the route answers as for any id that names nothing (`404`), never a server error.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use uuid::Uuid;

/// Every path parameter of the route, decoded; `None` when one of them does not decode.
pub async fn params<S: Send + Sync>(parts: &mut Parts, state: &S) -> Option<Vec<(String, String)>> {
    let params = RawPathParams::from_request_parts(parts, state).await.ok()?;
    Some(
        params
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
    )
}

/// The decoded value of the path parameter `name`; `None` when the route has no such
/// parameter or the path does not decode.
pub async fn param<S: Send + Sync>(parts: &mut Parts, state: &S, name: &str) -> Option<String> {
    params(parts, state)
        .await?
        .into_iter()
        .find_map(|(n, v)| (n == name).then_some(v))
}

/// The path parameter `name` as a UUID; `None` when it is absent, does not decode or is
/// not a UUID.
pub async fn uuid<S: Send + Sync>(parts: &mut Parts, state: &S, name: &str) -> Option<Uuid> {
    param(parts, state, name)
        .await
        .and_then(|v| Uuid::parse_str(&v).ok())
}
