//! The server on a real socket, and what it logs: never a voter's code or a ballot's
//! tracker, whatever the log level.

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::http::StatusCode;
use common::*;
use scrutin_store::Revote;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn serve_answers_on_a_socket() {
    for db in backends("socket").await {
        let store = db.store.clone();
        setup(&store, "soc", SMALL, &["exec", "panel"]).await;
        let records = tempfile::tempdir().unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(scrutin_web::serve(
            store.clone(),
            config(records.path()),
            listener,
        ));
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(
            format!("GET /e/soc HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        assert!(out.starts_with("HTTP/1.1 200"), "{out}");
        let lower = out.to_ascii_lowercase();
        assert!(lower.contains("content-security-policy: default-src 'none'"));
        assert!(lower.contains("x-frame-options: deny"));
        assert!(out.contains("Contests and turnout"));
        server.abort();
        db.finish().await;
    }
}

/// A log sink shared with the test.
#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Sink {
    type Writer = Sink;
    fn make_writer(&'a self) -> Sink {
        self.clone()
    }
}

#[tokio::test]
async fn nothing_logged_carries_a_code_or_a_tracker() {
    let sink = Sink::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(sink.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    for db in backends("logs").await {
        let store = db.store.clone();
        let codes = open(&store, "soc", SMALL, &["exec", "panel"], Revote::LastCounts).await;
        let records = tempfile::tempdir().unwrap();
        let mut c = Client::new(store.clone(), config(records.path()));
        let code = codes["V07"].clone();
        let mut trackers = Vec::new();
        c.get(&format!("/e/soc/vote?code={code}")).await;
        c.post("/e/soc/vote", &[("code", &code)]).await;
        for ballot in [[("c1", "1"), ("c2", "2")], [("c3", "1"), ("c1", "2")]] {
            let mut form = vec![("code", code.as_str()), ("section", "exec")];
            form.extend(ballot);
            c.post("/e/soc/vote/review", &form).await;
            let p = c.post("/e/soc/vote/cast", &form).await;
            assert_eq!(p.status, StatusCode::OK);
            trackers.push(p.between("<p class=\"tracker\">", "</p>").unwrap());
        }
        c.get(&format!("/e/soc/track?t={}", trackers[0])).await;
        // A failed sign-in is logged (so the sink does receive the server's log).
        let p = c
            .post("/admin/login", &[("username", "x"), ("password", "y")])
            .await;
        assert_eq!(p.status, StatusCode::UNAUTHORIZED);
        let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("failed administrator sign-in"), "{log}");
        let bare: String = code.chars().filter(|c| *c != '-').collect();
        for secret in [code.as_str(), bare.as_str(), &trackers[0], &trackers[1]] {
            assert!(!log.contains(secret), "{secret} is in the log:\n{log}");
        }
        assert!(!log.contains("/e/soc/vote"), "no request path is logged");
        db.finish().await;
    }
}
