//! The OpenAPI document is generated from the handlers; this snapshot makes
//! every API change visible in review. Every served route is documented.

use carethread_server::openapi::document;

#[test]
fn openapi_document_matches_the_reviewed_snapshot() {
    let doc = serde_json::to_value(document()).expect("serialises");
    insta::assert_json_snapshot!("openapi", doc);
}

#[test]
fn every_route_is_documented() {
    let doc = serde_json::to_value(document()).expect("serialises");
    let paths = doc["paths"].as_object().expect("paths");
    for (path, methods) in [
        ("/api/v1/session", &["post", "delete"][..]),
        ("/api/v1/me", &["get"]),
        ("/api/v1/pools", &["get"]),
        ("/api/v1/threads", &["get", "post"]),
        ("/api/v1/threads/{id}", &["get", "patch"]),
        ("/api/v1/threads/{id}/messages", &["post"]),
        ("/api/v1/threads/{id}/attachments", &["post"]),
        ("/api/v1/threads/{id}/attachments/{attachment_id}", &["get"]),
        ("/api/v1/events", &["get"]),
        ("/healthz", &["get"]),
        ("/readyz", &["get"]),
        ("/metrics", &["get"]),
    ] {
        for method in methods {
            assert!(paths.get(path).and_then(|p| p.get(*method)).is_some(), "{method} {path} is not documented");
        }
    }
    assert_eq!(doc["openapi"].as_str().map(|v| v.starts_with("3.")), Some(true));
}
