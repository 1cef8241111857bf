//! Account values that can only hold valid contents: parse, don't validate.

use secrecy::{ExposeSecret, SecretString};

use crate::error::FieldError;

/// An email address, trimmed, with its lower-cased form (the unique key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    as_typed: String,
    lower: String,
}

/// Longest email accepted (RFC 5321 4.5.3.1.3: a path is at most 256 octets).
const MAX_EMAIL: usize = 254;

impl Email {
    /// Accepts `local@domain.tld` with no spaces or control characters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = raw.trim();
        let invalid = |msg: &str| FieldError::new("email", msg);
        if email.is_empty() {
            return Err(invalid("is required"));
        }
        if email.len() > MAX_EMAIL {
            return Err(invalid("must be at most 254 characters long"));
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(invalid("must be an email address like ada@example.com"));
        };
        let well_formed = !local.is_empty()
            && local.len() <= 64
            && !local.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && !email.chars().any(|c| c.is_whitespace() || c.is_control());
        if !well_formed {
            return Err(invalid("must be an email address like ada@example.com"));
        }
        Ok(Self {
            as_typed: email.to_owned(),
            lower: email.to_lowercase(),
        })
    }

    /// The address as typed (trimmed).
    pub fn as_str(&self) -> &str {
        &self.as_typed
    }

    /// The lower-cased address: what uniqueness and look-ups use.
    pub fn lower(&self) -> &str {
        &self.lower
    }

    /// The part before `@`, the default display name.
    pub fn local_part(&self) -> &str {
        self.as_typed
            .rsplit_once('@')
            .map_or(self.as_typed.as_str(), |(l, _)| l)
    }
}

/// A new password: 8 to 128 Unicode code points, anything allowed (API.md; NIST SP 800-63B
/// 5.1.1.2: no composition rules, spaces and all printable characters permitted).
pub struct Password(SecretString);

/// Whether `s` has the shape of 256 random bits in base64url without padding (43
/// characters): the secret part of every token, link and code Taskward makes, and a PKCE
/// S256 challenge. Anything else is refused before the database is asked.
pub fn is_base64url_256(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Fewest code points in a password.
pub const MIN_PASSWORD: usize = 8;
/// Most code points in a password.
pub const MAX_PASSWORD: usize = 128;

impl Password {
    /// Checks the length of a new password; `field` names it in the error.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < MIN_PASSWORD {
            return Err(FieldError::new(
                field,
                format!("must be at least {MIN_PASSWORD} characters long"),
            ));
        }
        if n > MAX_PASSWORD {
            return Err(FieldError::new(
                field,
                format!("must be at most {MAX_PASSWORD} characters long"),
            ));
        }
        Ok(Self(SecretString::from(raw.to_owned())))
    }

    /// The password, for hashing only.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

/// A display name: trimmed, 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

/// Most characters in a display name.
pub const MAX_NAME: usize = 100;

impl DisplayName {
    /// Checks a display name.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(FieldError::new("name", "must not be empty"));
        }
        if name.chars().count() > MAX_NAME {
            return Err(FieldError::new(
                "name",
                format!("must be at most {MAX_NAME} characters long"),
            ));
        }
        if name.chars().any(char::is_control) {
            return Err(FieldError::new(
                "name",
                "must not contain control characters",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The default name for an account: the part of the email before `@`, cut to length.
    pub fn from_email(email: &Email) -> Self {
        Self(email.local_part().chars().take(MAX_NAME).collect())
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_folded() {
        let e = Email::parse("  Ada.Lovelace@Example.COM ").expect("valid");
        assert_eq!(e.as_str(), "Ada.Lovelace@Example.COM");
        assert_eq!(e.lower(), "ada.lovelace@example.com");
        assert_eq!(e.local_part(), "Ada.Lovelace");
    }

    #[test]
    fn malformed_emails_are_refused() {
        for bad in [
            "",
            "   ",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "ada@@example.com",
            "ada lovelace@example.com",
            "ada@.example.com",
            "ada@example..com",
            "ada@example.com.",
            "a\u{0}b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(Email::parse(&format!("{}@example.com", "a".repeat(65))).is_err());
    }

    #[test]
    fn password_bounds_count_code_points() {
        assert!(Password::parse("password", &"a".repeat(7)).is_err());
        assert!(Password::parse("password", &"a".repeat(8)).is_ok());
        assert!(Password::parse("password", &"a".repeat(128)).is_ok());
        assert!(Password::parse("password", &"a".repeat(129)).is_err());
        // Eight emoji are 32 bytes but eight characters.
        assert!(Password::parse("password", &"🔑".repeat(8)).is_ok());
        assert!(Password::parse("password", &"🔑".repeat(129)).is_err());
        assert!(
            Password::parse("password", "        ").is_ok(),
            "spaces are allowed"
        );
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ada ").expect("valid").as_str(), "Ada");
        assert!(DisplayName::parse("   ").is_err());
        assert!(DisplayName::parse(&"n".repeat(101)).is_err());
        assert!(DisplayName::parse("a\u{7}b").is_err());
    }

    #[test]
    fn password_debug_is_redacted() {
        let p = Password::parse("password", "hunter2hunter2").expect("valid");
        assert!(!format!("{p:?}").contains("hunter2"));
    }
}
