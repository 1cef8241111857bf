//! Configuration: flags, environment and `.env`, validated once at start.
//!
//! Clap reads every setting as text; [`Settings::validate`] turns the text into a
//! [`Config`] and reports every problem at once, one clear sentence each, so an operator
//! fixes a broken deployment in one round instead of one error per restart.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use secrecy::{ExposeSecret, SecretString};

/// Every setting of `taskward serve` and `taskward migrate`, as given on the command line
/// or in the environment (flags win over the environment, which wins over `.env`).
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// Database to use: `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`
    /// (any PostgreSQL, e.g. Neon).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://taskward.db")]
    pub database_url: String,

    /// Address and port to listen on. Use `0.0.0.0:8000` to accept connections from other
    /// machines (normally behind a reverse proxy).
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8000")]
    pub bind: String,

    /// Secret that signs access tokens (HS256), at least 32 bytes. Also read from
    /// `BETTER_AUTH_SECRET`. When unset with SQLite, a random secret is generated once and kept
    /// in a file next to the database; PostgreSQL deployments must set it so that every node
    /// shares it.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// Lifetime of access tokens, e.g. `900s`, `15m`.
    #[arg(long, env = "ACCESS_TOKEN_TTL", default_value = "15m")]
    pub access_token_ttl: String,

    /// Lifetime of refresh tokens (sessions), e.g. `30d`.
    #[arg(long, env = "REFRESH_TOKEN_TTL", default_value = "30d")]
    pub refresh_token_ttl: String,

    /// `iss` claim written into access tokens and required of incoming tokens when set.
    /// With `JWT_JWKS_URL` it is the external issuer's `iss` (e.g. the Better Auth base URL),
    /// required of every token, ours included.
    #[arg(long, env = "JWT_ISSUER")]
    pub jwt_issuer: Option<String>,

    /// `aud` claim written into access tokens and required of incoming tokens when set.
    /// With `JWT_JWKS_URL` it is the audience the external issuer writes.
    #[arg(long, env = "JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,

    /// Key set (JWKS) of an external token issuer, e.g. a Better Auth frontend's
    /// `https://app.example.com/api/auth/jwks`. Tokens it signs are accepted besides
    /// Taskward's own; needs `JWT_ISSUER` and `JWT_AUDIENCE`.
    #[arg(long, env = "JWT_JWKS_URL")]
    pub jwt_jwks_url: Option<String>,

    /// Comma-separated signature algorithms accepted from the external issuer
    /// (asymmetric only: EdDSA, ES256, ES384, RS256, RS384, RS512, PS256, PS384, PS512).
    #[arg(long, env = "JWT_ALGORITHMS", default_value = "EdDSA,ES256,RS256")]
    pub jwt_algorithms: String,

    /// Shortest time between two fetches of the external key set, e.g. `60s`: a token with
    /// an unknown `kid` refetches at most this often.
    #[arg(long, env = "JWT_JWKS_REFETCH_INTERVAL", default_value = "60s")]
    pub jwt_jwks_refetch_interval: String,

    /// Comma-separated origins allowed to call the API from a browser
    /// (e.g. `https://app.example.com`); empty allows none.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", default_value = "")]
    pub cors_allowed_origins: String,

    /// Public base URL of this service, e.g. `https://todo.example.com`. When it is https,
    /// cookies are `Secure` and HSTS is sent.
    #[arg(long, env = "PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Log format: `pretty` for people, `json` for one JSON object per line. Filter with
    /// `RUST_LOG` (default `info`).
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty")]
    pub log_format: String,

    /// Longest time a request may take before it is answered with 503, e.g. `30s`.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "30s")]
    pub request_timeout: String,

    /// Maximum number of PostgreSQL connections held by this node (SQLite uses one writer
    /// and a small read pool).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value_t = 10)]
    pub database_pool_size: u32,

    /// `on` or `off`: rate limits on sign-in and sign-up (turn off only for load tests).
    #[arg(long, env = "RATE_LIMIT", default_value = "on")]
    pub rate_limit: String,

    /// Sign-in and sign-up attempts allowed per client IP, as `COUNT/WINDOW`.
    #[arg(long, env = "RATE_LIMIT_PER_IP", default_value = "30/1m")]
    pub rate_limit_per_ip: String,

    /// Failed sign-ins (and sign-ups) allowed per email, as `COUNT/WINDOW`.
    #[arg(long, env = "RATE_LIMIT_PER_EMAIL", default_value = "10/15m")]
    pub rate_limit_per_email: String,

    /// Comma-separated addresses or CIDR ranges of reverse proxies whose
    /// `X-Forwarded-For` is believed (e.g. `127.0.0.1,10.0.0.0/8`); empty trusts none.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,

    /// `on` serves Prometheus metrics at `/metrics` on the main address; `off` (the
    /// default) does not. See also METRICS_BIND.
    #[arg(long, env = "METRICS", default_value = "off")]
    pub metrics: String,

    /// Separate address for `/metrics` only, e.g. `127.0.0.1:9100` (not reachable through the
    /// public listener); setting it turns metrics on.
    #[arg(long, env = "METRICS_BIND")]
    pub metrics_bind: Option<String>,
}

/// An external token issuer (`JWT_JWKS_URL`), see API.md "External issuers".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalIssuer {
    /// Where its key set is fetched from.
    pub jwks_url: url::Url,
    /// The signature algorithms accepted (asymmetric only).
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
    /// Its `iss`.
    pub issuer: String,
    /// The `aud` it writes for Taskward.
    pub audience: String,
    /// Shortest time between two key set fetches.
    pub refetch_interval: Duration,
}

/// A rate-limit rule: at most `max` events per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    /// Events allowed in one window.
    pub max: u32,
    /// Window length.
    pub window: Duration,
}

impl RateRule {
    fn parse(name: &str, raw: &str) -> Result<Self, String> {
        let bad = || format!("{name} `{raw}` is not a rate; use COUNT/WINDOW, e.g. 10/15m");
        let (count, window) = raw.trim().split_once('/').ok_or_else(bad)?;
        let max: u32 = count.trim().parse().map_err(|_| bad())?;
        if max == 0 {
            return Err(format!(
                "{name} must allow at least one attempt; set RATE_LIMIT=off to disable limits"
            ));
        }
        let window = parse_duration(name, window)?;
        Ok(Self { max, window })
    }
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line.
    Json,
}

/// Where the data lives, decided by the scheme of `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An embedded SQLite file (or `sqlite::memory:`).
    Sqlite(String),
    /// A PostgreSQL server.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a `DATABASE_URL`, naming the problem when it cannot be used.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(
                "DATABASE_URL is empty; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
                    .into(),
            );
        }
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            if rest.trim_start_matches('/').is_empty() {
                return Err(
                    "DATABASE_URL `sqlite://` names no file; use e.g. sqlite://taskward.db".into(),
                );
            }
            return Ok(Self::Sqlite(raw.to_owned()));
        }
        let parsed = url::Url::parse(raw).map_err(|e| {
            format!(
                "DATABASE_URL `{}` is not a valid URL ({e}); use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
                redact_url(raw)
            )
        })?;
        match parsed.scheme() {
            "postgres" | "postgresql" => {
                if parsed.host_str().is_none_or(str::is_empty) && !raw.contains("host=") {
                    return Err(format!("DATABASE_URL `{}` names no host", redact_url(raw)));
                }
                Ok(Self::Postgres(raw.to_owned()))
            }
            other => Err(format!(
                "DATABASE_URL scheme `{other}` is not supported; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
            )),
        }
    }

    /// The URL as given, password included: only for opening connections.
    pub fn expose(&self) -> &str {
        match self {
            Self::Sqlite(u) | Self::Postgres(u) => u,
        }
    }

    /// The URL with any password replaced by `***`, safe for logs and messages.
    pub fn redacted(&self) -> String {
        redact_url(self.expose())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

/// Replaces the password of a URL with `***` (used for every URL that reaches a log).
pub fn redact_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            // set_password only fails for URLs that cannot have one, which this one has.
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        Ok(_) => raw.to_owned(),
        // Unparseable: show only the scheme, the rest may hold a password.
        Err(_) => match raw.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://…"),
            None => "…".to_owned(),
        },
    }
}

/// The validated configuration the server runs with.
#[derive(Clone)]
pub struct Config {
    /// Database location.
    pub database_url: DatabaseUrl,
    /// Listen address.
    pub bind: SocketAddr,
    /// HS256 secret, when configured (see `auth` for the generated default).
    pub jwt_secret: Option<SecretString>,
    /// Access token lifetime.
    pub access_token_ttl: Duration,
    /// Refresh token lifetime.
    pub refresh_token_ttl: Duration,
    /// Expected and issued `iss`.
    pub jwt_issuer: Option<String>,
    /// Expected and issued `aud`.
    pub jwt_audience: Option<String>,
    /// Browser origins allowed by CORS.
    pub cors_allowed_origins: Vec<String>,
    /// Public base URL.
    pub public_url: Option<url::Url>,
    /// Log output format.
    pub log_format: LogFormat,
    /// Per-request time limit.
    pub request_timeout: Duration,
    /// PostgreSQL pool size.
    pub database_pool_size: u32,
    /// Whether sign-in and sign-up are rate limited.
    pub rate_limit: bool,
    /// Attempts per client IP.
    pub rate_limit_per_ip: RateRule,
    /// Failures per email.
    pub rate_limit_per_email: RateRule,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The external token issuer, when `JWT_JWKS_URL` is set.
    pub external_issuer: Option<ExternalIssuer>,
    /// `/metrics` on the main listener.
    pub metrics: bool,
    /// `/metrics` on its own listener.
    pub metrics_bind: Option<SocketAddr>,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &self.database_url)
            .field("bind", &self.bind)
            .field(
                "jwt_secret",
                &self.jwt_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("access_token_ttl", &self.access_token_ttl)
            .field("refresh_token_ttl", &self.refresh_token_ttl)
            .field("jwt_issuer", &self.jwt_issuer)
            .field("jwt_audience", &self.jwt_audience)
            .field("cors_allowed_origins", &self.cors_allowed_origins)
            .field(
                "public_url",
                &self.public_url.as_ref().map(url::Url::as_str),
            )
            .field("log_format", &self.log_format)
            .field("request_timeout", &self.request_timeout)
            .field("database_pool_size", &self.database_pool_size)
            .field("rate_limit", &self.rate_limit)
            .field("rate_limit_per_ip", &self.rate_limit_per_ip)
            .field("rate_limit_per_email", &self.rate_limit_per_email)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("external_issuer", &self.external_issuer)
            .field("metrics", &self.metrics)
            .field("metrics_bind", &self.metrics_bind)
            .finish()
    }
}

/// Minimum length of `JWT_SECRET` in bytes (RFC 7518 3.2: a key of at least the hash size).
pub const MIN_SECRET_BYTES: usize = 32;

impl Settings {
    /// Checks every setting and returns the configuration, or one message per problem.
    pub fn validate(&self) -> Result<Config, Vec<String>> {
        let mut problems = Vec::new();
        let p = &mut problems;

        let database_url = keep(p, DatabaseUrl::parse(&self.database_url));
        let bind = keep(
            p,
            self.bind.trim().parse::<SocketAddr>().map_err(|_| {
                format!(
                    "BIND `{}` is not an address and port, e.g. 127.0.0.1:8000 or 0.0.0.0:8000",
                    self.bind
                )
            }),
        );
        let jwt_secret = keep(p, self.jwt_secret());
        if let (Some(DatabaseUrl::Postgres(_)), Some(None)) = (&database_url, &jwt_secret) {
            p.push("JWT_SECRET must be set when DATABASE_URL is PostgreSQL, so that every node signs tokens with the same secret (generate one with `openssl rand -base64 48`)".to_owned());
        }
        let access = keep(
            p,
            parse_duration("ACCESS_TOKEN_TTL", &self.access_token_ttl),
        );
        let refresh = keep(
            p,
            parse_duration("REFRESH_TOKEN_TTL", &self.refresh_token_ttl),
        );
        if let (Some(a), Some(r)) = (access, refresh)
            && a >= r
        {
            p.push("ACCESS_TOKEN_TTL must be shorter than REFRESH_TOKEN_TTL".to_owned());
        }
        let timeout = keep(p, parse_duration("REQUEST_TIMEOUT", &self.request_timeout));
        let log_format = keep(
            p,
            match self.log_format.trim().to_ascii_lowercase().as_str() {
                "pretty" | "text" => Ok(LogFormat::Pretty),
                "json" => Ok(LogFormat::Json),
                other => Err(format!(
                    "LOG_FORMAT `{other}` is not supported; use `pretty` or `json`"
                )),
            },
        );
        let public_url = keep(p, self.public_url());
        let origins = keep(p, self.cors_origins());
        if self.database_pool_size == 0 {
            p.push("DATABASE_POOL_SIZE must be at least 1".to_owned());
        }
        let rate_limit = keep(
            p,
            match self.rate_limit.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "1" => Ok(true),
                "off" | "false" | "0" => Ok(false),
                other => Err(format!("RATE_LIMIT `{other}` must be `on` or `off`")),
            },
        );
        let per_ip = keep(
            p,
            RateRule::parse("RATE_LIMIT_PER_IP", &self.rate_limit_per_ip),
        );
        let per_email = keep(
            p,
            RateRule::parse("RATE_LIMIT_PER_EMAIL", &self.rate_limit_per_email),
        );
        let trusted_proxies = keep(p, self.trusted_proxies());
        let external_issuer = keep(p, self.external_issuer());
        let metrics = keep(
            p,
            match self.metrics.trim().to_ascii_lowercase().as_str() {
                "on" | "true" | "1" => Ok(true),
                "off" | "false" | "0" | "" => Ok(false),
                other => Err(format!("METRICS `{other}` must be `on` or `off`")),
            },
        );
        let metrics_bind = keep(
            p,
            match self.metrics_bind.as_deref().map(str::trim) {
                None | Some("") => Ok(None),
                Some(raw) => raw.parse::<SocketAddr>().map(Some).map_err(|_| {
                    format!("METRICS_BIND `{raw}` is not an address and port, e.g. 127.0.0.1:9100")
                }),
            },
        );

        let (
            Some(database_url),
            Some(bind),
            Some(jwt_secret),
            Some(access_token_ttl),
            Some(refresh_token_ttl),
            Some(request_timeout),
            Some(log_format),
            Some(public_url),
            Some(cors_allowed_origins),
            Some(rate_limit),
            Some(rate_limit_per_ip),
            Some(rate_limit_per_email),
            Some(trusted_proxies),
            Some(external_issuer),
            Some(metrics),
            Some(metrics_bind),
        ) = (
            database_url,
            bind,
            jwt_secret,
            access,
            refresh,
            timeout,
            log_format,
            public_url,
            origins,
            rate_limit,
            per_ip,
            per_email,
            trusted_proxies,
            external_issuer,
            metrics,
            metrics_bind,
        )
        else {
            return Err(problems);
        };
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Config {
            database_url,
            bind,
            jwt_secret,
            access_token_ttl,
            refresh_token_ttl,
            jwt_issuer: non_empty(&self.jwt_issuer),
            jwt_audience: non_empty(&self.jwt_audience),
            cors_allowed_origins,
            public_url,
            log_format,
            request_timeout,
            database_pool_size: self.database_pool_size,
            rate_limit,
            rate_limit_per_ip,
            rate_limit_per_email,
            trusted_proxies,
            external_issuer,
            metrics,
            metrics_bind,
        })
    }

    /// `JWT_JWKS_URL` with its algorithms, issuer and audience. Without a configured
    /// `iss` and `aud`, any token the issuer ever signed for anyone would be accepted
    /// (RFC 8725 3.8, 3.9), so both are required.
    fn external_issuer(&self) -> Result<Option<ExternalIssuer>, String> {
        let Some(raw) = non_empty(&self.jwt_jwks_url) else {
            return Ok(None);
        };
        let mut problems = Vec::new();
        let jwks_url = match url::Url::parse(&raw) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(u),
            _ => {
                problems.push(format!(
                    "JWT_JWKS_URL `{raw}` is not an http(s) URL, e.g. https://app.example.com/api/auth/jwks"
                ));
                None
            }
        };
        let algorithms = keep(&mut problems, parse_algorithms(&self.jwt_algorithms));
        let issuer = non_empty(&self.jwt_issuer);
        if issuer.is_none() {
            problems.push("JWT_ISSUER must be set when JWT_JWKS_URL is, to the `iss` of the external issuer's tokens (for Better Auth its base URL)".to_owned());
        }
        let audience = non_empty(&self.jwt_audience);
        if audience.is_none() {
            problems.push("JWT_AUDIENCE must be set when JWT_JWKS_URL is, to the `aud` of the external issuer's tokens (for Better Auth its base URL unless configured)".to_owned());
        }
        let interval = keep(
            &mut problems,
            parse_duration("JWT_JWKS_REFETCH_INTERVAL", &self.jwt_jwks_refetch_interval),
        );
        match (jwks_url, algorithms, issuer, audience, interval) {
            (Some(jwks_url), Some(algorithms), Some(issuer), Some(audience), Some(interval))
                if problems.is_empty() =>
            {
                Ok(Some(ExternalIssuer {
                    jwks_url,
                    algorithms,
                    issuer,
                    audience,
                    refetch_interval: interval,
                }))
            }
            _ => Err(problems.join("; ")),
        }
    }

    /// `JWT_SECRET`, else `BETTER_AUTH_SECRET` (the name the Next.js + Better Auth half of
    /// the old stack uses); at least [`MIN_SECRET_BYTES`] long.
    fn jwt_secret(&self) -> Result<Option<SecretString>, String> {
        let secret = self
            .jwt_secret
            .clone()
            .or_else(|| std::env::var("BETTER_AUTH_SECRET").ok())
            .filter(|s| !s.is_empty());
        match secret {
            Some(s) if s.len() < MIN_SECRET_BYTES => Err(format!(
                "JWT_SECRET is {} bytes long; it must be at least {MIN_SECRET_BYTES} bytes (generate one with `openssl rand -base64 48`)",
                s.len()
            )),
            other => Ok(other.map(SecretString::from)),
        }
    }

    fn public_url(&self) -> Result<Option<url::Url>, String> {
        match self.public_url.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(raw) => match url::Url::parse(raw) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                    Ok(Some(u))
                }
                _ => Err(format!(
                    "PUBLIC_URL `{raw}` is not an http(s) URL, e.g. https://todo.example.com"
                )),
            },
        }
    }

    fn cors_origins(&self) -> Result<Vec<String>, String> {
        list(&self.cors_allowed_origins)
            .map(|origin| match url::Url::parse(origin) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.path() == "/" => {
                    Ok(origin.trim_end_matches('/').to_owned())
                }
                _ => Err(format!(
                    "CORS_ALLOWED_ORIGINS entry `{origin}` is not an origin like https://app.example.com"
                )),
            })
            .collect()
    }

    fn trusted_proxies(&self) -> Result<Vec<ipnet::IpNet>, String> {
        list(&self.trusted_proxies)
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!(
                        "TRUSTED_PROXIES entry `{entry}` is not an IP address or CIDR range like 10.0.0.0/8"
                    ))
            })
            .collect()
    }
}

/// Records the error of `r`, if any, and returns its value.
fn keep<T>(problems: &mut Vec<String>, r: Result<T, String>) -> Option<T> {
    r.map_err(|e| problems.push(e)).ok()
}

/// The non-empty, trimmed entries of a comma-separated list.
fn list(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Config {
    /// A configuration for tests and embedding: every default, this database.
    pub fn for_database(database_url: &str) -> Result<Self, Vec<String>> {
        let mut settings = Settings::defaults();
        settings.database_url = database_url.to_owned();
        settings.validate()
    }

    /// Whether the service is reached over HTTPS (cookies get `Secure`, HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// The configured secret's bytes, when one is configured.
    pub fn jwt_secret_bytes(&self) -> Option<&[u8]> {
        self.jwt_secret
            .as_ref()
            .map(|s| s.expose_secret().as_bytes())
    }
}

impl Settings {
    /// The settings with every default and nothing from the environment.
    pub fn defaults() -> Self {
        Self {
            database_url: "sqlite://taskward.db".into(),
            bind: "127.0.0.1:8000".into(),
            jwt_secret: None,
            access_token_ttl: "15m".into(),
            refresh_token_ttl: "30d".into(),
            jwt_issuer: None,
            jwt_audience: None,
            cors_allowed_origins: String::new(),
            public_url: None,
            log_format: "pretty".into(),
            request_timeout: "30s".into(),
            database_pool_size: 10,
            rate_limit: "on".into(),
            rate_limit_per_ip: "30/1m".into(),
            rate_limit_per_email: "10/15m".into(),
            trusted_proxies: String::new(),
            jwt_jwks_url: None,
            jwt_algorithms: "EdDSA,ES256,RS256".into(),
            jwt_jwks_refetch_interval: "60s".into(),
            metrics: "off".into(),
            metrics_bind: None,
        }
    }
}

fn non_empty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Parses `JWT_ALGORITHMS`: asymmetric algorithms only. HS256 belongs to the shared
/// secret; accepting it from the key set would invite algorithm confusion (RFC 8725 3.1).
fn parse_algorithms(raw: &str) -> Result<Vec<jsonwebtoken::Algorithm>, String> {
    use jsonwebtoken::Algorithm as A;
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
                    "JWT_ALGORITHMS entry `{other}` is not supported; use asymmetric algorithms such as EdDSA, ES256, RS256 (HS256 is only for JWT_SECRET)"
                ));
            }
        };
        if !out.contains(&alg) {
            out.push(alg);
        }
    }
    if out.is_empty() {
        return Err("JWT_ALGORITHMS must name at least one algorithm, e.g. EdDSA".into());
    }
    Ok(out)
}

/// Parses `90`, `90s`, `15m`, `12h`, `30d` (a whole number with an optional unit).
fn parse_duration(name: &str, raw: &str) -> Result<Duration, String> {
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
                "{name} `{raw}` is not a duration; use a whole number with s, m, h or d, e.g. 15m"
            ));
        }
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("{name} `{raw}` is not a duration; use e.g. 15m"))?;
    let d = if factor == 0 {
        Duration::from_millis(n)
    } else {
        Duration::from_secs(n.saturating_mul(factor))
    };
    if d.is_zero() {
        return Err(format!("{name} must be longer than zero"));
    }
    Ok(d)
}

/// Where a generated secret is kept for a SQLite database: `<database file>.secret`.
pub fn secret_path_for_sqlite(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.starts_with(":memory:") || path == "memory:" {
        return None;
    }
    Some(PathBuf::from(format!("{path}.secret")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        let c = Settings::defaults().validate().expect("defaults are valid");
        assert_eq!(c.bind.to_string(), "127.0.0.1:8000");
        assert_eq!(c.access_token_ttl, Duration::from_secs(900));
        assert_eq!(c.refresh_token_ttl, Duration::from_secs(30 * 86_400));
        assert!(matches!(c.database_url, DatabaseUrl::Sqlite(_)));
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut s = Settings::defaults();
        s.database_url = "mysql://x/y".into();
        s.bind = "nope".into();
        s.jwt_secret = Some("short".into());
        s.log_format = "xml".into();
        let problems = s.validate().expect_err("invalid");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("DATABASE_URL scheme `mysql`"));
        assert!(problems[1].contains("BIND `nope`"));
        assert!(problems[2].contains("JWT_SECRET is 5 bytes"));
        assert!(problems[3].contains("LOG_FORMAT `xml`"));
    }

    #[test]
    fn urls_in_messages_hide_the_password() {
        let err = DatabaseUrl::parse("redis://user:hunter2@h/db").expect_err("unsupported");
        assert!(!err.contains("hunter2"));
        let u = DatabaseUrl::parse("postgres://user:hunter2@db.example.com/app").expect("valid");
        assert_eq!(u.redacted(), "postgres://user:***@db.example.com/app");
        assert!(!format!("{u:?}").contains("hunter2"));
    }

    #[test]
    fn debug_of_config_redacts_the_secret() {
        let mut s = Settings::defaults();
        s.jwt_secret = Some("x".repeat(40));
        let c = s.validate().expect("valid");
        assert!(!format!("{c:?}").contains(&"x".repeat(40)));
    }

    #[test]
    fn rate_rules_and_proxies_parse() {
        let mut s = Settings::defaults();
        s.rate_limit_per_email = "5/1h".into();
        s.trusted_proxies = "127.0.0.1, 10.0.0.0/8".into();
        let c = s.validate().expect("valid");
        assert_eq!(
            c.rate_limit_per_email,
            RateRule {
                max: 5,
                window: Duration::from_secs(3600)
            }
        );
        assert_eq!(c.trusted_proxies.len(), 2);
        s.rate_limit_per_ip = "0/1m".into();
        s.trusted_proxies = "proxy.local".into();
        s.rate_limit = "maybe".into();
        assert_eq!(s.validate().expect_err("invalid").len(), 3);
    }

    #[test]
    fn an_external_issuer_needs_its_issuer_audience_and_asymmetric_algorithms() {
        let mut s = Settings::defaults();
        s.jwt_jwks_url = Some("https://app.example.com/api/auth/jwks".into());
        let problems = s.validate().expect_err("no iss/aud");
        assert!(problems[0].contains("JWT_ISSUER"), "{problems:?}");
        assert!(problems[0].contains("JWT_AUDIENCE"), "{problems:?}");
        s.jwt_issuer = Some("https://app.example.com".into());
        s.jwt_audience = Some("https://app.example.com".into());
        let c = s.validate().expect("valid");
        let ext = c.external_issuer.expect("configured");
        assert_eq!(
            ext.algorithms,
            [
                jsonwebtoken::Algorithm::EdDSA,
                jsonwebtoken::Algorithm::ES256,
                jsonwebtoken::Algorithm::RS256
            ]
        );
        assert_eq!(ext.refetch_interval, Duration::from_secs(60));
        s.jwt_algorithms = "EdDSA,HS256".into();
        assert!(s.validate().expect_err("HS256")[0].contains("`HS256`"));
        s.jwt_algorithms = "EdDSA".into();
        s.jwt_jwks_url = Some("ftp://x/jwks".into());
        assert!(s.validate().expect_err("scheme")[0].contains("JWT_JWKS_URL"));
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(
            parse_duration("T", "90").ok(),
            Some(Duration::from_secs(90))
        );
        assert_eq!(
            parse_duration("T", "2h").ok(),
            Some(Duration::from_secs(7200))
        );
        assert_eq!(
            parse_duration("T", "250ms").ok(),
            Some(Duration::from_millis(250))
        );
        assert!(parse_duration("T", "0s").is_err());
        assert!(parse_duration("T", "soon").is_err());
        assert!(parse_duration("T", "5y").is_err());
    }

    #[test]
    fn secret_file_sits_next_to_the_database() {
        assert_eq!(
            secret_path_for_sqlite("sqlite://data/taskward.db?mode=rwc"),
            Some(PathBuf::from("data/taskward.db.secret"))
        );
        assert_eq!(secret_path_for_sqlite("sqlite::memory:"), None);
    }
}
