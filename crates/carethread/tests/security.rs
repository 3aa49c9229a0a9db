//! Security and privacy, end to end on both backends: lockout and the
//! per-address limit, two-step sign-in, sessions ending everywhere, proxy
//! scopes, expiry and revocation, adolescent confidentiality,
//! break-the-glass, the audit log a patient and a privacy officer read, and
//! encryption at rest (a canary that must appear nowhere on disk or in logs).

mod support;

use std::time::Duration;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::policy::{ProxyGrant, ProxyScope};
use carethread_server::totp;
use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{Backend, PASSWORD, TestApp, backends, spawn, spawn_with, test_settings};

async fn sign_in(app: &TestApp, username: &str, password: &str, code: Option<&str>) -> support::Reply {
    let mut body = json!({"username": username, "password": password});
    if let Some(code) = code {
        body["totp"] = json!(code);
    }
    app.call(Method::POST, "/api/v1/session", None, Some(body)).await
}

fn problem_type(reply: &support::Reply) -> String {
    reply.body["type"].as_str().unwrap_or_default().rsplit('/').next().unwrap_or_default().to_owned()
}

async fn audit_actions(app: &TestApp, token: &str, query: &str) -> Vec<Value> {
    let r = app.get(&format!("/api/v1/audit{query}"), token).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    r.body["entries"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_growing_time_and_are_audited() {
    for backend in backends() {
        let app = spawn(backend).await;
        for attempt in 1..=4 {
            let r = sign_in(&app, "rn.kim", "not the password", None).await;
            assert_eq!(r.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
        }
        // The fifth failure locks the account; the right password is then refused too.
        let fifth = sign_in(&app, "rn.kim", "not the password", None).await;
        assert_eq!(fifth.status, StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(problem_type(&fifth), "account-locked");
        let locked = sign_in(&app, "rn.kim", PASSWORD, None).await;
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}: locked even with the right password");
        let state = app.store.login_state(app.clinic.user("rn.kim").expect("kim").id).await.expect("state");
        let until = state.and_then(|s| s.locked_until).expect("locked");
        assert!(until > Utc::now() + TimeDelta::seconds(50) && until <= Utc::now() + TimeDelta::seconds(61));

        // Unknown usernames answer exactly like wrong passwords, and lock alike.
        let unknown = sign_in(&app, "nobody.here", "whatever", None).await;
        let wrong = sign_in(&app, "dr.lee", "whatever", None).await;
        assert_eq!((unknown.status, &unknown.body), (wrong.status, &wrong.body));
        for _ in 0..4 {
            sign_in(&app, "nobody.here", "whatever", None).await;
        }
        assert_eq!(sign_in(&app, "nobody.here", "whatever", None).await.status, StatusCode::TOO_MANY_REQUESTS);

        // The privacy officer sees every refused attempt, with the client address.
        let auditor = app.login("auditor").await;
        let kim = app.id("rn.kim");
        let entries = audit_actions(&app, &auditor, &format!("?user={kim}")).await;
        let denied = entries.iter().filter(|e| e["action"] == "session.sign_in" && e["outcome"] == "denied").count();
        assert_eq!(denied, 6, "{backend:?}: five wrong passwords and one attempt while locked");
        assert!(entries.iter().all(|e| e["client"] == "127.0.0.1"));
    }
}

#[tokio::test]
async fn one_address_gets_a_limited_number_of_sign_in_attempts_a_minute() {
    for backend in backends() {
        let settings = carethread_core::clinic::ClinicSettings { login_attempts_per_minute: 3, ..test_settings() };
        let app = spawn_with(backend, settings).await;
        for _ in 0..3 {
            assert_eq!(sign_in(&app, "patient.bob", PASSWORD, None).await.status, StatusCode::OK);
        }
        let fourth = sign_in(&app, "patient.bob", PASSWORD, None).await;
        assert_eq!(fourth.status, StatusCode::TOO_MANY_REQUESTS, "{backend:?}");
        assert_eq!(problem_type(&fourth), "too-many-requests");
    }
}

#[tokio::test]
async fn sessions_end_when_idle_too_long_past_their_lifetime_or_when_the_user_is_disabled() {
    for backend in backends() {
        let app = spawn(backend).await;
        let idle = app.login("patient.alice").await;
        let hash = carethread_server::auth::token_hash(&idle);
        assert_eq!(app.get("/api/v1/me", &idle).await.status, StatusCode::OK);
        app.store.touch_session(&hash, Utc::now() - TimeDelta::minutes(16)).await.expect("age the session");
        assert_eq!(app.get("/api/v1/me", &idle).await.status, StatusCode::UNAUTHORIZED, "{backend:?}: idle 16 minutes");

        // A session active a minute ago but signed in 12 hours ago has ended too.
        let old = "a".repeat(64);
        let alice = app.clinic.user("patient.alice").expect("alice").id;
        let now = Utc::now();
        let record = carethread_store::SessionRecord {
            token_hash: carethread_server::auth::token_hash(&old),
            user_id: alice,
            created_at: now - TimeDelta::hours(12),
            last_seen_at: now - TimeDelta::minutes(1),
            expires_at: now - TimeDelta::seconds(1),
            mfa_enabled: false,
            mfa_passed: false,
            scopes: None,
        };
        app.store.create_session(&record).await.expect("session");
        assert_eq!(
            app.get("/api/v1/me", &old).await.status,
            StatusCode::UNAUTHORIZED,
            "{backend:?}: past its lifetime"
        );

        // Disabling a user ends their sessions at once.
        let bob = app.login("patient.bob").await;
        let admin = app.login("admin").await;
        let disabled = app
            .call(
                Method::PATCH,
                &format!("/api/v1/admin/users/{}", app.id("patient.bob")),
                Some(&admin),
                Some(json!({"disabled": true})),
            )
            .await;
        assert_eq!(disabled.status, StatusCode::OK);
        assert_eq!(disabled.body["disabled"], true);
        assert_eq!(app.get("/api/v1/me", &bob).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(sign_in(&app, "patient.bob", PASSWORD, None).await.status, StatusCode::UNAUTHORIZED);
    }
}

fn current_code(secret: &[u8]) -> String {
    format!("{:06}", totp::code_at(secret, totp::step_of(Utc::now().timestamp())))
}

#[tokio::test]
async fn staff_must_enrol_two_step_sign_in_and_then_always_use_it() {
    for backend in backends() {
        let settings = carethread_core::clinic::ClinicSettings { mfa_required_for_staff: true, ..test_settings() };
        let app = spawn_with(backend, settings).await;
        // Before enrolling, a nurse's session reaches only enrolment.
        let first = sign_in(&app, "rn.kim", PASSWORD, None).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(first.body["mfa_enrolment_required"], true);
        let token = first.body["token"].as_str().expect("token").to_owned();
        // Someone who has the nurse's password signs in too, before she enrols.
        let intruder = sign_in(&app, "rn.kim", PASSWORD, None).await.body["token"].as_str().expect("token").to_owned();
        let blocked = app.get("/api/v1/threads", &token).await;
        assert_eq!((blocked.status, problem_type(&blocked)), (StatusCode::FORBIDDEN, "mfa-enrolment-required".into()));
        // Patients are not asked.
        let alice = sign_in(&app, "patient.alice", PASSWORD, None).await;
        assert_eq!(alice.body["mfa_enrolment_required"], false);

        let enrolment = app.post("/api/v1/mfa/enrol", &token, json!({})).await;
        assert_eq!(enrolment.status, StatusCode::OK, "{:?}", enrolment.body);
        let uri = enrolment.body["otpauth_uri"].as_str().expect("uri");
        assert!(uri.starts_with("otpauth://totp/") && uri.contains("rn.kim"), "{uri}");
        assert!(enrolment.body["qr_svg"].as_str().is_some_and(|svg| svg.starts_with("<?xml") || svg.contains("<svg")));
        let secret = totp::base32_decode(enrolment.body["secret"].as_str().expect("secret")).expect("base32");
        let wrong = app.post("/api/v1/mfa/confirm", &token, json!({"code": "000000"})).await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        let confirmed = app.post("/api/v1/mfa/confirm", &token, json!({"code": current_code(&secret)})).await;
        assert_eq!(confirmed.status, StatusCode::OK, "{:?}", confirmed.body);
        let codes: Vec<String> = confirmed.body["recovery_codes"]
            .as_array()
            .expect("codes")
            .iter()
            .map(|c| c.as_str().expect("code").to_owned())
            .collect();
        assert_eq!(codes.len(), 10);
        assert_eq!(app.get("/api/v1/threads", &token).await.status, StatusCode::OK);
        // Enrolling ended every other session: the password-only one never gains access.
        assert_eq!(app.get("/api/v1/threads", &intruder).await.status, StatusCode::UNAUTHORIZED, "{backend:?}");
        // Staff cannot switch it off where the clinic requires it.
        let off = app.call(Method::DELETE, "/api/v1/mfa", Some(&token), Some(json!({"code": codes[0]}))).await;
        assert_eq!(off.status, StatusCode::FORBIDDEN);

        // From now on the password alone is not enough.
        let password_only = sign_in(&app, "rn.kim", PASSWORD, None).await;
        assert_eq!(
            (password_only.status, problem_type(&password_only)),
            (StatusCode::UNAUTHORIZED, "mfa-required".into())
        );
        let bad_code = sign_in(&app, "rn.kim", PASSWORD, Some("123456")).await;
        assert_eq!(bad_code.status, StatusCode::UNAUTHORIZED);
        // The code used to confirm was spent; wait for the next step so a fresh one exists.
        let step = totp::step_of(Utc::now().timestamp());
        while totp::step_of(Utc::now().timestamp()) == step {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let code = current_code(&secret);
        assert_eq!(sign_in(&app, "rn.kim", PASSWORD, Some(&code)).await.status, StatusCode::OK);
        let replay = sign_in(&app, "rn.kim", PASSWORD, Some(&code)).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{backend:?}: a code is accepted once");
        // A recovery code works once.
        assert_eq!(sign_in(&app, "rn.kim", PASSWORD, Some(&codes[3])).await.status, StatusCode::OK);
        assert_eq!(sign_in(&app, "rn.kim", PASSWORD, Some(&codes[3])).await.status, StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_at_once() {
    for backend in backends() {
        let app = spawn(backend).await;
        let phone = app.login("patient.alice").await;
        let laptop = app.login("patient.alice").await;
        let other = app.login("patient.bob").await;
        let out = app.call(Method::DELETE, "/api/v1/sessions", Some(&phone), None).await;
        assert_eq!(out.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get("/api/v1/me", &phone).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get("/api/v1/me", &laptop).await.status, StatusCode::UNAUTHORIZED);
        assert_eq!(app.get("/api/v1/me", &other).await.status, StatusCode::OK, "{backend:?}: only hers");
    }
}

#[tokio::test]
async fn proxy_scopes_expiry_and_revocation_take_effect_at_once() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let bob = app.login("patient.bob").await;
        let carol = app.login("proxy.carol").await;
        let carol_id = app.id("proxy.carol");
        let alices = app.new_thread(&alice, "Blood pressure log", "My readings this week were 130/85.").await;
        let bobs = app.new_thread(&bob, "Knee", "My knee still aches after the run.").await;

        // Bob grants Carol read-only access: she reads but cannot write.
        assert_eq!(app.get(&format!("/api/v1/threads/{bobs}"), &carol).await.status, StatusCode::NOT_FOUND);
        let grant = app.post("/api/v1/grants", &bob, json!({"proxy_id": carol_id, "scope": "read_only"})).await;
        assert_eq!(grant.status, StatusCode::CREATED, "{:?}", grant.body);
        assert_eq!(grant.body["active"], true);
        assert_eq!(app.get(&format!("/api/v1/threads/{bobs}"), &carol).await.status, StatusCode::OK);
        let reply = app.post(&format!("/api/v1/threads/{bobs}/messages"), &carol, json!({"body": "Hi"})).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let start = app
            .post("/api/v1/threads", &carol, json!({"subject": "s", "body": "b", "patient_id": app.id("patient.bob")}))
            .await;
        assert_eq!(start.status, StatusCode::FORBIDDEN);

        // Alice revokes every grant to Carol: her access ends with the next request.
        let listed = app.get("/api/v1/grants", &alice).await;
        for g in listed.body["grants"].as_array().expect("grants") {
            if g["active"] == true {
                let id = g["id"].as_str().expect("id");
                let r = app.call(Method::DELETE, &format!("/api/v1/grants/{id}"), Some(&alice), None).await;
                assert_eq!(r.status, StatusCode::NO_CONTENT);
            }
        }
        assert_eq!(app.get(&format!("/api/v1/threads/{alices}"), &carol).await.status, StatusCode::NOT_FOUND);
        let list = app.get("/api/v1/threads", &carol).await;
        assert!(!list.body["threads"].as_array().expect("list").iter().any(|t| t["id"] == alices.as_str()));
        // Another patient's grants are not Bob's to revoke.
        let carol_grants = app.get("/api/v1/grants", &carol).await;
        let bobs_grant = carol_grants.body["grants"]
            .as_array()
            .expect("grants")
            .iter()
            .find(|g| g["active"] == true)
            .expect("bob's grant")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let alice_tries = app.call(Method::DELETE, &format!("/api/v1/grants/{bobs_grant}"), Some(&alice), None).await;
        assert_eq!(alice_tries.status, StatusCode::NOT_FOUND);
        // An administrator may revoke it, and Bob sees that on his record.
        let admin = app.login("admin").await;
        let revoked = app.call(Method::DELETE, &format!("/api/v1/grants/{bobs_grant}"), Some(&admin), None).await;
        assert_eq!(revoked.status, StatusCode::NO_CONTENT);
        assert_eq!(app.get(&format!("/api/v1/threads/{bobs}"), &carol).await.status, StatusCode::NOT_FOUND);
        let bobs_record = audit_actions(&app, &bob, "").await;
        assert!(
            bobs_record.iter().any(|e| e["action"] == "grant.revoke" && e["actor"]["role"] == "admin"),
            "{backend:?}"
        );

        // A grant that expires stops working by itself.
        let soon = ProxyGrant {
            patient_id: app.clinic.user("patient.alice").expect("alice").id,
            proxy_id: app.clinic.user("proxy.carol").expect("carol").id,
            scope: ProxyScope::Full,
            expires_at: Some(Utc::now() + TimeDelta::milliseconds(1500)),
            revoked_at: None,
        };
        let audit = AuditEvent::new(AuditAction::GrantCreate, None, Utc::now());
        app.store
            .grant_proxy(
                &carethread_store::NewGrant { grant: soon, created_by: soon.patient_id, now: Utc::now() },
                &audit,
            )
            .await
            .expect("grant");
        assert_eq!(app.get(&format!("/api/v1/threads/{alices}"), &carol).await.status, StatusCode::OK);
        tokio::time::sleep(Duration::from_millis(1600)).await;
        assert_eq!(
            app.get(&format!("/api/v1/threads/{alices}"), &carol).await.status,
            StatusCode::NOT_FOUND,
            "{backend:?}"
        );
        // Expiry in the past is refused at the API.
        let past = app
            .post(
                "/api/v1/grants",
                &alice,
                json!({"proxy_id": carol_id, "scope": "full", "expires_at": "2020-01-01T00:00:00Z"}),
            )
            .await;
        assert_eq!(past.body["field"], "expires_at");
    }
}

#[tokio::test]
async fn an_adolescents_confidential_thread_is_invisible_to_her_proxy() {
    for backend in backends() {
        let app = spawn(backend).await;
        let maya = app.login("patient.maya").await;
        let carol = app.login("proxy.carol").await;
        let mut carol_events = app.events(&carol).await;
        let open = app.new_thread(&maya, "School form", "Can you sign my sports form?").await;
        let secret = app
            .post("/api/v1/threads", &maya, json!({"subject": "Private question", "body": "Something I want to keep private.", "confidential": true}))
            .await;
        assert_eq!(secret.status, StatusCode::CREATED, "{:?}", secret.body);
        let secret = secret.body["id"].as_str().expect("id").to_owned();
        assert_eq!(app.get(&format!("/api/v1/threads/{open}"), &carol).await.status, StatusCode::OK);
        assert_eq!(app.get(&format!("/api/v1/threads/{secret}"), &carol).await.status, StatusCode::NOT_FOUND);
        let list = app.get("/api/v1/threads", &carol).await;
        let ids: Vec<&str> =
            list.body["threads"].as_array().expect("list").iter().filter_map(|t| t["id"].as_str()).collect();
        assert!(ids.contains(&open.as_str()) && !ids.contains(&secret.as_str()), "{backend:?}");
        // Carol hears about the open thread but never the confidential one.
        carol_events.expect("thread.created", &open).await;
        while let Some((_, data)) = carol_events.next(Duration::from_millis(700)).await {
            assert_ne!(data["thread_id"], secret.as_str(), "{backend:?}: an event leaked the confidential thread");
        }
        // Her care team still sees it; an adult cannot mark a thread confidential.
        assert_eq!(
            app.get(&format!("/api/v1/threads/{secret}"), &app.login("dr.lee").await).await.status,
            StatusCode::OK
        );
        let alice = app.login("patient.alice").await;
        let adult =
            app.post("/api/v1/threads", &alice, json!({"subject": "s", "body": "b", "confidential": true})).await;
        assert_eq!(adult.body["field"], "confidential");
    }
}

#[tokio::test]
async fn break_the_glass_is_allowed_with_a_reason_audited_and_alerts_the_privacy_officer() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let created = app
            .post("/api/v1/admin/users", &admin, json!({"username": "dr.cover", "display_name": "Dr. Cover", "role": "physician", "password": "violet tram seventeen"}))
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
        let weak = app
            .post("/api/v1/admin/users", &admin, json!({"username": "dr.weak", "display_name": "Dr. Weak", "role": "physician", "password": "password1234"}))
            .await;
        assert_eq!(weak.body["field"], "password", "common passwords are refused");
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Dizzy spells", "I get dizzy when I stand up.").await;
        let cover = sign_in(&app, "dr.cover", "violet tram seventeen", None).await.body["token"]
            .as_str()
            .expect("token")
            .to_owned();
        let auditor = app.login("auditor").await;
        let mut alerts = app.events(&auditor).await;

        assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &cover).await.status, StatusCode::NOT_FOUND);
        let no_reason =
            app.post(&format!("/api/v1/threads/{thread}/break-glass"), &cover, json!({"reason": "x"})).await;
        assert_eq!(no_reason.body["field"], "reason");
        let reason = "Covering for Dr. Lee; patient called the after-hours line";
        let opened =
            app.post(&format!("/api/v1/threads/{thread}/break-glass"), &cover, json!({"reason": reason})).await;
        assert_eq!(opened.status, StatusCode::OK, "{:?}", opened.body);
        assert_eq!(opened.body["messages"][0]["body"], "I get dizzy when I stand up.");
        assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &cover).await.status, StatusCode::OK);
        // The glass opens the thread to read and answer for an hour, not to take it over.
        let grab = app
            .call(Method::PATCH, &format!("/api/v1/threads/{thread}"), Some(&cover), Some(json!({"assignee_id": "me"})))
            .await;
        assert_eq!(grab.status, StatusCode::FORBIDDEN, "{backend:?}");
        let alert = alerts.expect("alert.break_glass", &thread).await;
        assert!(alert.get("reason").is_none(), "the alert carries no content");

        // The privacy officer finds the reason in the audit log; the patient sees who looked.
        let cover_id = created.body["id"].as_str().expect("id").to_owned();
        let entries = audit_actions(&app, &auditor, &format!("?user={cover_id}")).await;
        let glass = entries.iter().find(|e| e["action"] == "thread.break_glass").expect("audited");
        // An officer who was not watching finds every break-the-glass later.
        let all_glass = audit_actions(&app, &auditor, "?action=thread.break_glass").await;
        assert_eq!(all_glass.len(), 1);
        assert_eq!(all_glass[0]["actor"]["id"], cover_id.as_str());
        let bad = app.get("/api/v1/audit?action=thread.peek", &auditor).await;
        assert_eq!(bad.body["field"], "action");
        assert_eq!(glass["detail"], reason);
        assert_eq!(glass["patient"]["id"], app.id("patient.alice"));
        let seen = audit_actions(&app, &alice, "?patient=me").await;
        assert!(
            seen.iter().any(|e| e["actor"]["display_name"] == "Dr. Cover" && e["action"] == "thread.read"),
            "{backend:?}"
        );
        assert!(
            seen.iter().all(|e| e.get("detail").is_none() && e.get("client").is_none()),
            "patients see who, what and when"
        );
        // Front desk may not break the glass.
        let desk = app.login("desk.ortiz").await;
        let refused =
            app.post(&format!("/api/v1/threads/{thread}/break-glass"), &desk, json!({"reason": reason})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_patient_sees_who_read_her_messages_and_the_privacy_officer_exports_csv() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let thread = app.new_thread(&alice, "Rash", "The rash is spreading a little.").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &lee).await.status, StatusCode::OK);
        // A stranger's attempt is recorded as denied, and not shown to her as an access.
        let bob = app.login("patient.bob").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{thread}"), &bob).await.status, StatusCode::NOT_FOUND);

        // Her own reads, however many, never push the care team's accesses off the page.
        for _ in 0..3 {
            app.get(&format!("/api/v1/threads/{thread}"), &alice).await;
        }
        let first = audit_actions(&app, &alice, "?limit=1").await;
        assert_eq!(first.len(), 1);
        assert_eq!(first[0]["actor"]["id"], app.id("dr.lee"), "{backend:?}");
        let seen = audit_actions(&app, &alice, "").await;
        let lee_read = seen.iter().find(|e| e["action"] == "thread.read").expect("Dr. Lee's read");
        assert_eq!(lee_read["actor"]["display_name"], "Dr. Grace Lee");
        assert_eq!(lee_read["actor"]["role"], "physician");
        assert!(!seen.iter().any(|e| e["actor"]["id"] == app.id("patient.bob")));
        assert!(!seen.iter().any(|e| e["actor"]["id"] == app.id("patient.alice")), "her own actions are left out");
        // She may not look at anyone else's.
        let other = app.get(&format!("/api/v1/audit?patient={}", app.id("patient.bob")), &alice).await;
        assert_eq!(other.status, StatusCode::FORBIDDEN);

        let auditor = app.login("auditor").await;
        let denied = audit_actions(&app, &auditor, &format!("?patient={}", app.id("patient.alice"))).await;
        assert!(denied.iter().any(|e| e["action"] == "thread.read"
            && e["outcome"] == "denied"
            && e["actor"]["id"] == app.id("patient.bob")));
        let from = (Utc::now() - TimeDelta::hours(1)).format("%Y-%m-%d").to_string();
        let csv = app
            .get(&format!("/api/v1/audit?format=csv&patient={}&from={from}", app.id("patient.alice")), &auditor)
            .await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        let text = String::from_utf8(csv.raw).expect("utf-8");
        assert!(text.starts_with("seq,at,actor_id,actor_name"), "{text}");
        assert!(text.lines().any(|l| l.contains("Dr. Grace Lee") && l.contains("thread.read")), "{backend:?}");
        let bad = app.get("/api/v1/audit?from=yesterday", &auditor).await;
        assert_eq!(bad.body["field"], "from");
        // The export itself is on the record.
        let exports = audit_actions(&app, &auditor, &format!("?user={}", app.id("auditor"))).await;
        assert!(exports.iter().any(|e| e["action"] == "audit.export"));
        // And the chain is intact.
        let verified = app.store.verify_audit().await.expect("verify");
        assert_eq!(verified.broken, None);
        assert!(verified.verified > 10);
    }
}

#[tokio::test]
async fn audit_verify_fails_after_a_row_is_altered_directly_in_the_database() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        app.new_thread(&alice, "Question", "When is my next visit?").await;
        assert_eq!(app.store.verify_audit().await.expect("verify").broken, None);
        match backend {
            Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&app.url).await.expect("connect");
                sqlx::query("DROP TRIGGER audit_log_no_update").execute(&pool).await.expect("drop guard");
                sqlx::query("UPDATE audit_log SET actor_role = 'admin' WHERE seq = 4")
                    .execute(&pool)
                    .await
                    .expect("tamper");
            }
            Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&app.url).await.expect("connect");
                let refused =
                    sqlx::query("UPDATE audit_log SET actor_role = 'admin' WHERE seq = 4").execute(&pool).await;
                assert!(refused.is_err(), "the append-only trigger refuses updates");
                sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER USER").execute(&pool).await.expect("drop guard");
                sqlx::query("UPDATE audit_log SET actor_role = 'admin' WHERE seq = 4")
                    .execute(&pool)
                    .await
                    .expect("tamper");
            }
        }
        let report = app.store.verify_audit().await.expect("verify");
        assert_eq!(report.verified, 3, "{backend:?}");
        assert!(report.broken.as_deref().is_some_and(|b| b.contains("entry 4")), "{report:?}");
    }
}

const CANARY: &str = "zqx-canary-7731-plover";

/// Every byte of every file in `dir` (the database, its WAL and shared memory).
fn files_under(dir: &std::path::Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            all.extend(std::fs::read(&path).expect("read"));
        }
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn a_canary_written_everywhere_appears_nowhere_at_rest_or_in_logs() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let thread = app.new_thread(&alice, &format!("Subject {CANARY}"), &format!("Body {CANARY} chest pain")).await;
        app.post(
            &format!("/api/v1/threads/{thread}/messages"),
            &lee,
            json!({"body": format!("Note {CANARY}"), "internal": true}),
        )
        .await;
        let png = [b"\x89PNG\r\n\x1a\n".as_slice(), CANARY.as_bytes()].concat();
        let form = reqwest::multipart::Form::new()
            .text("body", format!("Photo {CANARY}"))
            .part("file", reqwest::multipart::Part::bytes(png).file_name(format!("{CANARY}.png")));
        let upload = TestApp::reply(
            app.http
                .post(format!("{}/api/v1/threads/{thread}/attachments", app.base))
                .bearer_auth(&alice)
                .multipart(form),
        )
        .await;
        assert_eq!(upload.status, StatusCode::CREATED, "{:?}", upload.body);
        let reason = format!("Reason {CANARY}");
        let admin = app.login("admin").await;
        app.post("/api/v1/admin/users", &admin, json!({"username": "dr.canary", "display_name": "Dr. Canary", "role": "physician", "password": "violet tram seventeen"})).await;
        let cover = sign_in(&app, "dr.canary", "violet tram seventeen", None).await.body["token"]
            .as_str()
            .expect("token")
            .to_owned();
        app.post(&format!("/api/v1/threads/{thread}/break-glass"), &cover, json!({"reason": reason})).await;
        // Read it all back: the API still returns the plaintext.
        let detail = app.get(&format!("/api/v1/threads/{thread}"), &lee).await;
        assert!(detail.body.to_string().matches(CANARY).count() >= 4, "{:?}", detail.body);

        match backend {
            Backend::Sqlite => {
                let dir = app.tmp_dir.as_ref().expect("data dir").path().to_path_buf();
                let bytes = files_under(&dir);
                assert!(bytes.len() > 10_000);
                assert!(!contains(&bytes, CANARY), "the canary is in the SQLite files");
            }
            Backend::Postgres => {
                let out = std::process::Command::new("pg_dump")
                    .arg("--data-only")
                    .arg(&app.url)
                    .output()
                    .expect("pg_dump runs");
                assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
                assert!(out.stdout.len() > 10_000);
                assert!(!contains(&out.stdout, CANARY), "the canary is in pg_dump");
            }
        }
        let logs = support::captured_logs();
        assert!(!logs.is_empty());
        assert!(!logs.contains(CANARY), "the canary reached the logs");
        assert!(!logs.contains(&alice) && !logs.contains(&lee), "a session token reached the logs");
    }
}
