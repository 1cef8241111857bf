//! The accept loop: HTTP/1.1 connections with a header read timeout, a cap on open
//! connections, and graceful shutdown.
//!
//! `axum::serve` has no header read timeout, so one client that opens many connections and
//! sends its headers a byte at a time (slowloris) could hold the server. Here hyper's own
//! HTTP/1 builder is driven directly: headers must arrive within [`header_read_timeout`],
//! and at most [`MAX_CONNECTIONS`] connections are served at once (further clients wait in
//! the kernel's accept queue instead of exhausting file descriptors).

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Most connections served at once; well under a default `ulimit -n` of 1024 plus the
/// database pool.
pub const MAX_CONNECTIONS: usize = 768;

/// Largest request head (request line plus headers) hyper buffers; larger ones get `431`.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// How long a client may take to send a request's headers: the request timeout, at most
/// ten seconds (a legitimate client sends its headers in one go).
pub fn header_read_timeout(request_timeout: Duration) -> Duration {
    request_timeout.min(Duration::from_secs(10))
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting, lets
/// the requests in flight finish and closes idle keep-alive connections.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning (as axum::serve does).
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let service = router
            .clone()
            .map_request(move |mut req: axum::http::Request<Incoming>| {
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                req
            });
        let conn = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}
