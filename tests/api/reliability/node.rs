//! The real `taskward` binary as a child process, for tests that kill, restart or read the
//! logs of the server.

use std::io::{BufRead as _, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::helpers::TEST_SECRET;

/// A running `taskward serve` on 127.0.0.1 with JSON logs captured.
pub struct Node {
    child: Child,
    /// `127.0.0.1:port`.
    pub addr: String,
    logs: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl Node {
    /// Starts the binary on `database_url` with the test secret, no rate limits and JSON
    /// logs, plus `env`; waits until it listens (at most 60 s).
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        Self::start_on("127.0.0.1:0", database_url, env)
    }

    /// The same, listening on `bind`.
    pub fn start_on(bind: &str, database_url: &str, env: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskward"));
        cmd.args(["serve", "--bind", bind])
            .current_dir(dir.path())
            .env_remove("BETTER_AUTH_SECRET")
            .env("DATABASE_URL", database_url)
            .env("JWT_SECRET", TEST_SECRET)
            .env("RATE_LIMIT", "off")
            .env("LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("the binary starts");
        let logs = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        collect(child.stdout.take().expect("stdout"), logs.clone(), Some(tx));
        collect(child.stderr.take().expect("stderr"), logs.clone(), None);
        let Ok(addr) = rx.recv_timeout(Duration::from_secs(60)) else {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the server did not listen: {:?}",
                logs.lock().expect("logs")
            );
        };
        Self {
            child,
            addr,
            logs,
            _dir: dir,
        }
    }

    /// `http://addr/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Every line the process wrote so far, stdout and stderr.
    pub fn logs(&self) -> Vec<String> {
        self.logs.lock().expect("logs").clone()
    }

    /// `true` while the process has not exited.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

    /// SIGKILL: no shutdown code runs, as in a power cut of the process.
    pub fn kill9(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }

    /// SIGTERM, then waits for the exit (at most 30 s) and returns all the logs.
    pub fn stop(mut self) -> Vec<String> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        for _ in 0..300 {
            if !self.is_running() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Let the log readers drain the pipes.
        std::thread::sleep(Duration::from_millis(100));
        self.logs()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Reads `from` line by line into `logs`; sends the address of the "listening on" line.
fn collect(
    from: impl Read + Send + 'static,
    logs: Arc<Mutex<Vec<String>>>,
    listening: Option<mpsc::Sender<String>>,
) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines().map_while(Result::ok) {
            if let (Some(tx), Some(addr)) = (&listening, listening_addr(&line)) {
                let _ = tx.send(addr);
            }
            if let Ok(mut logs) = logs.lock() {
                logs.push(line);
            }
        }
    });
}

fn listening_addr(line: &str) -> Option<String> {
    let event: serde_json::Value = serde_json::from_str(line).ok()?;
    let message = event["message"].as_str()?;
    Some(message.strip_prefix("listening on http://")?.to_owned())
}
