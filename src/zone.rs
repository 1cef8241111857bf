//! A user's time zone: an IANA name ("Europe/Berlin") known to the zone database compiled
//! into Taskward (jiff's bundled tzdb, so every node agrees whatever the host has).

use crate::error::FieldError;

/// Longest zone name accepted (the longest IANA name is about 30 characters).
const MAX_ZONE: usize = 64;

/// A time zone name the zone database knows, in its canonical spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    /// The zone named `raw` (case-insensitive, trimmed), or the error for `timezone`.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let unknown = || {
            FieldError::new(
                "timezone",
                "must be an IANA time zone name such as Europe/Berlin or America/New_York",
            )
        };
        if name.is_empty() || name.len() > MAX_ZONE || name.chars().any(char::is_control) {
            return Err(unknown());
        }
        let zone = jiff::tz::TimeZone::get(name).map_err(|_| unknown())?;
        Ok(Self(zone.iana_name().unwrap_or(name).to_owned()))
    }

    /// The canonical name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iana_names_are_known_and_spelt_canonically() {
        for (raw, canonical) in [
            ("Europe/Berlin", "Europe/Berlin"),
            (" america/new_york ", "America/New_York"),
            ("UTC", "UTC"),
            ("Asia/Kolkata", "Asia/Kolkata"),
        ] {
            assert_eq!(
                TimeZoneName::parse(raw).map(|z| z.0),
                Ok(canonical.to_owned()),
                "{raw}"
            );
        }
        for bad in [
            "",
            "Mars/Olympus_Mons",
            "Europe/\u{7}Berlin",
            "+02:00",
            &"A".repeat(65),
        ] {
            assert_eq!(
                TimeZoneName::parse(bad).map_err(|e| e.field),
                Err("timezone".into()),
                "{bad}"
            );
        }
    }
}
