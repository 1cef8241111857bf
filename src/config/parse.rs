//! The parsers of the settings' values, one per kind of value, as clap's value parsers.
//!
//! A message says what is wrong with the value and reads after the setting's name, which
//! the caller puts in front: `ACCESS_TOKEN_TTL` + "`soon` is not a duration; ...". A
//! secret's value is never repeated in a message.

use std::net::SocketAddr;
use std::time::Duration;

use jsonwebtoken::Algorithm;
use secrecy::SecretString;

use super::{LimitStoreKind, LogFormat, MIN_SECRET_BYTES, RateRule};

/// `parse`, except that an empty (or blank) value means "not set": the setting is optional
/// and an empty variable in a `.env` or compose file turns it off.
pub fn optional<T: 'static>(
    parse: fn(&str) -> Result<T, String>,
) -> impl Fn(&str) -> Result<Option<T>, String> + Clone + Send + Sync + 'static {
    move |raw| {
        if raw.trim().is_empty() {
            Ok(None)
        } else {
            parse(raw).map(Some)
        }
    }
}

/// Any text, trimmed.
pub fn text(raw: &str) -> Result<String, String> {
    Ok(raw.trim().to_owned())
}

/// `90`, `90s`, `250ms`, `15m`, `12h`, `30d`: a whole number with an optional unit.
pub fn duration(raw: &str) -> Result<Duration, String> {
    let raw = raw.trim();
    let (digits, unit) = match raw.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => raw.split_at(i),
        None => (raw, "s"),
    };
    let factor = match unit.trim() {
        "ms" => 0,
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{raw}` is not a duration; use a whole number with s, m, h or d, e.g. 15m"
            ));
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{raw}` is not a duration; use e.g. 15m"))?;
    let d = if factor == 0 {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n.saturating_mul(factor))
    };
    if d.is_zero() {
        return Err("must be longer than zero".into());
    }
    Ok(d)
}

/// An address and port to listen on.
pub fn listen_address(raw: &str) -> Result<SocketAddr, String> {
    raw.trim().parse().map_err(|_| {
        format!("`{raw}` is not an address and port, e.g. 127.0.0.1:8000 or 0.0.0.0:8000")
    })
}

/// A signing secret of at least [`MIN_SECRET_BYTES`] bytes. The message never shows it.
pub fn secret(raw: &str) -> Result<SecretString, String> {
    if raw.len() < MIN_SECRET_BYTES {
        return Err(format!(
            "is {} bytes long; it must be at least {MIN_SECRET_BYTES} bytes (generate one with `openssl rand -base64 48`)",
            raw.len()
        ));
    }
    Ok(SecretString::from(raw.to_owned()))
}

/// An http(s) URL with a host.
pub fn http_url(raw: &str) -> Result<url::Url, String> {
    let raw = raw.trim();
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(u),
        _ => Err(format!(
            "`{raw}` is not an http(s) URL, e.g. https://todo.example.com"
        )),
    }
}

/// `on` or `off` (also `true`/`false`, `1`/`0`).
pub fn switch(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" => Ok(true),
        "off" | "false" | "0" | "" => Ok(false),
        other => Err(format!("`{other}` must be `on` or `off`")),
    }
}

/// `pretty` (or `text`) or `json`.
pub fn log_format(raw: &str) -> Result<LogFormat, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "pretty" | "text" => Ok(LogFormat::Pretty),
        "json" => Ok(LogFormat::Json),
        other => Err(format!(
            "`{other}` is not supported; use `pretty` or `json`"
        )),
    }
}

/// A pool size of at least one connection.
pub fn pool_size(raw: &str) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{raw}` is not a whole number of connections")),
    }
}

/// `COUNT/WINDOW`, e.g. `10/15m`.
pub fn rate(raw: &str) -> Result<RateRule, String> {
    let bad = || format!("`{raw}` is not a rate; use COUNT/WINDOW, e.g. 10/15m");
    let (count, window) = raw.trim().split_once('/').ok_or_else(bad)?;
    let max: u32 = count.trim().parse().map_err(|_| bad())?;
    if max == 0 {
        return Err("must allow at least one attempt; set RATE_LIMIT=off to disable limits".into());
    }
    let window = duration(window).map_err(|e| format!("window {e}"))?;
    Ok(RateRule { max, window })
}

/// `auto`, `memory` or `database`.
pub fn limit_store(raw: &str) -> Result<LimitStoreKind, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "auto" => Ok(LimitStoreKind::Auto),
        "memory" => Ok(LimitStoreKind::Memory),
        "database" => Ok(LimitStoreKind::Database),
        other => Err(format!(
            "`{other}` is not supported; use `auto`, `memory` or `database`"
        )),
    }
}

/// A prefix length from 32 to 128.
pub fn ipv6_prefix(raw: &str) -> Result<u8, String> {
    match raw.trim().parse::<u8>() {
        Ok(bits) if (32..=128).contains(&bits) => Ok(bits),
        _ => Err(format!("`{raw}` is not a prefix length from 32 to 128")),
    }
}

/// The non-empty, trimmed entries of a comma-separated list.
fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

/// Browser origins, comma-separated: `https://app.example.com, http://localhost:3000`.
pub fn origins(raw: &str) -> Result<Vec<String>, String> {
    list(raw)
        .map(|origin| match url::Url::parse(origin) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.path() == "/" => {
                Ok(origin.trim_end_matches('/').to_owned())
            }
            _ => Err(format!(
                "entry `{origin}` is not an origin like https://app.example.com"
            )),
        })
        .collect()
}

/// Addresses and CIDR ranges, comma-separated: `127.0.0.1, 10.0.0.0/8`.
pub fn networks(raw: &str) -> Result<Vec<ipnet::IpNet>, String> {
    list(raw)
        .map(|entry| {
            entry
                .parse::<ipnet::IpNet>()
                .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                .map_err(|_| {
                    format!("entry `{entry}` is not an IP address or CIDR range like 10.0.0.0/8")
                })
        })
        .collect()
}

/// Asymmetric JWT algorithms, comma-separated. HS256 belongs to the shared secret;
/// accepting it from a key set would invite algorithm confusion (RFC 8725 3.1).
pub fn algorithms(raw: &str) -> Result<Vec<Algorithm>, String> {
    use Algorithm as A;
    let mut out = Vec::new();
    for name in list(raw) {
        let alg = match name {
            "EdDSA" => A::EdDSA,
            "ES256" => A::ES256,
            "ES384" => A::ES384,
            "RS256" => A::RS256,
            "RS384" => A::RS384,
            "RS512" => A::RS512,
            "PS256" => A::PS256,
            "PS384" => A::PS384,
            "PS512" => A::PS512,
            other => {
                return Err(format!(
                    "entry `{other}` is not supported; use asymmetric algorithms such as EdDSA, ES256, RS256 (HS256 is only for JWT_SECRET)"
                ));
            }
        };
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    if out.is_empty() {
        return Err("must name at least one algorithm, e.g. EdDSA".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_units() {
        assert_eq!(duration("90").ok(), Some(Duration::from_secs(90)));
        assert_eq!(duration("2h").ok(), Some(Duration::from_secs(7200)));
        assert_eq!(duration("250ms").ok(), Some(Duration::from_millis(250)));
        assert!(duration("0s").is_err());
        assert!(duration("soon").is_err());
        assert!(duration("5y").is_err());
    }

    #[test]
    fn empty_optional_values_mean_unset() {
        let url = optional(http_url);
        assert_eq!(url("  ").ok(), Some(None));
        assert!(url("ftp://x").is_err());
        assert!(url("https://todo.example.com").is_ok_and(|u| u.is_some()));
    }
}
