//! The page behind the unsubscribe link at the foot of every notice to a
//! patient or proxy: reached without signing in, it asks before it acts
//! (mail scanners open links), and the button turns notices off and says so
//! plainly, in the person's language. A token nobody holds answers 404 with
//! a plain page that says nothing of whose it might be.
//!
//! Cross-site requests: the page works without a session, so there is no
//! ambient authority for another site to borrow. The token in the address
//! is the only credential, and only the person it was mailed to has it.
//! On top of that the form carries a confirmation value derived from the
//! token ([`confirmation`]) and the post must come from this server's own
//! page (`Sec-Fetch-Site`/`Origin`, as at sign-in), so another site cannot
//! make a visitor's browser post it, and a link alone never turns notices off.
//! The page sends no referrer and is not cached, so the token does not leak
//! onwards.

use axum::extract::{Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use carethread_app::AppError;
use carethread_app::contact_preferences;
use maud::html;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::notifications::PATH as SETTINGS;
use super::pages::api_error;
use super::{Text, error_page, page, same_origin, visitor_language};
use crate::AppState;
use crate::auth::same_token;
use crate::extract::ClientAddress;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/unsubscribe/{token}", get(ask).post(confirm))
}

/// The value the confirmation form carries: derived from the token, so it
/// needs no storage and no session.
fn confirmation(token: &str) -> String {
    format!("{:x}", Sha256::digest(format!("carethread-unsubscribe:{token}").as_bytes()))
}

/// No referrer (the address holds the token) and no caching.
fn private(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-robots-tag", HeaderValue::from_static("noindex"));
    response
}

/// The plain answer to a token nobody holds, in the visitor's language.
fn unknown(text: Text) -> Response {
    private(error_page(text, StatusCode::NOT_FOUND, text.get("unsubscribe-unknown")))
}

/// A refusal from the application layer: 404 for a token nobody holds,
/// else the refusal's own status and words (a database that is not answering).
fn refused(text: Text, err: AppError) -> Response {
    match err {
        AppError::NotFound => unknown(text),
        other => private(api_error(text, &other.into())),
    }
}

/// Asks whether to stop notices; changes nothing.
async fn ask(State(state): State<AppState>, Path(token): Path<String>, parts: Parts) -> Response {
    let language = match contact_preferences::unsubscribe_prompt(&state.app(), &token).await {
        Ok(language) => language,
        Err(err) => return refused(Text(visitor_language(&parts)), err),
    };
    let text = Text(language);
    let action = format!("/unsubscribe/{token}");
    let body = html! {
        p { (text.get("unsubscribe-intro")) }
        p { (text.get("unsubscribe-still")) }
        form method="post" action=(action) {
            input type="hidden" name="confirm" value=(confirmation(&token));
            button type="submit" class="primary" { (text.get("unsubscribe-confirm")) }
        }
    };
    private(page(text, text.get("unsubscribe-title"), None, body))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ConfirmForm {
    confirm: String,
}

/// Turns notices off and says so.
async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
    client: ClientAddress,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Response {
    let visitor = Text(
        crate::extract::cookie_from_headers(&headers, super::LANG_COOKIE)
            .and_then(|l| carethread_core::user::Language::parse(l).ok())
            .unwrap_or_default(),
    );
    if !same_origin(&headers) || !same_token(&form.confirm, &confirmation(&token)) {
        return private(error_page(visitor, StatusCode::FORBIDDEN, visitor.get("unsubscribe-refused")));
    }
    let language = match contact_preferences::unsubscribe(&state.app(), &token, client.0).await {
        Ok(language) => language,
        Err(err) => return refused(visitor, err),
    };
    let text = Text(language);
    let body = html! {
        p role="status" { strong { (text.get("unsubscribe-done")) } }
        p { (text.get("unsubscribe-still")) }
        p { (text.get("unsubscribe-done_back")) " " a href=(SETTINGS) { (text.get("notifications-title")) } }
    };
    private(page(text, text.get("unsubscribe-done_title"), None, body))
}
