//! A bare axum "hello world": the ceiling of HTTP throughput on this hardware, for the
//! benchmark (`bench/run` measures it beside Taskward's own `GET /healthz`, which runs
//! the whole middleware stack).
//!
//! ```sh
//! cargo run --release --example hello -- 127.0.0.1:8081
//! ```

use axum::Router;
use axum::routing::get;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8081".to_owned());
    let app = Router::new().route("/", get(|| async { "Hello, World!" }));
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    axum::serve(listener, app).await
}
