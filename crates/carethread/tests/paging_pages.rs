//! What staff and administrators see of paging and the outbox in the portal,
//! over real HTTP on both backends: the clinic form sets the interval, the
//! pages before escalating and the escalation chain in order (and the API
//! shows them); an emergency thread shows staff who was paged, how and who
//! acknowledged it; the failed-jobs page lists a dead job and runs it again.

mod support;

use carethread_store::{JobEffects, JobState, NewJob, SentNotice};
use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use serde_json::json;
use support::browser::Browser;
use support::{TestApp, backends, spawn};

/// A job claimed at once, so the test can finish or bury it as the worker would.
async fn claimed(app: &TestApp) -> carethread_store::JobId {
    let now = Utc::now();
    let job = NewJob {
        kind: "deliver".to_owned(),
        payload: r#"{"job":"deliver","recipient":"00000000-0000-0000-0000-000000000000","notice":"new_message","thread":null}"#
            .to_owned(),
        run_at: now - TimeDelta::seconds(1),
        dedupe_key: None,
    };
    app.store.enqueue_jobs(vec![job]).await.expect("enqueue");
    let claimed = app.store.claim_jobs(now, TimeDelta::seconds(60), 10).await.expect("claim");
    claimed[0].id
}

#[tokio::test]
async fn the_clinic_form_sets_the_paging_interval_repeats_and_escalation_chain_in_order() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let (lee, kim) = (app.id("dr.lee"), app.id("rn.kim"));
        let page = admin.get("/admin/clinic").await;
        for needle in [
            "name=\"repage_minutes\"",
            "name=\"repages_before_escalation\"",
            "name=\"escalation\"",
            "id=\"escalation-3\"",
        ] {
            assert!(page.html.contains(needle), "{backend:?}: {needle}");
        }
        let token = app.login("admin").await;
        let before = app.get("/api/v1/clinic", &token).await.body;
        let hours = [
            ("timezone", before["timezone"].as_str().expect("zone").to_owned()),
            ("opens_at", before["opens_at"].as_str().expect("opens").to_owned()),
            ("closes_at", before["closes_at"].as_str().expect("closes").to_owned()),
        ];
        let mut form: Vec<(&str, String)> = hours.to_vec();
        for day in before["open_days"].as_array().expect("days") {
            form.push(("day", day.to_string()));
        }
        form.extend([
            ("repage_minutes", "15".to_owned()),
            ("repages_before_escalation", "2".to_owned()),
            ("escalation", kim.clone()),
            ("escalation", String::new()),
            ("escalation", lee.clone()),
        ]);
        let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let saved = admin.post("/admin/clinic", &fields).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{backend:?}: {}", saved.html);
        let clinic = app.get("/api/v1/clinic", &token).await.body;
        assert_eq!(clinic["escalation"], json!([kim, lee]), "{backend:?}: in order, blanks skipped");
        assert_eq!(
            (clinic["repage_minutes"].as_u64(), clinic["repages_before_escalation"].as_u64()),
            (Some(15), Some(2))
        );
        let page = admin.get("/admin/clinic").await;
        assert!(page.html.contains("value=\"15\""), "{backend:?}");

        // Out of range: refused at its field, nothing saved.
        let mut wrong = fields.clone();
        wrong.retain(|(k, _)| *k != "repage_minutes");
        wrong.push(("repage_minutes", "1"));
        let refused = admin.post("/admin/clinic", &wrong).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains("repage-minutes-error"), "{backend:?}");
        assert_eq!(app.get("/api/v1/clinic", &token).await.body["repage_minutes"], 15);

        // The API takes the same; a patient is no link in the chain.
        let alice = app.id("patient.alice");
        let patched = app
            .call(reqwest::Method::PATCH, "/api/v1/admin/clinic", Some(&token), Some(json!({"escalation": [alice]})))
            .await;
        assert_eq!(patched.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let patched = app
            .call(reqwest::Method::PATCH, "/api/v1/admin/clinic", Some(&token), Some(json!({"escalation": [lee]})))
            .await;
        assert_eq!(patched.status, StatusCode::OK, "{backend:?}");
        assert_eq!(patched.body["escalation"], json!([lee]));
    }
}

#[tokio::test]
async fn staff_see_on_the_thread_who_was_paged_and_who_acknowledged_it() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Help", "I have crushing chest pain and can't breathe").await;
        let kim = app.id("rn.kim");
        let job = claimed(&app).await;
        let page = SentNotice {
            recipient_id: kim.parse().expect("id"),
            thread_id: Some(thread.parse().expect("id")),
            kind: "emergency_page".to_owned(),
            channel: "email".to_owned(),
            sent_at: Utc::now() - TimeDelta::minutes(1),
        };
        app.store
            .finish_job(job, Utc::now(), JobEffects { sent: vec![page], follow_ups: Vec::new() })
            .await
            .expect("sent");

        let nurse = app.login("rn.kim").await;
        let before = app.get(&format!("/api/v1/threads/{thread}/pages"), &nurse).await;
        assert_eq!(before.status, StatusCode::OK, "{backend:?}: {:?}", before.body);
        assert_eq!(before.body["pages"][0]["kind"], "page");
        assert_eq!(before.body["pages"][0]["person_id"], json!(kim));
        assert_eq!(before.body["acknowledged"], serde_json::Value::Null, "{backend:?}");

        let lee = Browser::sign_in(&app, "dr.lee").await;
        let shown = lee.get(&format!("/threads/{thread}")).await;
        assert_eq!(shown.status, StatusCode::OK);
        assert!(shown.html.contains("Nurse Daniel Kim paged") && shown.html.contains("by e-mail"), "{backend:?}");
        assert!(shown.html.contains("Acknowledged by Dr. Grace Lee"), "{backend:?}: opening it acknowledges it");
        let after = app.get(&format!("/api/v1/threads/{thread}/pages"), &nurse).await;
        assert_eq!(after.body["acknowledged"]["person_id"], json!(app.id("dr.lee")), "{backend:?}");

        let patient = Browser::sign_in(&app, "patient.alice").await;
        let hers = patient.get(&format!("/threads/{thread}")).await;
        assert!(!hers.html.contains("Nurse Daniel Kim paged"), "{backend:?}: patients do not see pages");
        let refused = app.get(&format!("/api/v1/threads/{thread}/pages"), &alice).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
    }
}

#[tokio::test]
async fn the_failed_jobs_page_lists_a_dead_job_and_runs_it_again() {
    for backend in backends() {
        let app = spawn(backend).await;
        let job = claimed(&app).await;
        app.store.bury_job(job, Utc::now(), "smtp: connection refused").await.expect("bury");
        let admin = Browser::sign_in(&app, "admin").await;
        let page = admin.get("/admin/jobs").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.html.contains("Notice to one person") && page.html.contains("smtp: connection refused"),
            "{backend:?}"
        );
        let retried = admin.post(&format!("/admin/jobs/{job}/retry"), &[]).await;
        assert_eq!(
            (retried.status, retried.location.as_str()),
            (StatusCode::SEE_OTHER, "/admin/jobs?saved=1"),
            "{backend:?}"
        );
        assert_eq!(app.store.jobs_in_state(JobState::Pending, 10).await.expect("pending").len(), 1, "{backend:?}");
        let page = admin.get("/admin/jobs").await;
        assert!(page.html.contains("No failed jobs."), "{backend:?}");
        let nurse = Browser::sign_in(&app, "rn.kim").await;
        let refused = nurse.post(&format!("/admin/jobs/{job}/retry"), &[]).await;
        assert_eq!((refused.status, refused.location.as_str()), (StatusCode::SEE_OTHER, "/"), "{backend:?}");
    }
}

#[tokio::test]
async fn staff_filter_for_replies_not_read_in_time_in_the_api_and_the_in_basket() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Refill", "Can I get my inhaler refilled?").await;
        let nurse = app.login("rn.kim").await;
        let replied = app.post(&format!("/api/v1/threads/{thread}/messages"), &nurse, json!({"body": "Ready"})).await;
        assert_eq!(replied.status, StatusCode::CREATED);
        // A reply sent just now has not waited two days.
        let listed = app.get("/api/v1/threads?unread_reply=true&status=awaiting_patient", &nurse).await;
        assert_eq!(listed.status, StatusCode::OK, "{backend:?}: {:?}", listed.body);
        assert_eq!(listed.body["threads"], json!([]), "{backend:?}");
        let everything = app.get("/api/v1/threads?unread_reply=false&status=awaiting_patient", &nurse).await;
        assert_eq!(everything.body["threads"].as_array().map(Vec::len), Some(1), "{backend:?}");
        let bad = app.get("/api/v1/threads?unread_reply=maybe", &nurse).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let browser = Browser::sign_in(&app, "rn.kim").await;
        let page = browser.get("/inbasket?status=unread_reply").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.html.contains("<option value=\"unread_reply\" selected"), "{backend:?}");
        assert!(!page.html.contains(&format!("/threads/{thread}\"")), "{backend:?}: not yet");
    }
}
