//! Time away over the JSON API, on both backends: Dr. Lee says she is away
//! with Nurse Kim covering, and the conversation assigned to her is Kim's
//! while she is away; ending it early gives it back (the outbox jobs run as
//! the worker would). Bad dates and coverers are refused naming the field,
//! with nothing saved; an administrator sets it for someone on staff. Who may
//! call which route is in the walk of every route with every role
//! (`access_matrix.rs`).

mod support;

use carethread_core::clinic::ClinicSettings;
use chrono::{TimeDelta, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::{backends, spawn};

const AWAY: &str = "/api/v1/me/away";

fn days(n: i64) -> String {
    (Utc::now() + TimeDelta::days(n)).to_rfc3339()
}

/// Runs the outbox jobs due now, as every `carethread serve` does twice a
/// second (the test server runs none), and answers the thread's assignee.
async fn assignee_after_jobs(app: &support::TestApp, token: &str, thread: &str) -> serde_json::Value {
    let worker = carethread_app::App::new(app.store.clone(), ClinicSettings::default());
    carethread_app::jobs::run_due(&worker, Utc::now() + TimeDelta::seconds(1)).await;
    app.get(&format!("/api/v1/threads/{thread}"), token).await.body["assignee"]["id"].clone()
}

#[tokio::test]
async fn a_clinician_away_hands_her_threads_to_the_colleague_covering_and_gets_them_back() {
    for backend in backends() {
        let app = spawn(backend).await;
        let (alice, lee, kim) =
            (app.login("patient.alice").await, app.login("dr.lee").await, app.login("rn.kim").await);
        let (lee_id, kim_id) = (app.id("dr.lee"), app.id("rn.kim"));
        let thread = app.new_thread(&alice, "Tablets", "When should I take the new tablets?").await;
        let assign = app
            .call(Method::PATCH, &format!("/api/v1/threads/{thread}"), Some(&kim), Some(json!({"assignee_id": lee_id})))
            .await;
        assert_eq!(assign.status, StatusCode::OK, "{backend:?}: {:?}", assign.body);

        let none = app.get(AWAY, &lee).await;
        assert_eq!((none.status, &none.body["away"]), (StatusCode::OK, &json!(null)), "{backend:?}");
        let set =
            app.call(Method::PUT, AWAY, Some(&lee), Some(json!({"until": days(7), "coverer_user_id": kim_id}))).await;
        assert_eq!(set.status, StatusCode::OK, "{backend:?}: {:?}", set.body);
        assert_eq!(set.body["coverer"], json!({"kind": "user", "id": kim_id, "name": "Nurse Daniel Kim"}));
        assert_eq!(set.body["in_force"], true);
        assert_eq!(app.get(AWAY, &lee).await.body["away"]["until"], set.body["until"], "{backend:?}");
        assert_eq!(
            assignee_after_jobs(&app, &kim, &thread).await,
            kim_id,
            "{backend:?}: the thread goes to the coverer"
        );

        let back = app.call(Method::DELETE, AWAY, Some(&lee), None).await;
        assert_eq!(back.status, StatusCode::NO_CONTENT, "{backend:?}");
        assert_eq!(assignee_after_jobs(&app, &kim, &thread).await, lee_id, "{backend:?}: the thread comes back");
        assert_eq!(app.get(AWAY, &lee).await.body["away"], json!(null), "{backend:?}");
    }
}

#[tokio::test]
async fn bad_dates_and_coverers_are_refused_naming_the_field_and_nothing_is_saved() {
    for backend in backends() {
        let app = spawn(backend).await;
        let lee = app.login("dr.lee").await;
        let (lee_id, kim_id, bob_id) = (app.id("dr.lee"), app.id("rn.kim"), app.id("patient.bob"));
        let pool = app.store.pool_by_slug("front-desk").await.expect("pool").expect("front desk").id.to_string();
        let cases = [
            (json!({"until": days(-1), "coverer_user_id": kim_id}), "until"),
            (json!({"from": days(3), "until": days(2), "coverer_user_id": kim_id}), "until"),
            (json!({"until": days(91), "coverer_user_id": kim_id}), "until"),
            (json!({"until": days(2)}), "coverer"),
            (json!({"until": days(2), "coverer_user_id": kim_id, "coverer_pool_id": pool}), "coverer"),
            (json!({"until": days(2), "coverer_user_id": lee_id}), "coverer"),
            (json!({"until": days(2), "coverer_user_id": bob_id}), "coverer"),
            (json!({"until": days(2), "coverer_user_id": "not-an-id"}), "coverer_user_id"),
            (json!({"until": "next week", "coverer_user_id": kim_id}), "until"),
        ];
        for (body, field) in cases {
            let refused = app.call(Method::PUT, AWAY, Some(&lee), Some(body.clone())).await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?} {body}: {:?}", refused.body);
            assert!(refused.content_type.starts_with("application/problem+json"), "{body}");
            assert_eq!(refused.body["field"], field, "{backend:?} {body}: {:?}", refused.body);
        }
        assert_eq!(app.get(AWAY, &lee).await.body["away"], json!(null), "{backend:?}: nothing saved");
    }
}

#[tokio::test]
async fn an_administrator_sets_time_away_for_someone_on_staff() {
    for backend in backends() {
        let app = spawn(backend).await;
        let (admin, kim) = (app.login("admin").await, app.login("rn.kim").await);
        let kim_id = app.id("rn.kim");
        let pool = app.store.pool_by_slug("nurse-triage").await.expect("pool").expect("nurse triage").id.to_string();
        let path = format!("/api/v1/admin/users/{kim_id}/away");
        let body = json!({"from": days(1), "until": days(3), "coverer_pool_id": pool});
        let set = app.call(Method::PUT, &path, Some(&admin), Some(body)).await;
        assert_eq!(set.status, StatusCode::OK, "{backend:?}: {:?}", set.body);
        assert_eq!((set.body["coverer"]["kind"].as_str(), set.body["in_force"].as_bool()), (Some("pool"), Some(false)));
        let seen = app.get(AWAY, &kim).await;
        assert_eq!(seen.body["away"]["person_name"], "Nurse Daniel Kim", "{backend:?}: {:?}", seen.body);
        let cleared = app.call(Method::DELETE, &path, Some(&admin), None).await;
        assert_eq!(cleared.status, StatusCode::NO_CONTENT, "{backend:?}");
        assert_eq!(app.get(AWAY, &kim).await.body["away"], json!(null), "{backend:?}");
        let unknown = app
            .call(
                Method::PUT,
                "/api/v1/admin/users/not-a-user/away",
                Some(&admin),
                Some(json!({"until": days(2), "coverer_pool_id": pool})),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{backend:?}");
    }
}
