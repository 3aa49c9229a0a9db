//! Drafting end to end on both databases: a clinician asks for a draft,
//! edits and sends it; the patient never sees the draft; what was kept is
//! right; patients cannot draft; switched off means switched off; the reply
//! library, quick replies and readability feedback work.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{PASSWORD, TestApp, backends, spawn};

async fn draft(app: &TestApp, token: &str, thread: &str, body: Value) -> support::Reply {
    app.post(&format!("/api/v1/threads/{thread}/drafts"), token, body).await
}

fn clinician<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["clinicians"]
        .as_array()
        .expect("clinicians")
        .iter()
        .find(|c| c["clinician"]["display_name"] == name)
        .expect("clinician")
}

#[tokio::test]
async fn a_clinician_drafts_edits_and_sends_and_the_report_counts_it() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let admin = app.login("admin").await;
        let thread = app
            .post("/api/v1/threads", &alice, json!({"subject": "Refill", "body": "I'm almost out of my lisinopril, please send it to the CVS on Main Street.", "category": "medication"}))
            .await
            .body["id"]
            .as_str()
            .expect("id")
            .to_owned();

        let drafted = draft(&app, &lee, &thread, json!({})).await;
        assert_eq!(drafted.status, StatusCode::CREATED, "{:?}", drafted.body);
        assert_eq!(drafted.body["reply_needed"], true);
        assert_eq!(drafted.body["model"]["id"], "carethread-replies");
        let text = drafted.body["body"].as_str().expect("body").to_owned();
        assert!(text.contains("Alice") && text.contains("CVS") && text.contains("Dr. Grace Lee"), "{text}");
        assert!(drafted.body["readability"]["grade"].as_f64().expect("grade") <= 8.0);
        let draft_id = drafted.body["id"].as_str().expect("id").to_owned();

        // The patient sees no draft: her thread still has her one message.
        let seen = app.get(&format!("/api/v1/threads/{thread}"), &alice).await;
        assert_eq!(seen.body["messages"].as_array().expect("messages").len(), 1);
        assert!(!seen.body.to_string().contains("We sent your refill"), "{backend:?}: a draft leaked to the patient");

        // The clinician edits and sends.
        let edited = text.replace("It should be ready", "It will be ready");
        let sent = app
            .post(&format!("/api/v1/threads/{thread}/messages"), &lee, json!({"body": edited, "draft_id": draft_id}))
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        assert_eq!(sent.body["ai_assisted"], true);
        let shown = sent.body["body"].as_str().expect("body");
        assert!(shown.ends_with("Drafted with the help of software and reviewed by Dr. Grace Lee."), "{shown}");
        let again = app
            .post(&format!("/api/v1/threads/{thread}/messages"), &lee, json!({"body": "again", "draft_id": draft_id}))
            .await;
        assert_eq!(again.status, StatusCode::CONFLICT, "a draft is used once");

        let report = app.get("/api/v1/admin/ai", &admin).await;
        assert_eq!(report.status, StatusCode::OK, "{:?}", report.body);
        let figures = clinician(&report.body, "Dr. Grace Lee");
        assert_eq!(figures["drafts_generated"], 1);
        assert_eq!(figures["drafts_sent"], 1);
        assert_eq!(figures["drafts_sent_unchanged"], 0);
        assert_eq!(figures["utilisation"], 1.0);
        let expected = carethread_draft::edit_distance(&text, &edited) as f64;
        assert_eq!(figures["mean_edit_distance"].as_f64(), Some(expected), "{backend:?}");
        assert_eq!(figures["replies"], 1);
        assert!(figures["mean_reading_grade"].as_f64().is_some_and(|g| g <= 8.0));
        assert_eq!(report.body["clinic"]["drafts_generated"], 1);
    }
}

#[tokio::test]
async fn patients_cannot_draft_thanks_get_no_draft_and_switched_off_means_off() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let admin = app.login("admin").await;
        let thread = app.new_thread(&alice, "Thanks", "Thank you so much!").await;
        assert_eq!(draft(&app, &alice, &thread, json!({})).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            draft(&app, &app.login("proxy.carol").await, &thread, json!({})).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            draft(&app, &app.login("patient.bob").await, &thread, json!({})).await.status,
            StatusCode::NOT_FOUND
        );

        let none = draft(&app, &lee, &thread, json!({})).await;
        assert_eq!(none.status, StatusCode::CREATED);
        assert_eq!(none.body["reply_needed"], false);
        assert!(none.body["body"].is_null());
        assert!(none.body["reasons"].to_string().contains("close"));
        let id = none.body["id"].as_str().expect("id");
        let misuse =
            app.post(&format!("/api/v1/threads/{thread}/messages"), &lee, json!({"body": "Hi", "draft_id": id})).await;
        assert_eq!(misuse.body["field"], "draft_id");

        let off =
            app.call(Method::PATCH, "/api/v1/admin/ai", Some(&admin), Some(json!({"drafting_enabled": false}))).await;
        assert_eq!(off.status, StatusCode::OK);
        assert_eq!(off.body["drafting_enabled"], false);
        let refused = draft(&app, &lee, &thread, json!({})).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert!(refused.body["detail"].as_str().is_some_and(|d| d.contains("switched off")));
    }
}

#[tokio::test]
async fn the_clinic_edits_its_reply_library_and_the_disclosure_line() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let admin = app.login("admin").await;
        let path = "/api/v1/admin/ai/replies/refill_sent/en";
        let mine = "Hello {first_name}, your refill is on its way to {pharmacy}. {clinician}, {clinic}";
        assert_eq!(
            app.call(Method::PUT, path, Some(&admin), Some(json!({"body": mine}))).await.status,
            StatusCode::NO_CONTENT
        );
        let dose =
            app.call(Method::PUT, path, Some(&admin), Some(json!({"body": "Take 20 mg daily, {first_name}."}))).await;
        assert_eq!(dose.body["field"], "body");
        let unknown = app.call(Method::PUT, path, Some(&admin), Some(json!({"body": "Hi {patient_full_name}"}))).await;
        assert_eq!(unknown.body["field"], "body");
        assert_eq!(
            app.call(Method::PUT, path, Some(&lee), Some(json!({"body": mine}))).await.status,
            StatusCode::FORBIDDEN
        );
        let library = app.get("/api/v1/admin/ai/replies", &admin).await;
        assert!(
            library.body["replies"]
                .as_array()
                .expect("replies")
                .iter()
                .any(|r| r["situation"] == "refill_sent" && r["custom"] == true)
        );

        let thread = app
            .post(
                "/api/v1/threads",
                &alice,
                json!({"subject": "Refill", "body": "Refill my inhaler at Walgreens please", "category": "medication"}),
            )
            .await
            .body["id"]
            .as_str()
            .expect("id")
            .to_owned();
        let d = draft(&app, &lee, &thread, json!({})).await;
        assert_eq!(
            d.body["body"], "Hello Alice, your refill is on its way to Walgreens. Dr. Grace Lee, CareThread Clinic",
            "{backend:?}"
        );
        // Without the disclosure line, an AI-assisted reply is still marked.
        app.call(Method::PATCH, "/api/v1/admin/ai", Some(&admin), Some(json!({"disclosure_enabled": false}))).await;
        let sent = app
            .post(
                &format!("/api/v1/threads/{thread}/messages"),
                &lee,
                json!({"body": d.body["body"], "draft_id": d.body["id"]}),
            )
            .await;
        assert_eq!(sent.body["ai_assisted"], true);
        assert!(!sent.body["body"].as_str().expect("body").contains("Drafted with"));
        let report = app.get("/api/v1/admin/ai", &admin).await;
        assert_eq!(clinician(&report.body, "Dr. Grace Lee")["drafts_sent_unchanged"], 1);
        // Back to the built-in reply.
        assert_eq!(app.call(Method::DELETE, path, Some(&admin), None).await.status, StatusCode::NO_CONTENT);
    }
}

#[tokio::test]
async fn quick_replies_expand_for_the_patient_and_readability_feedback_names_jargon() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let kim = app.login("rn.kim").await;
        let admin = app.login("admin").await;
        let thread = app.new_thread(&alice, "Question", "When is the clinic open on Saturday?").await;
        let mine = app
            .post(
                "/api/v1/quick-replies",
                &kim,
                json!({"code": ".hours", "body": "Hi {first_name}, we are open 9 to 1 on Saturdays. {clinician}"}),
            )
            .await;
        assert_eq!(mine.status, StatusCode::CREATED, "{:?}", mine.body);
        let clinic = app
            .post(
                "/api/v1/quick-replies",
                &admin,
                json!({"code": "hours", "body": "Clinic hours: see our website.", "clinic_wide": true}),
            )
            .await;
        assert_eq!(clinic.status, StatusCode::CREATED);
        assert_eq!(
            app.post("/api/v1/quick-replies", &kim, json!({"code": "x", "body": "b", "clinic_wide": true}))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post("/api/v1/quick-replies", &kim, json!({"code": "hours", "body": "dup"})).await.status,
            StatusCode::CONFLICT
        );
        // The clinician's own wins over the clinic's.
        let expanded = app.get(&format!("/api/v1/threads/{thread}/quick-replies/.hours"), &kim).await;
        assert_eq!(
            expanded.body["body"],
            "Hi Alice, we are open 9 to 1 on Saturdays. Kim Nguyen RN"
                .replace("Kim Nguyen RN", app.clinic.user("rn.kim").expect("kim").display_name.as_str()),
            "{backend:?}"
        );
        assert_eq!(
            app.get(&format!("/api/v1/threads/{thread}/quick-replies/nope"), &kim).await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get(&format!("/api/v1/threads/{thread}/quick-replies/hours"), &alice).await.status,
            StatusCode::FORBIDDEN
        );
        let listed = app.get("/api/v1/quick-replies", &kim).await;
        assert_eq!(listed.body["quick_replies"].as_array().expect("list").len(), 2);
        let id = mine.body["id"].as_str().expect("id");
        assert_eq!(
            app.call(Method::DELETE, &format!("/api/v1/quick-replies/{id}"), Some(&alice), None).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.call(Method::DELETE, &format!("/api/v1/quick-replies/{id}"), Some(&kim), None).await.status,
            StatusCode::NO_CONTENT
        );

        let feedback = app
            .post("/api/v1/readability", &kim, json!({"text": "Your hypertension is controlled. We will titrate the dose. I understand this is a lot."}))
            .await;
        assert_eq!(feedback.status, StatusCode::OK);
        assert_eq!(feedback.body["formula"], "flesch_kincaid");
        let jargon = feedback.body["jargon"].to_string();
        assert!(jargon.contains("high blood pressure") && jargon.contains("titrate"), "{jargon}");
        assert_eq!(feedback.body["empathy"], true);
        assert_eq!(feedback.body["sentences"], 3);
        let spanish =
            app.post("/api/v1/readability", &kim, json!({"text": "Su receta está lista.", "language": "es"})).await;
        assert_eq!(spanish.body["formula"], "fernandez_huerta");
        assert_eq!(
            app.post("/api/v1/readability", &kim, json!({"text": "x", "language": "fr"})).await.body["field"],
            "language"
        );
        assert_eq!(app.post("/api/v1/readability", &alice, json!({"text": "x"})).await.status, StatusCode::FORBIDDEN);
    }
}

/// A thread the patient starts, and the thread's urgency as triaged.
async fn patient_thread(app: &TestApp, token: &str, subject: &str, body: &str) -> (String, String) {
    let created = app.post("/api/v1/threads", token, json!({"subject": subject, "body": body})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    let id = created.body["id"].as_str().expect("id").to_owned();
    (id, created.body["urgency"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_self_harm_message_gets_the_crisis_draft_with_988_never_a_routine_reply() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let (thread, urgency) =
            patient_thread(&app, &alice, "I can't do this", "Everyone would be better off without me.").await;
        assert_eq!(urgency, "emergency", "{backend:?}");
        let drafted = draft(&app, &lee, &thread, json!({})).await;
        assert_eq!(drafted.status, StatusCode::CREATED, "{:?}", drafted.body);
        let body = drafted.body["body"].as_str().expect("a crisis draft").to_owned();
        assert!(body.contains("988") && body.contains("trying to reach you by phone"), "{backend:?}: {body}");
        assert!(!body.contains("business days") && !body.contains("chest pain"), "{backend:?}: {body}");
        assert!(body.find("988") < body.find("911"), "988 comes first: {body}");

        // In Spanish for a Spanish-speaking patient.
        let me = app.call(Method::PATCH, "/api/v1/me", Some(&alice), Some(json!({"language": "es"}))).await;
        assert_eq!(me.status, StatusCode::OK, "{:?}", me.body);
        let (thread, _) = patient_thread(&app, &alice, "Ya no puedo", "Me quiero morir.").await;
        let body = draft(&app, &lee, &thread, json!({})).await.body["body"].as_str().expect("body").to_owned();
        assert!(body.contains("988") && body.contains("por teléfono") && !body.contains("días"), "{backend:?}: {body}");
    }
}

#[tokio::test]
async fn an_emergency_thread_gets_911_first_and_no_promised_reply_time() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let (thread, urgency) =
            patient_thread(&app, &alice, "Chest pain", "I have crushing chest pain and my left arm is numb.").await;
        assert_eq!(urgency, "emergency", "{backend:?}");
        let body = draft(&app, &lee, &thread, json!({})).await.body["body"].as_str().expect("body").to_owned();
        assert!(body.contains("911") && body.contains("trying to reach you by phone"), "{backend:?}: {body}");
        assert!(!body.contains("988") && !body.contains("business days"), "{backend:?}: {body}");
    }
}

#[tokio::test]
async fn typed_jargon_is_flagged_with_plain_words_before_sending() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let kim = app.login("rn.kim").await;
        let typed = "Your strep test confirms pharyngitis. Take the lozenges PRN.";
        let checked = app.post("/api/v1/drafts/check", &kim, json!({"body": typed, "language": "en"})).await;
        assert_eq!(checked.status, StatusCode::OK, "{backend:?}: {:?}", checked.body);
        let jargon = checked.body["jargon"].as_array().expect("jargon");
        let plain = |term: &str| jargon.iter().find(|j| j["term"] == term).map(|j| j["plain"].clone());
        assert_eq!(plain("pharyngitis"), Some(json!("sore throat")), "{jargon:?}");
        assert_eq!(plain("prn"), Some(json!("as needed")), "{jargon:?}");
        assert!(checked.body["grade"].as_f64().is_some());
        assert_eq!(checked.body["target_grade"], 8.0);

        let clear =
            app.post("/api/v1/drafts/check", &kim, json!({"body": "Your sore throat should get better."})).await;
        assert_eq!(clear.body["jargon"], json!([]));
        assert_eq!(clear.body["above_target"], false);
        let empty = app.post("/api/v1/drafts/check", &kim, json!({"body": "  "})).await;
        assert_eq!((empty.status, empty.body["field"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("body")));
        let french = app.post("/api/v1/drafts/check", &kim, json!({"body": "x", "language": "fr"})).await;
        assert_eq!(french.body["field"], "language");
        assert_eq!(
            app.post("/api/v1/drafts/check", &alice, json!({"body": typed})).await.status,
            StatusCode::FORBIDDEN
        );
    }
}

#[tokio::test]
async fn a_reply_the_clinician_rewrote_is_not_ai_assisted_but_an_edited_draft_is() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = app.login("dr.lee").await;
        let admin = app.login("admin").await;
        let question = "Do you have parking at the new building?";

        // Rewritten: the clinician kept the greeting and signature, wrote the rest.
        let thread = app.new_thread(&alice, "Parking", question).await;
        let d = draft(&app, &lee, &thread, json!({})).await;
        let own = "Hi Alice,\nYes: the garage under the new building is free for patients. Take a ticket at the \
                   gate and bring it to the front desk.\nDr. Grace Lee";
        let sent = app
            .post(&format!("/api/v1/threads/{thread}/messages"), &lee, json!({"body": own, "draft_id": d.body["id"]}))
            .await;
        assert_eq!(sent.status, StatusCode::CREATED, "{:?}", sent.body);
        assert_eq!(sent.body["ai_assisted"], false, "{backend:?}: a rewrite is the clinician's own reply");
        assert_eq!(sent.body["body"], own, "{backend:?}: no disclosure line on a rewrite");
        let report = app.get("/api/v1/admin/ai", &admin).await;
        let figures = clinician(&report.body, "Dr. Grace Lee");
        assert_eq!((figures["drafts_generated"].clone(), figures["drafts_sent"].clone()), (json!(1), json!(0)));

        // Edited: a few words changed, the draft is still there.
        let thread = app.new_thread(&alice, "Parking again", question).await;
        let d = draft(&app, &lee, &thread, json!({})).await;
        let edited = d.body["body"].as_str().expect("body").replace("within two business days", "today");
        let sent = app
            .post(
                &format!("/api/v1/threads/{thread}/messages"),
                &lee,
                json!({"body": edited, "draft_id": d.body["id"]}),
            )
            .await;
        assert_eq!(sent.body["ai_assisted"], true, "{backend:?}");
        assert!(sent.body["body"].as_str().expect("body").contains("Drafted with the help of software"));
        let report = app.get("/api/v1/admin/ai", &admin).await;
        assert_eq!(clinician(&report.body, "Dr. Grace Lee")["drafts_sent"], 1, "{backend:?}");
    }
}

#[tokio::test]
async fn a_typed_reply_on_a_self_harm_thread_is_told_to_give_988_and_promise_no_reply_time() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let kim = app.login("rn.kim").await;
        let (thread, _) =
            patient_thread(&app, &alice, "I can't do this", "Everyone would be better off without me.").await;
        let typed = "Hi Alice, thanks for your message. We will get back to you within two business days.";
        let checked = app.post("/api/v1/drafts/check", &kim, json!({"body": typed, "thread_id": thread})).await;
        assert_eq!(checked.status, StatusCode::OK, "{backend:?}: {:?}", checked.body);
        assert_eq!(checked.body["crisis"], "self_harm");
        let codes: Vec<&str> = checked.body["emergency_problems"]
            .as_array()
            .expect("problems")
            .iter()
            .filter_map(|p| p["code"].as_str())
            .collect();
        assert_eq!(codes, ["promises_reply_time", "missing_crisis_line"], "{backend:?}");
        assert_eq!(checked.body["emergency_problems"][1]["line"], "988");

        let good =
            "Hi Alice, call or text 988 now. If you are in danger, call 911. We are trying to reach you by phone.";
        let checked = app.post("/api/v1/drafts/check", &kim, json!({"body": good, "thread_id": thread})).await;
        assert_eq!(checked.body["emergency_problems"], json!([]), "{backend:?}");

        let routine = app.new_thread(&alice, "Parking", "Do you have parking at the new building?").await;
        let checked = app.post("/api/v1/drafts/check", &kim, json!({"body": typed, "thread_id": routine})).await;
        assert_eq!((checked.body["emergency_problems"].clone(), checked.body.get("crisis")), (json!([]), None));
        let nowhere = app
            .post(
                "/api/v1/drafts/check",
                &kim,
                json!({"body": typed, "thread_id": "0190d2a0-0000-7000-8000-000000000000"}),
            )
            .await;
        assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    }
}

/// A clinician's browser session in the portal: (client, cookie, CSRF token).
async fn portal_session(app: &TestApp, username: &str) -> (reqwest::Client, String, String) {
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let signed_in = http
        .post(format!("{}/api/v1/session", app.base))
        .json(&json!({"username": username, "password": PASSWORD, "cookie": true}))
        .send()
        .await
        .expect("sign in");
    let cookie = signed_in
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.split(';').next().filter(|p| p.starts_with("carethread_session=")))
        .expect("session cookie")
        .to_owned();
    let cookie = format!("{cookie}; carethread_welcomed=1");
    let help = http.get(format!("{}/help", app.base)).header(reqwest::header::COOKIE, &cookie).send().await;
    let html = help.expect("help").text().await.unwrap_or_default();
    let marker = "name=\"csrf_token\" value=\"";
    let csrf = html.find(marker).map(|i| html[i + marker.len()..].chars().take_while(|c| *c != '"').collect());
    (http, cookie, csrf.expect("a CSRF token on the page"))
}

/// The reply form's "Check wording" button: the thread page again, with the typed text and its feedback.
async fn check_in_portal(app: &TestApp, lee: &(reqwest::Client, String, String), thread: &str, typed: &str) -> String {
    let (http, cookie, csrf) = lee;
    let form = reqwest::multipart::Form::new().text("csrf_token", csrf.clone()).text("body", typed.to_owned());
    let page = http
        .post(format!("{}/threads/{thread}/check-wording", app.base))
        .header(reqwest::header::COOKIE, cookie)
        .multipart(form)
        .send()
        .await
        .expect("check wording");
    assert_eq!(page.status(), StatusCode::OK);
    page.text().await.unwrap_or_default()
}

#[tokio::test]
async fn the_portal_reply_box_checks_the_typed_wording_and_keeps_the_text() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let lee = portal_session(&app, "dr.lee").await;
        let thread = app.new_thread(&alice, "Sore throat", "My throat hurts when I swallow. What should I do?").await;

        let typed = "Your strep test confirms pharyngitis. Take the lozenges PRN.";
        let html = check_in_portal(&app, &lee, &thread, typed).await;
        assert!(html.contains(typed), "{backend:?}: the typed text is kept in the reply box");
        assert!(html.contains("pharyngitis → sore throat") && html.contains("prn → as needed"), "{backend:?}");
        assert!(html.contains("Reading level: grade"), "{backend:?}");
        // The same feedback follows the typing when scripts run: the live region and where to ask.
        assert!(html.contains(r#"id="reply-feedback""#) && html.contains(r#"data-check-url="/api/v1/drafts/check""#));

        let (crisis, _) =
            patient_thread(&app, &alice, "I can't do this", "Everyone would be better off without me.").await;
        let html = check_in_portal(&app, &lee, &crisis, "We will get back to you within two business days.").await;
        assert!(html.contains("give the crisis line 988 first"), "{backend:?}");
        assert!(html.contains("promise no reply time"), "{backend:?}");
    }
}
