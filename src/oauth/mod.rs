//! OAuth 2.1 for MCP clients (issue 19, API-2.md section 5): Taskward is the authorization
//! server of its own MCP server. The values ([`model`]: clients and redirect URIs, PKCE,
//! codes, grants, tokens, errors) and the service ([`OAuth`]: registration, consent, the
//! token endpoint, the check of a bearer, connected applications). The endpoints are in
//! the MCP face (`mcp/oauth/`), the consent page and the connected applications in the
//! web app.

pub mod model;
pub mod requests;
pub mod service;

pub use requests::{
    AuthorizeParams, AuthorizeRefusal, Consent, Failure, Issued, Registration, TokenRequest,
};
pub use service::OAuth;
