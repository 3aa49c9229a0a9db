//! Overdue escalation reaches a pool's lead, over the JSON API and in the
//! portal, on both backends: an administrator names the lead (a member of
//! the pool; anything else is refused with a problem body naming the field,
//! nothing saved), a thread in the pool goes past its reply target, and the
//! lead and the assignee find it at the top of their in-basket and in
//! `/api/v1/me/overdue` until someone replies. Who may call which route is
//! in the walk of every route with every role (`access_matrix.rs`).

mod support;

use carethread_core::clinic::ClinicSettings;
use chrono::Utc;
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::browser::Browser;
use support::{TestApp, backends, spawn};

/// Runs the overdue scan as every `carethread serve` does each minute (the test server runs no worker).
async fn scan(app: &TestApp) {
    let worker = carethread_app::App::new(app.store.clone(), ClinicSettings::default());
    let now = Utc::now();
    carethread_app::jobs::overdue::seed(&worker, now).await;
    carethread_app::jobs::run_due(&worker, now).await;
}

fn overdue_ids(body: &serde_json::Value) -> Vec<String> {
    body["overdue"]
        .as_array()
        .expect("overdue list")
        .iter()
        .map(|n| n["thread_id"].as_str().expect("id").to_owned())
        .collect()
}

#[tokio::test]
async fn the_pool_lead_and_the_assignee_see_an_overdue_thread_until_someone_replies() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let pools = app.get("/api/v1/admin/pools", &admin).await;
        let triage = pools.body["pools"]
            .as_array()
            .expect("pools")
            .iter()
            .find(|p| p["slug"] == "nurse-triage")
            .expect("nurse triage")
            .clone();
        assert_eq!(triage["lead_user_id"], json!(null), "{backend:?}: no lead to begin with");
        let pool = triage["id"].as_str().expect("pool id").to_owned();
        let lead_path = format!("/api/v1/admin/pools/{pool}/lead");

        // Refusals name the field; nothing changes.
        for (body, status, field) in [
            (json!({"user_id": app.id("desk.ortiz")}), StatusCode::UNPROCESSABLE_ENTITY, Some("lead_user_id")),
            (json!({"user_id": "not-an-id"}), StatusCode::UNPROCESSABLE_ENTITY, Some("user_id")),
            (json!({"lead": app.id("dr.lee")}), StatusCode::UNPROCESSABLE_ENTITY, None),
        ] {
            let refused = app.call(Method::PUT, &lead_path, Some(&admin), Some(body.clone())).await;
            assert_eq!(refused.status, status, "{backend:?}: {body} → {:?}", refused.body);
            if let Some(field) = field {
                assert!(refused.body.to_string().contains(field), "{backend:?}: {:?}", refused.body);
            }
        }
        let unknown = "/api/v1/admin/pools/00000000-0000-7000-8000-000000000000/lead";
        let missing = app.call(Method::PUT, unknown, Some(&admin), Some(json!({"user_id": null}))).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND, "{backend:?}");
        let pools = app.get("/api/v1/admin/pools", &admin).await;
        assert!(pools.body.to_string().contains("\"lead_user_id\":null"), "{backend:?}: nothing saved");

        let set = app.call(Method::PUT, &lead_path, Some(&admin), Some(json!({"user_id": app.id("dr.lee")}))).await;
        assert_eq!(set.status, StatusCode::NO_CONTENT, "{backend:?}: {:?}", set.body);
        let pools = app.get("/api/v1/admin/pools", &admin).await;
        let lead = pools.body["pools"].as_array().expect("pools").iter().find(|p| p["id"] == pool.as_str()).cloned();
        assert_eq!(lead.expect("pool")["lead_user_id"], app.id("dr.lee"), "{backend:?}");

        // A thread Kim holds is ten days old: the scan escalates it to her and to the lead.
        let thread = support::old_thread(&app, "Rash on my arm", 10, Some("rn.kim")).await;
        let (lee, kim, patel) = (app.login("dr.lee").await, app.login("rn.kim").await, app.login("rx.patel").await);
        assert!(
            overdue_ids(&app.get("/api/v1/me/overdue", &lee).await.body).is_empty(),
            "{backend:?}: not yet scanned"
        );
        scan(&app).await;
        for token in [&lee, &kim] {
            let listed = app.get("/api/v1/me/overdue", token).await;
            assert_eq!(listed.status, StatusCode::OK, "{backend:?}");
            assert_eq!(overdue_ids(&listed.body), std::slice::from_ref(&thread), "{backend:?}");
            let notice = &listed.body["overdue"][0];
            assert_eq!((&notice["urgency"], &notice["pool"]["slug"]), (&json!("routine"), &json!("nurse-triage")));
            assert!(!listed.body.to_string().contains("rash"), "{backend:?}: no message content");
        }
        assert!(overdue_ids(&app.get("/api/v1/me/overdue", &patel).await.body).is_empty(), "{backend:?}");

        // The lead's in-basket opens with it, linked.
        let portal = Browser::sign_in(&app, "dr.lee").await;
        let page = portal.get("/inbasket").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        let notices = page.html.split("overdue-notices").nth(1).expect("the overdue notices");
        assert!(notices.contains("Overdue and escalated to you (1)"), "{backend:?}: {notices}");
        assert!(notices.contains(&format!("href=\"/threads/{thread}\"")), "{backend:?}");
        let pharmacist = Browser::sign_in(&app, "rx.patel").await;
        assert!(!pharmacist.get("/inbasket").await.html.contains("overdue-notices"), "{backend:?}");

        // Kim replies: the wait is over, and so are the notices.
        let reply =
            app.post(&format!("/api/v1/threads/{thread}/messages"), &kim, json!({"body": "Send a photo"})).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{backend:?}: {:?}", reply.body);
        for token in [&lee, &kim] {
            assert!(overdue_ids(&app.get("/api/v1/me/overdue", token).await.body).is_empty(), "{backend:?}");
        }
        assert!(!portal.get("/inbasket").await.html.contains("overdue-notices"), "{backend:?}");

        // The portal's pools page sets and clears the lead too.
        let admin_portal = Browser::sign_in(&app, "admin").await;
        let form = admin_portal.get("/admin/pools").await;
        assert!(form.html.contains("id=\"lead-nurse-triage\""), "{backend:?}");
        let cleared = admin_portal.post("/admin/pools", &[("action", "lead"), ("pool", &pool), ("staff", "")]).await;
        assert_eq!(cleared.status, StatusCode::SEE_OTHER, "{backend:?}: {}", cleared.html);
        let pools = app.get("/api/v1/admin/pools", &admin).await;
        let lead = pools.body["pools"].as_array().expect("pools").iter().find(|p| p["id"] == pool.as_str()).cloned();
        assert_eq!(lead.expect("pool")["lead_user_id"], json!(null), "{backend:?}: cleared in the portal");
        let ortiz = app.id("desk.ortiz");
        let refused =
            admin_portal.post("/admin/pools", &[("action", "lead"), ("pool", &pool), ("staff", &ortiz)]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains("add them to the pool first"), "{backend:?}");
    }
}
