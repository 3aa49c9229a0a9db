//! End-to-end scenarios over real HTTP against a real database, run on
//! SQLite and (when `CARETHREAD_TEST_POSTGRES` is set) on PostgreSQL.

mod support;

use std::time::Duration;

use carethread_core::clinic::ClinicSettings;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Backend, Reply, TestApp, backends, spawn, spawn_sibling, spawn_with};

fn assert_problem(r: &Reply, status: StatusCode) {
    assert_eq!(r.status, status, "body: {}", String::from_utf8_lossy(&r.raw));
    assert_eq!(r.content_type, "application/problem+json");
    assert_eq!(r.body["status"], status.as_u16());
    assert!(r.body["type"].is_string() && r.body["title"].is_string() && r.body["detail"].is_string());
}

fn messages(r: &Reply) -> &Vec<Value> {
    r.body["messages"].as_array().expect("messages")
}

fn listed(r: &Reply, id: &str) -> Option<Value> {
    r.body["threads"].as_array().expect("threads").iter().find(|t| t["id"] == id).cloned()
}

#[tokio::test]
async fn patient_message_reaches_care_team_and_read_receipts_flow_both_ways() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let nurse = app.login("rn.kim").await;
        let mut nurse_events = app.events(&nurse).await;

        let thread =
            app.new_thread(&alice, "Rash on my arm", "I have had an itchy rash on my arm since Saturday.").await;
        nurse_events.expect("thread.created", &thread).await;

        let list = app.get("/api/v1/threads", &nurse).await;
        let item = listed(&list, &thread).expect("nurse sees the new thread");
        assert_eq!(item["unread"], 1);
        assert_eq!(item["status"], "open");
        assert_eq!(item["patient"]["display_name"], "Alice Johnson");

        let opened = app.get(&format!("/api/v1/threads/{thread}"), &nurse).await;
        assert_eq!(opened.status, StatusCode::OK);
        assert_eq!(opened.body["triage"]["category"], "clinical");
        let reply = app
            .post(
                &format!("/api/v1/threads/{thread}/messages"),
                &nurse,
                json!({"body": "Please send a photo of the rash."}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert_eq!(reply.body["author"]["role"], "nurse");

        let patient_list = app.get("/api/v1/threads", &alice).await;
        let mine = listed(&patient_list, &thread).expect("patient sees her thread");
        assert_eq!(mine["unread"], 1);
        assert_eq!(mine["status"], "awaiting_patient");

        let mut alice_events = app.events(&alice).await;
        let seen = app.get(&format!("/api/v1/threads/{thread}"), &alice).await;
        let msgs = messages(&seen);
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[1]["body"], "Please send a photo of the rash.");
        let read_by = msgs[0]["read_by"].as_array().expect("read_by");
        assert_eq!(read_by.len(), 1, "the patient sees that her message was read");
        assert_eq!(read_by[0]["display_name"], "Nurse Daniel Kim");
        assert!(read_by[0]["read_at"].is_string());
        nurse_events.expect("thread.read", &thread).await;
        drop(alice_events.next(Duration::from_millis(10)).await);

        let again = app.get(&format!("/api/v1/threads/{thread}"), &nurse).await;
        let reply_receipts = messages(&again)[1]["read_by"].as_array().expect("read_by").clone();
        assert_eq!(reply_receipts.len(), 1, "the clinician sees the patient read the reply");
        assert_eq!(reply_receipts[0]["user_id"], app.id("patient.alice"));
        let after = app.get("/api/v1/threads", &alice).await;
        assert_eq!(listed(&after, &thread).expect("listed")["unread"], 0);
    }
}

#[tokio::test]
async fn another_patients_thread_is_not_found_and_never_listed() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let bob = app.login("patient.bob").await;
        let thread = app.new_thread(&alice, "Private question", "Something only my care team should read.").await;

        let stranger = app.get(&format!("/api/v1/threads/{thread}"), &bob).await;
        let missing = app.get("/api/v1/threads/01900000-0000-7000-8000-000000000000", &bob).await;
        assert_problem(&stranger, StatusCode::NOT_FOUND);
        assert_eq!(stranger.body, missing.body, "another patient's thread looks exactly like a missing one");
        assert!(listed(&app.get("/api/v1/threads", &bob).await, &thread).is_none());
        let write = app.post(&format!("/api/v1/threads/{thread}/messages"), &bob, json!({"body": "hi"})).await;
        assert_problem(&write, StatusCode::NOT_FOUND);
        let filtered = app.get(&format!("/api/v1/threads?patient={}", app.id("patient.alice")), &bob).await;
        assert_eq!(filtered.body["threads"].as_array().map(Vec::len), Some(0));

        // Proxy with a grant sees it; front desk outside the routed pool does not.
        let carol = app.login("proxy.carol").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &carol).await.status, StatusCode::OK);
        let desk = app.login("desk.ortiz").await;
        assert_problem(&app.get(&format!("/api/v1/threads/{thread}"), &desk).await, StatusCode::NOT_FOUND);
        // Admins administer; they do not read messages.
        let admin = app.login("admin").await;
        assert_problem(&app.get("/api/v1/threads", &admin).await, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn retried_send_with_the_same_idempotency_key_stores_one_message() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Question", "First message").await;
        let send = |body: &'static str| {
            app.http
                .post(format!("{}/api/v1/threads/{thread}/messages", app.base))
                .bearer_auth(&alice)
                .header("Idempotency-Key", "retry-123")
                .json(&json!({"body": body}))
        };
        let first = TestApp::reply(send("Are my results back?")).await;
        let second = TestApp::reply(send("Are my results back?")).await;
        assert_eq!(first.status, StatusCode::CREATED);
        assert_eq!(second.status, StatusCode::CREATED);
        assert_eq!(first.body["id"], second.body["id"]);
        let changed = TestApp::reply(send("A different message")).await;
        assert_problem(&changed, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(changed.body["field"], "Idempotency-Key");
        // Two retries racing each other still store one message.
        let racing = || {
            app.http
                .post(format!("{}/api/v1/threads/{thread}/messages", app.base))
                .bearer_auth(&alice)
                .header("Idempotency-Key", "race-1")
                .json(&json!({"body": "Sent twice at once"}))
        };
        let (x, y) = tokio::join!(TestApp::reply(racing()), TestApp::reply(racing()));
        assert_eq!((x.status, y.status), (StatusCode::CREATED, StatusCode::CREATED), "{:?} {:?}", x.body, y.body);
        assert_eq!(x.body["id"], y.body["id"]);
        let seen = app.get(&format!("/api/v1/threads/{thread}"), &alice).await;
        assert_eq!(messages(&seen).len(), 3, "first message, one retried send, one raced send");

        // New threads are idempotent too.
        let create = || {
            app.http
                .post(format!("{}/api/v1/threads", app.base))
                .bearer_auth(&alice)
                .header("Idempotency-Key", "new-thread-1")
                .json(&json!({"subject": "Refill", "body": "Please refill my inhaler."}))
        };
        let a = TestApp::reply(create()).await;
        let b = TestApp::reply(create()).await;
        assert_eq!(a.body["id"], b.body["id"]);
        let count = app.get("/api/v1/threads", &alice).await.body["threads"]
            .as_array()
            .map(|t| t.iter().filter(|t| t["subject"] == "Refill").count());
        assert_eq!(count, Some(1));
    }
}

#[tokio::test]
async fn bad_input_gets_a_problem_body_and_writes_nothing() {
    for backend in backends() {
        let settings = ClinicSettings { attachment_max_bytes: 1024, ..support::test_settings() };
        let app = spawn_with(backend, settings).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Question", "First message").await;
        let messages_url = format!("{}/api/v1/threads/{thread}/messages", app.base);

        let malformed = app
            .http
            .post(&messages_url)
            .bearer_auth(&alice)
            .header("content-type", "application/json")
            .body("{\"body\": ");
        assert_problem(&TestApp::reply(malformed).await, StatusCode::BAD_REQUEST);
        let anonymous = app.http.post(&messages_url).json(&json!({"body": "hi"}));
        assert_problem(&TestApp::reply(anonymous).await, StatusCode::UNAUTHORIZED);
        let bad_token = app.http.get(format!("{}/api/v1/threads", app.base)).bearer_auth("not-a-session");
        assert_problem(&TestApp::reply(bad_token).await, StatusCode::UNAUTHORIZED);
        let form = app.http.post(&messages_url).bearer_auth(&alice).header("content-type", "text/plain").body("hi");
        assert_problem(&TestApp::reply(form).await, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let huge = app.http.post(&messages_url).bearer_auth(&alice).json(&json!({"body": "x".repeat(400_000)}));
        assert_problem(&TestApp::reply(huge).await, StatusCode::PAYLOAD_TOO_LARGE);
        let long =
            app.post(&format!("/api/v1/threads/{thread}/messages"), &alice, json!({"body": "x".repeat(5001)})).await;
        assert_problem(&long, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(long.body["field"], "body");
        let no_subject = app.post("/api/v1/threads", &alice, json!({"body": "hello"})).await;
        assert_problem(&no_subject, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(no_subject.body["field"], "subject");
        let wrong_type = app.post("/api/v1/threads", &alice, json!({"subject": "SECRET-SUBJECT", "body": 42})).await;
        assert_problem(&wrong_type, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(wrong_type.body["field"], "body");
        assert!(!String::from_utf8_lossy(&wrong_type.raw).contains("SECRET"), "errors never echo input");
        let bad_category =
            app.post("/api/v1/threads", &alice, json!({"subject": "s", "body": "b", "category": "gossip"})).await;
        assert_eq!(bad_category.body["field"], "category");
        let bad_filter = app.get("/api/v1/threads?status=snoozed", &alice).await;
        assert_problem(&bad_filter, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad_filter.body["field"], "status");
        assert_eq!(app.get("/api/v1/threads?limit=0", &alice).await.body["field"], "limit");
        assert_eq!(app.get("/api/v1/threads?cursor=zzz", &alice).await.body["field"], "cursor");
        let note = app
            .post(&format!("/api/v1/threads/{thread}/messages"), &alice, json!({"body": "x", "internal": true}))
            .await;
        assert_problem(&note, StatusCode::FORBIDDEN);
        let patch = app
            .call(Method::PATCH, &format!("/api/v1/threads/{thread}"), Some(&alice), Some(json!({"status": "closed"})))
            .await;
        assert_problem(&patch, StatusCode::FORBIDDEN);
        assert_problem(&app.get("/api/v1/nowhere", &alice).await, StatusCode::NOT_FOUND);
        assert_problem(
            &app.call(Method::PUT, "/api/v1/threads", Some(&alice), None).await,
            StatusCode::METHOD_NOT_ALLOWED,
        );
        let staff_without_patient =
            app.post("/api/v1/threads", &app.login("rn.kim").await, json!({"subject": "s", "body": "b"})).await;
        assert_eq!(staff_without_patient.body["field"], "patient_id");

        // Attachments: not multipart, a disguised executable, too many, too large.
        let upload_url = format!("{}/api/v1/threads/{thread}/attachments", app.base);
        let not_multipart = app.http.post(&upload_url).bearer_auth(&alice).json(&json!({}));
        assert_problem(&TestApp::reply(not_multipart).await, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let exe = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(b"MZ\x90\x00 not a picture".to_vec())
                .file_name("photo.jpg")
                .mime_str("image/jpeg")
                .expect("mime"),
        );
        assert_problem(
            &TestApp::reply(app.http.post(&upload_url).bearer_auth(&alice).multipart(exe)).await,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        );
        let mut many = reqwest::multipart::Form::new();
        for i in 0..5 {
            many = many
                .part("file", reqwest::multipart::Part::bytes(b"%PDF-1.4 tiny".to_vec()).file_name(format!("{i}.pdf")));
        }
        assert_problem(
            &TestApp::reply(app.http.post(&upload_url).bearer_auth(&alice).multipart(many)).await,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        let mut big = b"%PDF-1.4 ".to_vec();
        big.resize(2048, b'x');
        let big =
            reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(big).file_name("big.pdf"));
        assert_problem(
            &TestApp::reply(app.http.post(&upload_url).bearer_auth(&alice).multipart(big)).await,
            StatusCode::PAYLOAD_TOO_LARGE,
        );

        let seen = app.get(&format!("/api/v1/threads/{thread}"), &alice).await;
        assert_eq!(messages(&seen).len(), 1, "no failed request wrote anything");

        // A closed thread refuses replies with 409.
        let nurse = app.login("rn.kim").await;
        let closed = app
            .call(Method::PATCH, &format!("/api/v1/threads/{thread}"), Some(&nurse), Some(json!({"status": "closed"})))
            .await;
        assert_eq!(closed.status, StatusCode::OK, "{:?}", closed.body);
        let late =
            app.post(&format!("/api/v1/threads/{thread}/messages"), &alice, json!({"body": "one more thing"})).await;
        assert_problem(&late, StatusCode::CONFLICT);
    }
}

#[tokio::test]
async fn attachments_are_typed_from_their_bytes_and_guarded_like_threads() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Rash photo", "Photo attached below.").await;
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDRfake-image-bytes".to_vec();
        let form = reqwest::multipart::Form::new().text("body", "Here is the photo").part(
            "file",
            reqwest::multipart::Part::bytes(png.clone()).file_name("../rash.png").mime_str("text/html").expect("mime"),
        );
        let sent = TestApp::reply(
            app.http
                .post(format!("{}/api/v1/threads/{thread}/attachments", app.base))
                .bearer_auth(&alice)
                .multipart(form),
        )
        .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        let attachment = &sent.body["attachments"][0];
        assert_eq!(attachment["media_type"], "image/png", "the type comes from the bytes, not the client");
        assert_eq!(attachment["file_name"], "rash.png");
        let url = attachment["url"].as_str().expect("url").to_owned();

        let nurse = app.login("rn.kim").await;
        let download = TestApp::reply(app.http.get(format!("{}{url}", app.base)).bearer_auth(&nurse)).await;
        assert_eq!(download.status, StatusCode::OK);
        assert_eq!(download.content_type, "image/png");
        assert_eq!(download.raw, png);
        let bob = app.login("patient.bob").await;
        assert_problem(&app.get(&url, &bob).await, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn internal_notes_are_seen_by_staff_only() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let nurse = app.login("rn.kim").await;
        let carol = app.login("proxy.carol").await;
        let thread = app.new_thread(&alice, "Dizzy spells", "I get dizzy when I stand up.").await;
        let mut patient_events = app.events(&alice).await;
        let note = app
            .post(
                &format!("/api/v1/threads/{thread}/messages"),
                &nurse,
                json!({"body": "Check orthostatic vitals.", "internal": true}),
            )
            .await;
        assert_eq!(note.status, StatusCode::CREATED);
        assert_eq!(note.body["internal"], true);
        let doctor = app.login("dr.lee").await;
        assert_eq!(messages(&app.get(&format!("/api/v1/threads/{thread}"), &doctor).await).len(), 2);
        for who in [&alice, &carol] {
            let seen = app.get(&format!("/api/v1/threads/{thread}"), who).await;
            assert_eq!(messages(&seen).len(), 1);
            assert!(!String::from_utf8_lossy(&seen.raw).contains("orthostatic"));
        }
        assert_eq!(listed(&app.get("/api/v1/threads", &alice).await, &thread).expect("listed")["unread"], 0);
        // The patient's stream is not told about the note.
        let next = patient_events.next(Duration::from_millis(500)).await;
        assert!(next.as_ref().is_none_or(|(kind, _)| kind != "message.created"), "got {next:?}");
        // The thread's status does not move for a note.
        assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &nurse).await.body["status"], "open");
    }
}

#[tokio::test]
async fn staff_assign_forward_and_filter_the_in_basket() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let nurse = app.login("rn.kim").await;
        let desk = app.login("desk.ortiz").await;
        let thread = app.new_thread(&alice, "Question about my rash", "The rash is itchy.").await;
        let pools = app.get("/api/v1/pools", &nurse).await;
        let front_desk = pools.body["pools"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["slug"] == "front-desk")
            .expect("pool")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        assert_problem(&app.get("/api/v1/pools", &alice).await, StatusCode::FORBIDDEN);

        assert_problem(&app.get(&format!("/api/v1/threads/{thread}"), &desk).await, StatusCode::NOT_FOUND);
        let forwarded = app
            .call(
                Method::PATCH,
                &format!("/api/v1/threads/{thread}"),
                Some(&nurse),
                Some(json!({"pool_id": front_desk, "assignee_id": "me"})),
            )
            .await;
        assert_eq!(forwarded.status, StatusCode::OK, "{:?}", forwarded.body);
        assert_eq!(forwarded.body["pool"]["slug"], "front-desk");
        assert_eq!(forwarded.body["assignee"]["display_name"], "Nurse Daniel Kim");
        assert_eq!(
            app.get(&format!("/api/v1/threads/{thread}"), &desk).await.status,
            StatusCode::OK,
            "forwarded to the front desk pool"
        );
        let mine = app.get("/api/v1/threads?assignee=me", &nurse).await;
        assert!(listed(&mine, &thread).is_some());
        let by_pool = app.get(&format!("/api/v1/threads?pool={front_desk}&status=open"), &desk).await;
        assert!(listed(&by_pool, &thread).is_some());
        let bad = app
            .call(
                Method::PATCH,
                &format!("/api/v1/threads/{thread}"),
                Some(&nurse),
                Some(json!({"assignee_id": app.id("patient.bob")})),
            )
            .await;
        assert_eq!(bad.body["field"], "assignee_id");
        let off = app
            .call(
                Method::PATCH,
                &format!("/api/v1/threads/{thread}"),
                Some(&nurse),
                Some(json!({"replies_allowed": false})),
            )
            .await;
        assert_eq!(off.body["replies_allowed"], false);
        let refused = app.post(&format!("/api/v1/threads/{thread}/messages"), &alice, json!({"body": "hello?"})).await;
        assert_problem(&refused, StatusCode::CONFLICT);
    }
}

/// Every thread id `token` can list, following `next_cursor` with pages of `limit`.
async fn walk_pages(app: &TestApp, token: &str, limit: u32) -> Vec<String> {
    let mut ids = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/threads?limit={limit}&cursor={c}"),
            None => format!("/api/v1/threads?limit={limit}"),
        };
        let page = app.get(&path, token).await;
        assert_eq!(page.status, StatusCode::OK);
        let threads = page.body["threads"].as_array().expect("threads");
        ids.extend(threads.iter().map(|t| t["id"].as_str().expect("id").to_owned()));
        match page.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn pagination_walks_every_thread_once_newest_first() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let mut created = Vec::new();
        for i in 0..7 {
            created.push(app.new_thread(&alice, &format!("Question {i}"), "Details").await);
        }
        let seen = walk_pages(&app, &alice, 3).await;
        created.reverse();
        assert_eq!(seen, created);

        // A nurse's in-basket pages most urgent first, each thread once.
        let urgent = app.new_thread(&alice, "Help", "I passed out this morning").await;
        let nurse = app.login("rn.kim").await;
        let mut basket = walk_pages(&app, &nurse, 2).await;
        assert_eq!(basket.first(), Some(&urgent));
        let mut expected: Vec<String> = std::iter::once(urgent).chain(created).collect();
        assert_eq!(basket.len(), expected.len());
        basket.sort();
        expected.sort();
        assert_eq!(basket, expected);
    }
}

#[carethread_test_services::needs(postgres)]
#[tokio::test]
async fn an_event_posted_on_one_server_reaches_a_client_of_another() {
    let a = spawn(Backend::Postgres).await;
    let b = spawn_sibling(&a).await;
    let nurse_on_b = b.login("rn.kim").await;
    let mut events = b.events(&nurse_on_b).await;
    let alice_on_a = a.login("patient.alice").await;
    let thread = a.new_thread(&alice_on_a, "Question", "Sent through server A").await;
    events.expect("thread.created", &thread).await;
    let sent =
        a.post(&format!("/api/v1/threads/{thread}/messages"), &alice_on_a, json!({"body": "And a follow-up"})).await;
    let data = events.expect("message.created", &thread).await;
    assert_eq!(data["message_id"], sent.body["id"]);
}

#[tokio::test]
async fn emergency_messages_get_a_safety_notice_in_the_same_response() {
    for backend in backends() {
        let app = spawn(backend).await;
        let bob = app.login("patient.bob").await;
        let r = app
            .post(
                "/api/v1/threads",
                &bob,
                json!({"subject": "Receta", "body": "Necesito mi receta. También tengo dolor de pecho."}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(r.body["urgency"], "emergency");
        assert!(r.body["safety_notice"]["message"].as_str().expect("notice").contains("911"));
        assert!(
            r.body["safety_notice"]["title"].as_str().expect("title").contains("emergencia"),
            "in the patient's language"
        );
        let calm =
            app.post("/api/v1/threads", &bob, json!({"subject": "Cita", "body": "Quiero cambiar mi cita."})).await;
        assert!(calm.body.get("safety_notice").is_none());
    }
}

#[tokio::test]
async fn health_readiness_and_metrics_answer() {
    let app = spawn(Backend::Sqlite).await;
    let health = app.call(Method::GET, "/healthz", None, None).await;
    assert_eq!(health.status, StatusCode::OK);
    let ready = app.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::OK);
    assert_eq!(ready.body["database"], "sqlite");
    let alice = app.login("patient.alice").await;
    app.new_thread(&alice, "Question", "Body").await;
    let metrics = app.call(Method::GET, "/metrics", None, None).await;
    let text = String::from_utf8_lossy(&metrics.raw);
    assert!(
        text.contains("carethread_http_requests_total{method=\"POST\",route=\"/api/v1/threads\",status=\"201\"} 1"),
        "{text}"
    );
    assert!(text.contains("carethread_messages_sent_total 1"));
    assert!(!text.contains("Body"));
}

#[tokio::test]
async fn sign_in_refuses_unknown_users_and_wrong_passwords_alike_and_sign_out_ends_the_session() {
    let app = spawn(Backend::Sqlite).await;
    let wrong = app
        .call(Method::POST, "/api/v1/session", None, Some(json!({"username": "patient.alice", "password": "nope"})))
        .await;
    let unknown = app
        .call(Method::POST, "/api/v1/session", None, Some(json!({"username": "nobody.here", "password": "nope"})))
        .await;
    assert_problem(&wrong, StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.body, unknown.body);
    let token = app.login("patient.alice").await;
    assert_eq!(app.get("/api/v1/me", &token).await.body["user"]["username"], "patient.alice");
    let out = app.call(Method::DELETE, "/api/v1/session", Some(&token), None).await;
    assert_eq!(out.status, StatusCode::NO_CONTENT);
    assert_problem(&app.get("/api/v1/me", &token).await, StatusCode::UNAUTHORIZED);
    let carol = app.login("proxy.carol").await;
    let me = app.get("/api/v1/me", &carol).await;
    assert_eq!(me.body["acting_for"].as_array().map(Vec::len), Some(2));
}
