//! The embedded static files (stylesheet, script, icon), served under content-hashed
//! names such as `/static/app.0123456789abcdef.css` and cached for a year.
//!
//! The hash is computed at compile time, so a build that changes a file changes its URL
//! and no browser keeps an old copy. The plain names (`/static/app.css`, with or without
//! the `?v=` of older pages) keep serving the current file, but with `no-cache`, for old
//! bookmarks and pages rendered before an upgrade. A hashed name with another hash is a
//! `404`: it names content this build does not have.

use axum::Router;
use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

const CSS: &str = include_str!("../../static/app.css");
const JS: &str = include_str!("../../static/app.js");
const FAVICON: &str = include_str!("../../static/favicon.svg");

/// FNV-1a, at compile time.
const fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash
}

/// `prefix`, `hash` in 16 lowercase hex digits, `suffix`, as the bytes of a path of
/// length `N` (the sum of the three).
const fn hashed_path<const N: usize>(prefix: &str, hash: u64, suffix: &str) -> [u8; N] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; N];
    let (p, s) = (prefix.as_bytes(), suffix.as_bytes());
    assert!(p.len() + 16 + s.len() == N, "the length of a hashed path");
    let mut i = 0;
    while i < p.len() {
        out[i] = p[i];
        i += 1;
    }
    let mut d = 0;
    while d < 16 {
        out[p.len() + d] = HEX[((hash >> (60 - 4 * d)) & 0xf) as usize];
        d += 1;
    }
    let mut j = 0;
    while j < s.len() {
        out[p.len() + 16 + j] = s[j];
        j += 1;
    }
    out
}

/// `/static/<stem>.<hash of body>.<ext>`, a `&'static str` built at compile time.
macro_rules! hashed_url {
    ($stem:literal, $body:expr, $ext:literal) => {{
        const PREFIX: &str = concat!("/static/", $stem, ".");
        const SUFFIX: &str = concat!(".", $ext);
        const BYTES: [u8; PREFIX.len() + 16 + SUFFIX.len()] =
            hashed_path(PREFIX, fnv1a($body.as_bytes()), SUFFIX);
        match std::str::from_utf8(&BYTES) {
            Ok(url) => url,
            Err(_) => panic!("a hashed path is ASCII"),
        }
    }};
}

/// The URLs the pages link to.
#[derive(Debug, Clone, Copy)]
pub struct AssetUrls {
    /// The stylesheet.
    pub css: &'static str,
    /// The script (optional progressive enhancement, `docs/web.md`).
    pub js: &'static str,
    /// The icon.
    pub icon: &'static str,
}

/// This build's asset URLs.
pub const URLS: AssetUrls = AssetUrls {
    css: hashed_url!("app", CSS, "css"),
    js: hashed_url!("app", JS, "js"),
    icon: hashed_url!("favicon", FAVICON, "svg"),
};

/// One embedded file: its hashed URL, its plain name, its type and its content.
struct Asset {
    url: &'static str,
    plain: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: [Asset; 3] = [
    Asset {
        url: URLS.css,
        plain: "app.css",
        content_type: "text/css; charset=utf-8",
        body: CSS,
    },
    Asset {
        url: URLS.js,
        plain: "app.js",
        content_type: "text/javascript; charset=utf-8",
        body: JS,
    },
    Asset {
        url: URLS.icon,
        plain: "favicon.svg",
        content_type: "image/svg+xml",
        body: FAVICON,
    },
];

/// The route of the embedded files.
pub fn router() -> Router<AppState> {
    Router::new().route("/static/{file}", get(serve))
}

async fn serve(Path(file): Path<String>) -> Response {
    for asset in &ASSETS {
        let cache = if asset.url.strip_prefix("/static/") == Some(file.as_str()) {
            // The name changes with the content: a year, never revalidated.
            "public, max-age=31536000, immutable"
        } else if asset.plain == file {
            // The name stays: ask each time.
            "no-cache"
        } else {
            continue;
        };
        return (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, cache),
            ],
            asset.body,
        )
            .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asset_urls_carry_the_hash_of_their_content() {
        let hex = |h: u64| format!("{h:016x}");
        assert_eq!(
            URLS.css,
            format!("/static/app.{}.css", hex(fnv1a(CSS.as_bytes())))
        );
        assert_eq!(
            URLS.js,
            format!("/static/app.{}.js", hex(fnv1a(JS.as_bytes())))
        );
        assert_eq!(
            URLS.icon,
            format!("/static/favicon.{}.svg", hex(fnv1a(FAVICON.as_bytes())))
        );
        assert_ne!(fnv1a(b"a"), fnv1a(b"b"));
    }
}
