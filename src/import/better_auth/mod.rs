//! `taskward import --from-better-auth <DATABASE_URL>`: Better Auth's users become Taskward
//! users, each linked to its Better Auth id under the configured issuer, so its tokens and
//! its password keep working, and its time zone when the app gave the user one (a
//! `timezone` field). The users and links are one transaction, each zone is set right
//! after; running it again changes nothing.

pub mod source;

use std::fmt;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use crate::auth::external::UNUSABLE_PASSWORD;
use crate::auth::model::{DisplayName, Email};
use crate::auth::scrypt::BetterAuthHash;
use crate::store::{DynStore, LinkOutcome, LinkedUser, NewUser, StoreResult};
use crate::timestamp::truncate_to_micros;
use crate::zone::TimeZoneName;
use source::{BetterAuthUser, read_better_auth_users};

/// What an import did (or, in a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Users found in the Better Auth database.
    pub found: usize,
    /// Users created and linked.
    pub imported: usize,
    /// Of those, users whose Better Auth password came along.
    pub with_password: usize,
    /// Of those, users whose time zone came along (from an app's `timezone` field).
    pub with_zone: usize,
    /// Users linked by an earlier import: left as they are.
    pub unchanged: usize,
    /// Users not imported, by Better Auth id, with the reason.
    pub skipped: Vec<(String, String)>,
    /// Nothing was written.
    pub dry_run: bool,
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verb = if self.dry_run {
            "would import"
        } else {
            "imported"
        };
        writeln!(
            f,
            "{} Better Auth users found: {verb} {} ({} with their password, {} with their time zone), {} already imported, {} skipped",
            self.found,
            self.imported,
            self.with_password,
            self.with_zone,
            self.unchanged,
            self.skipped.len()
        )?;
        for (id, reason) in &self.skipped {
            writeln!(f, "  skipped {id}: {reason}")?;
        }
        if self.dry_run {
            writeln!(f, "dry run: nothing was written")?;
        }
        Ok(())
    }
}

/// A Better Auth user turned into a Taskward user to link, or the reason it cannot be.
fn convert(row: &BetterAuthUser, issuer: &str) -> Result<(LinkedUser, bool), String> {
    if row.id.is_empty() || row.id.len() > 255 || row.id.chars().any(char::is_control) {
        return Err("the id is empty, longer than 255 bytes or has control characters".into());
    }
    let email =
        Email::parse(&row.email).map_err(|e| format!("the email `{}` {}", row.email, e.message))?;
    let name = row
        .name
        .as_deref()
        .and_then(|n| DisplayName::parse(n).ok())
        .unwrap_or_else(|| DisplayName::from_email(&email));
    let (password_hash, has_password) = match row.password.as_deref() {
        Some(stored) if BetterAuthHash::parse(stored).is_some() => (stored.to_owned(), true),
        Some(_) => {
            return Err("the credential password is not a Better Auth scrypt string".into());
        }
        // Social sign-in only: the user keeps signing in at Better Auth.
        None => (UNUSABLE_PASSWORD.to_owned(), false),
    };
    let created_at = row
        .created_at
        .as_deref()
        .and_then(parse_timestamp)
        .unwrap_or_else(OffsetDateTime::now_utc);
    let user = NewUser {
        id: Uuid::now_v7(),
        email: email.as_str().to_owned(),
        email_lower: email.lower().to_owned(),
        name: name.as_str().to_owned(),
        password_hash,
        created_at: truncate_to_micros(created_at),
    };
    Ok((
        LinkedUser {
            user,
            issuer: issuer.to_owned(),
            subject: row.id.clone(),
        },
        has_password,
    ))
}

/// `createdAt` as Better Auth's adapters store it: RFC 3339, PostgreSQL's
/// `2026-11-26 03:32:10.291+00` or `…10.291` (UTC), or epoch milliseconds.
fn parse_timestamp(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    if let Ok(ms) = raw.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok();
    }
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(t);
    }
    let mut iso = raw.replacen(' ', "T", 1);
    // `+00` → `+00:00`; no offset → UTC.
    let tail = iso
        .get(iso.len().saturating_sub(3)..)
        .unwrap_or_default()
        .to_owned();
    if (tail.starts_with('+') || tail.starts_with('-'))
        && tail.bytes().skip(1).all(|b| b.is_ascii_digit())
    {
        iso.push_str(":00");
    } else if !iso.ends_with('Z') && !iso.get(10..).unwrap_or_default().contains(['+', '-']) {
        iso.push('Z');
    }
    OffsetDateTime::parse(&iso, &Rfc3339).ok()
}

/// Imports every user of the Better Auth database at `source_url`, linking them under
/// `issuer` (the `iss` of its tokens, `JWT_ISSUER`). All or nothing, in one transaction.
pub async fn import_better_auth(
    store: &DynStore,
    source_url: &str,
    issuer: &str,
    dry_run: bool,
) -> StoreResult<ImportReport> {
    let rows = read_better_auth_users(source_url).await?;
    let mut report = ImportReport {
        found: rows.len(),
        dry_run,
        ..ImportReport::default()
    };
    let mut batch = Vec::new();
    let mut passwords = Vec::new();
    // The zones that name one Taskward knows; others leave the account in UTC.
    let zones: std::collections::HashMap<String, TimeZoneName> = rows
        .iter()
        .filter_map(|r| {
            let zone = TimeZoneName::parse(r.timezone.as_deref()?).ok()?;
            Some((r.id.clone(), zone))
        })
        .collect();
    for row in &rows {
        match convert(row, issuer) {
            Ok((linked, has_password)) => {
                batch.push(linked);
                passwords.push(has_password);
            }
            Err(reason) => report.skipped.push((row.id.clone(), reason)),
        }
    }
    let outcomes = store.external_users_import(&batch, dry_run).await?;
    for ((linked, has_password), outcome) in batch.iter().zip(passwords).zip(outcomes) {
        match outcome {
            LinkOutcome::Created => {
                report.imported += 1;
                report.with_password += usize::from(has_password);
                if let Some(zone) = zones.get(&linked.subject) {
                    if !dry_run {
                        store
                            .user_set_profile(linked.user.id, None, Some(zone.as_str()), OffsetDateTime::now_utc())
                            .await?;
                    }
                    report.with_zone += 1;
                }
            }
            LinkOutcome::AlreadyLinked(_) => report.unchanged += 1,
            LinkOutcome::EmailTaken => report.skipped.push((
                linked.subject.clone(),
                format!(
                    "a Taskward account with the email {} already exists (it is not linked by email; see docs/better-auth.md)",
                    linked.user.email
                ),
            )),
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn better_auth_timestamps_parse_in_every_stored_form() {
        let want = time::macros::datetime!(2026-11-26 03:32:10.291 UTC);
        for raw in [
            "2026-11-26T03:32:10.291Z",
            "2026-11-26 03:32:10.291+00",
            "2026-11-26 03:32:10.291",
            "1795663930291",
        ] {
            assert_eq!(parse_timestamp(raw), Some(want), "{raw}");
        }
        assert_eq!(parse_timestamp("yesterday"), None);
    }

    #[test]
    fn rows_with_a_bad_email_or_a_foreign_password_are_refused_with_a_reason() {
        let row = BetterAuthUser {
            id: "eOW8tzpWtD63udJLJo7yL1StQK9kfW4Y".into(),
            email: "not-an-email".into(),
            name: None,
            created_at: None,
            password: None,
            timezone: None,
        };
        assert!(convert(&row, "https://a").unwrap_err().contains("email"));
        let row = BetterAuthUser {
            email: "ada@example.com".into(),
            password: Some("$2b$12$whatever".into()),
            ..row
        };
        assert!(convert(&row, "https://a").unwrap_err().contains("scrypt"));
        let row = BetterAuthUser {
            password: None,
            ..row
        };
        let (linked, has_password) = convert(&row, "https://a").expect("valid");
        assert!(!has_password);
        assert_eq!(linked.user.name, "ada");
        assert_eq!(linked.subject, "eOW8tzpWtD63udJLJo7yL1StQK9kfW4Y");
    }
}
