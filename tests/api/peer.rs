//! The real Better Auth server of `../shared/peers/better-auth`, for the tests that need a
//! third-party issuer: a prepared copy (`BETTER_AUTH_PEER_DIR`, set by `.ci/run`) or a copy
//! made here with `npm ci`. Without Node the tests print a notice and pass, except under
//! `CI=true`, where they fail.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::Value;

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        if name == "node_modules" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &to.join(&name))?;
        } else {
            std::fs::copy(entry.path(), to.join(&name))?;
        }
    }
    Ok(())
}

/// Finds or prepares the peer once per test run: `Err` says why it cannot run.
fn prepare() -> Result<PathBuf, String> {
    if let Ok(dir) = std::env::var("BETTER_AUTH_PEER_DIR")
        && !dir.is_empty()
    {
        let dir = PathBuf::from(dir);
        return if dir.join("node_modules/better-auth").is_dir() {
            Ok(dir)
        } else {
            Err(format!(
                "BETTER_AUTH_PEER_DIR={} has no node_modules/better-auth",
                dir.display()
            ))
        };
    }
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        return Err("node is not installed".into());
    }
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/peers/better-auth");
    if !source.join("package-lock.json").is_file() {
        return Err(format!("{} is missing", source.display()));
    }
    // A writable copy (shared/ is read-only in CI) in Cargo's scratch directory for tests,
    // reused by later runs while the lock file is unchanged.
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("better-auth-peer");
    let lock = |dir: &Path| std::fs::read(dir.join("package-lock.json")).ok();
    if lock(&target).is_some()
        && lock(&target) == lock(&source)
        && target.join("node_modules/better-auth").is_dir()
    {
        return Ok(target);
    }
    let _ = std::fs::remove_dir_all(&target);
    copy_dir(&source, &target).map_err(|e| format!("cannot copy the peer: {e}"))?;
    let npm = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--silent"])
        .current_dir(&target)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run npm: {e}"))?;
    if !npm.status.success() {
        return Err(format!(
            "npm ci failed: {}",
            String::from_utf8_lossy(&npm.stderr)
        ));
    }
    Ok(target)
}

/// The prepared peer directory, or `None` after a notice (a failure under `CI=true`).
pub fn peer_dir() -> Option<PathBuf> {
    taskward::install_tls_provider();
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(prepare) {
        Ok(dir) => Some(dir.clone()),
        Err(why) => {
            assert!(
                !in_ci(),
                "CI=true but the Better Auth peer cannot run: {why}"
            );
            eprintln!("notice: skipping the Better Auth peer tests: {why}");
            None
        }
    }
}

/// A free port on 127.0.0.1 (free a moment ago).
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A running Better Auth server; stopped (by its own process id) when dropped.
pub struct BetterAuth {
    dir: PathBuf,
    pub port: u16,
    child: Child,
}

impl BetterAuth {
    /// Starts `server.mjs` with a fresh secret (so fresh keys) and `env`.
    pub async fn start(dir: &Path, port: u16, env: &[(&str, &str)]) -> Self {
        let secret = format!("peer-secret-{}", uuid::Uuid::now_v7().simple());
        let mut cmd = Command::new("node");
        cmd.arg("server.mjs")
            .current_dir(dir)
            .env("BETTER_AUTH_SECRET", secret)
            .env("PORT", port.to_string())
            .env("BA_DEBUG_DB", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().expect("node starts");
        let server = Self {
            dir: dir.to_owned(),
            port,
            child,
        };
        let client = crate::helpers::http_client();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(res) = client
                .get(format!("{}/healthz", server.base()))
                .send()
                .await
                && res.status().is_success()
            {
                return server;
            }
            assert!(Instant::now() < deadline, "Better Auth did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// `http://127.0.0.1:PORT`: the default `iss` and `aud`.
    pub fn base(&self) -> String {
        format!("http://{}", SocketAddr::from(([127, 0, 0, 1], self.port)))
    }

    pub fn jwks_url(&self) -> String {
        format!("{}/api/auth/jwks", self.base())
    }

    /// Signs up a random user and returns mint.mjs's JSON: `user_id`, `email`, `jwt`,
    /// `password`.
    pub async fn mint(&self) -> Value {
        let dir = self.dir.clone();
        let base = self.base();
        let out = tokio::task::spawn_blocking(move || {
            Command::new("node")
                .args(["mint.mjs", &base])
                .current_dir(dir)
                .output()
                .expect("node runs")
        })
        .await
        .expect("mint");
        assert!(
            out.status.success(),
            "mint.mjs failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("mint prints JSON")
    }

    /// The server's in-memory tables (`user`, `account`, `jwks`).
    pub async fn tables(&self) -> Value {
        reqwest::get(format!("{}/debug/db", self.base()))
            .await
            .expect("debug/db")
            .json()
            .await
            .expect("json")
    }

    pub fn stop(mut self) {
        self.kill();
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for BetterAuth {
    fn drop(&mut self) {
        self.kill();
    }
}
