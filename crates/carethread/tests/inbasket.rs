//! The in-basket a nurse works all day, at the size of a busy clinic: every
//! thread is reachable page by page (no cap), and within an urgency the
//! thread that has waited longest (the most overdue) comes first, on the
//! portal and in the API alike, on both backends.

mod support;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::message::MessageBody;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency};
use carethread_store::{NewThread, TriageRecord};
use chrono::{TimeDelta, Utc};
use reqwest::StatusCode;
use support::browser::{Browser, value_after};
use support::{TestApp, backends, spawn};

/// A routine thread Alice started `days_ago`, written straight to the store
/// (the API stamps every thread with the present moment).
async fn old_thread(app: &TestApp, subject: &str, days_ago: i64) -> String {
    let alice = app.clinic.user("patient.alice").expect("alice").id;
    let then = Utc::now() - TimeDelta::days(days_ago);
    let pool = Some("nurse-triage".to_owned());
    let written = app
        .store
        .create_thread(NewThread {
            patient_id: alice,
            author_id: alice,
            subject: Subject::parse(subject).expect("subject"),
            body: MessageBody::parse("Is the rash on my arm something to worry about?", 5000).expect("body"),
            category: Category::Clinical,
            urgency: Urgency::Routine,
            pool_slug: pool.clone(),
            assignee_id: None,
            status: ThreadStatus::Open,
            confidential: false,
            triage: TriageRecord {
                urgency: Urgency::Routine,
                category: Category::Clinical,
                pool_slug: pool,
                confidence: 0.9,
                reasons: vec![],
                model_id: "test".into(),
                model_version: "1".into(),
                needs_review: false,
                overridden_by: None,
            },
            idempotency: None,
            now: then,
            audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((alice, Role::Patient)), then)],
        })
        .await
        .expect("thread");
    written.thread_id.to_string()
}

/// The thread links of a portal list page, in order.
fn thread_links(html: &str) -> Vec<String> {
    html.split("href=\"/threads/").skip(1).filter_map(|rest| rest.split('"').next()).map(str::to_owned).collect()
}

#[tokio::test]
async fn every_open_thread_is_reachable_and_the_most_overdue_comes_first() {
    for backend in backends() {
        let app = spawn(backend).await;
        let overdue = old_thread(&app, "Waiting ten days", 10).await;
        let alice = app.login("patient.alice").await;
        let mut fresh = Vec::new();
        for n in 0..205 {
            fresh.push(
                app.new_thread(&alice, &format!("Refill {n}"), &format!("Please refill my vitamin D, order {n}."))
                    .await,
            );
        }
        let later = old_thread(&app, "Waiting three days", 3).await;

        // The portal: the most overdue first, then the next most overdue; every thread on some page.
        let kim = Browser::sign_in(&app, "rn.kim").await;
        let mut page = kim.get("/inbasket?urgency=routine").await;
        assert_eq!(page.status, StatusCode::OK);
        let first = thread_links(&page.html);
        assert_eq!(first.len(), 50, "{backend:?}: a page of 50");
        assert_eq!(&first[..2], [overdue.clone(), later.clone()], "{backend:?}: longest waiting first");
        let mut seen: Vec<String> = first;
        let mut pages = 1;
        loop {
            let next = value_after(&page.html, "rel=\"next\" href=\"").replace("&amp;", "&");
            if next.is_empty() {
                break;
            }
            page = kim.get(&next).await;
            assert_eq!(page.status, StatusCode::OK, "{next}");
            seen.extend(thread_links(&page.html));
            pages += 1;
            assert!(pages < 20, "{backend:?}: the pages end");
        }
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), seen.len(), "{backend:?}: no thread on two pages");
        assert!(seen.len() > 200 && pages >= 5, "{backend:?}: {} threads on {pages} pages", seen.len());

        // The API pages through the same query: the same threads in the same order.
        let token = app.login("rn.kim").await;
        let mut listed = Vec::new();
        let mut cursor = String::new();
        loop {
            let path = format!("/api/v1/threads?status=open&urgency=routine&limit=100{cursor}");
            let api = app.get(&path, &token).await;
            assert_eq!(api.status, StatusCode::OK, "{path}");
            listed.extend(
                api.body["threads"]
                    .as_array()
                    .expect("threads")
                    .iter()
                    .filter_map(|t| t["id"].as_str().map(str::to_owned)),
            );
            match api.body["next_cursor"].as_str() {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(listed, seen, "{backend:?}: the API and the portal list the same threads in the same order");
        assert!(fresh.iter().filter(|id| listed.contains(id)).count() > 150, "{backend:?}: most refills are routine");
        let bad = app.get("/api/v1/threads?urgency=soon", &token).await;
        assert_eq!((bad.status, bad.body["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("urgency")));
    }
}
