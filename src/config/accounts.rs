//! The settings of account recovery (issue 20, API-2.md section 6): whether an unverified
//! address keeps an account from the task API, and how many account mails one address may
//! be sent. Flattened into [`super::Config`]. The mails go through the reminders' SMTP
//! settings (`SMTP_URL`, `SMTP_FROM`); their links start with `PUBLIC_URL`.

use clap::Args;

use super::{Config, RateRule, parse};

/// The settings of account recovery.
#[derive(Debug, Clone, Args)]
pub struct AccountsConfig {
    /// `on` or `off`: with `on`, an account whose email address is not verified cannot use
    /// the task API (tasks, lists, reminders, feeds answer `403`) or the web app's task
    /// pages until it follows the link of `POST /api/auth/verify-email`.
    #[arg(long, env = "REQUIRE_EMAIL_VERIFICATION", default_value = "off", action = clap::ArgAction::Set,
        value_parser = parse::switch)]
    pub require_email_verification: bool,

    /// Account mails (password reset, verification, email change) asked for one address,
    /// as `COUNT/WINDOW`; counted for every address asked, known or not.
    #[arg(long, env = "RATE_LIMIT_ACCOUNT_MAILS", default_value = "5/1h", value_parser = parse::rate)]
    pub rate_limit_account_mails: RateRule,
}

/// What the operator should know about account mails at start: links that cannot reach
/// the server from elsewhere.
pub fn warnings(config: &Config) -> Vec<String> {
    if config.public_url.is_none() && config.notify.smtp_url.is_some() {
        vec![format!(
            "PUBLIC_URL is unset, so the links of password-reset and verification emails \
             point at http://{}; set PUBLIC_URL to the address people open Taskward at",
            config.bind
        )]
    } else {
        Vec::new()
    }
}
