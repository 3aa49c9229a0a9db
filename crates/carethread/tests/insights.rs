//! The clinic's insights over real HTTP, on both backends: the JSON API and
//! its CSV, the refusals of bad ranges and filters, and the portal's pages
//! with a chart and a table per figure. Who may read them is in the
//! walks of every route and page with every role (`access_matrix.rs`,
//! `portal.rs`); the figures themselves are checked against a hand count
//! in the store's tests.

mod support;

use reqwest::StatusCode;
use serde_json::json;
use support::browser::Browser;
use support::{backends, spawn};

#[tokio::test]
async fn an_administrator_reads_each_section_as_json_and_each_table_as_csv() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let body =
            json!({"subject": "Refill", "body": "Could I have a refill of my inhaler?", "category": "medication"});
        assert_eq!(app.post("/api/v1/threads", &alice, body).await.status, StatusCode::CREATED);
        let admin = app.login("admin").await;

        let volume = app.get("/api/v1/insights/volume", &admin).await;
        assert_eq!(volume.status, StatusCode::OK, "{backend:?}: {:?}", volume.body);
        let messages = volume.body["summary"].as_array().and_then(|s| s.iter().find(|f| f["name"] == "messages"));
        assert!(messages.is_some_and(|f| f["value"].as_f64() >= Some(1.0)), "{backend:?}: {:?}", volume.body);
        let per_day = &volume.body["tables"][0];
        assert_eq!(per_day["name"], "per_day");
        assert_eq!(per_day["columns"], json!(["day", "messages", "after_hours"]));
        assert_eq!(per_day["rows"].as_array().map(Vec::len), Some(28), "{backend:?}: four weeks by default");
        for section in ["response", "workload", "safety", "ai"] {
            let reply = app.get(&format!("/api/v1/insights/{section}"), &admin).await;
            assert_eq!(reply.status, StatusCode::OK, "{backend:?} {section}: {:?}", reply.body);
            assert_eq!(reply.body["section"], section);
        }
        let response = app.get("/api/v1/insights/response", &admin).await;
        let unread = response.body["tables"].as_array().and_then(|t| t.iter().find(|t| t["name"] == "unread_by_pool"));
        assert_eq!(unread.map(|t| t["columns"].clone()), Some(json!(["pool", "replies", "unread"])), "{backend:?}");

        // A reply Dr. Lee wrote is measured for reading level, with the safety figures.
        let lee = app.login("dr.lee").await;
        let thread = app.new_thread(&alice, "Inhaler", "Which inhaler should I use first in the morning?").await;
        let reply = json!({"body": "Use the blue inhaler first, then the brown one after five minutes."});
        let sent = app.post(&format!("/api/v1/threads/{thread}/messages"), &lee, reply).await;
        assert_eq!(sent.status, StatusCode::CREATED, "{backend:?}: {:?}", sent.body);
        let safety = app.get("/api/v1/insights/safety", &admin).await;
        let reading = safety.body["tables"].as_array().and_then(|t| t.iter().find(|t| t["name"] == "reading_level"));
        let reading = reading.expect("the reading level table");
        assert_eq!(reading["columns"], json!(["name", "replies", "above_grade_8"]), "{backend:?}");
        assert!(
            reading["rows"].as_array().is_some_and(|rows| rows.iter().any(|r| r[1] == 1)),
            "{backend:?}: {reading}"
        );
        let share =
            safety.body["summary"].as_array().and_then(|s| s.iter().find(|f| f["name"] == "replies_above_grade_8"));
        assert!(share.is_some_and(|f| f["share"] == true && f["value"].is_number()), "{backend:?}: {share:?}");

        let csv = app.get("/api/v1/insights/volume?format=csv&table=by_category", &admin).await;
        assert_eq!(csv.status, StatusCode::OK, "{backend:?}");
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        let text = String::from_utf8(csv.raw).expect("utf-8");
        assert!(text.starts_with("category,messages\r\nmedication,"), "{backend:?}: {text}");
    }
}

#[tokio::test]
async fn bad_ranges_filters_and_tables_are_refused_naming_the_field() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let cases = [
            ("/api/v1/insights/volume?from=yesterday", "from"),
            ("/api/v1/insights/volume?from=2026-02-01&to=2026-01-01", "from"),
            ("/api/v1/insights/volume?from=2024-01-01&to=2026-01-01", "to"),
            ("/api/v1/insights/volume?category=gossip", "category"),
            ("/api/v1/insights/volume?pool=no-such-pool", "pool"),
            ("/api/v1/insights/volume?format=pdf", "format"),
            ("/api/v1/insights/volume?format=csv&table=secrets", "table"),
            ("/api/v1/insights/volume?clinician=nobody", "clinician"),
            ("/api/v1/insights/ai?group=payer", "group"),
            ("/api/v1/insights/ai?group=age_band%3A12-15", "group"),
        ];
        for (path, field) in cases {
            let reply = app.get(path, &admin).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?} {path}: {:?}", reply.body);
            assert!(reply.content_type.starts_with("application/problem+json"), "{path}");
            assert!(reply.body.to_string().contains(field), "{backend:?} {path}: {:?}", reply.body);
        }
        assert_eq!(app.get("/api/v1/insights/secrets", &admin).await.status, StatusCode::NOT_FOUND);
        // Anyone else is refused before the query is read.
        let nurse = app.login("rn.kim").await;
        assert_eq!(app.get("/api/v1/insights/volume?from=yesterday", &nurse).await.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_portal_draws_each_figure_as_a_chart_beside_its_table() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let body =
            json!({"subject": "Refill", "body": "Could I have a refill of my inhaler?", "category": "medication"});
        app.post("/api/v1/threads", &alice, body).await;
        let admin = Browser::sign_in(&app, "admin").await;
        for path in ["/insights", "/insights/response", "/insights/workload", "/insights/safety", "/insights/ai"] {
            let page = admin.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{backend:?} {path}");
            assert!(page.html.contains("href=\"/insights\""), "{path}: the section menu");
            assert!(page.html.contains("href=\"/insights/ai\""), "{path}: drafting is one of the pages");
            assert!(page.html.contains("id=\"insights-clinician\""), "{path}: narrowed to a member of staff");
            assert!(page.html.contains("value=\"language:es\""), "{path}: or to a group of patients");
            assert!(!page.html.contains("<script src=\"http"), "{path}: no third-party script");
        }
        let page = admin.get("/insights?category=medication").await;
        assert!(page.html.contains("<svg"), "a chart");
        assert!(page.html.contains("role=\"img\""), "the chart is an image with a title");
        assert!(page.html.contains("<th scope=\"col\">Messages</th>"), "its table");
        assert!(page.html.contains("/insights/volume/csv/per_day?"), "the table's CSV, with the filters kept");
        assert!(page.html.contains("category=medication"), "the filters kept");
        let csv = admin.get("/insights/volume/csv/per_day?category=medication").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(csv.content_type.starts_with("text/csv"), "{}", csv.content_type);
        assert!(csv.html.starts_with("day,messages,after_hours\r\n"), "{}", csv.html);

        let refused = admin.get("/insights?from=soon").await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains("role=\"alert\""), "the refusal in words");

        // In Spanish, the same figures in the reader's words.
        admin.post("/lang", &[("lang", "es")]).await;
        let page = admin.get("/insights/safety").await;
        assert!(page.html.contains("<h1>Calidad y seguridad</h1>"), "{backend:?}: the title in Spanish");
        assert!(page.html.contains("Descargar CSV"), "the CSV link in Spanish");
    }
}

#[tokio::test]
async fn an_administrator_makes_a_nurse_a_clinic_lead_who_then_reads_the_insights_but_not_the_equity_monitor() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let kim_id = app.id("rn.kim");
        let before = app.login("rn.kim").await;
        assert_eq!(app.get("/api/v1/insights/ai", &before).await.status, StatusCode::FORBIDDEN, "{backend:?}");
        let lead = json!({"clinic_lead": true});
        let made =
            app.call(reqwest::Method::PATCH, &format!("/api/v1/admin/users/{kim_id}"), Some(&admin), Some(lead)).await;
        assert_eq!(made.status, StatusCode::OK, "{backend:?}: {:?}", made.body);
        assert_eq!(made.body["clinic_lead"], true, "{backend:?}");
        let alice = app.id("patient.alice");
        let patient_lead = json!({"clinic_lead": true});
        let refused = app
            .call(reqwest::Method::PATCH, &format!("/api/v1/admin/users/{alice}"), Some(&admin), Some(patient_lead))
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: a patient is never a lead");

        let kim = app.login("rn.kim").await;
        let ai = app.get(&format!("/api/v1/insights/ai?clinician={kim_id}"), &kim).await;
        assert_eq!(ai.status, StatusCode::OK, "{backend:?}: {:?}", ai.body);
        assert_eq!(ai.body["clinician"], kim_id.as_str(), "{backend:?}: the filter as applied");
        let few = app.get("/api/v1/insights/ai?group=language%3Aes", &kim).await;
        assert_eq!(few.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: too few patients to show");
        assert!(few.body.to_string().contains("group"), "{backend:?}: {:?}", few.body);
        let payer = app.get("/api/v1/insights/ai?group=payer%3Amedicaid", &kim).await;
        assert_eq!(payer.status, StatusCode::FORBIDDEN, "{backend:?}: the groups patients gave are administrators'");
        let weekly = ai.body["tables"].as_array().and_then(|t| t.iter().find(|t| t["name"] == "ai_per_week"));
        assert_eq!(weekly.map(|t| t["rows"].as_array().map_or(0, Vec::len) >= 4), Some(true), "{backend:?}: {ai:?}");
        assert_eq!(app.get("/api/v1/insights/equity", &kim).await.status, StatusCode::FORBIDDEN, "{backend:?}");

        let portal = Browser::sign_in(&app, "rn.kim").await;
        let inbasket = portal.get("/inbasket").await;
        assert!(inbasket.html.contains("href=\"/insights\""), "{backend:?}: the menu offers the insights");
        let page = portal.get("/insights/workload").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(!page.html.contains("href=\"/insights/equity\""), "{backend:?}: the equity monitor is administrators'");
    }
}

#[tokio::test]
async fn an_answer_to_did_this_answer_your_question_other_than_yes_or_no_is_refused() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let thread = app.new_thread(&alice, "Inhaler", "Which inhaler should I use first in the morning?").await;
        let portal = Browser::sign_in(&app, "patient.alice").await;
        let refused = portal.post(&format!("/threads/{thread}/feedback"), &[("answered", "maybe")]).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains("role=\"alert\""), "{backend:?}: the refusal in words");
        let answered = portal.post(&format!("/threads/{thread}/feedback"), &[("answered", "no")]).await;
        assert!(answered.status.is_success() || answered.status.is_redirection(), "{backend:?}: {}", answered.status);
    }
}
