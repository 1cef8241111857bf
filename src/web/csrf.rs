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

/// Name of the hidden field of every form that carries the CSRF token.
pub const CSRF_FIELD: &str = "csrf";

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
/// sign-in): a fresh random mask and the MAC XORed with it, so the token differs on every
/// page. Pages are compressed, and a secret that is the same in every response next to
/// text an attacker chooses (a search) would leak through the compressed length (BREACH);
/// a masked token never repeats.
pub fn token(key: &[u8; 32], cookie: &str, session: Option<Uuid>) -> String {
    let mac = mac(key, cookie, session).finalize().into_bytes();
    let mut mask = [0u8; 32];
    if getrandom::fill(&mut mask).is_err() {
        // No randomness: the bare MAC, which `verify` accepts as well.
        return URL_SAFE_NO_PAD.encode(mac);
    }
    let masked = mask.iter().zip(mac.iter()).map(|(m, b)| m ^ b);
    let out: Vec<u8> = mask.iter().copied().chain(masked).collect();
    URL_SAFE_NO_PAD.encode(out)
}

/// Whether `submitted` is a token for `cookie` and `session`, masked (64 bytes) or bare
/// (32, as pages rendered before masking carried); the comparison is constant-time.
pub fn verify(key: &[u8; 32], cookie: &str, session: Option<Uuid>, submitted: &str) -> bool {
    let Ok(bytes) = URL_SAFE_NO_PAD.decode(submitted.trim()) else {
        return false;
    };
    let bare: Vec<u8> = match bytes.len() {
        64 => bytes[..32]
            .iter()
            .zip(&bytes[32..])
            .map(|(m, x)| m ^ x)
            .collect(),
        _ => bytes,
    };
    mac(key, cookie, session).verify_slice(&bare).is_ok()
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

    #[test]
    fn tokens_are_masked_afresh_and_the_bare_mac_still_verifies() {
        let sid = Uuid::now_v7();
        let (a, b) = (token(&KEY, "c", Some(sid)), token(&KEY, "c", Some(sid)));
        assert_ne!(a, b, "a new mask on every page");
        assert!(verify(&KEY, "c", Some(sid), &a) && verify(&KEY, "c", Some(sid), &b));
        let bare = URL_SAFE_NO_PAD.encode(mac(&KEY, "c", Some(sid)).finalize().into_bytes());
        assert!(verify(&KEY, "c", Some(sid), &bare));
        let mut tampered = URL_SAFE_NO_PAD.decode(&a).expect("base64");
        tampered[40] ^= 1;
        assert!(!verify(
            &KEY,
            "c",
            Some(sid),
            &URL_SAFE_NO_PAD.encode(tampered)
        ));
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
