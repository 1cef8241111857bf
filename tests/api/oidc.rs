//! A real OpenID provider for the single sign-on tests: node `oidc-provider`
//! (tests/oidc/provider.mjs), started here and stopped when dropped. Without its
//! node_modules the tests print a notice and pass as skipped, except under `CI=true`
//! (`.ci/run` installs it), where they fail.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use taskward::config::Config;

/// The provider's client secret for Taskward.
pub(crate) const CLIENT_SECRET: &str = "the-client-secret-of-the-tests";

fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc")
}

/// A running provider.
pub(crate) struct OpenIdProvider {
    child: Child,
    /// Its issuer URL.
    pub(crate) issuer: String,
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OpenIdProvider {
    /// Starts the provider; `None` (with a notice) when it cannot run outside CI.
    pub(crate) fn start() -> Option<Self> {
        if !provider_dir().join("node_modules/oidc-provider").exists() {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but the OpenID provider cannot run: tests/oidc/node_modules is missing (cd tests/oidc && npm ci)"
            );
            eprintln!("notice: skipping the single sign-on tests: cd tests/oidc && npm ci");
            return None;
        }
        let mut child = Command::new("node")
            .arg("provider.mjs")
            .arg(CLIENT_SECRET)
            .current_dir(provider_dir())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node starts the provider");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the provider's first line");
        let ready: serde_json::Value = serde_json::from_str(&line).expect("a JSON line");
        let issuer = ready["issuer"].as_str().expect("issuer").to_owned();
        Some(Self { child, issuer })
    }

    /// `config` with this provider for single sign-on, named "Test provider".
    pub(crate) fn configure(&self, mut config: Config, link_by_email: bool) -> Config {
        config.oidc.oidc_issuer = Some(self.issuer.parse().expect("issuer URL"));
        config.oidc.oidc_client_id = Some("taskward".into());
        config.oidc.oidc_client_secret = Some(CLIENT_SECRET.to_owned().into());
        config.oidc.oidc_name = Some("Test provider".into());
        config.oidc.oidc_link_by_email = link_by_email;
        config
    }
}
