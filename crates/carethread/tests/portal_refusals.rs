//! A portal form the application layer refuses answers with the status the
//! JSON API gives the same refusal, and comes back with what was typed, in
//! the person's language: an administrator's new account with a taken
//! username, a clinic profile, a proxy grant, a pool, a care team and a
//! routing rule, and a wrong password at sign-in. On both backends.

mod support;

use reqwest::redirect;
use reqwest::{Method, StatusCode};
use serde_json::json;
use support::browser::{Browser, value_after};
use support::{backends, spawn};

#[tokio::test]
async fn a_refused_new_account_comes_back_with_what_was_typed_and_the_apis_status() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let bearer = app.login("admin").await;
        let taken = json!({"username": "rn.kim", "display_name": "Another Kim", "role": "nurse",
            "password": "a long enough passphrase 7"});
        let api = app.post("/api/v1/admin/users", &bearer, taken).await;
        assert_eq!(api.status, StatusCode::CONFLICT, "{backend:?}: {}", api.body);

        let form = [
            ("username", "rn.kim"),
            ("display_name", "Another Kim"),
            ("role", "nurse"),
            ("date_of_birth", ""),
            ("language", "es"),
            ("mrn", ""),
            ("password", "a long enough passphrase 7"),
        ];
        let page = admin.post("/admin/users", &form).await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{backend:?}: the API's status");
        assert_eq!(
            value_after(
                &page.html,
                "id=\"new-name\" name=\"display_name\" type=\"text\" required maxlength=\"120\" value=\""
            ),
            "Another Kim"
        );
        assert!(page.html.contains("id=\"new-username-error\""), "{backend:?}: the username is marked");
        assert!(page.html.contains("is taken"), "{backend:?}: with the API's reason, in the admin's language");
        assert!(!page.html.contains("a long enough passphrase 7"), "{backend:?}: the password is never echoed");

        let weak = [("username", "rn.weak"), ("display_name", "Weak"), ("role", "nurse"), ("password", "short")];
        let page = admin.post("/admin/users", &weak).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}");
        assert!(page.html.contains("id=\"new-password-error\""), "{backend:?}: the password is marked");

        let fine = [
            ("username", "rn.new"),
            ("display_name", "New Nurse"),
            ("role", "nurse"),
            ("password", "a long enough passphrase 7"),
        ];
        let page = admin.post("/admin/users", &fine).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{backend:?}: an accepted form redirects");
    }
}

#[tokio::test]
async fn a_wrong_password_at_the_sign_in_form_answers_401_and_keeps_the_username() {
    for backend in backends() {
        let app = spawn(backend).await;
        let http = reqwest::Client::builder().redirect(redirect::Policy::none()).build().expect("client");
        let form = [("username", "patient.alice"), ("password", "not the password")];
        let r = http.post(format!("{}/signin", app.base)).form(&form).send().await.expect("sign in");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{backend:?}: as the API answers");
        let html = r.text().await.expect("page");
        assert!(html.contains("value=\"patient.alice\""), "{backend:?}: the username stays typed");
        assert!(html.contains("role=\"alert\""), "{backend:?}: and the refusal is announced");
    }
}

#[tokio::test]
async fn a_refused_clinic_profile_comes_back_as_typed_with_the_field_at_fault_marked() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let form = [
            ("timezone", "Mars/Olympus_Mons"),
            ("day", "1"),
            ("day", "3"),
            ("opens_at", "09:00"),
            ("closes_at", "16:00"),
            ("routine_reply_days", "2"),
            ("urgent_reply_hours", "4"),
            ("emergency_reply_minutes", "30"),
            ("message_max_chars", "3000"),
            ("disclosure_en", "Drafted with help"),
            ("disclosure_es", "Redactado con ayuda"),
            ("after_hours_phone", "+1 555 010 0199"),
            ("on_call", ""),
        ];
        let page = admin.post("/admin/clinic", &form).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: as the API answers");
        assert!(page.html.contains("id=\"timezone-error\""), "{backend:?}: the time zone is marked");
        assert!(page.html.contains("value=\"Mars/Olympus_Mons\""), "{backend:?}: what was typed stays");
        assert!(page.html.contains("value=\"+1 555 010 0199\""), "{backend:?}");
        assert!(page.html.contains("value=\"3\" checked"), "{backend:?}: the days chosen stay chosen");
        let clinic = admin.get("/admin/clinic").await;
        assert!(!clinic.html.contains("Mars/Olympus_Mons"), "{backend:?}: nothing was saved");
    }
}

#[tokio::test]
async fn a_refused_proxy_grant_answers_as_the_api_and_keeps_what_was_chosen() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let bearer = app.login("admin").await;
        let (bob, carol, kim) = (app.id("patient.bob"), app.id("proxy.carol"), app.id("rn.kim"));

        // An expiry in the past.
        let past =
            json!({"proxy_id": carol, "patient_id": bob, "scope": "read_only", "expires_at": "2001-01-02T00:00:00Z"});
        let api = app.post("/api/v1/grants", &bearer, past).await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", api.body);
        let form = [
            ("action", "grant"),
            ("patient", &bob),
            ("proxy", &carol),
            ("scope", "read_only"),
            ("until", "2001-01-01"),
        ];
        let page = admin.post("/admin/grants", &form).await;
        assert_eq!(page.status, api.status, "{backend:?}: the API's status");
        assert!(page.html.contains("id=\"grant-until-error\""), "{backend:?}: the date is marked");
        assert!(page.html.contains("value=\"2001-01-01\""), "{backend:?}: the date typed stays");
        assert!(page.html.contains(&format!("value=\"{bob}\" selected")), "{backend:?}: the patient stays chosen");
        assert!(page.html.contains(&format!("value=\"{carol}\" selected")), "{backend:?}: the proxy stays chosen");
        assert!(page.html.contains("value=\"read_only\" selected"), "{backend:?}: the scope stays chosen");
        assert!(page.html.contains("must be in the future"), "{backend:?}: the API's reason");

        // Access to someone who is not a patient.
        let nurse = json!({"proxy_id": carol, "patient_id": kim, "scope": "full"});
        let api = app.post("/api/v1/grants", &bearer, nurse).await;
        assert!(api.status.is_client_error(), "{backend:?}: {}", api.body);
        let form =
            [("action", "grant"), ("patient", &kim), ("proxy", &carol), ("scope", "full"), ("until", "2099-12-31")];
        let page = admin.post("/admin/grants", &form).await;
        assert_eq!(page.status, api.status, "{backend:?}: the API's status");
        assert!(page.html.contains("id=\"grant-patient-error\""), "{backend:?}: the patient is marked");
        assert!(page.html.contains("value=\"2099-12-31\""), "{backend:?}: the date typed stays");

        // Revoking a grant that does not exist: the list again, as the API answers.
        let missing = "00000000-0000-4000-8000-000000000000";
        let api = app.call(Method::DELETE, &format!("/api/v1/grants/{missing}"), Some(&bearer), None).await;
        let page = admin.post("/admin/grants", &[("action", "revoke"), ("grant", missing)]).await;
        assert_eq!(page.status, api.status, "{backend:?}: the API's status");
        assert!(page.html.contains("id=\"new-grant-h\""), "{backend:?}: the grants page, not an error page");

        let grants = app.get(&format!("/api/v1/grants?patient={bob}"), &bearer).await;
        assert_eq!(grants.body["grants"].as_array().map(Vec::len), Some(0), "{backend:?}: nothing was granted");
    }
}

#[tokio::test]
async fn a_pool_with_a_taken_slug_answers_409_in_the_admins_language_with_the_slug_kept() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let bearer = app.login("admin").await;
        let api =
            app.post("/api/v1/admin/pools", &bearer, json!({"slug": "nurse-triage", "name": "Triage again"})).await;
        assert_eq!(api.status, StatusCode::CONFLICT, "{backend:?}: {}", api.body);

        assert_eq!(admin.post("/lang", &[("lang", "es")]).await.status, StatusCode::SEE_OTHER);
        let form = [("action", "create"), ("name", "Triage again"), ("slug", "nurse-triage")];
        let page = admin.post("/admin/pools", &form).await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{backend:?}: the API's status");
        assert!(page.html.contains("id=\"pool-slug-error\""), "{backend:?}: the slug is marked");
        assert!(page.html.contains("value=\"nurse-triage\""), "{backend:?}: the slug typed stays");
        assert!(page.html.contains("value=\"Triage again\""), "{backend:?}: the name typed stays");
        assert!(page.html.contains("ya existe un grupo con ese identificador"), "{backend:?}: in Spanish");

        // A member who is not staff, added to a pool: that pool's list is marked.
        let pools = app.get("/api/v1/admin/pools", &bearer).await;
        let triage = pools.body["pools"]
            .as_array()
            .and_then(|p| p.iter().find(|p| p["slug"] == "nurse-triage"))
            .and_then(|p| p["id"].as_str())
            .expect("the nurse triage pool")
            .to_owned();
        let alice = app.id("patient.alice");
        let path = format!("/api/v1/admin/pools/{triage}/members/{alice}");
        let api = app.call(Method::PUT, &path, Some(&bearer), None).await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", api.body);
        let page = admin.post("/admin/pools", &[("action", "add"), ("pool", &triage), ("staff", &alice)]).await;
        assert_eq!(page.status, api.status, "{backend:?}: the API's status");
        assert!(page.html.contains("id=\"add-nurse-triage-error\""), "{backend:?}: that pool's list is marked");
    }
}

#[tokio::test]
async fn a_refused_care_team_change_answers_as_the_api_with_the_choice_kept() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let bearer = app.login("admin").await;
        let (bob, desk) = (app.id("patient.bob"), app.id("desk.ortiz"));
        let path = format!("/api/v1/admin/patients/{bob}/care-team/{desk}");
        let api = app.call(Method::PUT, &path, Some(&bearer), None).await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", api.body);
        let page = admin.post("/admin/care-teams", &[("action", "add"), ("patient", &bob), ("staff", &desk)]).await;
        assert_eq!(page.status, api.status, "{backend:?}: the API's status");
        assert!(page.html.contains("id=\"ct-clinician-error\""), "{backend:?}: the clinician is marked");
        assert!(page.html.contains(&format!("value=\"{bob}\" selected")), "{backend:?}: the patient stays chosen");
    }
}

#[tokio::test]
async fn a_routing_rule_to_an_unknown_pool_is_refused_with_the_form_kept() {
    for backend in backends() {
        let app = spawn(backend).await;
        let admin = Browser::sign_in(&app, "admin").await;
        let bearer = app.login("admin").await;
        let api = app
            .call(
                Method::PATCH,
                "/api/v1/admin/triage",
                Some(&bearer),
                Some(json!({"routing": {"medication": "nowhere"}})),
            )
            .await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{backend:?}: {}", api.body);
        let fields = [
            ("emergency", "nurse-triage"),
            ("medication", "nowhere"),
            ("scheduling", "front-desk"),
            ("results", "nurse-triage"),
            ("clinical", "billing"),
            ("administrative", "billing"),
            ("other", "front-desk"),
            ("classifier", "on"),
        ];
        let page = admin.post("/admin/routing", &fields).await;
        assert_eq!(page.status, api.status, "{backend:?}: the API's status");
        assert!(page.html.contains("id=\"rule-medication-error\""), "{backend:?}: the rule is marked");
        assert!(page.html.contains("value=\"nowhere\" selected"), "{backend:?}: what was sent stays shown");
        let clinical = page.html.split("id=\"rule-clinical\"").nth(1).unwrap_or_default();
        let clinical = clinical.split("</select>").next().unwrap_or_default();
        assert!(clinical.contains("value=\"billing\" selected"), "{backend:?}: the other rules stay as chosen");
        let triage = app.get("/api/v1/admin/triage", &bearer).await;
        assert_ne!(triage.body["routing"]["clinical"], "billing", "{backend:?}: nothing was saved");
    }
}
