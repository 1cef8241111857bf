//! Where the data lives: the `DATABASE_URL`, and the generated secret's file beside it.

use std::fmt;
use std::path::PathBuf;

/// Where the data lives, decided by the scheme of `DATABASE_URL`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// An embedded SQLite file (or `sqlite::memory:`).
    Sqlite(String),
    /// A PostgreSQL server.
    Postgres(String),
}

impl DatabaseUrl {
    /// Parses a `DATABASE_URL`, saying what is wrong when it cannot be used (the message
    /// follows the setting's name).
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err("is empty; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB".into());
        }
        if let Some(rest) = raw.strip_prefix("sqlite:") {
            if rest.trim_start_matches('/').is_empty() {
                return Err("`sqlite://` names no file; use e.g. sqlite://taskward.db".into());
            }
            return Ok(Self::Sqlite(raw.to_owned()));
        }
        let parsed = url::Url::parse(raw).map_err(|e| {
            format!(
                "`{}` is not a valid URL ({e}); use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB",
                redact_url(raw)
            )
        })?;
        match parsed.scheme() {
            "postgres" | "postgresql" => {
                if parsed.host_str().is_none_or(str::is_empty) && !raw.contains("host=") {
                    return Err(format!("`{}` names no host", redact_url(raw)));
                }
                Ok(Self::Postgres(raw.to_owned()))
            }
            other => Err(format!(
                "scheme `{other}` is not supported; use sqlite://PATH or postgres://USER:PASSWORD@HOST/DB"
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
