//! Problem bodies speak the caller's language: the signed-in user's, else
//! the browser's `Accept-Language`, else English. The `type` and `status`
//! a client acts on never change with the language, and no body repeats what
//! was submitted.

mod support;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{TestApp, backends, spawn};

const NOWHERE: &str = "/api/v1/threads/00000000-0000-0000-0000-000000000000";

/// The same request, as each of two users: their answers side by side.
async fn both(app: &TestApp, tokens: [&str; 2], method: Method, path: &str, body: Option<Value>) -> [Value; 2] {
    let mut out = [Value::Null, Value::Null];
    for (i, token) in tokens.iter().enumerate() {
        let reply = app.call(method.clone(), path, Some(token), body.clone()).await;
        assert_eq!(reply.content_type, "application/problem+json", "{method} {path}");
        out[i] = reply.body;
    }
    out
}

#[tokio::test]
async fn a_spanish_speaking_patient_reads_problems_in_spanish_and_an_english_one_in_english() {
    for backend in backends() {
        let app = spawn(backend).await;
        let (alice, bob) = (app.login("patient.alice").await, app.login("patient.bob").await);

        let [en, es] = both(&app, [&alice, &bob], Method::GET, NOWHERE, None).await;
        assert_eq!((en["title"].as_str(), es["title"].as_str()), (Some("Not found"), Some("No encontrado")));
        assert_eq!(en["detail"], "there is nothing here, or you do not have access to it");
        assert_eq!(es["detail"], "aquí no hay nada, o usted no tiene acceso");
        assert_eq!((&en["type"], &en["status"]), (&es["type"], &es["status"]), "type and status never change");

        let secret = "my HIV results".repeat(20);
        let long = json!({"subject": secret, "body": "A question"});
        let [en, es] = both(&app, [&alice, &bob], Method::POST, "/api/v1/threads", Some(long)).await;
        assert_eq!((en["title"].as_str(), es["title"].as_str()), (Some("Invalid field"), Some("Campo no válido")));
        assert_eq!(en["detail"], "subject must be at most 200 characters");
        assert_eq!(es["detail"], "el campo «subject» puede tener como máximo 200 caracteres");
        assert_eq!((&en["type"], &en["status"], &en["field"]), (&es["type"], &es["status"], &es["field"]));
        assert_eq!(es["status"], 422);
        for body in [&en, &es] {
            assert!(!body.to_string().contains("HIV"), "a problem repeats what was submitted: {body}");
        }
    }
}

#[tokio::test]
async fn the_browsers_language_decides_without_a_session_and_the_users_own_with_one() {
    let app = spawn(support::Backend::Sqlite).await;
    let ask = |language: Option<&'static str>| {
        let mut request = app.http.get(format!("{}/api/v1/me", app.base));
        if let Some(language) = language {
            request = request.header("accept-language", language);
        }
        TestApp::reply(request)
    };
    let spanish = ask(Some("es-MX,es;q=0.9,en;q=0.5")).await;
    assert_eq!(spanish.status, StatusCode::UNAUTHORIZED);
    assert_eq!(spanish.body["title"], "Debe iniciar sesión");
    assert_eq!(spanish.body["detail"], "inicie sesión para continuar");
    let english = ask(Some("fr-FR, en;q=0.8, es;q=0.2")).await;
    assert_eq!(english.body["title"], "Sign-in required");
    let default = ask(None).await;
    assert_eq!(default.body["detail"], "sign in to continue");
    assert_eq!((&default.body["type"], &default.body["status"]), (&spanish.body["type"], &spanish.body["status"]));

    // A signed-in user's own language wins over what the browser asks for.
    let alice = app.login("patient.alice").await;
    let reply = TestApp::reply(
        app.http.get(format!("{}{NOWHERE}", app.base)).bearer_auth(&alice).header("accept-language", "es"),
    )
    .await;
    assert_eq!(reply.body["title"], "Not found");

    // A conflict's reason has its Spanish version.
    let ortiz = app.login("desk.ortiz").await;
    let reply = app.call(Method::DELETE, "/api/v1/mfa", Some(&ortiz), Some(json!({"code": "123456"}))).await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "{:?}", reply.body);
    assert_eq!(reply.body["detail"], "el inicio de sesión en dos pasos no está activado");
}
