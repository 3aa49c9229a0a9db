//! Emergencies after hours and sensitive routing, over real HTTP on both
//! backends: no reply time nobody is staffed to keep, `tel:` links instead;
//! staff see whether on-call has opened an after-hours emergency; sensitive
//! and clinical messages never reach front-desk or billing pools; the
//! category the patient chose is honoured.

mod support;

use chrono::{Timelike, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::browser::Browser;
use support::{TestApp, backends, spawn};

const EMERGENCY: &str = "I have crushing chest pain and I can't breathe";

/// Hours (UTC, every day) that leave the clinic closed now: a one-hour
/// window that starts two hours from now (or at 01:00 late in the evening).
fn closed_now() -> Value {
    let hour = Utc::now().hour();
    let opens = if hour <= 20 { hour + 2 } else { 1 };
    json!({"timezone": "UTC", "open_days": [1, 2, 3, 4, 5, 6, 7],
           "opens_at": format!("{opens:02}:00"), "closes_at": format!("{:02}:00", opens + 1)})
}

/// Hours that leave the clinic open now (all day, every day).
fn open_now() -> Value {
    json!({"timezone": "UTC", "open_days": [1, 2, 3, 4, 5, 6, 7], "opens_at": "00:00", "closes_at": "23:59"})
}

async fn set_hours(app: &TestApp, hours: Value) {
    let admin = app.login("admin").await;
    let r = app.call(Method::PATCH, "/api/v1/admin/clinic", Some(&admin), Some(hours)).await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
}

/// Starts a thread through the API and returns the created thread's body.
async fn start(app: &TestApp, token: &str, input: Value) -> Value {
    let r = app.post("/api/v1/threads", token, input).await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    r.body
}

/// Sends the compose form as the browser's patient.
async fn compose(browser: &Browser, kind: &str, subject: &str, body: &str) -> support::browser::Page {
    browser.post_files("/compose", &[("kind", kind), ("subject", subject), ("body", body)], &[]).await
}

async fn page(app: &TestApp, username: &str, path: &str) -> String {
    let page = Browser::sign_in(app, username).await.get(path).await;
    assert_eq!(page.status, StatusCode::OK, "{path}");
    page.html
}

fn hrefs(after_hours: &Value) -> Vec<String> {
    after_hours["calls"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["href"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn an_emergency_after_hours_promises_no_reply_time_and_gives_numbers_to_call() {
    for backend in backends() {
        let app = spawn(backend).await;
        set_hours(&app, closed_now()).await;
        let alice = app.login("patient.alice").await;
        let created = start(&app, &alice, json!({"subject": "Help", "body": EMERGENCY})).await;
        assert_eq!(created["urgency"], "emergency");
        assert!(created["due_at"].is_null(), "no reply time while nobody reads: {created}");
        assert_eq!(hrefs(&created["after_hours"]), ["tel:911", "tel:988", "tel:+15550100199"], "{created}");
        let id = created["id"].as_str().expect("id").to_owned();

        // The same on opening the thread and in the list.
        let detail = app.get(&format!("/api/v1/threads/{id}"), &alice).await;
        assert!(detail.body["due_at"].is_null() && detail.body["after_hours"]["calls"].is_array(), "{:?}", detail.body);
        let list = app.get("/api/v1/threads", &alice).await;
        let row = list.body["threads"].as_array().expect("threads").iter().find(|t| t["id"] == id.as_str()).cloned();
        let row = row.expect("listed");
        assert!(row["due_at"].is_null() && row["after_hours"].is_object(), "{row}");

        // Every page the patient sees the thread on.
        for path in [format!("/threads/{id}"), "/inbox".to_owned(), format!("/threads/{id}/sent")] {
            let html = page(&app, "patient.alice", &path).await;
            assert!(!html.contains("Reply expected"), "{path} promises a reply time");
            for link in ["href=\"tel:911\"", "href=\"tel:988\"", "href=\"tel:+15550100199\""] {
                assert!(html.contains(link), "{path} lacks {link}");
            }
            assert!(html.contains("Messages are not read now"), "{path}");
        }

        // In the patient's language.
        let bob = app.login("patient.bob").await;
        let es =
            start(&app, &bob, json!({"subject": "Ayuda", "body": "Tengo dolor de pecho y me falta el aire"})).await;
        assert_eq!(es["after_hours"]["title"], "Ahora no se leen los mensajes", "{es}");

        // Open again: the emergency target, and no guidance.
        set_hours(&app, open_now()).await;
        let open = app.get(&format!("/api/v1/threads/{id}"), &alice).await;
        assert!(open.body["due_at"].is_string() && open.body["after_hours"].is_null(), "{:?}", open.body);
        let html = page(&app, "patient.alice", &format!("/threads/{id}")).await;
        assert!(html.contains("Reply expected") && !html.contains("Messages are not read now"));
    }
}

#[tokio::test]
async fn routine_messages_after_hours_keep_a_reply_time_within_open_hours() {
    for backend in backends() {
        let app = spawn(backend).await;
        set_hours(&app, closed_now()).await;
        let alice = app.login("patient.alice").await;
        let created =
            start(&app, &alice, json!({"subject": "Refill", "body": "I need a refill of my metformin please"})).await;
        assert_eq!(created["urgency"], "routine");
        assert!(created["after_hours"].is_null());
        let due = created["due_at"].as_str().and_then(|d| chrono::DateTime::parse_from_rfc3339(d).ok());
        let due = due.expect("a routine reply time").with_timezone(&Utc);
        let hours = app.get("/api/v1/clinic", &alice).await;
        let (opens, closes) =
            (hours.body["opens_at"].as_str().expect("opens"), hours.body["closes_at"].as_str().expect("closes"));
        let at = due.format("%H:%M").to_string();
        assert!(opens <= at.as_str() && at.as_str() <= closes, "due {at} outside {opens}–{closes}");
    }
}

#[tokio::test]
async fn staff_see_whether_on_call_has_opened_an_after_hours_emergency() {
    for backend in backends() {
        let app = spawn(backend).await;
        set_hours(&app, closed_now()).await;
        let alice = app.login("patient.alice").await;
        let created = start(&app, &alice, json!({"subject": "Help", "body": EMERGENCY})).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let thread = format!("/api/v1/threads/{id}");

        // The physician (not on call) opens it first: still not seen by on-call.
        let lee = app.login("dr.lee").await;
        let by_lee = app.get(&thread, &lee).await;
        assert_eq!(by_lee.body["on_call"]["seen"], false, "{:?}", by_lee.body);
        let html = page(&app, "dr.lee", &format!("/threads/{id}")).await;
        assert!(html.contains("After hours: on-call has not seen this"));
        let basket = page(&app, "dr.lee", "/inbasket").await;
        assert!(basket.contains("After hours: on-call has not seen this"), "in-basket badge");

        // The on-call nurse opens it.
        let kim = app.login("rn.kim").await;
        assert_eq!(app.get(&thread, &kim).await.status, StatusCode::OK);
        let after = app.get(&thread, &lee).await;
        assert_eq!(after.body["on_call"]["seen"], true, "{:?}", after.body);
        assert_eq!(after.body["on_call"]["seen_by"]["display_name"], "Nurse Daniel Kim");
        let html = page(&app, "dr.lee", &format!("/threads/{id}")).await;
        assert!(html.contains("After hours: seen by on-call Nurse Daniel Kim at"), "seen line");
        let basket = page(&app, "dr.lee", "/inbasket").await;
        assert!(!basket.contains("on-call has not seen this"));

        // Patients never see the on-call status.
        assert!(app.get(&thread, &alice).await.body["on_call"].is_null());
    }
}

#[tokio::test]
async fn a_confidential_birth_control_question_never_reaches_the_front_desk() {
    for backend in backends() {
        let app = spawn(backend).await;
        let maya = app.login("patient.maya").await;
        // She picked "an appointment", which the rules send to the front desk.
        let created = start(
            &app,
            &maya,
            json!({"subject": "Appointment", "category": "scheduling", "confidential": true,
                   "body": "Can I get an appointment to start birth control? Please don't tell my mom."}),
        )
        .await;
        assert_eq!(created["pool"]["slug"], "nurse-triage", "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let desk = app.login("desk.ortiz").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{id}"), &desk).await.status, StatusCode::NOT_FOUND);
        let kim = app.login("rn.kim").await;
        let seen = app.get(&format!("/api/v1/threads/{id}"), &kim).await;
        let reasons = seen.body["triage"]["reasons"].as_array().expect("reasons").clone();
        assert!(
            reasons.iter().any(|r| r.as_str().is_some_and(|r| r.starts_with("sensitive: sexual health"))),
            "{reasons:?}"
        );

        // Without a category, and without the confidential flag, mental health stays clinical too.
        let worry = start(
            &app,
            &maya,
            json!({"subject": "Billing question", "category": "administrative",
                   "body": "Is therapy for my anxiety covered?"}),
        )
        .await;
        assert_eq!(worry["pool"]["slug"], "nurse-triage", "{worry}");
    }
}

#[tokio::test]
async fn a_rash_photo_question_goes_to_nurses_even_when_clinical_routes_to_billing() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let r = app
            .call(
                Method::PATCH,
                "/api/v1/admin/triage",
                Some(&admin),
                Some(json!({"routing": {"clinical": "billing"}})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let alice = app.login("patient.alice").await;
        let created = start(
            &app,
            &alice,
            json!({"subject": "Rash photo", "category": "clinical",
                   "body": "Here is a photo of the dry itchy patch on my elbow. It has been there a couple of months. Is it eczema?"}),
        )
        .await;
        assert_eq!(created["urgency"], "routine", "{created}");
        assert_eq!(created["pool"]["slug"], "nurse-triage", "{created}");
        let id = created["id"].as_str().expect("id");
        let billing = app.login("billing.ng").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{id}"), &billing).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn a_message_in_a_language_triage_cannot_read_goes_to_nurses_whatever_category_was_chosen() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        // Vietnamese, sent as "an appointment", which the rules send to the front desk.
        let created = start(
            &app,
            &alice,
            json!({"subject": "Lịch hẹn", "category": "scheduling",
                   "body": "Tôi bị đau bụng dữ dội từ tối hôm qua và không ăn uống được gì. Tôi có cần đến gặp bác sĩ không?"}),
        )
        .await;
        assert_eq!(created["pool"]["slug"], "nurse-triage", "{backend:?}: {created}");
        let id = created["id"].as_str().expect("id");
        let kim = app.login("rn.kim").await;
        let detail = app.get(&format!("/api/v1/threads/{id}"), &kim).await;
        let triage = &detail.body["triage"];
        assert_eq!(triage["needs_review"], true, "{backend:?}: {triage}");
        assert!(triage["reasons"].to_string().contains("interpreter needed"), "{backend:?}: {triage}");
        let desk = app.login("desk.ortiz").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{id}"), &desk).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_category_the_patient_chose_in_compose_is_honoured() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice_browser = Browser::sign_in(&app, "patient.alice").await;
        // "A question for my care team" about an appointment: the care team, not the front desk.
        let r = compose(&alice_browser, "question", "Knee", "Can I come in next Tuesday to talk about my knee?").await;
        assert!(r.status.is_redirection() || r.status.is_success(), "{}", r.status);
        // "Billing" about a bill: billing, whatever the classifier makes of it.
        let r = compose(&alice_browser, "billing", "Statement", "Why did my statement change this month?").await;
        assert!(r.status.is_redirection() || r.status.is_success(), "{}", r.status);

        let alice = app.login("patient.alice").await;
        let list = app.get("/api/v1/threads", &alice).await;
        let pool_of = |subject: &str| {
            list.body["threads"].as_array().expect("threads").iter().find(|t| t["subject"] == subject).map(|t| {
                (t["category"].as_str().unwrap_or("").to_owned(), t["pool"]["slug"].as_str().unwrap_or("").to_owned())
            })
        };
        assert_eq!(pool_of("Knee"), Some(("clinical".to_owned(), "nurse-triage".to_owned())));
        assert_eq!(pool_of("Statement"), Some(("administrative".to_owned(), "billing".to_owned())));
    }
}

#[tokio::test]
async fn the_clinic_profile_takes_an_after_hours_line_and_a_clinical_on_call() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let patch = |body: Value| app.call(Method::PATCH, "/api/v1/admin/clinic", Some(&admin), Some(body));
        let desk = format!("user:{}", app.id("desk.ortiz"));
        for (body, field) in [
            (json!({"on_call": desk}), "on_call"),
            (json!({"on_call": "pool:nowhere"}), "on_call"),
            (json!({"on_call": "rn.kim"}), "on_call"),
            (json!({"after_hours_phone": "call 555-0100"}), "after_hours_phone"),
        ] {
            let r = patch(body.clone()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {:?}", r.body);
            assert_eq!(r.body["field"], field, "{body}");
        }
        let r = patch(json!({"on_call": "pool:nurse-triage", "after_hours_phone": "+1 555-010-0123"})).await;
        assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
        let alice = app.login("patient.alice").await;
        let clinic = app.get("/api/v1/clinic", &alice).await;
        assert_eq!(
            (clinic.body["on_call"].as_str(), clinic.body["after_hours_phone"].as_str()),
            (Some("pool:nurse-triage"), Some("+1 555-010-0123"))
        );

        // With a pool on call, any member opening the thread counts.
        set_hours(&app, closed_now()).await;
        let created = start(&app, &alice, json!({"subject": "Help", "body": EMERGENCY})).await;
        assert_eq!(hrefs(&created["after_hours"]).last().map(String::as_str), Some("tel:+15550100123"));
        let thread = format!("/api/v1/threads/{}", created["id"].as_str().expect("id"));
        let lee = app.login("dr.lee").await;
        assert_eq!(app.get(&thread, &lee).await.body["on_call"]["seen"], true, "dr.lee is in the on-call pool");
    }
}

#[tokio::test]
async fn a_thread_kept_confidential_later_leaves_the_front_desk_pool() {
    for backend in backends() {
        let app = spawn(backend).await;
        let maya = app.login("patient.maya").await;
        let created = start(
            &app,
            &maya,
            json!({"subject": "Appointment", "category": "scheduling", "body": "Can I come in after school on Thursday?"}),
        )
        .await;
        assert_eq!(created["pool"]["slug"], "front-desk", "{created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let desk = app.login("desk.ortiz").await;
        assert_eq!(app.get(&format!("/api/v1/threads/{id}"), &desk).await.status, StatusCode::OK);

        let kept = app
            .call(
                Method::PUT,
                &format!("/api/v1/threads/{id}/confidential"),
                Some(&maya),
                Some(json!({"confidential": true})),
            )
            .await;
        assert_eq!(kept.status, StatusCode::OK, "{:?}", kept.body);
        assert_eq!(kept.body["pool"]["slug"], "nurse-triage", "{:?}", kept.body);
        assert_eq!(app.get(&format!("/api/v1/threads/{id}"), &desk).await.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn an_emergency_reply_after_hours_answers_with_the_numbers_to_call() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let created =
            start(&app, &alice, json!({"subject": "Knee", "body": "My knee is a bit stiff after the walk."})).await;
        let id = created["id"].as_str().expect("id").to_owned();
        set_hours(&app, closed_now()).await;
        let sent = app.post(&format!("/api/v1/threads/{id}/messages"), &alice, json!({"body": EMERGENCY})).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        assert_eq!(hrefs(&sent.body["after_hours"]), ["tel:911", "tel:988", "tel:+15550100199"], "{:?}", sent.body);
        let detail = app.get(&format!("/api/v1/threads/{id}"), &alice).await;
        assert!(detail.body["due_at"].is_null() && detail.body["after_hours"].is_object(), "{:?}", detail.body);
        // A routine reply after hours gets no guidance.
        let bob = app.login("patient.bob").await;
        let other = start(&app, &bob, json!({"subject": "Receta", "body": "Necesito más metformina"})).await;
        let other = other["id"].as_str().expect("id");
        let sent = app.post(&format!("/api/v1/threads/{other}/messages"), &bob, json!({"body": "Gracias"})).await;
        assert!(sent.body["after_hours"].is_null(), "{:?}", sent.body);
    }
}

#[tokio::test]
async fn administrators_see_which_pools_may_take_sensitive_messages() {
    let app = spawn(support::Backend::Sqlite).await;
    let html = page(&app, "admin", "/admin/pools").await;
    let section = |name: &str| {
        let start = html.find(&format!(">{name}</h2>")).unwrap_or_else(|| panic!("{name} section"));
        html[start..].split("</section>").next().unwrap_or("").to_owned()
    };
    assert!(section("Nurse triage").contains("Clinical pool: sensitive messages may be routed here."));
    for pool in ["Front desk", "Billing"] {
        assert!(section(pool).contains("Not a clinical pool"), "{pool}");
    }
}
