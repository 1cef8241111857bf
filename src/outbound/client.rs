//! The HTTP client of outbound requests: every URL checked by the [`OutboundPolicy`],
//! every name resolved here and only the addresses the policy allows handed to the
//! connection (so a name that also resolves to 127.0.0.1 is never reached there), no
//! proxies from the environment, no redirects followed, a time limit, and at most
//! [`MAX_ANSWER`] bytes of an answer read.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

use super::OutboundPolicy;

/// The most of an answer's body read (the rest is never downloaded).
pub const MAX_ANSWER: usize = 64 * 1024;

/// The time a request may take, connection included (API-2.md: 5 s).
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// Why an outbound request did not get an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutboundError {
    /// The policy refused the URL or every address of its host.
    Refused(String),
    /// No answer within the time limit.
    Timeout,
    /// The connection failed (refused, reset, TLS, DNS).
    Network(String),
}

impl std::fmt::Display for OutboundError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Refused(why) => write!(f, "refused: {why}"),
            Self::Timeout => write!(f, "no answer within {} s", TIMEOUT.as_secs()),
            Self::Network(why) => write!(f, "network error: {why}"),
        }
    }
}

/// An answer: its status and the start of its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status (a redirect is an answer like any other).
    pub status: u16,
    /// At most [`MAX_ANSWER`] bytes of the body.
    pub body: Vec<u8>,
}

/// The resolver's refusal, told apart from other failures by its type.
#[derive(Debug)]
struct NoAllowedAddress(String);

impl std::fmt::Display for NoAllowedAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} resolves only to addresses that are not public (OUTBOUND_ALLOW_HOSTS can allow it)",
            self.0
        )
    }
}

impl std::error::Error for NoAllowedAddress {}

/// Resolves with the system resolver and keeps the addresses the policy allows.
struct CheckedResolver {
    policy: Arc<OutboundPolicy>,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = Arc::clone(&self.policy);
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let allowed: Vec<SocketAddr> = found
                .filter(|a| policy.allows(Some(&host), a.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(Box::new(NoAllowedAddress(host)) as _);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// The client every webhook and ntfy request goes through.
#[derive(Clone)]
pub struct OutboundClient {
    http: reqwest::Client,
    policy: Arc<OutboundPolicy>,
}

impl OutboundClient {
    /// A client under `policy` with the standard time limit.
    pub fn new(policy: OutboundPolicy) -> Result<Self, String> {
        Self::with_timeout(policy, TIMEOUT)
    }

    /// A client under `policy` whose requests may take `timeout`.
    pub fn with_timeout(policy: OutboundPolicy, timeout: Duration) -> Result<Self, String> {
        crate::tls::install_tls_provider();
        let policy = Arc::new(policy);
        let http = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckedResolver {
                policy: Arc::clone(&policy),
            }))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("Taskward/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| format!("cannot build the outbound HTTP client: {e}"))?;
        Ok(Self { http, policy })
    }

    /// POSTs `body` (JSON) to `url` with `headers`; the status and the start of the body.
    pub async fn post_json(
        &self,
        url: &str,
        headers: &[(&str, String)],
        body: Vec<u8>,
    ) -> Result<Answer, OutboundError> {
        let url = self.policy.check_url(url).map_err(OutboundError::Refused)?;
        let mut request = self
            .http
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        for (name, value) in headers {
            request = request.header(*name, value.as_str());
        }
        let mut response = request.send().await.map_err(failure)?;
        let status = response.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failure)? {
            let room = MAX_ANSWER.saturating_sub(body.len());
            body.extend_from_slice(chunk.get(..room.min(chunk.len())).unwrap_or_default());
            if body.len() >= MAX_ANSWER {
                break;
            }
        }
        Ok(Answer { status, body })
    }
}

/// A reqwest failure as an [`OutboundError`], the resolver's refusal told apart.
fn failure(e: reqwest::Error) -> OutboundError {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = source {
        if let Some(refused) = err.downcast_ref::<NoAllowedAddress>() {
            return OutboundError::Refused(refused.to_string());
        }
        source = err.source();
    }
    if e.is_timeout() {
        OutboundError::Timeout
    } else {
        OutboundError::Network(e.without_url().to_string())
    }
}

#[cfg(test)]
mod tests {
    use axum::Router;
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::routing::post;

    use super::*;

    /// A receiver on 127.0.0.1: `/ok` echoes, `/moved` redirects to `/ok`, `/big` answers
    /// 1 MiB, `/slow` answers after 3 s.
    async fn receiver() -> u16 {
        let app = Router::new()
            .route(
                "/ok",
                post(|body: String| async move { format!("got {body}") }),
            )
            .route(
                "/moved",
                post(|| async { (StatusCode::FOUND, [("location", "/ok")]).into_response() }),
            )
            .route("/big", post(|| async { "x".repeat(1024 * 1024) }))
            .route(
                "/slow",
                post(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    "late"
                }),
            );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        port
    }

    #[tokio::test]
    async fn private_targets_are_refused_unless_allowed() {
        let port = receiver().await;
        let strict = OutboundClient::new(OutboundPolicy::default()).expect("client");
        for url in [
            format!("http://127.0.0.1:{port}/ok"),
            format!("https://127.0.0.1:{port}/ok"),
            // A name: refused by the resolver, on its resolved address.
            format!("https://localhost:{port}/ok"),
        ] {
            let e = strict
                .post_json(&url, &[], b"{}".to_vec())
                .await
                .expect_err(&url);
            assert!(matches!(e, OutboundError::Refused(_)), "{url}: {e:?}");
        }

        let lan = OutboundPolicy::parse("127.0.0.1").expect("policy");
        let client = OutboundClient::with_timeout(lan, Duration::from_millis(500)).expect("client");
        let ok = client
            .post_json(
                &format!("http://127.0.0.1:{port}/ok"),
                &[("x-test", "1".to_owned())],
                b"{\"a\":1}".to_vec(),
            )
            .await
            .expect("allowed");
        assert_eq!(
            (ok.status, ok.body.as_slice()),
            (200, &b"got {\"a\":1}"[..])
        );
        // Redirects are answers, not followed.
        let moved = client
            .post_json(&format!("http://127.0.0.1:{port}/moved"), &[], Vec::new())
            .await
            .expect("answer");
        assert_eq!(moved.status, 302);
        // Only the start of a large answer is read.
        let big = client
            .post_json(&format!("http://127.0.0.1:{port}/big"), &[], Vec::new())
            .await
            .expect("answer");
        assert_eq!(big.body.len(), MAX_ANSWER);
        // A slow receiver is given up on.
        let slow = client
            .post_json(&format!("http://127.0.0.1:{port}/slow"), &[], Vec::new())
            .await
            .expect_err("too slow");
        assert_eq!(slow, OutboundError::Timeout);
    }
}
