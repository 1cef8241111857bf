//! Slow clients (slowloris): a connection that trickles its headers is closed after the
//! header read timeout, and many of them do not keep others from being served.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use crate::helpers::{TestApp, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slowloris_connection_is_cut_and_does_not_hold_the_server() {
    let db = TestDb::sqlite();
    let mut config = db.config();
    // The header read timeout is the request timeout, capped at 10 s.
    config.request_timeout = Duration::from_secs(1);
    let app = TestApp::spawn_with(db, config).await;
    let addr = app.addr;

    // Fifty connections that each send a request line and then one header byte at a time.
    let mut slow: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut c = TcpStream::connect(addr).expect("connect");
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                .expect("write");
            c
        })
        .collect();
    // Meanwhile, an ordinary client is served at once.
    let started = Instant::now();
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(1));

    let cut = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        for c in &mut slow {
            c.set_read_timeout(Some(Duration::from_secs(10)))
                .expect("timeout");
        }
        // Keep trickling; the server must close each connection within a few seconds.
        for _ in 0..40 {
            for c in &mut slow {
                let _ = c.write_all(b"a");
            }
            std::thread::sleep(Duration::from_millis(100));
            if started.elapsed() > Duration::from_secs(3) {
                break;
            }
        }
        slow.iter_mut()
            .map(|c| {
                let mut buf = Vec::new();
                // EOF, a reset or a 408 all mean the server gave up on the connection.
                let _ = c.read_to_end(&mut buf);
                String::from_utf8_lossy(&buf).into_owned()
            })
            .collect::<Vec<_>>()
    });
    let answers = tokio::time::timeout(Duration::from_secs(20), cut)
        .await
        .expect("the slow connections were not cut within 20 s")
        .expect("slow clients");
    for answer in &answers {
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
            "a trickled request was answered: {answer}"
        );
    }
    assert_eq!(app.get("/healthz").await.status(), 200);
    app.stop().await;
}
