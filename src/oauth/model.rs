//! OAuth 2.1 for MCP clients as values (API-2.md section 5): a registered client and its
//! redirect URIs (RFC 7591, RFC 8252), PKCE S256 (RFC 7636), the records of codes, grants
//! and tokens, and the errors of RFC 6749 section 5.2 and RFC 7591 section 3.2.2.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::{Duration, OffsetDateTime};
use url::{Host, Url};
use uuid::Uuid;

use crate::auth::pat::Scopes;

/// An OAuth access token's secret starts with this (a personal access token's with
/// `tw_pat_`), so a leaked one is recognisable.
pub const ACCESS_PREFIX: &str = "tw_oat_";

/// A refresh token's secret starts with this.
pub const REFRESH_PREFIX: &str = "tw_ort_";

/// How long an authorization code may wait to be exchanged.
pub const CODE_LIFETIME: Duration = Duration::seconds(60);

/// How long an access token works.
pub const ACCESS_LIFETIME: Duration = Duration::hours(1);

/// How long a refresh token works unless used (each use gives a new one).
pub const REFRESH_LIFETIME: Duration = Duration::days(30);

/// The most redirect URIs one client may register.
pub const MAX_REDIRECT_URIS: usize = 10;

/// The longest redirect URI, `state` or client name Taskward keeps, in bytes.
pub const MAX_PARAM_LEN: usize = 2000;

/// The longest client name, in characters (longer names are cut).
pub const MAX_CLIENT_NAME: usize = 100;

/// Schemes a redirect URI may never have: they run code or read local files in a browser.
const FORBIDDEN_SCHEMES: [&str; 8] = [
    "javascript",
    "data",
    "file",
    "vbscript",
    "about",
    "blob",
    "ftp",
    "ws",
];

/// An error of the OAuth endpoints, answered as `{"error", "error_description"}` (RFC 6749
/// section 5.2, RFC 7591 section 3.2.2) or, from the authorization endpoint, as query
/// parameters of the client's redirect URI.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// A parameter is missing, repeated, malformed or not allowed.
    InvalidRequest(String),
    /// The client is unknown (or not the one the code was given to).
    InvalidClient(String),
    /// The code or refresh token is unknown, expired, used, or not for this client, or
    /// the PKCE verifier does not match.
    InvalidGrant(String),
    /// A grant type other than `authorization_code` and `refresh_token`.
    UnsupportedGrantType(String),
    /// A response type other than `code`.
    UnsupportedResponseType(String),
    /// An unknown scope, or more than was granted.
    InvalidScope(String),
    /// A `resource` (RFC 8707) that is not Taskward's MCP server.
    InvalidTarget(String),
    /// The user said no on the consent page.
    AccessDenied(String),
    /// A registration's redirect URI is not allowed.
    InvalidRedirectUri(String),
    /// A registration's other metadata is not allowed.
    InvalidClientMetadata(String),
}

impl OAuthError {
    /// The `error` code.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest(_) => "invalid_request",
            Self::InvalidClient(_) => "invalid_client",
            Self::InvalidGrant(_) => "invalid_grant",
            Self::UnsupportedGrantType(_) => "unsupported_grant_type",
            Self::UnsupportedResponseType(_) => "unsupported_response_type",
            Self::InvalidScope(_) => "invalid_scope",
            Self::InvalidTarget(_) => "invalid_target",
            Self::AccessDenied(_) => "access_denied",
            Self::InvalidRedirectUri(_) => "invalid_redirect_uri",
            Self::InvalidClientMetadata(_) => "invalid_client_metadata",
        }
    }

    /// The `error_description`: one sentence for the developer of the client.
    pub fn description(&self) -> &str {
        match self {
            Self::InvalidRequest(d)
            | Self::InvalidClient(d)
            | Self::InvalidGrant(d)
            | Self::UnsupportedGrantType(d)
            | Self::UnsupportedResponseType(d)
            | Self::InvalidScope(d)
            | Self::InvalidTarget(d)
            | Self::AccessDenied(d)
            | Self::InvalidRedirectUri(d)
            | Self::InvalidClientMetadata(d) => d,
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.description())
    }
}

/// A redirect URI a client may register: `https`, `http` only to a loopback address
/// (RFC 8252 section 7.3), or an app's own scheme (section 7.1, such as `cursor://`);
/// never a fragment, user info, or a scheme that runs code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedirectUri(Url);

impl RedirectUri {
    /// Checks one URI; the error says why it is refused.
    pub fn parse(raw: &str) -> Result<Self, OAuthError> {
        let refuse = |why: &str| OAuthError::InvalidRedirectUri(format!("`{raw}` {why}"));
        if raw.len() > MAX_PARAM_LEN {
            return Err(OAuthError::InvalidRedirectUri(format!(
                "a redirect URI may have at most {MAX_PARAM_LEN} characters"
            )));
        }
        let url = Url::parse(raw).map_err(|_| refuse("is not an absolute URI"))?;
        if url.fragment().is_some() {
            return Err(refuse("has a fragment (RFC 6749 section 3.1.2)"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(refuse("has user information"));
        }
        match url.scheme() {
            "https" => {}
            "http" if is_loopback(&url) => {}
            "http" => {
                return Err(refuse(
                    "uses http to a host other than a loopback address: use https",
                ));
            }
            other if FORBIDDEN_SCHEMES.contains(&other) || other == "wss" => {
                return Err(refuse("has a scheme that is not allowed"));
            }
            _ => {}
        }
        Ok(Self(url))
    }

    /// The URI as registered.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// Whether `given` is this URI: the same string, except that a loopback URI's port
    /// may differ (a native app listens on the port it gets, RFC 8252 section 7.3).
    pub fn matches(&self, given: &str) -> bool {
        if given == self.0.as_str() {
            return true;
        }
        let Ok(given) = Url::parse(given) else {
            return false;
        };
        if !(is_loopback(&self.0) && self.0.scheme() == "http" && given.scheme() == "http") {
            return false;
        }
        let mut with_port = given.clone();
        if with_port.set_port(self.0.port()).is_err() {
            return false;
        }
        with_port == self.0 && given.fragment().is_none()
    }
}

/// Whether `url`'s host is a loopback address (`localhost` included, RFC 8252 8.3 prefers
/// the literal address but clients use both).
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A registered client (public: no secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// Its `client_id`.
    pub id: Uuid,
    /// Its name, shown on the consent page as plain text (anyone may register any name).
    pub name: String,
    /// Where codes may be sent, as registered.
    pub redirect_uris: Vec<RedirectUri>,
    /// When it registered.
    pub created_at: OffsetDateTime,
}

impl OAuthClient {
    /// The redirect URI to answer at, for a request that named `given` (or none: allowed
    /// when the client registered exactly one, OAuth 2.1 section 4.1.1).
    pub fn redirect_for(&self, given: Option<&str>) -> Option<String> {
        match (given, self.redirect_uris.as_slice()) {
            (None, [only]) => Some(only.as_str().to_owned()),
            (None, _) => None,
            (Some(given), uris) => uris
                .iter()
                .any(|u| u.matches(given))
                .then(|| given.to_owned()),
        }
    }

    /// The redirect URIs as stored: one per line.
    pub fn stored_uris(&self) -> String {
        let uris: Vec<&str> = self.redirect_uris.iter().map(RedirectUri::as_str).collect();
        uris.join("\n")
    }

    /// The redirect URIs read back from storage (each was checked when registered).
    pub fn uris_from_stored(stored: &str) -> Vec<RedirectUri> {
        stored
            .lines()
            .filter_map(|u| RedirectUri::parse(u).ok())
            .collect()
    }
}

/// The values of `resource` (RFC 8707) that name Taskward's MCP server on `base` (this
/// server's address without a trailing slash): `/mcp` itself, or the server as a whole.
pub fn mcp_resources(base: &str) -> Vec<String> {
    vec![format!("{base}/mcp"), base.to_owned(), format!("{base}/")]
}

/// `uri` with `pairs` added to its query (an authorization response, OAuth 2.1 section
/// 4.1.2); `None` if `uri` is not a URI (it was checked when registered).
pub fn redirect_with(uri: &str, pairs: &[(&str, &str)]) -> Option<String> {
    let mut url = Url::parse(uri).ok()?;
    {
        let mut query = url.query_pairs_mut();
        for (k, v) in pairs {
            query.append_pair(k, v);
        }
    }
    Some(url.into())
}

/// The CSP `form-action` source that lets the consent page's form lead to `uri`: its
/// origin, or its scheme (an app's own scheme, or an IPv6 loopback, which CSP host
/// sources cannot name).
pub fn form_action_source(uri: &str) -> Option<String> {
    let url = Url::parse(uri).ok()?;
    match (url.scheme(), url.host()) {
        ("http" | "https", Some(Host::Domain(_) | Host::Ipv4(_))) => {
            let host = url.host_str()?;
            let port = url.port_or_known_default()?;
            Some(format!("{}://{host}:{port}", url.scheme()))
        }
        (scheme, _) => Some(format!("{scheme}:")),
    }
}

/// Whether `challenge` has the shape of an S256 code challenge: base64url of 32 bytes.
pub fn challenge_well_formed(challenge: &str) -> bool {
    crate::auth::model::is_base64url_256(challenge)
}

/// Whether `verifier` is a PKCE code verifier (43 to 128 unreserved characters, RFC 7636
/// section 4.1) whose S256 transform is `challenge`, compared in constant time.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let shaped = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !shaped {
        return false;
    }
    let computed = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    computed.as_bytes().ct_eq(challenge.as_bytes()).into()
}

/// A code the user's consent made, as kept (its hash only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRecord {
    /// SHA-256 of the code.
    pub code_hash: [u8; 32],
    /// The client it was given to.
    pub client_id: Uuid,
    /// Whose consent.
    pub user_id: Uuid,
    /// What the user allowed.
    pub scopes: Scopes,
    /// The redirect URI it was sent to (the token request must name it again).
    pub redirect_uri: String,
    /// The PKCE S256 challenge.
    pub code_challenge: String,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// A connected application: a user's consent to a client, and what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// Its id.
    pub id: Uuid,
    /// The user.
    pub user_id: Uuid,
    /// The client.
    pub client_id: Uuid,
    /// What it may do.
    pub scopes: Scopes,
    /// When the user allowed it.
    pub created_at: OffsetDateTime,
    /// When a token of it was last accepted (to the minute); `None`: never.
    pub last_used_at: Option<OffsetDateTime>,
}

/// Which kind of token a row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// An access token (`tw_oat_`), the bearer at `/mcp`.
    Access,
    /// A refresh token (`tw_ort_`), spent on its first use.
    Refresh,
}

impl TokenKind {
    /// Its name in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Access => "access",
            Self::Refresh => "refresh",
        }
    }
}

/// A token as kept: its hash, its grant, its kind and its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// SHA-256 of the secret.
    pub token_hash: [u8; 32],
    /// The grant it speaks for.
    pub grant_id: Uuid,
    /// Access or refresh.
    pub kind: TokenKind,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_uris_are_https_loopback_http_or_an_apps_scheme() {
        for ok in [
            "https://claude.ai/api/mcp/auth_callback",
            "http://127.0.0.1:33418/callback",
            "http://localhost:6274/oauth/callback",
            "http://[::1]/cb",
            "cursor://anysphere.cursor-retrieval/oauth/user-taskward/callback",
            "com.example.app:/oauth2redirect",
        ] {
            assert!(RedirectUri::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/cb",
            "https://example.com/cb#frag",
            "https://user:pw@example.com/cb",
            "javascript:alert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "/relative/cb",
            "",
        ] {
            let e = RedirectUri::parse(bad).expect_err(bad);
            assert_eq!(e.code(), "invalid_redirect_uri", "{bad}");
        }
    }

    #[test]
    fn redirect_uris_match_exactly_but_a_loopback_port_may_differ() {
        let https = RedirectUri::parse("https://app.example/cb?x=1").expect("ok");
        assert!(https.matches("https://app.example/cb?x=1"));
        for other in [
            "https://app.example/cb",
            "https://app.example/cb?x=1&y=2",
            "https://app.example:444/cb?x=1",
            "https://APP.example/cb?x=1/",
            "http://app.example/cb?x=1",
        ] {
            assert!(!https.matches(other), "{other}");
        }
        let native = RedirectUri::parse("http://127.0.0.1/callback").expect("ok");
        assert!(native.matches("http://127.0.0.1:53117/callback"));
        assert!(!native.matches("http://127.0.0.1:53117/other"));
        assert!(!native.matches("http://127.0.0.2:53117/callback"));
        assert!(!native.matches("http://127.0.0.1:53117/callback#x"));
        let client = OAuthClient {
            id: Uuid::nil(),
            name: "x".into(),
            redirect_uris: vec![native],
            created_at: OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(
            client.redirect_for(None).as_deref(),
            Some("http://127.0.0.1/callback")
        );
        assert_eq!(
            OAuthClient::uris_from_stored(&client.stored_uris()),
            client.redirect_uris
        );
    }

    #[test]
    fn pkce_s256_is_checked_as_rfc_7636_appendix_b_says() {
        // The example of RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        assert!(challenge_well_formed(challenge));
        assert!(pkce_matches(verifier, challenge));
        assert!(!pkce_matches(&verifier.replace('d', "e"), challenge));
        assert!(!pkce_matches(challenge, challenge));
        assert!(!pkce_matches("short", challenge));
        assert!(!challenge_well_formed("plain-verifier"));
        assert!(!challenge_well_formed(&format!("{challenge}=")));
    }
}
