//! Configuration: flags, environment and `.env`, parsed and checked once at start.
//!
//! Every setting is declared once, as a typed field of [`Config`]: clap reads it from its
//! flag or environment variable and parses it with its value parser (`parse.rs`). When
//! values are wrong, [`problems::all`] reports every one of them at once, one clear
//! sentence each, and [`Config::check`] the settings that do not fit together, so an
//! operator fixes a broken deployment in one round instead of one error per restart.

pub mod accounts;
mod database;
pub mod notify;
pub mod oidc;
mod parse;
pub mod problems;

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{Args, FromArgMatches};
pub use database::{DatabaseUrl, redact_url, secret_path_for_sqlite};
use jsonwebtoken::Algorithm;
use secrecy::SecretString;

/// Minimum length of `JWT_SECRET` in bytes (RFC 7518 3.2: a key of at least the hash size).
pub const MIN_SECRET_BYTES: usize = 32;

/// Every setting of `taskward serve` (and of the other commands that open the database),
/// as given on the command line or in the environment (flags win over the environment,
/// which wins over `.env`).
///
/// Optional settings whose empty value means "unset" are `std::option::Option` with an
/// empty default, and lists are `std::vec::Vec`: written out in full, clap parses each
/// as one value with the setting's own parser.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database to use: `sqlite://PATH` (created if missing) or `postgres://USER:PASSWORD@HOST/DB`
    /// (any PostgreSQL, e.g. Neon).
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://taskward.db", value_parser = DatabaseUrl::parse)]
    pub database_url: DatabaseUrl,

    /// Address and port to listen on. Use `0.0.0.0:8000` to accept connections from other
    /// machines (normally behind a reverse proxy).
    #[arg(long, env = "BIND", default_value = "127.0.0.1:8000", value_parser = parse::listen_address)]
    pub bind: SocketAddr,

    /// Secret that signs access tokens (HS256), at least 32 bytes. Also read from
    /// `BETTER_AUTH_SECRET`. When unset with SQLite, a random secret is generated once and kept
    /// in a file next to the database; PostgreSQL deployments must set it so that every node
    /// shares it.
    #[arg(long, env = "JWT_SECRET", hide_env_values = true, default_value = "", hide_default_value = true,
        value_parser = parse::optional(parse::secret))]
    pub jwt_secret: std::option::Option<SecretString>,

    /// Lifetime of access tokens, e.g. `900s`, `15m`.
    #[arg(long, env = "ACCESS_TOKEN_TTL", default_value = "15m", value_parser = parse::duration)]
    pub access_token_ttl: Duration,

    /// Lifetime of refresh tokens (sessions), e.g. `30d`.
    #[arg(long, env = "REFRESH_TOKEN_TTL", default_value = "30d", value_parser = parse::duration)]
    pub refresh_token_ttl: Duration,

    /// `iss` claim written into access tokens and required of incoming tokens when set.
    /// With `JWT_JWKS_URL` it is the external issuer's `iss` (e.g. the Better Auth base URL),
    /// required of every token, ours included.
    #[arg(long, env = "JWT_ISSUER", default_value = "", hide_default_value = true,
        value_parser = parse::optional(parse::text))]
    pub jwt_issuer: std::option::Option<String>,

    /// `aud` claim written into access tokens and required of incoming tokens when set.
    /// With `JWT_JWKS_URL` it is the audience the external issuer writes.
    #[arg(long, env = "JWT_AUDIENCE", default_value = "", hide_default_value = true,
        value_parser = parse::optional(parse::text))]
    pub jwt_audience: std::option::Option<String>,

    /// Key set (JWKS) of an external token issuer, e.g. a Better Auth frontend's
    /// `https://app.example.com/api/auth/jwks`. Tokens it signs are accepted besides
    /// Taskward's own; needs `JWT_ISSUER` and `JWT_AUDIENCE`.
    #[arg(long, env = "JWT_JWKS_URL", default_value = "", hide_default_value = true,
        value_parser = parse::optional(parse::http_url))]
    pub jwt_jwks_url: std::option::Option<url::Url>,

    /// Comma-separated signature algorithms accepted from the external issuer
    /// (asymmetric only: EdDSA, ES256, ES384, RS256, RS384, RS512, PS256, PS384, PS512).
    #[arg(long, env = "JWT_ALGORITHMS", default_value = "EdDSA,ES256,RS256", value_parser = parse::algorithms)]
    pub jwt_algorithms: std::vec::Vec<Algorithm>,

    /// Shortest time between two fetches of the external key set, e.g. `60s`: a token with
    /// an unknown `kid` refetches at most this often.
    #[arg(long, env = "JWT_JWKS_REFETCH_INTERVAL", default_value = "60s", value_parser = parse::duration)]
    pub jwt_jwks_refetch_interval: Duration,

    /// Comma-separated origins allowed to call the API from a browser
    /// (e.g. `https://app.example.com`); empty allows none.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", default_value = "", value_parser = parse::origins)]
    pub cors_allowed_origins: std::vec::Vec<String>,

    /// Public base URL of this service, e.g. `https://todo.example.com`. When it is https,
    /// cookies are `Secure` and HSTS is sent.
    #[arg(long, env = "PUBLIC_URL", default_value = "", hide_default_value = true,
        value_parser = parse::optional(parse::http_url))]
    pub public_url: std::option::Option<url::Url>,

    /// Log format: `pretty` for people, `json` for one JSON object per line. Filter with
    /// `RUST_LOG` (default `info`).
    #[arg(long, env = "LOG_FORMAT", default_value = "pretty", value_parser = parse::log_format)]
    pub log_format: LogFormat,

    /// Longest time a request may take before it is answered with 503, e.g. `30s`.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value = "30s", value_parser = parse::duration)]
    pub request_timeout: Duration,

    /// Maximum number of PostgreSQL connections held by this node (SQLite uses one writer
    /// and a small read pool).
    #[arg(long, env = "DATABASE_POOL_SIZE", default_value = "10", value_parser = parse::pool_size)]
    pub database_pool_size: u32,

    /// `on` or `off`: rate limits on sign-in and sign-up (turn off only for load tests).
    #[arg(long, env = "RATE_LIMIT", default_value = "on", action = clap::ArgAction::Set,
        value_parser = parse::switch)]
    pub rate_limit: bool,

    /// Sign-in and sign-up attempts allowed per client IP, as `COUNT/WINDOW`.
    #[arg(long, env = "RATE_LIMIT_PER_IP", default_value = "30/1m", value_parser = parse::rate)]
    pub rate_limit_per_ip: RateRule,

    /// Attempts on one account (sign-in, sign-up) allowed per email until one succeeds,
    /// as `COUNT/WINDOW`; the same rule counts two-factor codes per account.
    #[arg(long, env = "RATE_LIMIT_PER_EMAIL", default_value = "10/15m", value_parser = parse::rate)]
    pub rate_limit_per_email: RateRule,

    /// Where the counters live: `auto` (the database on PostgreSQL, so that the limits hold
    /// for the whole deployment; memory on SQLite), `memory` (per node) or `database`.
    #[arg(long, env = "RATE_LIMIT_STORE", default_value = "auto", value_parser = parse::limit_store)]
    pub rate_limit_store: LimitStoreKind,

    /// IPv6 clients are counted by this prefix of their address (32 to 128): one holder
    /// of a /64 has every address in it.
    #[arg(long, env = "RATE_LIMIT_IPV6_PREFIX", default_value = "64", value_parser = parse::ipv6_prefix)]
    pub rate_limit_ipv6_prefix: u8,

    /// `on` or `off`: accept access tokens signed with `JWT_SECRET` by another component
    /// (no `sid` claim), as the replaced stack's backend and frontend mint them. Turn off
    /// once nothing mints them any more.
    #[arg(long, env = "SESSIONLESS_TOKENS", default_value = "on", action = clap::ArgAction::Set,
        value_parser = parse::switch)]
    pub sessionless_tokens: bool,

    /// Longest time until `exp` accepted in such a token (its lifetime from now on).
    #[arg(long, env = "SESSIONLESS_TOKEN_MAX_TTL", default_value = "1d", value_parser = parse::duration)]
    pub sessionless_token_max_ttl: Duration,

    /// Comma-separated addresses or CIDR ranges of reverse proxies whose
    /// `X-Forwarded-For` is believed (e.g. `127.0.0.1,10.0.0.0/8`); empty trusts none.
    #[arg(long, env = "TRUSTED_PROXIES", default_value = "", value_parser = parse::networks)]
    pub trusted_proxies: std::vec::Vec<ipnet::IpNet>,

    /// `on` serves Prometheus metrics at `/metrics` on the main address; `off` (the
    /// default) does not. See also METRICS_BIND.
    #[arg(long, env = "METRICS", default_value = "off", action = clap::ArgAction::Set,
        value_parser = parse::switch)]
    pub metrics: bool,

    /// Separate address for `/metrics` only, e.g. `127.0.0.1:9100` (not reachable through the
    /// public listener); setting it turns metrics on.
    #[arg(long, env = "METRICS_BIND", default_value = "", hide_default_value = true,
        value_parser = parse::optional(parse::listen_address))]
    pub metrics_bind: std::option::Option<SocketAddr>,

    /// Reminders' channels: OUTBOUND_ALLOW_HOSTS, SMTP_URL, SMTP_FROM.
    #[command(flatten)]
    pub notify: notify::NotifyConfig,

    #[command(flatten)]
    pub oidc: oidc::OidcConfig,

    /// Account recovery: REQUIRE_EMAIL_VERIFICATION, RATE_LIMIT_ACCOUNT_MAILS.
    #[command(flatten)]
    pub accounts: accounts::AccountsConfig,
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

impl fmt::Display for RateRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}s", self.max, self.window.as_secs())
    }
}

/// Where rate-limit counters live (`RATE_LIMIT_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitStoreKind {
    /// The database on PostgreSQL, memory on SQLite.
    Auto,
    /// In memory, per node.
    Memory,
    /// In the database, shared by every node.
    Database,
}

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when on a terminal.
    Pretty,
    /// One JSON object per line.
    Json,
}

impl Config {
    /// Every default, and nothing from the environment or the command line: a
    /// configuration for tests and embedding, to adjust field by field.
    pub fn defaults() -> Self {
        let cmd = Self::augment_args(clap::Command::new("taskward")).mut_args(|a| a.env(None));
        let parsed = cmd
            .try_get_matches_from(["taskward"])
            .map_err(|e| e.to_string())
            .and_then(|m| Self::from_arg_matches(&m).map_err(|e| e.to_string()));
        match parsed {
            Ok(config) => config,
            // Every default is a valid value; `defaults_parse` checks it.
            Err(e) => unreachable!("the defaults do not parse: {e}"),
        }
    }

    /// The settings that must fit together, checked after each was parsed: one message
    /// per problem. Also reads `BETTER_AUTH_SECRET` when `JWT_SECRET` is unset (the name
    /// the Next.js + Better Auth half of the old stack uses).
    pub fn check(&mut self) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.jwt_secret.is_none()
            && let Ok(raw) = std::env::var("BETTER_AUTH_SECRET")
        {
            match parse::optional(parse::secret)(&raw) {
                Ok(secret) => self.jwt_secret = secret,
                Err(e) => problems.push(format!("BETTER_AUTH_SECRET {e}")),
            }
        }
        if matches!(self.database_url, DatabaseUrl::Postgres(_)) && self.jwt_secret.is_none() {
            problems.push("JWT_SECRET must be set when DATABASE_URL is PostgreSQL, so that every node signs tokens with the same secret (generate one with `openssl rand -base64 48`)".to_owned());
        }
        if self.access_token_ttl >= self.refresh_token_ttl {
            problems.push("ACCESS_TOKEN_TTL must be shorter than REFRESH_TOKEN_TTL".to_owned());
        }
        // Without a configured `iss` and `aud`, any token the issuer ever signed for
        // anyone would be accepted (RFC 8725 3.8, 3.9), so both are required.
        if self.jwt_jwks_url.is_some() {
            if self.jwt_issuer.is_none() {
                problems.push("JWT_ISSUER must be set when JWT_JWKS_URL is, to the `iss` of the external issuer's tokens (for Better Auth its base URL)".to_owned());
            }
            if self.jwt_audience.is_none() {
                problems.push("JWT_AUDIENCE must be set when JWT_JWKS_URL is, to the `aud` of the external issuer's tokens (for Better Auth its base URL unless configured)".to_owned());
            }
        }
        problems.extend(self.notify.check());
        problems.extend(self.oidc.check());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// The external token issuer, when `JWT_JWKS_URL` is set (with its issuer and
    /// audience, which [`Config::check`] requires).
    pub fn external_issuer(&self) -> Option<ExternalIssuer> {
        Some(ExternalIssuer {
            jwks_url: self.jwt_jwks_url.clone()?,
            algorithms: self.jwt_algorithms.clone(),
            issuer: self.jwt_issuer.clone()?,
            audience: self.jwt_audience.clone()?,
            refetch_interval: self.jwt_jwks_refetch_interval,
        })
    }

    /// Whether the service is reached over HTTPS (cookies get `Secure`, HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|u| u.scheme() == "https")
    }

    /// Settings that work but are probably not what the operator meant, one sentence
    /// each, logged as warnings at start.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = accounts::warnings(self);
        if !self.bind.ip().is_loopback() && self.public_url.is_none() {
            warnings.push(format!(
                "BIND {} is reachable from other machines but PUBLIC_URL is unset, so the web \
                 app's cookies go out without `Secure`; behind a TLS proxy set \
                 PUBLIC_URL=https://<your host>",
                self.bind
            ));
        }
        warnings
    }
}

#[cfg(test)]
mod tests;
