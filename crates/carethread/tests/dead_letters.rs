//! The outbox's dead letters over real HTTP, on both backends: an
//! administrator lists the jobs set aside (kind, runs, last error, when,
//! never a payload) and runs one again, which the audit log records with the
//! administrator as actor; everyone else is refused; the counts of pending
//! and dead jobs are on /metrics.

mod support;

use carethread_store::{JobState, NewJob};
use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{backends, spawn};

/// A notice job the worker would finish at once, set aside as if it had failed.
async fn dead_job(app: &support::TestApp) -> String {
    let now = Utc::now();
    let nobody = "00000000-0000-0000-0000-000000000000";
    let job = NewJob {
        kind: "deliver".to_owned(),
        payload: format!(r#"{{"job":"deliver","recipient":"{nobody}","notice":"new_message","thread":null}}"#),
        run_at: now - TimeDelta::seconds(1),
        dedupe_key: None,
    };
    app.store.enqueue_jobs(vec![job]).await.expect("enqueue");
    let claimed = app.store.claim_jobs(now, TimeDelta::seconds(60), 10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    app.store.bury_job(claimed[0].id, now, "smtp: the relay refused the connection").await.expect("bury");
    claimed[0].id.to_string()
}

#[tokio::test]
async fn an_administrator_lists_and_retries_a_dead_job_and_the_retry_is_audited() {
    for backend in backends() {
        let app = spawn(backend).await;
        let id = dead_job(&app).await;
        let admin = app.login("admin").await;
        let nurse = app.login("rn.kim").await;

        let listed = app.get("/api/v1/admin/jobs?state=dead", &admin).await;
        assert_eq!(listed.status, StatusCode::OK, "{backend:?}: {:?}", listed.body);
        let jobs = listed.body["jobs"].as_array().expect("jobs");
        assert_eq!(jobs.len(), 1, "{backend:?}");
        assert_eq!(jobs[0]["id"], json!(id));
        assert_eq!((jobs[0]["kind"].as_str(), jobs[0]["attempts"].as_u64()), (Some("deliver"), Some(1)));
        assert_eq!(jobs[0]["last_error"], "smtp: the relay refused the connection");
        assert!(jobs[0].get("payload").is_none(), "no payload is shown");
        let metrics = app.call(Method::GET, "/metrics", None, None).await;
        let text = String::from_utf8_lossy(&metrics.raw).into_owned();
        assert!(text.contains("carethread_jobs{state=\"dead\"} 1"), "{text}");

        let bad = app.get("/api/v1/admin/jobs?state=lost", &admin).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let refused = app.get("/api/v1/admin/jobs", &nurse).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
        let retry = format!("/api/v1/admin/jobs/{id}/retry");
        let refused = app.call(Method::POST, &retry, Some(&nurse), None).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert_eq!(app.store.jobs_in_state(JobState::Dead, 10).await.expect("dead").len(), 1, "nothing changed");

        let retried = app.call(Method::POST, &retry, Some(&admin), None).await;
        assert_eq!(retried.status, StatusCode::NO_CONTENT, "{backend:?}: {:?}", retried.body);
        assert!(app.store.jobs_in_state(JobState::Dead, 10).await.expect("dead").is_empty(), "{backend:?}");
        assert_eq!(app.store.jobs_in_state(JobState::Pending, 10).await.expect("pending").len(), 1);
        let again = app.call(Method::POST, &retry, Some(&admin), None).await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{backend:?}: no longer dead");
        let malformed = app.call(Method::POST, "/api/v1/admin/jobs/not-a-job/retry", Some(&admin), None).await;
        assert_eq!(malformed.status, StatusCode::NOT_FOUND, "{backend:?}");

        let auditor = app.login("auditor").await;
        let log = app.get("/api/v1/audit?action=admin.job_retry", &auditor).await;
        let entries = log.body["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), 1, "{backend:?}: {entries:?}");
        assert_eq!(entries[0]["actor"]["id"], json!(app.id("admin")), "{backend:?}");
    }
}
