//! The binary itself: start-up failures give one clear line and the right exit code.

use std::process::{Command, Output, Stdio};

fn taskward(args: &[&str], env: &[(&str, &str)]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_taskward"));
    cmd.args(args)
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("JWT_SECRET")
        .env_remove("BETTER_AUTH_SECRET")
        .env_remove("BIND")
        .env("RUST_BACKTRACE", "1")
        .stdin(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

fn assert_no_panic(out: &Output) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("backtrace"), "{err}");
}

#[test]
fn an_import_without_jwt_issuer_is_a_configuration_error() {
    let out = taskward(
        &["import", "--from-better-auth", "sqlite://nowhere.db"],
        &[("DATABASE_URL", "sqlite::memory:")],
    );
    assert_no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_lines(&out)[0].contains("JWT_ISSUER"), "{out:?}");
}

#[test]
fn help_documents_every_setting() {
    let out = taskward(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "DATABASE_URL",
        "BIND",
        "JWT_SECRET",
        "ACCESS_TOKEN_TTL",
        "REFRESH_TOKEN_TTL",
        "JWT_ISSUER",
        "JWT_AUDIENCE",
        "CORS_ALLOWED_ORIGINS",
        "PUBLIC_URL",
        "LOG_FORMAT",
        "REQUEST_TIMEOUT",
        "DATABASE_POOL_SIZE",
        "JWT_JWKS_URL",
        "JWT_ALGORITHMS",
        "JWT_JWKS_REFETCH_INTERVAL",
        "OUTBOUND_ALLOW_HOSTS",
        "SMTP_URL",
        "SMTP_FROM",
        "REMINDER_RETRY_AFTER",
        "serve",
        "migrate",
        "import",
    ] {
        assert!(help.contains(var), "--help does not mention {var}");
    }
}

#[test]
fn a_malformed_database_url_is_one_line_and_exit_2() {
    let out = taskward(
        &["serve"],
        &[("DATABASE_URL", "mysql://root:hunter2@db/app")],
    );
    assert_eq!(out.status.code(), Some(2));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("DATABASE_URL"), "{lines:?}");
    assert!(
        !lines[0].contains("hunter2"),
        "the password leaked: {lines:?}"
    );
    assert_no_panic(&out);
}

#[test]
fn every_configuration_problem_is_listed_at_once() {
    let out = taskward(
        &[],
        &[
            ("JWT_SECRET", "too-short"),
            ("BIND", "localhost"),
            ("LOG_FORMAT", "xml"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains("JWT_SECRET is 9 bytes")),
        "{lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("too-short")),
        "the secret leaked: {lines:?}"
    );
    assert_no_panic(&out);
}

#[test]
fn postgres_without_a_shared_secret_is_refused_before_connecting() {
    let out = taskward(
        &[],
        &[("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/app")],
    );
    assert_eq!(out.status.code(), Some(2));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("JWT_SECRET must be set"), "{lines:?}");
    assert_no_panic(&out);
}

#[test]
fn a_taken_bind_address_is_one_line_and_exit_2() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = taskward(&["--bind", &addr], &[]);
    assert_eq!(out.status.code(), Some(2));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("already in use"), "{lines:?}");
    assert_no_panic(&out);
}

#[test]
fn an_unreachable_postgres_is_one_line_and_a_failure_exit() {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    let out = taskward(
        &["--bind", "127.0.0.1:0"],
        &[
            ("DATABASE_URL", "postgres://app:hunter2@127.0.0.1:1/app"),
            ("JWT_SECRET", "a-shared-secret-of-at-least-32-bytes-long"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("cannot connect to PostgreSQL"),
        "{lines:?}"
    );
    assert!(lines[0].contains("app:***@127.0.0.1:1"), "{lines:?}");
    assert!(
        !lines[0].contains("hunter2"),
        "the password leaked: {lines:?}"
    );
    assert_no_panic(&out);
}

#[test]
fn an_unwritable_sqlite_path_is_one_line_and_a_failure_exit() {
    // /proc refuses new files even to root, so this holds whoever runs the tests.
    let out = taskward(
        &["--bind", "127.0.0.1:0"],
        &[("DATABASE_URL", "sqlite:///proc/taskward-test.db")],
    );
    assert_eq!(out.status.code(), Some(1));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].contains("cannot open the SQLite database"),
        "{lines:?}"
    );
    assert_no_panic(&out);
}

#[test]
fn migrate_creates_the_database_and_exits_0() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("fresh.db");
    let url = format!("sqlite://{}", db.display());
    let out = taskward(
        &["migrate"],
        &[("DATABASE_URL", &url), ("LOG_FORMAT", "json")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
    let logs = String::from_utf8_lossy(&out.stdout);
    let last: serde_json::Value = serde_json::from_str(logs.lines().last().expect("a log line"))
        .expect("LOG_FORMAT=json writes JSON lines");
    assert_eq!(last["message"], "the database schema is up to date");
}

#[test]
fn sigterm_lets_a_request_in_flight_finish_then_exits_0() {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};

    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let mut child = Command::new(env!("CARGO_BIN_EXE_taskward"))
        .args(["--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env("DATABASE_URL", &url)
        .env("LOG_FORMAT", "json")
        .env_remove("JWT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = loop {
        let line = lines.next().expect("a log line").expect("utf-8");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if let Some(rest) = event["message"]
            .as_str()
            .and_then(|m| m.strip_prefix("listening on http://"))
        {
            break rest.to_owned();
        }
    };
    // Keep reading the logs so the server never blocks on a full pipe.
    let logs = std::thread::spawn(move || lines.map_while(Result::ok).collect::<Vec<_>>());

    // A slow client: headers and half the body now, the rest after SIGTERM.
    let body = br#"{"email": "nobody@example.com", "password": "whatever it is"}"#;
    let mut conn = std::net::TcpStream::connect(&addr).expect("connect");
    write!(
        conn,
        "POST /api/auth/signin HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("write headers");
    conn.write_all(&body[..20]).expect("write half");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(
        child.try_wait().expect("wait").is_none(),
        "exited with a request in flight"
    );
    conn.write_all(&body[20..]).expect("write rest");
    let mut response = String::new();
    conn.read_to_string(&mut response).expect("read response");
    assert!(response.starts_with("HTTP/1.1 401"), "{response}");
    assert!(
        response.contains("the email or password is wrong"),
        "{response}"
    );

    let status = child.wait().expect("exit");
    assert_eq!(status.code(), Some(0));
    let logs = logs.join().expect("log reader");
    assert!(
        logs.iter().any(|l| l.contains("SIGTERM received")),
        "{logs:?}"
    );
    assert!(logs.iter().any(|l| l.contains("\"stopped\"")), "{logs:?}");
}
