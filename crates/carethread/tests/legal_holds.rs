//! Legal holds in the portal and the JSON API, on both backends: an
//! administrator puts a patient's records on hold with a reason and sees it
//! listed, a refused form comes back with what was typed and the field
//! marked, releasing it empties the list; nobody else reaches the page.
//! Who may call which route is in `access_matrix.rs`; what a hold does to
//! the retention sweep is in `crates/carethread-app/tests/retention.rs`.

mod support;

use reqwest::StatusCode;
use support::browser::Browser;
use support::{backends, spawn};

#[tokio::test]
async fn an_administrator_holds_and_releases_a_patients_records_in_the_portal() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let page = admin.get("/admin/legal-holds").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(
            page.html.contains("No patient&#39;s records are on hold.")
                || page.html.contains("No patient's records are on hold."),
            "{backend:?}"
        );
        let bob = app.id("patient.bob");

        // No reason: the form comes back, the patient still chosen, the reason marked.
        let refused = admin.post("/admin/legal-holds", &[("action", "hold"), ("patient", &bob), ("reason", " ")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains(&format!("value=\"{bob}\" selected")), "{backend:?}: the patient kept");
        assert!(
            refused.html.contains("id=\"hold-reason\"") && refused.html.contains("aria-invalid=\"true\""),
            "{backend:?}"
        );

        let held = admin
            .post(
                "/admin/legal-holds",
                &[("action", "hold"), ("patient", &bob), ("reason", "Records request from counsel")],
            )
            .await;
        assert_eq!(held.status, StatusCode::SEE_OTHER, "{backend:?}: {}", held.html);
        let page = admin.get("/admin/legal-holds?saved=1").await;
        assert!(page.html.contains("Records request from counsel") && page.html.contains("Bob"), "{backend:?}");
        let token = app.login("admin").await;
        let listed = app.get("/api/v1/admin/legal-holds", &token).await;
        assert_eq!(listed.body["holds"][0]["patient_id"], bob.as_str(), "{backend:?}: {:?}", listed.body);

        let released = admin.post("/admin/legal-holds", &[("action", "release"), ("patient", &bob)]).await;
        assert_eq!(released.status, StatusCode::SEE_OTHER, "{backend:?}");
        let listed = app.get("/api/v1/admin/legal-holds", &token).await;
        assert_eq!(listed.body["holds"], serde_json::json!([]), "{backend:?}");

        // Anyone else is sent to their own start page; nothing changes.
        let nurse = Browser::sign_in(&app, "rn.kim").await;
        let away = nurse.post("/admin/legal-holds", &[("action", "hold"), ("patient", &bob), ("reason", "x")]).await;
        assert_eq!(away.status, StatusCode::SEE_OTHER, "{backend:?}");
        assert_eq!(app.get("/api/v1/admin/legal-holds", &token).await.body["holds"], serde_json::json!([]));
    }
}
