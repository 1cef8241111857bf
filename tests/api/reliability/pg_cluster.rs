//! A private, throwaway PostgreSQL cluster in a temporary directory, for tests that stop
//! and start the database server without disturbing the shared one of the other tests.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A running cluster; stopped (immediately) and deleted when dropped.
pub struct PgCluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_root: bool,
}

impl PgCluster {
    /// Initialises and starts a cluster. `None` (after a notice) when the PostgreSQL server
    /// binaries are not installed; a failure when `CI=true`.
    pub fn start() -> Option<Self> {
        let Some(bin) = find_bin() else {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but the PostgreSQL server binaries are missing"
            );
            eprintln!("notice: no PostgreSQL server binaries; skipping the outage test");
            return None;
        };
        let as_root = is_root();
        let dir = tempfile::Builder::new()
            .prefix("taskward-outage-pg")
            .tempdir()
            .expect("temp dir");
        if as_root {
            // initdb refuses to run as root: the cluster belongs to the postgres account.
            let ok = Command::new("chown")
                .args(["postgres:postgres"])
                .arg(dir.path())
                .status()
                .expect("chown");
            assert!(ok.success(), "chown postgres the temp dir");
        }
        let port = free_port();
        let cluster = Self {
            bin,
            dir,
            port,
            as_root,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                &cluster.data(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        );
        cluster.start_server();
        Some(cluster)
    }

    /// The URL of the `postgres` database of this cluster.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// `pg_ctl stop -m fast`: connections are cut, the port closes.
    pub fn stop_server(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// `pg_ctl start` on the same port and data, waiting until it accepts connections.
    pub fn start_server(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c max_connections=50",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("server.log");
        self.run(
            "pg_ctl",
            &[
                "-D",
                &self.data(),
                "-l",
                &log.display().to_string(),
                "-w",
                "-t",
                "30",
                "-o",
                &options,
                "start",
            ],
        );
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn command(&self, program: &str) -> Command {
        let exe = self.bin.join(program);
        if self.as_root {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(exe);
            cmd
        } else {
            Command::new(exe)
        }
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = self
            .command(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("run a PostgreSQL tool");
        assert!(
            out.status.success(),
            "{program} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .args(["-D", &self.data(), "-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn find_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin")))
        .filter(|p| p.join("initdb").is_file())
        .collect();
    dirs.sort_by_key(|p| version_of(p));
    dirs.pop()
}

fn version_of(bin: &Path) -> u32 {
    bin.parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}
