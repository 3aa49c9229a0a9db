//! The transport: HTTPS with rustls and HSTS, browser sessions in an
//! `HttpOnly; SameSite=Strict` cookie guarded by a CSRF token, and the
//! security headers on every response.

mod support;

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{Backend, PASSWORD, spawn};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::rustls;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

/// Sends one HTTP/1.1 request over TLS (trusting only the test certificate) and returns the raw response.
async fn https(addr: std::net::SocketAddr, request: &str) -> String {
    let mut roots = rustls::RootCertStore::empty();
    let pem = std::fs::read_to_string(fixture("tls-cert.pem")).expect("cert");
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64_decode(&b64);
    roots.add(rustls::pki_types::CertificateDer::from(der)).expect("trust the test certificate");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let name = rustls::pki_types::ServerName::try_from("localhost").expect("name");
    let mut tls = connector.connect(name, tcp).await.expect("TLS handshake");
    tls.write_all(request.as_bytes()).await.expect("write");
    let mut out = Vec::new();
    tls.read_to_end(&mut out).await.ok();
    String::from_utf8_lossy(&out).into_owned()
}

fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = u32::try_from(ALPHABET.iter().position(|a| *a == c).expect("base64")).expect("small");
        buffer = (buffer << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xff).expect("byte"));
        }
    }
    out
}

#[tokio::test]
async fn https_serves_with_hsts_and_secure_cookies() {
    let app = spawn(Backend::Sqlite).await;
    let config =
        carethread_server::tls::server_config(&fixture("tls-cert.pem"), &fixture("tls-key.pem")).expect("tls config");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let state = carethread_server::AppState::new(app.store.clone(), app.settings.clone());
    tokio::spawn(carethread_server::serve_tls(listener, config, state, std::future::pending()));

    // A plain-text client gets nothing (the handshake fails and the connection closes).
    let mut plain = tokio::net::TcpStream::connect(addr).await.expect("connect");
    plain.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("write");
    let mut nothing = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), plain.read_to_end(&mut nothing)).await;
    assert!(!String::from_utf8_lossy(&nothing).contains("200 OK"));

    let health = https(addr, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.to_ascii_lowercase().contains("strict-transport-security: max-age=31536000"), "{health}");

    let body = json!({"username": "patient.alice", "password": PASSWORD, "cookie": true}).to_string();
    let request = format!(
        "POST /api/v1/session HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let signed_in = https(addr, &request).await;
    assert!(signed_in.starts_with("HTTP/1.1 200"), "{signed_in}");
    let cookie = signed_in.lines().find(|l| l.to_ascii_lowercase().starts_with("set-cookie:")).expect("a cookie");
    for part in ["carethread_session=", "HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!signed_in.contains("\"token\""), "a cookie session's token is not handed to scripts");
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_to_change_anything() {
    let app = spawn(Backend::Sqlite).await;
    let r = app
        .call(
            Method::POST,
            "/api/v1/session",
            None,
            Some(json!({"username": "patient.alice", "password": PASSWORD, "cookie": true})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let csrf = r.body["csrf_token"].as_str().expect("csrf token").to_owned();
    assert!(r.body.get("token").is_none());
    let resp = app
        .http
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"username": "patient.alice", "password": PASSWORD, "cookie": true}))
        .send()
        .await
        .expect("sign in");
    let set_cookie = resp.headers().get("set-cookie").and_then(|v| v.to_str().ok()).expect("cookie").to_owned();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict") && !set_cookie.contains("Secure")
    );
    let cookie = set_cookie.split(';').next().expect("pair").to_owned();
    let csrf2: serde_json::Value = resp.json().await.expect("json");
    let csrf2 = csrf2["csrf_token"].as_str().expect("csrf").to_owned();
    assert_ne!(csrf, csrf2, "each session has its own token");

    // Reading needs only the cookie.
    let me = app.http.get(format!("{}/api/v1/me", app.base)).header("cookie", &cookie).send().await.expect("me");
    assert_eq!(me.status(), StatusCode::OK);
    // Changing something without the token (what a forged cross-site form would do) is refused…
    let thread = json!({"subject": "Question", "body": "Is my appointment still on?"});
    let forged = app
        .http
        .post(format!("{}/api/v1/threads", app.base))
        .header("cookie", &cookie)
        .json(&thread)
        .send()
        .await
        .expect("post");
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let wrong = app
        .http
        .post(format!("{}/api/v1/threads", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf)
        .json(&thread)
        .send()
        .await
        .expect("post");
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN, "another session's token does not work");
    // …and accepted with it.
    let ok = app
        .http
        .post(format!("{}/api/v1/threads", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf2)
        .json(&thread)
        .send()
        .await
        .expect("post");
    assert_eq!(ok.status(), StatusCode::CREATED);
    // Signing out clears the cookie and ends the session.
    let out = app
        .http
        .delete(format!("{}/api/v1/session", app.base))
        .header("cookie", &cookie)
        .header("x-csrf-token", &csrf2)
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert!(out.headers().get("set-cookie").and_then(|v| v.to_str().ok()).is_some_and(|c| c.contains("Max-Age=0")));
    let after = app.http.get(format!("{}/api/v1/me", app.base)).header("cookie", &cookie).send().await.expect("me");
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn(Backend::Sqlite).await;
    let token = app.login("patient.alice").await;
    for (path, auth) in [("/healthz", None), ("/api/v1/threads", Some(token.as_str())), ("/api/v1/nowhere", None)] {
        let mut req = app.http.get(format!("{}{path}", app.base));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.expect("request");
        let h = resp.headers();
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let csp = get("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(get("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(get("referrer-policy"), "same-origin", "{path}");
        assert_eq!(get("cache-control"), "no-store", "{path}");
        assert!(get("strict-transport-security").is_empty(), "{path}: no HSTS over plain HTTP");
    }
}
