//! `/openapi.json` and `/docs`: the document and Swagger UI, whose files are compiled
//! into the binary from the `utoipa-swagger-ui-vendored` crate, so the reference works
//! with no internet access (no CDN). They are stored gzipped (1 MB instead of 4; the
//! crate's `gzip` feature), and the crate sends them so whatever the client accepts: they
//! are inflated on the way out, and the server's compression layer then encodes them as
//! the client asks (br, gzip, or none).

use axum::Router;
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::{Next, from_fn};
use axum::response::Response;
use tower_http::decompression::DecompressionLayer;
use utoipa::openapi::OpenApi;
use utoipa_swagger_ui::SwaggerUi;

use crate::state::AppState;

/// Swagger UI's own scripts and styles, all served from here; it sets inline styles at
/// run time, hence `'unsafe-inline'` for styles (never for scripts).
const DOCS_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router(doc: OpenApi) -> Router<AppState> {
    let ui: Router<AppState> = SwaggerUi::new("/docs").url("/openapi.json", doc).into();
    ui.layer(DecompressionLayer::new()).layer(from_fn(docs_csp))
}

async fn docs_csp(req: Request, next: Next) -> Response {
    let is_docs = req.uri().path().starts_with("/docs");
    let mut res = next.run(req).await;
    if is_docs {
        res.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(DOCS_CSP),
        );
    }
    res
}
