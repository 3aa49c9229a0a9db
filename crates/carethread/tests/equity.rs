//! The equity monitor and the groups patients gave, through the real server
//! on both backends: administrators read the figures as JSON, CSV and a
//! portal page with charts beside tables; front desk records a patient's
//! groups on a form and over JSON; everyone else is refused with a problem;
//! bad input is a 422 naming its field. The figures themselves are checked
//! against a hand count in `carethread-app/tests/equity.rs`.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use support::browser::Browser;
use support::{backends, spawn};

#[tokio::test]
async fn administrators_read_the_monitor_as_json_csv_and_a_page_and_nobody_else_does() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = app.login("admin").await;
        let desk = app.login("desk.ortiz").await;
        let alice = app.id("patient.alice");
        let groups = json!({"groups": {"payer": "medicaid", "ethnicity": "Hispanic or Latino", "zip_region": "north"}});
        let set = app.call(Method::PUT, &format!("/api/v1/patients/{alice}/groups"), Some(&desk), Some(groups)).await;
        assert_eq!(set.status, StatusCode::OK, "{backend:?}: {}", set.body);
        assert_eq!(set.body["groups"]["payer"], "medicaid", "{backend:?}");

        let out = app.get("/api/v1/insights/equity?months=6&margin=7.5", &admin).await;
        assert_eq!(out.status, StatusCode::OK, "{backend:?}: {}", out.body);
        assert_eq!(out.body["margin_points"], 7.5, "{backend:?}");
        let dimensions: Vec<&str> = out.body["dimensions"]
            .as_array()
            .expect("dimensions")
            .iter()
            .filter_map(|d| d["dimension"].as_str())
            .collect();
        assert_eq!(&dimensions[..6], ["language", "age_band", "payer", "sex", "race", "ethnicity"], "{backend:?}");
        assert!(dimensions.contains(&"zip_region"), "{backend:?}: the clinic's own grouping");
        let payer = out.body["dimensions"][2]["groups"].as_array().expect("groups");
        assert!(payer.iter().any(|g| g["group"] == "medicaid" && g["patients"] == 1), "{backend:?}: {payer:?}");
        assert!(!out.body.to_string().contains("Alice"), "{backend:?}: no patient named");

        let csv = app.get("/api/v1/insights/equity?format=csv", &admin).await;
        assert!(csv.content_type.starts_with("text/csv"), "{backend:?}");
        let text = String::from_utf8_lossy(&csv.raw).into_owned();
        assert!(text.starts_with("dimension,group,patients,before_per_100"), "{backend:?}: {text}");
        assert!(text.contains("payer,medicaid,1,"), "{backend:?}: {text}");

        for (query, field) in
            [("months=0", "months"), ("months=x", "months"), ("margin=-2", "margin"), ("format=xml", "format")]
        {
            let bad = app.get(&format!("/api/v1/insights/equity?{query}"), &admin).await;
            assert_eq!(
                (bad.status, bad.body["field"].as_str()),
                (StatusCode::UNPROCESSABLE_ENTITY, Some(field)),
                "{query}"
            );
            assert!(bad.content_type.starts_with("application/problem+json"), "{query}");
        }
        for who in ["dr.lee", "rn.kim", "desk.ortiz", "billing.ng", "patient.alice", "auditor"] {
            let token = app.login(who).await;
            let refused = app.get("/api/v1/insights/equity", &token).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{backend:?}: {who}");
            assert!(refused.content_type.starts_with("application/problem+json"), "{who}");
        }

        let portal = Browser::sign_in(&app, "admin").await;
        let page = portal.get("/insights/equity?months=6").await;
        assert_eq!(page.status, StatusCode::OK, "{backend:?}");
        assert!(page.html.contains("Equity monitor") && page.html.contains(r#"role="img""#), "{backend:?}");
        assert!(page.html.contains("<table") && page.html.contains("medicaid"), "{backend:?}");
        assert!(page.html.contains("/insights/equity/csv?months=6"), "{backend:?}: the CSV keeps the range");
        let download = portal.get("/insights/equity/csv?months=6").await;
        assert!(
            download.content_type.starts_with("text/csv") && download.html.starts_with("dimension,"),
            "{backend:?}"
        );
        let bad = portal.get("/insights/equity?months=99").await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        let nurse = Browser::sign_in(&app, "rn.kim").await;
        assert_eq!(nurse.get("/insights/equity").await.status, StatusCode::FORBIDDEN, "{backend:?}");
        assert_eq!(nurse.get("/insights/equity/csv").await.status, StatusCode::FORBIDDEN, "{backend:?}");
    }
}

#[tokio::test]
async fn front_desk_records_a_patients_groups_on_a_form_and_bad_input_comes_back_with_what_was_typed() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.id("patient.alice");
        let desk = Browser::sign_in(&app, "desk.ortiz").await;
        let form = desk.get(&format!("/patients/{alice}/groups")).await;
        assert_eq!(form.status, StatusCode::OK, "{backend:?}");
        assert!(form.html.contains("Seguro (tipo)"), "{backend:?}: front desk reads it in Spanish");
        let saved = desk
            .post(
                &format!("/patients/{alice}/groups"),
                &[
                    ("payer", "commercial"),
                    ("sex", "female"),
                    ("race", ""),
                    ("ethnicity", ""),
                    ("other_dimension", "zip_region"),
                    ("other_value", "south"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{backend:?}: {}", saved.html);
        let again = desk.get(&format!("/patients/{alice}/groups")).await;
        assert!(
            again.html.contains(r#"value="commercial""#) && again.html.contains("zip_region = south"),
            "{backend:?}"
        );

        let refused = desk
            .post(
                &format!("/patients/{alice}/groups"),
                &[("payer", "medicare"), ("other_dimension", "Not A Name"), ("other_value", "x")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(refused.html.contains(r#"value="Not A Name""#), "{backend:?}: what was typed is kept");
        let input = refused.html.split(r#"id="groups-other-dimension""#).nth(1).and_then(|rest| rest.split('>').next());
        assert!(input.is_some_and(|tag| tag.contains(r#"aria-invalid="true""#)), "{backend:?}: {input:?}");

        let token = app.login("desk.ortiz").await;
        let read = app.get(&format!("/api/v1/patients/{alice}/groups"), &token).await;
        assert_eq!(
            read.body["groups"],
            json!({"payer": "commercial", "sex": "female", "zip_region": "south"}),
            "{backend:?}"
        );
        let cases = [
            (json!({"groups": {"language": "fr"}}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"groups": {"payer": "x"}, "extra": 1}), StatusCode::UNPROCESSABLE_ENTITY),
            (json!({"groups": {"payer": "a".repeat(61)}}), StatusCode::UNPROCESSABLE_ENTITY),
        ];
        for (body, status) in cases {
            let r = app
                .call(Method::PUT, &format!("/api/v1/patients/{alice}/groups"), Some(&token), Some(body.clone()))
                .await;
            assert_eq!(r.status, status, "{backend:?}: {body}");
            assert!(r.content_type.starts_with("application/problem+json"), "{body}");
        }
        let lee = app.id("dr.lee");
        let staff = app
            .call(Method::PUT, &format!("/api/v1/patients/{lee}/groups"), Some(&token), Some(json!({"groups": {}})))
            .await;
        assert_eq!(staff.status, StatusCode::NOT_FOUND, "{backend:?}: patients only");
        for who in ["dr.lee", "rn.kim", "patient.alice", "billing.ng", "auditor"] {
            let other = app.login(who).await;
            let r = app.get(&format!("/api/v1/patients/{alice}/groups"), &other).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{backend:?}: {who}");
        }
    }
}
