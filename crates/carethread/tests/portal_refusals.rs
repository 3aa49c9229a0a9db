//! A portal form the application layer refuses answers with the status the
//! JSON API gives the same refusal, and comes back with what was typed, in
//! the person's language: an administrator's new account with a taken
//! username, and a wrong password at sign-in. On both backends.

mod support;

use reqwest::StatusCode;
use reqwest::redirect;
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
