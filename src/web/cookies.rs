//! The web app's cookies: names, reading the `Cookie` header, writing `Set-Cookie`.
//!
//! Every cookie is `HttpOnly; SameSite=Lax; Path=/`. Over HTTPS (an https `PUBLIC_URL`) it
//! is also `Secure` and its name carries the `__Host-` prefix, which the browser honours
//! only for a Secure, host-only, `Path=/` cookie: a sibling subdomain cannot plant one
//! (RFC 6265bis 4.1.3.2).

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};

use crate::config::Config;

/// The access token (a JWT).
pub const ACCESS: &str = "taskward_access";
/// The refresh token.
pub const REFRESH: &str = "taskward_refresh";
/// The random value CSRF tokens are bound to.
pub const CSRF: &str = "taskward_csrf";
/// A one-shot notice code shown on the next page ("Task added").
pub const FLASH: &str = "taskward_flash";
/// The random ids of forms kept for one read (a refused form, post/redirect/get).
pub const KEPT: &str = "taskward_kept";
/// A sign-in with the OpenID provider in flight (sealed; `auth::oidc::flow`).
pub const OIDC: &str = "taskward_oidc";
/// A sign-in waiting for its second step: the challenge's token (`auth::totp`).
pub const MFA: &str = "taskward_mfa";

/// Extra time the refresh cookie outlives its token, so that the server (not the browser)
/// notices the end of a session and can tell the user it expired.
const GRACE: Duration = Duration::from_secs(24 * 3600);

/// Cookie naming and attributes for one deployment.
#[derive(Debug, Clone, Copy)]
pub struct CookiePolicy {
    https: bool,
}

impl CookiePolicy {
    /// The policy for `config`: secure cookies when `PUBLIC_URL` is https.
    pub fn new(config: &Config) -> Self {
        Self {
            https: config.is_https(),
        }
    }

    /// The name a cookie is sent under.
    pub fn name(self, base: &str) -> String {
        if self.https {
            format!("__Host-{base}")
        } else {
            base.to_owned()
        }
    }

    /// A cookie's value from the request, if present and non-empty.
    pub fn get<'a>(self, headers: &'a HeaderMap, base: &str) -> Option<&'a str> {
        let name = self.name(base);
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.trim_matches('"'))
            .filter(|v| !v.is_empty())
    }

    /// `Set-Cookie` for `base=value`, kept for `max_age` (a browser-session cookie when
    /// `None`). Values are base64url or JWTs, which need no quoting; anything else is
    /// refused rather than sent broken.
    pub fn set(self, base: &str, value: &str, max_age: Option<Duration>) -> Option<HeaderValue> {
        let valid = value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !valid {
            return None;
        }
        let mut cookie = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax",
            self.name(base)
        );
        if let Some(age) = max_age {
            cookie.push_str(&format!("; Max-Age={}", age.as_secs()));
        }
        if self.https {
            cookie.push_str("; Secure");
        }
        HeaderValue::from_str(&cookie).ok()
    }

    /// `Set-Cookie` that deletes `base`.
    pub fn clear(self, base: &str) -> HeaderValue {
        let secure = if self.https { "; Secure" } else { "" };
        let cookie = format!(
            "{}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}",
            self.name(base)
        );
        HeaderValue::from_str(&cookie).unwrap_or(HeaderValue::from_static("x=; Max-Age=0"))
    }

    /// The session cookies for a fresh pair of tokens. The access cookie lives as long as
    /// its token, so the browser stops sending it when it expires and the next request
    /// renews it from the refresh cookie.
    pub fn session(self, config: &Config, access: &str, refresh: &str) -> Vec<HeaderValue> {
        [
            self.set(ACCESS, access, Some(config.access_token_ttl)),
            self.set(REFRESH, refresh, Some(config.refresh_token_ttl + GRACE)),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    /// `Set-Cookie` headers that end the session in this browser.
    pub fn end_session(self) -> Vec<HeaderValue> {
        vec![self.clear(ACCESS), self.clear(REFRESH)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(https: bool) -> CookiePolicy {
        CookiePolicy { https }
    }

    #[test]
    fn cookies_are_read_by_exact_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("x_taskward_access=no; taskward_access=yes; other=1"),
        );
        assert_eq!(policy(false).get(&h, ACCESS), Some("yes"));
        assert_eq!(policy(true).get(&h, ACCESS), None);
        assert_eq!(policy(false).get(&h, REFRESH), None);
    }

    #[test]
    fn https_cookies_are_secure_and_host_prefixed() {
        let c = policy(true)
            .set(ACCESS, "abc", Some(Duration::from_secs(60)))
            .expect("valid");
        let c = c.to_str().expect("ascii");
        assert!(c.starts_with("__Host-taskward_access=abc; Path=/; HttpOnly; SameSite=Lax"));
        assert!(c.ends_with("; Max-Age=60; Secure"));
        let plain = policy(false).set(ACCESS, "abc", None).expect("valid");
        assert_eq!(plain, "taskward_access=abc; Path=/; HttpOnly; SameSite=Lax");
    }

    #[test]
    fn values_that_would_break_the_header_are_refused() {
        assert!(policy(false).set(FLASH, "a;b", None).is_none());
        assert!(policy(false).set(FLASH, "a b", None).is_none());
    }
}
