//! The settings of single sign-on with OpenID Connect (issue 20, API-2.md section 6): the
//! provider, Taskward's client registration there, the button's name, and whether an
//! existing account may be linked by its email. Flattened into [`super::Config`];
//! [`OidcConfig::check`] is its part of [`super::Config::check`].

use clap::Args;
use secrecy::SecretString;

use super::parse;

/// The settings of the OpenID provider.
#[derive(Debug, Clone, Args)]
pub struct OidcConfig {
    /// The OpenID provider's issuer URL (its `/.well-known/openid-configuration` is read),
    /// e.g. `https://accounts.google.com`. Set: the sign-in page offers "Sign in with
    /// OIDC_NAME"; register `<PUBLIC_URL>/auth/oidc/callback` as the redirect URI there.
    #[arg(long, env = "OIDC_ISSUER", default_value = "", hide_default_value = true,
        value_parser = parse::optional(parse::http_url))]
    pub oidc_issuer: std::option::Option<url::Url>,

    /// Taskward's client id at the provider. Required with `OIDC_ISSUER`.
    #[arg(long, env = "OIDC_CLIENT_ID", default_value = "", hide_default_value = true,
        value_parser = parse::optional(non_empty))]
    pub oidc_client_id: std::option::Option<String>,

    /// Taskward's client secret at the provider (sent with HTTP Basic); unset for a public
    /// client, which PKCE protects.
    #[arg(long, env = "OIDC_CLIENT_SECRET", hide_env_values = true, default_value = "",
        hide_default_value = true, value_parser = parse::optional(secret))]
    pub oidc_client_secret: std::option::Option<SecretString>,

    /// The provider's name on the sign-in button ("Sign in with NAME"); unset: its host.
    #[arg(long, env = "OIDC_NAME", default_value = "", hide_default_value = true,
        value_parser = parse::optional(non_empty))]
    pub oidc_name: std::option::Option<String>,

    /// `on` or `off`: whether a provider identity may be linked to an existing account with
    /// the same email, when the provider says the email is verified. Off: such a sign-in is
    /// refused (whoever controls the provider could otherwise take over local accounts).
    #[arg(long, env = "OIDC_LINK_BY_EMAIL", default_value = "off", action = clap::ArgAction::Set,
        value_parser = parse::switch)]
    pub oidc_link_by_email: bool,
}

fn non_empty(raw: &str) -> Result<String, String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > 200 || raw.chars().any(char::is_control) {
        Err("must be 1 to 200 characters without control characters".into())
    } else {
        Ok(raw.to_owned())
    }
}

fn secret(raw: &str) -> Result<SecretString, String> {
    non_empty(raw).map(SecretString::from)
}

impl OidcConfig {
    /// The settings that must fit together, one message per problem.
    pub fn check(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.oidc_issuer.is_some() && self.oidc_client_id.is_none() {
            problems.push("OIDC_CLIENT_ID must be set when OIDC_ISSUER is, to Taskward's client id at the provider".to_owned());
        }
        if self.oidc_issuer.is_none() && self.oidc_client_id.is_some() {
            problems.push(
                "OIDC_ISSUER must be set when OIDC_CLIENT_ID is, to the provider's issuer URL"
                    .to_owned(),
            );
        }
        problems
    }

    /// The button's name: `OIDC_NAME`, else the issuer's host.
    pub fn display_name(&self) -> Option<String> {
        let issuer = self.oidc_issuer.as_ref()?;
        Some(
            self.oidc_name
                .clone()
                .unwrap_or_else(|| issuer.host_str().unwrap_or("your provider").to_owned()),
        )
    }
}
