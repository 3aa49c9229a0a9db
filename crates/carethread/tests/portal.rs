//! The portal's pages and forms over real HTTP, on both backends: every page
//! with every role, the administrator's forms, the clinic profile's hours
//! and reply targets, forwarding with a note, quick replies, files from the
//! forms, and the language kept on the account.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::browser::{Browser, csrf_of};
use support::{CALLERS, PASSWORD, TestApp, backends, spawn};

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

async fn api(app: &TestApp, method: Method, path: &str, token: &str, body: Option<Value>) -> support::Reply {
    app.call(method, path, Some(token), body).await
}

/// An app patients may connect, registered, and the address of a launch of
/// it (its PKCE challenge is RFC 7636's example).
async fn app_launch(app: &TestApp) -> String {
    let admin = app.login("admin").await;
    let diary =
        json!({"name": "Diary", "redirect_uris": ["http://127.0.0.1:9/cb"], "scopes": "patient/Communication.rs"});
    let client = app.post("/api/v1/admin/patient-apps", &admin, diary).await.body["client_id"].clone();
    format!(
        "/apps/authorize?response_type=code&client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb\
         &scope=patient%2FCommunication.rs&state=s1&aud={}%2Ffhir%2Fr4&code_challenge_method=S256\
         &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        client.as_str().expect("client id"),
        app.base.replace(':', "%3A").replace('/', "%2F"),
    )
}

#[tokio::test]
async fn every_page_answers_every_role_as_the_policy_says() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let body = json!({"subject": "Medication question", "body": "Does my rash relate to the new pill?", "category": "medication"});
        let thread = app.post("/api/v1/threads", &alice, body).await.body["id"].as_str().expect("thread").to_owned();
        let away_of = |username: &str| format!("/admin/users/{}/away", app.id(username));
        let launch = app_launch(&app).await;
        // 200 a page; 303 sent elsewhere (sign-in, or the role's own start page); 404 not theirs.
        //                                                   anon alice bob carol lee  kim patel desk bill admin audit
        let pages: Vec<(String, [u16; 11])> = vec![
            ("/signin".into(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ("/".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 303]),
            ("/help".into(), [303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ("/emergency-help".into(), [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ("/welcome".into(), [303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ("/security".into(), [303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ("/away".into(), [303, 403, 403, 403, 200, 200, 200, 200, 200, 403, 403]),
            (away_of("rn.kim"), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            (away_of("patient.bob"), [303, 403, 403, 403, 403, 403, 403, 403, 403, 404, 403]),
            ("/notifications".into(), [303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            // Reached without signing in; a token nobody holds is a plain 404 for everyone.
            ("/unsubscribe/0123456789abcdef0123456789abcdef".into(), [404; 11]),
            ("/inbox".into(), [303, 200, 200, 200, 303, 303, 303, 303, 303, 303, 303]),
            ("/compose".into(), [303, 200, 200, 200, 303, 303, 303, 303, 303, 303, 303]),
            ("/privacy".into(), [303, 200, 200, 303, 303, 303, 303, 303, 303, 303, 303]),
            ("/proxies".into(), [303, 200, 200, 303, 303, 303, 303, 303, 303, 303, 303]),
            ("/record".into(), [303, 200, 200, 200, 303, 303, 303, 303, 303, 303, 303]),
            ("/inbasket".into(), [303, 303, 303, 303, 200, 200, 200, 200, 200, 303, 303]),
            (format!("/threads/{thread}"), [303, 200, 404, 200, 200, 200, 200, 404, 404, 403, 403]),
            ("/audit".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 303, 200]),
            ("/admin".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/users".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/care-teams".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/pools".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/routing".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/grants".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/clinic".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/jobs".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/systems".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            ("/admin/apps".into(), [303, 303, 303, 303, 303, 303, 303, 303, 303, 200, 303]),
            // An app's consent screen: a patient's own; anyone else signs in (303) or is refused.
            (launch, [303, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403]),
            // A launch naming no registered app is refused to everyone alike, and goes nowhere.
            ("/apps/authorize".into(), [400; 11]),
            ("/visit-requests".into(), [303, 403, 403, 403, 403, 403, 403, 200, 200, 403, 403]),
            ("/insights".into(), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            // E-visit billing: the queue (billing staff), the settings (administrators), and the
            // consent page (this clinic does not bill, which it says to anyone).
            ("/billing".into(), [303, 403, 403, 403, 403, 403, 403, 403, 200, 403, 403]),
            ("/admin/billing".into(), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ("/billing/consent".into(), [303, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200]),
            ("/insights/response".into(), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ("/insights/workload".into(), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ("/insights/safety".into(), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ("/insights/ai".into(), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            ("/insights/equity".into(), [303, 403, 403, 403, 403, 403, 403, 403, 403, 200, 403]),
            (
                format!("/patients/{}/groups", app.id("patient.bob")),
                [303, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403],
            ),
        ];
        let mut browsers = Vec::new();
        for caller in CALLERS {
            browsers.push(if caller == "anonymous" {
                Browser::anonymous(&app)
            } else {
                Browser::sign_in(&app, caller).await
            });
        }
        let mut failures = Vec::new();
        for (path, expected) in &pages {
            for (i, caller) in CALLERS.iter().enumerate() {
                let page = browsers[i].get(path).await;
                if page.status.as_u16() != expected[i] {
                    failures.push(format!("GET {path} as {caller}: expected {}, got {}", expected[i], page.status));
                }
                if page.status.is_success() && !page.html.contains("<main id=\"main\"") {
                    failures.push(format!("GET {path} as {caller}: no main landmark"));
                }
                if page.status == StatusCode::OK
                    && *caller != "anonymous"
                    && path != "/signin"
                    && !page.html.contains("/signout")
                {
                    failures.push(format!("GET {path} as {caller}: no sign-out"));
                }
            }
        }
        // An administrator's form posted by anyone else changes nothing.
        for (i, caller) in CALLERS.iter().enumerate().skip(1) {
            if *caller == "admin" {
                continue;
            }
            let page = browsers[i].post("/admin/clinic", &[("message_max_chars", "300")]).await;
            if page.status != StatusCode::SEE_OTHER || page.location != "/" {
                failures.push(format!("POST /admin/clinic as {caller}: {} → {}", page.status, page.location));
            }
        }
        let clinic = api(&app, Method::GET, "/api/v1/clinic", &alice, None).await;
        assert_eq!(clinic.body["message_max_chars"], 5000);
        assert!(failures.is_empty(), "{backend:?}:\n{}", failures.join("\n"));
    }
}

#[tokio::test]
#[expect(clippy::too_many_lines, reason = "one administrator's session through every section, read as a story")]
async fn administrators_run_the_clinic_from_the_portal() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let token = app.login("admin").await;

        // A new nurse, then promoted to physician; the change ends their sessions.
        let added = admin
            .post(
                "/admin/users",
                &[
                    ("display_name", "Nurse Ana Ruiz"),
                    ("username", "rn.ruiz"),
                    ("role", "nurse"),
                    ("language", "es"),
                    ("password", "violet tram seventeen"),
                ],
            )
            .await;
        assert_eq!((added.status, added.location.as_str()), (StatusCode::SEE_OTHER, "/admin/users?saved=1"));
        let users = api(&app, Method::GET, "/api/v1/admin/users", &token, None).await;
        let ruiz = users.body["users"]
            .as_array()
            .expect("users")
            .iter()
            .find(|u| u["username"] == "rn.ruiz")
            .expect("new user")
            .clone();
        let ruiz_id = ruiz["id"].as_str().expect("id").to_owned();
        let ruiz_token = app
            .call(
                Method::POST,
                "/api/v1/session",
                None,
                Some(json!({"username": "rn.ruiz", "password": "violet tram seventeen"})),
            )
            .await
            .body["token"]
            .as_str()
            .expect("ruiz signs in")
            .to_owned();
        let promoted = admin.post(&format!("/admin/users/{ruiz_id}"), &[("role", "physician")]).await;
        assert_eq!(promoted.status, StatusCode::SEE_OTHER);
        let me = api(&app, Method::GET, "/api/v1/me", &ruiz_token, None).await;
        assert_eq!(me.status, StatusCode::UNAUTHORIZED, "a role change ends the user's sessions");
        let page = admin.get("/admin/users?saved=1").await;
        assert!(page.html.contains("Saved.") && page.html.contains("Nurse Ana Ruiz"));

        // A patient cannot be turned into staff: a clear refusal, nothing changed.
        let bob = app.id("patient.bob");
        let refused = admin.post(&format!("/admin/users/{bob}"), &[("role", "nurse")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("role"));
        // Disable and enable.
        let disabled = admin.post(&format!("/admin/users/{bob}"), &[("disabled", "true")]).await;
        assert_eq!(disabled.status, StatusCode::SEE_OTHER);
        let r = app
            .call(Method::POST, "/api/v1/session", None, Some(json!({"username": "patient.bob", "password": PASSWORD})))
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        admin.post(&format!("/admin/users/{bob}"), &[("disabled", "false")]).await;

        // Care team: the new physician joins Bob's team and then sees his threads.
        let joined =
            admin.post("/admin/care-teams", &[("action", "add"), ("patient", &bob), ("staff", &ruiz_id)]).await;
        assert_eq!(joined.status, StatusCode::SEE_OTHER);
        let teams = api(&app, Method::GET, "/api/v1/admin/care-teams", &token, None).await;
        let bobs = teams.body["care_teams"]
            .as_array()
            .expect("teams")
            .iter()
            .find(|t| t["patient"]["id"] == bob.as_str())
            .expect("bob")
            .clone();
        assert!(bobs["clinicians"].as_array().expect("clinicians").iter().any(|c| c["id"] == ruiz_id.as_str()));

        // Pools: create one and add a member.
        let created =
            admin.post("/admin/pools", &[("action", "create"), ("name", "Wound care"), ("slug", "wound-care")]).await;
        assert_eq!(created.status, StatusCode::SEE_OTHER);
        let pools = api(&app, Method::GET, "/api/v1/admin/pools", &token, None).await;
        let wound = pools.body["pools"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["slug"] == "wound-care")
            .expect("pool")
            .clone();
        let wound_id = wound["id"].as_str().expect("pool id").to_owned();
        admin.post("/admin/pools", &[("action", "add"), ("pool", &wound_id), ("staff", &ruiz_id)]).await;
        let pools = api(&app, Method::GET, "/api/v1/admin/pools", &token, None).await;
        let wound = pools.body["pools"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["slug"] == "wound-care")
            .expect("pool")
            .clone();
        assert_eq!(wound["members"][0]["display_name"], "Nurse Ana Ruiz");
        let dup = admin.post("/admin/pools", &[("action", "create"), ("name", "Again"), ("slug", "wound-care")]).await;
        assert_eq!(dup.status, StatusCode::CONFLICT, "a taken slug is refused");

        // Routing: clinical questions now go to wound care; the classifier switched off.
        let routing = admin.get("/admin/routing").await;
        assert!(routing.html.contains("Wound care"));
        let fields = [
            ("emergency", "nurse-triage"),
            ("medication", "pharmacy-refills"),
            ("scheduling", "front-desk"),
            ("results", "nurse-triage"),
            ("clinical", "wound-care"),
            ("administrative", "billing"),
            ("other", "front-desk"),
        ];
        let saved = admin.post("/admin/routing", &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let triage = api(&app, Method::GET, "/api/v1/admin/triage", &token, None).await;
        assert_eq!(triage.body["routing"]["clinical"], "wound-care");
        assert_eq!(triage.body["classifier_enabled"], false);

        // Proxy access: a grant for Bob to Carol until a date, then revoked.
        let carol = app.id("proxy.carol");
        let granted = admin
            .post(
                "/admin/grants",
                &[
                    ("action", "grant"),
                    ("patient", &bob),
                    ("proxy", &carol),
                    ("scope", "read_only"),
                    ("until", "2099-12-31"),
                ],
            )
            .await;
        assert_eq!(granted.status, StatusCode::SEE_OTHER);
        let grants = api(&app, Method::GET, &format!("/api/v1/grants?patient={bob}"), &token, None).await;
        let grant = grants.body["grants"][0].clone();
        assert_eq!((grant["scope"].as_str(), grant["active"].as_bool()), (Some("read_only"), Some(true)));
        assert!(grant["expires_at"].as_str().expect("expiry").starts_with("2100-01-01"));
        let bad_date = admin
            .post(
                "/admin/grants",
                &[("action", "grant"), ("patient", &bob), ("proxy", &carol), ("scope", "full"), ("until", "soon")],
            )
            .await;
        assert_eq!(bad_date.status, StatusCode::UNPROCESSABLE_ENTITY);
        admin.post("/admin/grants", &[("action", "revoke"), ("grant", grant["id"].as_str().expect("grant id"))]).await;
        let grants = api(&app, Method::GET, &format!("/api/v1/grants?patient={bob}"), &token, None).await;
        assert_eq!(grants.body["grants"].as_array().expect("grants").len(), 1);
        assert_eq!(grants.body["grants"][0]["active"], false);

        // Clinic settings: hours, targets, limit and disclosure line, checked as a whole.
        let clinic_fields = [
            ("timezone", "America/New_York"),
            ("day", "1"),
            ("day", "2"),
            ("day", "3"),
            ("day", "4"),
            ("opens_at", "07:30"),
            ("closes_at", "16:00"),
            ("routine_reply_days", "3"),
            ("urgent_reply_hours", "2"),
            ("emergency_reply_minutes", "30"),
            ("message_max_chars", "1200"),
            ("disclosure_en", "Written with software help; {name} checked it."),
            ("disclosure_es", "Escrito con ayuda de software; {name} lo revisó."),
        ];
        let saved = admin.post("/admin/clinic", &clinic_fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.html);
        let clinic = api(&app, Method::GET, "/api/v1/clinic", &token, None).await;
        assert_eq!(clinic.body["timezone"], "America/New_York");
        assert_eq!(clinic.body["open_days"], json!([1, 2, 3, 4]));
        assert_eq!(
            (clinic.body["opens_at"].as_str(), clinic.body["routine_reply_days"].as_u64()),
            (Some("07:30"), Some(3))
        );
        assert_eq!(clinic.body["message_max_chars"], 1200);
        let mut wrong = clinic_fields.to_vec();
        wrong.retain(|(k, _)| *k != "closes_at");
        wrong.push(("closes_at", "06:00"));
        let refused = admin.post("/admin/clinic", &wrong).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.html.contains("closes_at"));
        let clinic = api(&app, Method::GET, "/api/v1/clinic", &token, None).await;
        assert_eq!(clinic.body["closes_at"], "16:00", "a refused change saves nothing");
        let page = admin.get("/admin/clinic").await;
        assert!(page.html.contains("value=\"America/New_York\"") && page.html.contains("value=\"07:30\""));

        // Every change is in the audit log.
        let auditor = app.login("auditor").await;
        let log = api(&app, Method::GET, "/api/v1/audit?action=admin.settings", &auditor, None).await;
        let details: Vec<String> = log.body["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .filter_map(|e| e["detail"].as_str().map(str::to_owned))
            .collect();
        assert!(details.iter().any(|d| d.contains("message_max_chars")), "{details:?}");
    }
}

#[tokio::test]
async fn the_clinic_profile_sets_due_times_limits_and_the_disclosure_line() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        // Open every day around the clock, so due times are plain arithmetic.
        let all_week = json!({"timezone": "UTC", "open_days": [1, 2, 3, 4, 5, 6, 7], "opens_at": "00:00", "closes_at": "23:59",
            "routine_reply_days": 1, "urgent_reply_hours": 4, "emergency_reply_minutes": 30, "message_max_chars": 300});
        let profile = api(&app, Method::PATCH, "/api/v1/admin/clinic", &admin, Some(all_week)).await;
        assert_eq!(profile.status, StatusCode::OK, "{:?}", profile.body);
        assert_eq!(profile.body["open_now"], true);

        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Knee", "My knee is a bit stiff after the walk.").await;
        let nurse = app.login("rn.kim").await;
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &nurse, None).await;
        let created =
            chrono::DateTime::parse_from_rfc3339(detail.body["created_at"].as_str().expect("created")).expect("time");
        let due = chrono::DateTime::parse_from_rfc3339(detail.body["due_at"].as_str().expect("due while waiting"))
            .expect("time");
        // One business day is 23 h 59 min of open time; the closed minute at midnight does not count.
        assert!((1439..=1440).contains(&(due - created).num_minutes()), "{due} after {created}");
        let listed = api(&app, Method::GET, "/api/v1/threads", &nurse, None).await;
        let item = listed.body["threads"]
            .as_array()
            .expect("threads")
            .iter()
            .find(|t| t["id"] == thread.as_str())
            .expect("listed")
            .clone();
        assert_eq!(item["due_at"], detail.body["due_at"]);

        // A reply ends the wait; the patient writing again starts it anew.
        let sent = app
            .post(&format!("/api/v1/threads/{thread}/messages"), &nurse, json!({"body": "Rest it and use ice."}))
            .await;
        assert_eq!(sent.status, StatusCode::CREATED);
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &nurse, None).await;
        assert_eq!(detail.body["due_at"], Value::Null);
        app.post(&format!("/api/v1/threads/{thread}/messages"), &alice, json!({"body": "Thanks, it helps."})).await;
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &nurse, None).await;
        assert!(detail.body["due_at"].is_string());

        // The message limit is the clinic's, at once.
        let long = "a".repeat(301);
        let refused = app.post(&format!("/api/v1/threads/{thread}/messages"), &alice, json!({"body": long})).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.body["field"], "body", "{:?}", refused.body);

        // Bad profiles name the field and change nothing.
        for (body, field) in [
            (json!({"timezone": "Mars/Olympus"}), "timezone"),
            (json!({"open_days": [0]}), "open_days"),
            (json!({"message_max_chars": 10}), "message_max_chars"),
            (json!({"disclosure_en": ""}), "disclosure_en"),
        ] {
            let r = api(&app, Method::PATCH, "/api/v1/admin/clinic", &admin, Some(body)).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
            assert_eq!(r.body["field"], field, "{:?}", r.body);
        }
        let unknown = api(&app, Method::PATCH, "/api/v1/admin/clinic", &admin, Some(json!({"colour": "blue"}))).await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        let clinic = api(&app, Method::GET, "/api/v1/clinic", &alice, None).await;
        assert_eq!(
            (clinic.body["timezone"].as_str(), clinic.body["message_max_chars"].as_u64()),
            (Some("UTC"), Some(300))
        );

        // The disclosure line on a drafted reply is the clinic's own.
        let line = json!({"disclosure_en": "Software helped; {name} checked it."});
        api(&app, Method::PATCH, "/api/v1/admin/clinic", &admin, Some(line)).await;
        let draft = app.post(&format!("/api/v1/threads/{thread}/drafts"), &nurse, json!({})).await;
        let draft_id = draft.body["id"].as_str().expect("draft").to_owned();
        // The draft, kept and added to (a rewrite would be the nurse's own, without the line).
        let kept = format!("{} Keep resting it.", draft.body["body"].as_str().expect("a draft"));
        let reply = app
            .post(&format!("/api/v1/threads/{thread}/messages"), &nurse, json!({"body": kept, "draft_id": draft_id}))
            .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{:?}", reply.body);
        assert!(
            reply.body["body"].as_str().expect("body").ends_with("Software helped; Nurse Daniel Kim checked it."),
            "{:?}",
            reply.body
        );
    }
}

#[tokio::test]
async fn staff_forward_with_a_note_insert_quick_replies_and_see_the_patients_other_threads() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let first = app.new_thread(&alice, "Refill", "I need more lisinopril please.").await;
        let thread = app.new_thread(&alice, "Rash", "I have a small rash on my arm since Monday.").await;
        let kim = Browser::sign_in(&app, "rn.kim").await;

        let page = kim.get(&format!("/threads/{thread}")).await;
        assert!(page.html.contains("Other recent messages from Alice Johnson"));
        assert!(page.html.contains(&format!("/threads/{first}")));

        let lee = app.id("dr.lee");
        let forwarded = kim
            .post(
                &format!("/threads/{thread}/manage"),
                &[("action", "forward"), ("pool", ""), ("assignee", &lee), ("note", "Could you look at the photo?")],
            )
            .await;
        assert_eq!(forwarded.status, StatusCode::SEE_OTHER, "{}", forwarded.html);
        let token = app.login("dr.lee").await;
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &token, None).await;
        assert_eq!(detail.body["assignee"]["display_name"], "Dr. Grace Lee");
        let note = detail.body["messages"].as_array().expect("messages").last().expect("note").clone();
        assert_eq!(note["internal"], true);
        assert!(
            note["body"].as_str().expect("body").contains("Forwarded to Dr. Grace Lee.\nCould you look at the photo?")
        );
        let patient_view = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &alice, None).await;
        assert!(!patient_view.body.to_string().contains("Could you look"), "patients never see the note");

        let nowhere = kim.post(&format!("/threads/{thread}/manage"), &[("action", "forward"), ("note", "x")]).await;
        assert_eq!(nowhere.status, StatusCode::UNPROCESSABLE_ENTITY);
        let count = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &token, None).await.body["messages"]
            .as_array()
            .map(Vec::len);
        assert_eq!(count, detail.body["messages"].as_array().map(Vec::len), "a refused forward writes nothing");

        // A quick reply goes into the reply box, after what was typed, with its reading level.
        let kim_token = app.login("rn.kim").await;
        let made = app
            .post(
                "/api/v1/quick-replies",
                &kim_token,
                json!({"code": "rash", "body": "Hi {first_name}, please send a photo of the rash."}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED);
        let page = kim
            .post(&format!("/threads/{thread}/quick-reply"), &[("code", "rash"), ("body", "Thanks for writing.")])
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("Thanks for writing.\n\nHi Alice, please send a photo of the rash."),
            "{}",
            page.html
        );
        assert!(page.html.contains("Reading level: grade"));
        let unknown = kim.post(&format!("/threads/{thread}/quick-reply"), &[("code", "nope")]).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        // Replies off and on, and reopen after close.
        kim.post(&format!("/threads/{thread}/manage"), &[("action", "replies_off")]).await;
        let view = Browser::sign_in(&app, "patient.alice").await.get(&format!("/threads/{thread}")).await;
        assert!(view.html.contains("turned off replies") && !view.html.contains("id=\"reply-body\""));
        kim.post(&format!("/threads/{thread}/manage"), &[("action", "replies_on")]).await;
        kim.post(&format!("/threads/{thread}/manage"), &[("action", "close")]).await;
        kim.post(&format!("/threads/{thread}/manage"), &[("action", "reopen")]).await;
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &token, None).await;
        assert_eq!(
            (detail.body["status"].as_str(), detail.body["replies_allowed"].as_bool()),
            (Some("open"), Some(true))
        );
        assert!(detail.body["due_at"].is_string(), "a reopened thread waits for the care team again");
    }
}

#[tokio::test]
async fn files_travel_with_the_compose_and_reply_forms() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let compose = alice.get("/compose").await;
        assert!(compose.html.contains("enctype=\"multipart/form-data\"") && compose.html.contains("type=\"file\""));
        let fields = [("kind", "question"), ("subject", "Rash photo"), ("body", "Here is the rash on my arm.")];
        let sent = alice.post_files("/compose", &fields, &[("arm.png", PNG.to_vec())]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let token = app.login("patient.alice").await;
        let list = api(&app, Method::GET, "/api/v1/threads", &token, None).await;
        let thread = list.body["threads"]
            .as_array()
            .expect("threads")
            .iter()
            .find(|t| t["subject"] == "Rash photo")
            .expect("sent")
            .clone();
        let id = thread["id"].as_str().expect("id").to_owned();
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{id}"), &token, None).await;
        let files: Vec<&Value> = detail.body["messages"]
            .as_array()
            .expect("messages")
            .iter()
            .flat_map(|m| m["attachments"].as_array().into_iter().flatten())
            .collect();
        assert_eq!(files.len(), 1);
        assert_eq!(
            (files[0]["file_name"].as_str(), files[0]["media_type"].as_str()),
            (Some("arm.png"), Some("image/png"))
        );

        // A file that is not a photo or PDF is refused and nothing is written.
        let before =
            api(&app, Method::GET, "/api/v1/threads", &token, None).await.body["threads"].as_array().map(Vec::len);
        let bad = alice
            .post_files("/compose", &[("kind", "question"), ("body", "Script")], &[("x.png", b"#!/bin/sh".to_vec())])
            .await;
        assert_eq!(bad.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        let after =
            api(&app, Method::GET, "/api/v1/threads", &token, None).await.body["threads"].as_array().map(Vec::len);
        assert_eq!(before, after);
        let five: Vec<(&str, Vec<u8>)> = (0..5).map(|_| ("p.png", PNG.to_vec())).collect();
        let too_many = alice.post_files("/compose", &[("kind", "question"), ("body", "Photos")], &five).await;
        assert_eq!(too_many.status, StatusCode::UNPROCESSABLE_ENTITY, "at most four files");

        // A reply with a PDF and no text; an empty reply is refused.
        let pdf = b"%PDF-1.4\n%test\n".to_vec();
        let replied = alice.post_files(&format!("/threads/{id}/reply"), &[("body", "")], &[("letter.pdf", pdf)]).await;
        assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.html);
        let empty = alice.post_files(&format!("/threads/{id}/reply"), &[("body", "  ")], &[]).await;
        assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = alice.get(&format!("/threads/{id}")).await;
        assert!(page.html.contains("letter.pdf"));
        // A form without its CSRF token is refused.
        let mut forged = Browser::sign_in(&app, "patient.alice").await;
        forged.csrf = "forged".into();
        let refused = forged.post_files(&format!("/threads/{id}/reply"), &[("body", "hi")], &[]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_language_chosen_is_kept_on_the_account() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let switched = alice.post("/lang", &[("lang", "es")]).await;
        assert_eq!(switched.status, StatusCode::SEE_OTHER);
        let token = app.login("patient.alice").await;
        let me = api(&app, Method::GET, "/api/v1/me", &token, None).await;
        assert_eq!(me.body["user"]["language"], "es");
        // A new browser with no language cookie gets Spanish pages.
        let fresh = Browser::sign_in(&app, "patient.alice").await;
        let page = fresh.get("/inbox").await;
        assert!(page.html.contains("lang=\"es\""));
        // Without the page's token the account is left alone.
        let mut forged = Browser::sign_in(&app, "patient.alice").await;
        forged.csrf = "forged".into();
        forged.post("/lang", &[("lang", "en")]).await;
        let me = api(&app, Method::GET, "/api/v1/me", &token, None).await;
        assert_eq!(me.body["user"]["language"], "es");
        let bad = api(&app, Method::PATCH, "/api/v1/me", &token, Some(json!({"language": "fr"}))).await;
        assert_eq!((bad.status, bad.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("language")));
    }
}

#[tokio::test]
async fn staff_who_must_use_two_step_sign_in_are_led_to_set_it_up() {
    let settings = carethread_core::clinic::ClinicSettings { login_attempts_per_minute: 10_000, ..Default::default() };
    let app = support::spawn_with(support::Backend::Sqlite, settings).await;
    let kim = Browser::sign_in(&app, "rn.kim").await;
    let inbasket = kim.get("/inbasket").await;
    assert_eq!((inbasket.status, inbasket.location.as_str()), (StatusCode::SEE_OTHER, "/security"));
    let page = kim.get("/security").await;
    assert!(page.html.contains("requires two-step sign-in"));
    let mut kim = kim;
    kim.csrf = csrf_of(&page.html);
    let enrol = kim.post("/security/enrol", &[]).await;
    assert_eq!(enrol.status, StatusCode::OK);
    assert!(enrol.html.contains("data:image/svg+xml;base64,") && enrol.html.contains("alt=\"QR code"));
    let secret_marker = "<code class=\"secret\">";
    let start = enrol.html.find(secret_marker).expect("secret shown") + secret_marker.len();
    let secret: String = enrol.html[start..].chars().take_while(|c| *c != '<').collect();
    let wrong = kim.post("/security/confirm", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bytes = carethread_server::totp::base32_decode(&secret).expect("base32 secret");
    let step = carethread_server::totp::step_of(chrono::Utc::now().timestamp());
    let code = format!("{:06}", carethread_server::totp::code_at(&bytes, step));
    let confirmed = kim.post("/security/confirm", &[("code", &code)]).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.html);
    assert!(confirmed.html.contains("recovery codes"));
    let inbasket = kim.get("/inbasket").await;
    assert_eq!(inbasket.status, StatusCode::OK, "enrolled: the in-basket opens");
    let out = kim.post("/security/sign-out-everywhere", &[]).await;
    assert_eq!((out.status, out.location.as_str()), (StatusCode::SEE_OTHER, "/signin"));
    assert_eq!(kim.get("/inbasket").await.location, "/signin");
}

#[tokio::test]
async fn a_patient_gives_a_proxy_access_by_username_and_ends_it() {
    for backend in backends() {
        let app = spawn(backend).await;
        let bob = Browser::sign_in(&app, "patient.bob").await;
        let proxies = bob.get("/proxies").await;
        assert!(
            proxies.html.contains("Their CareThread username") || proxies.html.contains("Su usuario de CareThread")
        );
        // A staff member's or an unknown username gets the same refusal, and nothing is granted.
        for username in ["rn.kim", "nobody.here"] {
            let refused = bob.post("/proxies/grant", &[("username", username), ("scope", "read_only")]).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{username}");
        }
        let granted =
            bob.post("/proxies/grant", &[("username", "proxy.carol"), ("scope", "read_only"), ("until", "")]).await;
        assert_eq!((granted.status, granted.location.as_str()), (StatusCode::SEE_OTHER, "/proxies"));
        let carol = app.login("proxy.carol").await;
        let me = api(&app, Method::GET, "/api/v1/me", &carol, None).await;
        let acting: Vec<&str> = me.body["acting_for"]
            .as_array()
            .expect("acting for")
            .iter()
            .filter_map(|p| p["display_name"].as_str())
            .collect();
        assert!(acting.contains(&"Bob Martínez"), "{acting:?}");
        let token = app.login("patient.bob").await;
        let grants = api(&app, Method::GET, "/api/v1/grants", &token, None).await;
        assert_eq!(grants.body["grants"].as_array().map(Vec::len), Some(1));
        let grant = grants.body["grants"][0]["id"].as_str().expect("grant").to_owned();
        let ended = bob.post("/proxies/revoke", &[("grant", &grant)]).await;
        assert_eq!(ended.status, StatusCode::SEE_OTHER);
        let me = api(&app, Method::GET, "/api/v1/me", &carol, None).await;
        assert!(!me.body["acting_for"].to_string().contains("Bob"), "access ends at once");
    }
}

#[tokio::test]
async fn a_drafted_reply_with_a_file_keeps_its_disclosure_and_a_yes_leaves_the_thread_answered() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Letter", "Could you send me a letter for work about my visit?").await;
        let nurse = app.login("rn.kim").await;
        let draft = app.post(&format!("/api/v1/threads/{thread}/drafts"), &nurse, json!({})).await;
        let draft_id = draft.body["id"].as_str().expect("draft").to_owned();
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let pdf = b"%PDF-1.4\n%letter\n".to_vec();
        let kept = format!("{}\nHere is your letter for work.", draft.body["body"].as_str().expect("a draft"));
        let fields = [("body", kept.as_str()), ("draft_id", draft_id.as_str())];
        let sent = kim.post_files(&format!("/threads/{thread}/reply"), &fields, &[("letter.pdf", pdf)]).await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &alice, None).await;
        let reply = detail.body["messages"].as_array().expect("messages").last().expect("reply").clone();
        assert!(reply["body"].as_str().expect("body").contains("Drafted with the help of software"), "{reply}");
        assert_eq!(reply["attachments"][0]["file_name"], "letter.pdf");
        assert_eq!(detail.body["due_at"], Value::Null);

        let patient = Browser::sign_in(&app, "patient.alice").await;
        let yes = patient.post(&format!("/threads/{thread}/feedback"), &[("answered", "yes")]).await;
        assert_eq!(yes.status, StatusCode::SEE_OTHER);
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &nurse, None).await;
        assert_eq!((detail.body["status"].as_str(), &detail.body["due_at"]), (Some("awaiting_patient"), &Value::Null));
        let no = patient.post(&format!("/threads/{thread}/feedback"), &[("answered", "no")]).await;
        assert_eq!(no.status, StatusCode::SEE_OTHER);
        let detail = api(&app, Method::GET, &format!("/api/v1/threads/{thread}"), &nurse, None).await;
        assert_eq!(detail.body["status"], "open", "a remaining question goes back to the care team");
        assert!(detail.body["due_at"].is_string());
        // A date chrono can parse but not extend is refused, not a crash.
        let bob = Browser::sign_in(&app, "patient.bob").await;
        let far = bob
            .post("/proxies/grant", &[("username", "proxy.carol"), ("scope", "read_only"), ("until", "+262142-12-31")])
            .await;
        assert_eq!(far.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
