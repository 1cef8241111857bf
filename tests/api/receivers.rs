//! Real counterparts for reminders (issue 17): an SMTP server, a Standard Webhooks receiver
//! and an ntfy publish endpoint, all in one Python process (`tests/oracles/receivers.py`,
//! run by the virtualenv `ORACLE_VENV` that `.ci/run` makes from
//! `tests/oracles/requirements.txt`: aiosmtpd and the reference `standardwebhooks`).
//! Without the venv a test using them is skipped with a notice, and fails under `CI=true`.
//!
//! The process ends with the `Receivers` (killed on drop) or, if the test process dies
//! first, when its standard input closes.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::Value;

/// One mail the SMTP server accepted.
#[derive(Debug, Clone, Deserialize)]
pub struct Mail {
    /// The envelope sender (`MAIL FROM`).
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`).
    pub rcpt_tos: Vec<String>,
    /// The decoded `Subject` header.
    pub subject: Option<String>,
    /// Every header, decoded (the last of a repeated name wins).
    pub headers: BTreeMap<String, String>,
    /// The decoded text/plain body, line ends as `\n`.
    pub text: Option<String>,
    /// The decoded text/html body, line ends as `\n`.
    pub html: Option<String>,
    /// The user name of `AUTH PLAIN`/`LOGIN` (any password is accepted).
    pub auth_user: Option<String>,
}

/// One POST to `/webhook/{name}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Webhook {
    pub name: String,
    /// The `webhook-id` header (the same on every retry of one message).
    pub webhook_id: Option<String>,
    /// The `webhook-timestamp` header, as sent.
    pub timestamp: Option<String>,
    /// The `webhook-signature` header, as sent.
    pub signature: Option<String>,
    pub content_type: Option<String>,
    /// Whether the reference library verified it with the secret registered for `name`.
    pub verified: bool,
    /// Why it did not verify.
    pub error: Option<String>,
    /// The JSON payload (only when verified).
    pub payload: Option<Value>,
    /// The raw body.
    pub body: String,
    /// Answered 500 because of [`Receivers::fail_next`].
    pub failed_on_purpose: bool,
}

/// One ntfy publish, JSON (`POST /ntfy`) or plain (`POST /ntfy/{topic}`).
#[derive(Debug, Clone, Deserialize)]
pub struct Ntfy {
    /// `"json"` or `"plain"`.
    pub via: String,
    pub topic: String,
    pub title: Option<String>,
    /// The message (ntfy's `"triggered"` when empty).
    pub message: String,
    /// 1 to 5 (3 when not given).
    pub priority: u8,
    pub tags: Vec<String>,
    pub click: Option<String>,
    /// The `Authorization` header, as sent.
    pub authorization: Option<String>,
    /// The JSON body of a JSON publish.
    pub json: Option<Value>,
    /// Answered 500 because of [`Receivers::fail_next`].
    pub failed_on_purpose: bool,
}

/// Everything received since the start (or the last [`Receivers::reset`]), in order.
#[derive(Debug, Clone, Deserialize)]
pub struct Received {
    pub mail: Vec<Mail>,
    pub webhooks: Vec<Webhook>,
    pub ntfy: Vec<Ntfy>,
}

/// The running counterparts.
pub struct Receivers {
    child: Child,
    _stdin: ChildStdin,
    client: reqwest::Client,
    pub smtp_port: u16,
    pub http_port: u16,
}

#[derive(Deserialize)]
struct Ports {
    smtp_port: u16,
    http_port: u16,
}

impl Receivers {
    /// Starts the receivers. `None` (with a notice) when `ORACLE_VENV` is unset outside CI;
    /// panics under `CI=true`.
    pub fn start() -> Option<Receivers> {
        let python = crate::helpers::oracle_python("a test with the reminder receivers")?;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracles/receivers.py");
        let mut child = Command::new(python)
            .arg(script)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the receivers start");
        let stdin = child.stdin.take().expect("stdin");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the receivers' ports");
        let Ok(ports) = serde_json::from_str::<Ports>(&line) else {
            let _ = child.kill();
            panic!("the receivers did not start (printed {line:?}; see stderr)");
        };
        taskward::tls::install_tls_provider();
        Some(Receivers {
            child,
            _stdin: stdin,
            client: reqwest::Client::new(),
            smtp_port: ports.smtp_port,
            http_port: ports.http_port,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.http_port)
    }

    /// The base URL of the HTTP side (`/control/received` and the rest), for a test
    /// process of another language.
    pub fn control_url(&self) -> String {
        self.url("")
    }

    /// Where Standard Webhooks for `name` are received.
    pub fn webhook_url(&self, name: &str) -> String {
        self.url(&format!("/webhook/{name}"))
    }

    /// The ntfy server's base URL, for the JSON publish (`POST` to it).
    pub fn ntfy_url(&self) -> String {
        self.url("/ntfy")
    }

    /// ntfy's plain publish URL for `topic`.
    pub fn ntfy_topic_url(&self, topic: &str) -> String {
        self.url(&format!("/ntfy/{topic}"))
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: String) {
        let response = self
            .client
            .request(method, self.url(path))
            .body(body)
            .send()
            .await
            .expect("the receivers answer");
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.text().await.unwrap_or_default()
        );
    }

    /// Registers the `whsec_...` secret the webhooks to `name` are verified with.
    pub async fn set_secret(&self, name: &str, secret: &str) {
        let path = format!("/control/secret/{name}");
        self.control(reqwest::Method::PUT, &path, secret.to_owned())
            .await;
    }

    /// The next `n` webhooks to `name` (or ntfy publishes to topic `name`) answer 500.
    pub async fn fail_next(&self, name: &str, n: u32) {
        let path = format!("/control/fail/{name}");
        self.control(reqwest::Method::PUT, &path, n.to_string())
            .await;
    }

    /// Webhooks to `name` are answered `seconds` after they arrive (and are recorded).
    pub async fn delay(&self, name: &str, seconds: f64) {
        let path = format!("/control/delay/{name}");
        self.control(reqwest::Method::PUT, &path, seconds.to_string())
            .await;
    }

    /// Forgets what was received and the pending failures (the secrets stay).
    pub async fn reset(&self) {
        self.control(reqwest::Method::POST, "/control/reset", String::new())
            .await;
    }

    /// Everything received so far.
    pub async fn received(&self) -> Received {
        self.client
            .get(self.url("/control/received"))
            .send()
            .await
            .expect("the receivers answer")
            .json()
            .await
            .expect("what was received")
    }

    /// What was received once `pred` holds for it, polling every 100 ms; panics with what
    /// was received when it does not within `timeout`.
    pub async fn wait_for(&self, pred: impl Fn(&Received) -> bool, timeout: Duration) -> Received {
        let began = Instant::now();
        loop {
            let received = self.received().await;
            if pred(&received) {
                return received;
            }
            assert!(
                began.elapsed() < timeout,
                "not received within {timeout:?}; received: {received:#?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Receivers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

mod self_test {
    //! The counterparts themselves, without Taskward: a mail over a hand-made SMTP session,
    //! webhooks signed here (per the Standard Webhooks spec) right and wrong, retries after
    //! failures on purpose, and ntfy publishes.

    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use hmac::{Hmac, Mac};
    use serde_json::json;
    use sha2::Sha256;
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::net::TcpStream;

    use super::*;

    const KEY: &[u8] = b"receivers-self-test-signing-key!";

    /// `webhook-signature` for `id`, `timestamp` and `body` under `key`.
    fn sign(key: &[u8], id: &str, timestamp: u64, body: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("any key length");
        mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    }

    /// Sends `line` (unless empty) and reads the reply, which must have `code`.
    async fn smtp(stream: &mut BufReader<TcpStream>, line: &str, code: &str) {
        if !line.is_empty() {
            stream
                .write_all(format!("{line}\r\n").as_bytes())
                .await
                .expect("sent");
        }
        loop {
            let mut reply = String::new();
            stream.read_line(&mut reply).await.expect("a reply");
            assert!(reply.starts_with(code), "{line:?} got {reply:?}");
            if reply.as_bytes().get(3) != Some(&b'-') {
                return; // the last line of a reply
            }
        }
    }

    async fn post_webhook(
        client: &reqwest::Client,
        url: &str,
        id: &str,
        key: &[u8],
        body: &str,
    ) -> u16 {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after 1970")
            .as_secs();
        client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", sign(key, id, now, body))
            .body(body.to_owned())
            .send()
            .await
            .expect("posted")
            .status()
            .as_u16()
    }

    #[tokio::test]
    async fn the_receivers_take_mail_webhooks_and_ntfy_publishes() {
        let Some(r) = Receivers::start() else {
            return;
        };

        let stream = TcpStream::connect(("127.0.0.1", r.smtp_port))
            .await
            .expect("SMTP connects");
        let mut s = BufReader::new(stream);
        let plain = BASE64.encode(b"\0alice\0any-password");
        for (line, code) in [
            ("", "220"),
            ("EHLO taskward.test", "250"),
            (&format!("AUTH PLAIN {plain}"), "235"),
            ("MAIL FROM:<reminders@taskward.test>", "250"),
            ("RCPT TO:<bob@example.test>", "250"),
            ("DATA", "354"),
            (
                "Subject: =?utf-8?q?Due_soon:_caf=C3=A9?=\r\nContent-Type: text/plain; \
                 charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n\
                 UGF5IHJlbnQKdG9kYXk=\r\n.",
                "250",
            ),
            ("QUIT", "221"),
        ] {
            smtp(&mut s, line, code).await;
        }

        let secret = format!("whsec_{}", BASE64.encode(KEY));
        r.set_secret("hook", &secret).await;
        let url = r.webhook_url("hook");
        let client = reqwest::Client::new();
        let body = json!({"type": "reminder.due", "data": {"task": 1}}).to_string();
        assert_eq!(post_webhook(&client, &url, "msg_1", KEY, &body).await, 204);
        let wrong = b"some-other-key-entirely-00000000";
        assert_eq!(
            post_webhook(&client, &url, "msg_2", wrong, &body).await,
            400
        );
        r.fail_next("hook", 2).await;
        let mut statuses = Vec::new();
        for _ in 0..3 {
            statuses.push(post_webhook(&client, &url, "msg_3", KEY, &body).await);
        }
        assert_eq!(statuses, [500, 500, 204]);

        let published = client
            .post(r.ntfy_url())
            .header("authorization", "Bearer tk_test")
            .json(
                &json!({"topic": "reminders", "title": "Due soon", "message": "Pay rent",
                          "priority": 4, "tags": ["alarm_clock"], "click": "http://x.test/t/1"}),
            )
            .send()
            .await
            .expect("published");
        assert_eq!(published.status(), 200);
        let answer: Value = published.json().await.expect("ntfy's JSON");
        assert_eq!(answer["event"], "message");
        assert_eq!(answer["topic"], "reminders");
        let not_json = client.post(r.ntfy_url()).body("{").send().await;
        assert_eq!(not_json.expect("posted").status(), 400);
        let plain = client
            .post(r.ntfy_topic_url("reminders"))
            .header("Title", "Plain")
            .header("Priority", "high")
            .header("Tags", "a,b")
            .body("Plain message")
            .send()
            .await;
        assert_eq!(plain.expect("published").status(), 200);

        let got = r
            .wait_for(|r| r.ntfy.len() == 2, Duration::from_secs(5))
            .await;
        let [mail] = &got.mail[..] else {
            panic!("one mail: {got:#?}")
        };
        assert_eq!(mail.mail_from, "reminders@taskward.test");
        assert_eq!(mail.rcpt_tos, ["bob@example.test"]);
        assert_eq!(mail.subject.as_deref(), Some("Due soon: café"));
        assert_eq!(mail.text.as_deref(), Some("Pay rent\ntoday"));
        assert_eq!(mail.auth_user.as_deref(), Some("alice"));

        let seen: Vec<_> = got
            .webhooks
            .iter()
            .map(|w| {
                let id = w.webhook_id.as_deref().unwrap_or_default();
                (id, w.verified, w.failed_on_purpose)
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("msg_1", true, false),
                ("msg_2", false, false),
                ("msg_3", true, true),
                ("msg_3", true, true),
                ("msg_3", true, false),
            ]
        );
        assert_eq!(
            got.webhooks[0].payload.as_ref(),
            Some(&json!({"type": "reminder.due", "data": {"task": 1}}))
        );
        assert!(
            got.webhooks[1]
                .error
                .as_deref()
                .unwrap_or_default()
                .contains("signature")
        );

        let json = &got.ntfy[0];
        assert_eq!(
            (json.via.as_str(), json.topic.as_str()),
            ("json", "reminders")
        );
        assert_eq!(
            (json.title.as_deref(), json.message.as_str()),
            (Some("Due soon"), "Pay rent")
        );
        assert_eq!(
            (json.priority, &json.tags[..]),
            (4, &["alarm_clock".to_owned()][..])
        );
        assert_eq!(json.click.as_deref(), Some("http://x.test/t/1"));
        assert_eq!(json.authorization.as_deref(), Some("Bearer tk_test"));
        let plain = &got.ntfy[1];
        assert_eq!(
            (plain.via.as_str(), plain.title.as_deref()),
            ("plain", Some("Plain"))
        );
        assert_eq!((plain.priority, plain.tags.len()), (4, 2));

        r.reset().await;
        let empty = r.received().await;
        assert!(empty.mail.is_empty() && empty.webhooks.is_empty() && empty.ntfy.is_empty());
    }
}
