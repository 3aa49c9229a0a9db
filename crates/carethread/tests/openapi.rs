//! The OpenAPI document is generated from the handlers; this snapshot makes
//! every API change visible in review. Every served route is documented,
//! every documented error is a problem, and the real server's errors and
//! limits are the ones the document states.

mod support;

use carethread_server::openapi::limits::{Limit, field_limits};
use carethread_server::openapi::{CONFLICTS, PROBLEM_JSON, document};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{TestApp, backends, spawn};

fn doc() -> Value {
    serde_json::to_value(document()).expect("serialises")
}

/// Every operation: method, path, operation.
fn operations(doc: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            out.push((method.clone(), path.clone(), operation.clone()));
        }
    }
    out
}

#[test]
fn openapi_document_matches_the_reviewed_snapshot() {
    insta::assert_json_snapshot!("openapi", doc());
}

#[test]
fn every_route_is_documented() {
    let doc = doc();
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

#[test]
fn every_documented_error_is_a_problem_with_a_description() {
    let doc = doc();
    let problem = &doc["components"]["schemas"]["Problem"];
    for field in ["type", "title", "status", "detail"] {
        assert!(problem["required"].as_array().is_some_and(|r| r.contains(&json!(field))), "Problem.{field}");
    }
    let mut errors = 0;
    for (method, path, operation) in operations(&doc) {
        for (status, response) in operation["responses"].as_object().expect("responses") {
            if status.parse::<u16>().expect("numeric status") < 400 {
                continue;
            }
            errors += 1;
            let schema = &response["content"][PROBLEM_JSON]["schema"]["$ref"];
            assert_eq!(schema, "#/components/schemas/Problem", "{method} {path} {status}: not a problem: {response}");
            let described = response["description"].as_str().is_some_and(|d| !d.is_empty());
            assert!(described, "{method} {path} {status} has no description");
        }
    }
    assert!(errors > 150, "only {errors} error answers documented");
}

#[test]
fn what_the_shared_extractors_answer_is_documented_on_every_operation_that_uses_them() {
    let doc = doc();
    for (method, path, operation) in operations(&doc) {
        let responses = &operation["responses"];
        let has = |status: &str| responses.get(status).is_some();
        if operation["requestBody"]["content"].get("application/json").is_some() {
            for status in ["400", "413", "415", "422"] {
                assert!(has(status), "{method} {path} reads a JSON body but does not document {status}");
            }
        }
        let query = operation["parameters"].as_array().is_some_and(|p| p.iter().any(|p| p["in"] == "query"));
        if query {
            assert!(has("400") && has("422"), "{method} {path} reads a query string but lacks 400 or 422");
        }
        if operation.get("security").is_some() {
            assert!(has("401"), "{method} {path} needs a session but does not document 401");
        }
        let conflicts = CONFLICTS.iter().any(|(m, p, _)| *m == method && *p == path);
        assert_eq!(has("409"), conflicts, "{method} {path}: 409 documented only where the server answers it");
    }
}

#[test]
fn each_enforced_limit_is_in_its_request_schema() {
    let doc = doc();
    for (schema, field, limit) in field_limits() {
        let property = &doc["components"]["schemas"][schema]["properties"][field];
        assert!(property.is_object(), "{schema}.{field} is not in the document");
        match limit {
            Limit::Chars { min, max } => {
                assert_eq!(property["maxLength"], json!(max), "{schema}.{field}");
                assert_eq!(property.get("minLength").cloned(), min.map(|m| json!(m)), "{schema}.{field}");
            }
            Limit::OneOf(words) => {
                let listed: Vec<&str> =
                    property["enum"].as_array().expect("enum").iter().filter_map(Value::as_str).collect();
                assert_eq!(listed, words, "{schema}.{field}");
            }
        }
    }
}

/// A request with a raw body and content type, as `token`'s user.
async fn raw(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<(&str, &str)>,
) -> support::Reply {
    let mut request = app.http.request(method, format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some((content_type, body)) = body {
        request = request.header("content-type", content_type).body(body.to_owned());
    }
    TestApp::reply(request).await
}

/// The answer is a problem with the status the document lists for the operation.
fn documented(doc: &Value, method: &Method, path: &str, reply: &support::Reply, expected: StatusCode) {
    let what = format!("{method} {path}");
    assert_eq!(reply.status, expected, "{what}: {:?}", reply.body);
    assert_eq!(reply.content_type, PROBLEM_JSON, "{what}");
    assert_eq!(reply.body["status"], expected.as_u16(), "{what}");
    assert!(reply.body["type"].as_str().is_some_and(|t| t.starts_with("https://carethread.org/problems/")), "{what}");
    assert!(reply.body["title"].is_string() && reply.body["detail"].is_string(), "{what}");
    let operation = &doc["paths"][path][method.as_str().to_ascii_lowercase()];
    let response = &operation["responses"][expected.as_str()];
    assert!(response["content"].get(PROBLEM_JSON).is_some(), "{what} does not document {expected} as a problem");
}

#[tokio::test]
async fn real_errors_are_the_problems_the_document_lists() {
    let doc = doc();
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let admin = app.login("admin").await;
        let threads = "/api/v1/threads";

        let not_json =
            raw(&app, Method::POST, threads, Some(&alice), Some(("application/json", "{\"subject\": "))).await;
        documented(&doc, &Method::POST, threads, &not_json, StatusCode::BAD_REQUEST);
        let text = raw(&app, Method::POST, threads, Some(&alice), Some(("text/plain", "subject=Hi"))).await;
        documented(&doc, &Method::POST, threads, &text, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let broken_query = raw(&app, Method::GET, "/api/v1/threads?status=%zz", Some(&alice), None).await;
        documented(&doc, &Method::GET, threads, &broken_query, StatusCode::BAD_REQUEST);
        let anonymous = raw(&app, Method::GET, "/api/v1/me", None, None).await;
        documented(&doc, &Method::GET, "/api/v1/me", &anonymous, StatusCode::UNAUTHORIZED);
        let not_admin = app.get("/api/v1/admin/users", &alice).await;
        documented(&doc, &Method::GET, "/api/v1/admin/users", &not_admin, StatusCode::FORBIDDEN);
        let missing = app.get("/api/v1/threads/00000000-0000-0000-0000-000000000000", &alice).await;
        documented(&doc, &Method::GET, "/api/v1/threads/{id}", &missing, StatusCode::NOT_FOUND);
        let long = app.post(threads, &alice, json!({"subject": "s".repeat(201), "body": "A question"})).await;
        documented(&doc, &Method::POST, threads, &long, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(long.body["field"], "subject");
        let taken = json!({"username": "patient.bob", "display_name": "Another Bob", "role": "nurse",
                           "password": "violet tram seventeen"});
        let taken = app.post("/api/v1/admin/users", &admin, taken).await;
        documented(&doc, &Method::POST, "/api/v1/admin/users", &taken, StatusCode::CONFLICT);
        let mfa_off = app.call(Method::DELETE, "/api/v1/mfa", Some(&alice), Some(json!({"code": "123456"}))).await;
        documented(&doc, &Method::DELETE, "/api/v1/mfa", &mfa_off, StatusCode::CONFLICT);
        // A refusal the framework makes before any handler runs is a problem too.
        let not_utf8 = raw(&app, Method::GET, "/api/v1/threads/%FF", Some(&alice), None).await;
        documented(&doc, &Method::GET, "/api/v1/threads/{id}", &not_utf8, StatusCode::BAD_REQUEST);
    }
}

/// A path with each `{parameter}` filled in.
fn filled(path: &str) -> String {
    path.split('/')
        .map(|part| if part.starts_with('{') { "00000000-0000-0000-0000-000000000000" } else { part })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_operation_reading_json_refuses_malformed_json_and_other_media_types_as_documented() {
    let doc = doc();
    let app = spawn(support::Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let mut checked = 0;
    for (method, path, operation) in operations(&doc) {
        if operation["requestBody"]["content"].get("application/json").is_none() {
            continue;
        }
        let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
        let url = filled(&path);
        let token = operation.get("security").map(|_| admin.as_str());
        let not_json = raw(&app, method.clone(), &url, token, Some(("application/json", "{not json"))).await;
        documented(&doc, &method, &path, &not_json, StatusCode::BAD_REQUEST);
        let text = raw(&app, method.clone(), &url, token, Some(("text/plain", "{}"))).await;
        documented(&doc, &method, &path, &text, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        checked += 1;
    }
    assert!(checked > 20, "only {checked} operations read JSON");
}

#[tokio::test]
async fn the_documented_limits_are_the_enforced_ones() {
    let app = spawn(support::Backend::Sqlite).await;
    let alice = app.login("patient.alice").await;
    let admin = app.login("admin").await;
    let doc = doc();
    let subject = &doc["components"]["schemas"]["NewThreadIn"]["properties"]["subject"];
    let max = usize::try_from(subject["maxLength"].as_u64().expect("subject maxLength")).expect("small");
    let at_limit = app.post("/api/v1/threads", &alice, json!({"subject": "s".repeat(max), "body": "Hello"})).await;
    assert_eq!(at_limit.status, StatusCode::CREATED, "{:?}", at_limit.body);
    let over = app.post("/api/v1/threads", &alice, json!({"subject": "s".repeat(max + 1), "body": "Hello"})).await;
    assert_eq!((over.status, &over.body["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("subject")));

    for category in enum_values(&doc, "NewThreadIn", "category") {
        let started =
            app.post("/api/v1/threads", &alice, json!({"subject": "Q", "body": "Hi", "category": category})).await;
        assert_eq!(started.status, StatusCode::CREATED, "{category}: {:?}", started.body);
    }
    let unknown =
        app.post("/api/v1/threads", &alice, json!({"subject": "Q", "body": "Hi", "category": "gossip"})).await;
    assert_eq!((unknown.status, &unknown.body["field"]), (StatusCode::UNPROCESSABLE_ENTITY, &json!("category")));

    let name = &doc["components"]["schemas"]["NewUserIn"]["properties"]["display_name"];
    let max = usize::try_from(name["maxLength"].as_u64().expect("display_name maxLength")).expect("small");
    for (n, length, expected) in [(1, max, StatusCode::CREATED), (2, max + 1, StatusCode::UNPROCESSABLE_ENTITY)] {
        let user = json!({"username": format!("limit.{n}"), "display_name": "n".repeat(length), "role": "nurse",
                          "password": "violet tram seventeen"});
        let created = app.post("/api/v1/admin/users", &admin, user).await;
        assert_eq!(created.status, expected, "display name of {length}: {:?}", created.body);
    }
}

/// A field's documented `minLength`/`maxLength`.
fn length(doc: &Value, schema: &str, field: &str, bound: &str) -> usize {
    let value = doc["components"]["schemas"][schema]["properties"][field][bound].as_u64();
    usize::try_from(value.unwrap_or_else(|| panic!("{schema}.{field} has no {bound}"))).expect("small")
}

#[tokio::test]
async fn usernames_passwords_and_re_triage_notes_are_refused_just_past_their_documented_limits() {
    let app = spawn(support::Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let doc = doc();
    let user = |username: String, password: String| json!({"username": username, "display_name": "Limit Test", "role": "nurse", "password": password});
    let good_password = "violet tram seventeen".to_owned();
    let longest = "u".repeat(length(&doc, "NewUserIn", "username", "maxLength"));
    let shortest = "m".repeat(length(&doc, "NewUserIn", "username", "minLength"));
    let short_password = "p".repeat(length(&doc, "NewUserIn", "password", "minLength") - 1);
    let created = StatusCode::CREATED;
    let refused = StatusCode::UNPROCESSABLE_ENTITY;
    let cases = [
        (user(longest.clone(), good_password.clone()), created, None),
        (user(format!("{longest}u"), good_password.clone()), refused, Some("username")),
        (user(shortest.clone(), good_password.clone()), created, None),
        (user(shortest[1..].to_owned(), good_password.clone()), refused, Some("username")),
        (user("short.password".into(), short_password), refused, Some("password")),
    ];
    for (body, expected, field) in cases {
        let reply = app.post("/api/v1/admin/users", &admin, body.clone()).await;
        assert_eq!(reply.status, expected, "{body}: {:?}", reply.body);
        if let Some(field) = field {
            assert_eq!(reply.body["field"], field);
        }
    }

    let alice = app.login("patient.alice").await;
    let thread = app.new_thread(&alice, "Refill", "Can I get a refill?").await;
    let nurse = app.login("rn.kim").await;
    let max = length(&doc, "RetriageIn", "note", "maxLength");
    let path = format!("/api/v1/threads/{thread}/triage");
    let over = app.post(&path, &nurse, json!({"urgency": "urgent", "note": "n".repeat(max + 1)})).await;
    assert_eq!(
        (over.status, &over.body["field"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("note")),
        "{:?}",
        over.body
    );
    let at = app.post(&path, &nurse, json!({"urgency": "urgent", "note": "n".repeat(max)})).await;
    assert_eq!(at.status, StatusCode::OK, "{:?}", at.body);
}

fn enum_values(doc: &Value, schema: &str, field: &str) -> Vec<String> {
    let values = doc["components"]["schemas"][schema]["properties"][field]["enum"].as_array().expect("enum");
    values.iter().filter_map(Value::as_str).map(str::to_owned).collect()
}
