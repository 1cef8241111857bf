//! Cross-site request forgery defence for every state-changing form, in two layers
//! (OWASP CSRF Prevention Cheat Sheet):
//!
//! 1. A signed double-submit token: the browser holds a random value in an HttpOnly
//!    cookie; each form carries `HMAC(key, value | session id)` in a hidden field. A
//!    forger can neither read the cookie nor compute the MAC, and binding the MAC to the
//!    session id means a pair obtained from the attacker's own visit is useless in the
//!    victim's session.
//! 2. An `Origin` (or, without it, `Referer`) check: a POST whose origin is another site
//!    is refused before anything else happens.

use axum::http::{HeaderMap, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use crate::config::Config;

type HmacSha256 = Hmac<Sha256>;

/// A new random cookie value (256 bits, base64url).
pub fn new_cookie_value() -> Option<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).ok()?;
    Some(URL_SAFE_NO_PAD.encode(bytes))
}

fn mac(key: &[u8; 32], cookie: &str, session: Option<Uuid>) -> HmacSha256 {
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(cookie.as_bytes());
    mac.update(b"|");
    if let Some(sid) = session {
        mac.update(sid.as_bytes());
    }
    mac
}

/// The hidden-field token for a page rendered with `cookie` in `session` (`None` before
/// sign-in).
pub fn token(key: &[u8; 32], cookie: &str, session: Option<Uuid>) -> String {
    URL_SAFE_NO_PAD.encode(mac(key, cookie, session).finalize().into_bytes())
}

/// Whether `submitted` is the token for `cookie` and `session` (constant-time compare).
pub fn verify(key: &[u8; 32], cookie: &str, session: Option<Uuid>, submitted: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(submitted.trim()) else {
        return false;
    };
    mac(key, cookie, session).verify_slice(&bytes).is_ok()
}

/// Whether a state-changing request comes from our own pages, judged by `Origin`, else
/// `Referer`. Same origin means: the configured `PUBLIC_URL`'s origin, or the request's
/// own `Host` (the scheme is not compared there, since TLS may end at a proxy). A request
/// with neither header is let through to the token check (some privacy tools strip both).
pub fn same_origin(headers: &HeaderMap, config: &Config) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .map(|v| v.to_str().unwrap_or("null"));
    let Some(source) = source else {
        return true;
    };
    // `Origin: null` (sandboxed frames, `data:` pages, privacy redirects) is never ours.
    let Ok(url) = url::Url::parse(source) else {
        return false;
    };
    let origin = url.origin();
    if !origin.is_tuple() {
        return false;
    }
    if let Some(public) = &config.public_url
        && public.origin() == origin
    {
        return true;
    }
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let authority = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_owned(),
        _ => return false,
    };
    authority.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn a_token_is_bound_to_its_cookie_and_session() {
        let sid = Uuid::now_v7();
        let t = token(&KEY, "cookie", Some(sid));
        assert!(verify(&KEY, "cookie", Some(sid), &t));
        assert!(!verify(&KEY, "other", Some(sid), &t));
        assert!(!verify(&KEY, "cookie", None, &t));
        assert!(!verify(&KEY, "cookie", Some(Uuid::now_v7()), &t));
        assert!(!verify(&[8; 32], "cookie", Some(sid), &t));
        assert!(!verify(&KEY, "cookie", Some(sid), "not base64!"));
        assert!(!verify(&KEY, "cookie", Some(sid), ""));
    }

    fn headers(pairs: &[(header::HeaderName, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn cross_site_origins_are_refused() {
        let config = crate::config::Config::defaults();
        let ok = headers(&[
            (header::HOST, "127.0.0.1:8000"),
            (header::ORIGIN, "http://127.0.0.1:8000"),
        ]);
        assert!(same_origin(&ok, &config));
        let evil = headers(&[
            (header::HOST, "127.0.0.1:8000"),
            (header::ORIGIN, "http://evil.example"),
        ]);
        assert!(!same_origin(&evil, &config));
        let null = headers(&[(header::HOST, "127.0.0.1:8000"), (header::ORIGIN, "null")]);
        assert!(!same_origin(&null, &config));
        let referer = headers(&[
            (header::HOST, "127.0.0.1:8000"),
            (header::REFERER, "http://evil.example/page"),
        ]);
        assert!(!same_origin(&referer, &config));
        let neither = headers(&[(header::HOST, "127.0.0.1:8000")]);
        assert!(same_origin(&neither, &config));
    }
}
