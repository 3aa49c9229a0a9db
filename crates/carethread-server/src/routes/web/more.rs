//! More of the portal: a patient's "who has seen my messages" and proxy
//! management, and the care team's thread actions (assign to me, forward to
//! a pool, re-triage, close).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use carethread_app::retriage::{self, Retriage};
use carethread_app::threads::{self, ChangeThread};
use carethread_core::audit::AuditAction;
use carethread_core::ids::ThreadId;
use carethread_core::role::Role;
use carethread_core::thread::{ThreadStatus, Urgency};
use carethread_store::AuditQuery;
use chrono::Utc;
use maud::html;
use serde::Deserialize;

use super::form_error::FormError;
use super::pages::api_error_in;
use super::{Text, WebSession, error_page, page};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiQuery};
use crate::routes::messages::{NewMessageIn, post_message};
use crate::routes::privacy::{AuditParams, audit_log};
use carethread_core::policy::{self, ThreadAction};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/privacy", get(privacy))
        .route("/audit", get(audit_page))
        .route("/proxies", get(proxies))
        .route("/proxies/revoke", post(revoke))
        .route("/proxies/grant", post(grant))
        .route("/threads/{id}/manage", post(manage))
}

fn action_words(text: Text, action: &str) -> &'static str {
    match (text.0, action) {
        (carethread_core::user::Language::En, "thread.read" | "message.read" | "attachment.read") => {
            "opened your messages"
        }
        (carethread_core::user::Language::En, "thread.break_glass") => "opened your messages in an emergency",
        (carethread_core::user::Language::En, "grant.create") => "gave someone access to your messages",
        (carethread_core::user::Language::En, "grant.revoke") => "ended someone's access to your messages",
        (carethread_core::user::Language::En, _) => "worked on your messages",
        (carethread_core::user::Language::Es, "thread.read" | "message.read" | "attachment.read") => {
            "abrió sus mensajes"
        }
        (carethread_core::user::Language::Es, "thread.break_glass") => "abrió sus mensajes en una emergencia",
        (carethread_core::user::Language::Es, "grant.create") => "dio acceso a sus mensajes a otra persona",
        (carethread_core::user::Language::Es, "grant.revoke") => "quitó el acceso a sus mensajes a otra persona",
        (carethread_core::user::Language::Es, _) => "trabajó en sus mensajes",
    }
}

/// Who has seen my messages: names, roles and times from the audit log.
async fn privacy(State(state): State<AppState>, session: WebSession) -> Response {
    let text = session.text;
    if session.auth.user.role != Role::Patient {
        return Redirect::to("/").into_response();
    }
    let me = session.auth.user.id;
    let query = AuditQuery {
        patient: Some(me),
        patient_view: true,
        exclude_actor: Some(me),
        limit: 200,
        ..AuditQuery::default()
    };
    // The reading is recorded before anything is shown: no record, no page.
    let recorded = state.store.record_audit(vec![session.auth.audit(AuditAction::AuditRead).patient(me)]).await;
    let entries = match recorded {
        Ok(()) => state.store.audit_entries(&query).await,
        Err(e) => Err(e),
    };
    let entries = match entries {
        Ok(e) => e,
        Err(e) => return api_error_in(&session, &e.into()),
    };
    page(
        text,
        text.get("privacy-title"),
        Some(&session),
        html! {
            p { (text.get("privacy-intro")) }
            @if entries.is_empty() { p { (text.get("privacy-none")) } }
            @else {
                table {
                    caption class="visually-hidden" { (text.get("privacy-title")) }
                    thead { tr { th scope="col" { (text.get("privacy-who")) } th scope="col" { (text.get("privacy-what")) } th scope="col" { (text.get("privacy-when")) } } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td { @if let Some(a) = &e.actor { (a.display_name) " (" (a.role.as_str().replace('_', " ")) ")" } @else { "CareThread" } }
                                td { (action_words(text, &e.action)) }
                                td { (session.when(e.at)) }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// A patient's proxies: who may act for her, with what scope and until when; revoke at once.
async fn proxies(State(state): State<AppState>, session: WebSession) -> Response {
    proxies_page(&state, &session, &GrantForm::default(), None).await
}

/// The proxies page; a refused grant comes back with what was chosen and why.
async fn proxies_page(
    state: &AppState,
    session: &WebSession,
    typed: &GrantForm,
    error: Option<&FormError>,
) -> Response {
    let text = session.text;
    if session.auth.user.role != Role::Patient {
        return Redirect::to("/").into_response();
    }
    let grants = match state.store.proxy_grants(Some(session.auth.user.id), None).await {
        Ok(g) => g,
        Err(e) => return api_error_in(session, &e.into()),
    };
    let now = Utc::now();
    let mut response = page(
        text,
        text.get("proxies-title"),
        Some(session),
        html! {
            (FormError::summary(error, text))
            p { (text.get("proxies-intro")) }
            ul {
                @for g in grants.iter().filter(|g| g.revoked_at.is_none() && g.expires_at.is_none_or(|t| t > now)) {
                    li {
                        strong { (g.proxy.display_name) } " · " (text.get(&format!("proxies-scope-{}", g.scope.as_str())))
                        @if let Some(t) = g.expires_at { " · " (text.get("proxies-until")) " " (t.format("%b %-d, %Y")) }
                        form method="post" action="/proxies/revoke" class="inline" {
                            input type="hidden" name="csrf_token" value=(session.csrf);
                            input type="hidden" name="grant" value=(g.id);
                            button type="submit" { (text.fill("proxies-revoke", &[("name", &g.proxy.display_name)])) }
                        }
                    }
                }
            }
            section aria-labelledby="grant-h" {
                h2 id="grant-h" { (text.get("proxies-add")) }
                p { (text.get("proxies-add_intro")) }
                form method="post" action="/proxies/grant" class="stack" {
                    input type="hidden" name="csrf_token" value=(session.csrf);
                    label for="proxy-username" { (text.get("proxies-username")) }
                    input id="proxy-username" name="username" type="text" required autocomplete="off" maxlength="64"
                        value=(typed.username)
                        aria-invalid=[FormError::is_for(error, "proxy-username").then_some("true")]
                        aria-describedby=[FormError::described_by(error, "proxy-username")];
                    (FormError::next_to(error, "proxy-username"))
                    label for="proxy-scope" { (text.get("admin-grants-scope")) }
                    select id="proxy-scope" name="scope" {
                        @for s in ["messages_only", "read_only", "full"] {
                            option value=(s) selected[s == typed.scope] { (text.get(&format!("proxies-scope-{s}"))) }
                        }
                    }
                    label for="proxy-until" { (text.get("admin-grants-until_optional")) }
                    input id="proxy-until" name="until" type="date" value=(typed.until)
                        aria-invalid=[FormError::is_for(error, "proxy-until").then_some("true")]
                        aria-describedby=[FormError::described_by(error, "proxy-until")];
                    (FormError::next_to(error, "proxy-until"))
                    button type="submit" class="primary" { (text.get("proxies-add")) }
                }
            }
        },
    );
    if let Some(e) = error {
        *response.status_mut() = e.status;
    }
    response
}

#[derive(Deserialize, Default)]
struct AuditFilter {
    #[serde(default)]
    patient: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The privacy officer's view of the audit log: filters by patient, action
/// and period, and the same query as CSV.
async fn audit_page(State(state): State<AppState>, session: WebSession, Query(f): Query<AuditFilter>) -> Response {
    let text = session.text;
    if policy::audit_access(session.auth.user.role) != policy::AuditAccess::Everything {
        return Redirect::to("/").into_response();
    }
    let some = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let params = AuditParams {
        patient: some(&f.patient),
        action: some(&f.action),
        from: some(&f.from),
        to: some(&f.to),
        limit: Some("200".to_owned()),
        ..AuditParams::default()
    };
    let response = match audit_log(State(state.clone()), session.auth.clone(), ApiQuery(params)).await {
        Ok(r) => r,
        Err(e) => return super::pages::api_error(text, &e),
    };
    let Ok(bytes) = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await else {
        return error_page(text, StatusCode::INTERNAL_SERVER_ERROR, text.get("error-generic"));
    };
    let Ok(entries) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
        return error_page(text, StatusCode::INTERNAL_SERVER_ERROR, text.get("error-generic"));
    };
    let patients: Vec<_> = match state.store.list_users().await {
        Ok(users) => users.into_iter().filter(|u| u.role == Role::Patient).collect(),
        Err(e) => return api_error_in(&session, &e.into()),
    };
    let csv = format!(
        "/api/v1/audit?format=csv&limit=1000{}{}{}{}",
        some(&f.patient).map(|p| format!("&patient={p}")).unwrap_or_default(),
        some(&f.action).map(|a| format!("&action={}", a.replace(['&', '#', ' '], ""))).unwrap_or_default(),
        some(&f.from).map(|d| format!("&from={d}")).unwrap_or_default(),
        some(&f.to).map(|d| format!("&to={d}")).unwrap_or_default(),
    );
    let name = |v: &serde_json::Value| v["display_name"].as_str().unwrap_or("—").to_owned();
    let rows = entries["entries"].as_array().cloned().unwrap_or_default();
    page(
        text,
        text.get("audit-title"),
        Some(&session),
        html! {
            form method="get" action="/audit" class="inline filters" {
                label for="audit-patient" { (text.get("inbasket-patient")) }
                select id="audit-patient" name="patient" {
                    option value="" { (text.get("inbasket-any")) }
                    @for p in &patients { option value=(p.id) selected[p.id.to_string() == f.patient] { (p.display_name.as_str()) } }
                }
                label for="audit-action" { (text.get("audit-action")) }
                input id="audit-action" name="action" type="text" value=(f.action) placeholder="thread.break_glass";
                label for="audit-from" { (text.get("audit-from")) }
                input id="audit-from" name="from" type="date" value=(f.from);
                label for="audit-to" { (text.get("audit-to")) }
                input id="audit-to" name="to" type="date" value=(f.to);
                button type="submit" { (text.get("inbasket-filter")) }
            }
            p { a href=(csv) download="audit.csv" { (text.get("audit-csv")) } }
            div class="scroll" tabindex="0" role="region" aria-label=(text.get("audit-title")) {
                table {
                    thead { tr {
                        th scope="col" { (text.get("privacy-when")) }
                        th scope="col" { (text.get("privacy-who")) }
                        th scope="col" { (text.get("audit-action")) }
                        th scope="col" { (text.get("inbasket-patient")) }
                        th scope="col" { (text.get("audit-detail")) }
                    } }
                    tbody {
                        @for e in &rows {
                            tr {
                                td { (e["at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).map(|t| session.when(t.with_timezone(&Utc))).unwrap_or_default()) }
                                td { (name(&e["actor"])) }
                                td { (e["action"].as_str().unwrap_or("")) @if let Some(o) = e["outcome"].as_str() { " (" (o) ")" } }
                                td { (name(&e["patient"])) }
                                td { (e["detail"].as_str().unwrap_or("")) }
                            }
                        }
                    }
                }
            }
        },
    )
}

#[derive(Deserialize, Default)]
struct GrantForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    until: String,
}

/// A patient gives someone with a proxy account access, by their username.
/// Any username that is not a proxy's gets the same answer, so the form
/// tells nothing about other accounts.
async fn grant(State(state): State<AppState>, session: WebSession, Form(form): Form<GrantForm>) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let text = session.text;
    if session.auth.user.role != Role::Patient {
        return Redirect::to("/").into_response();
    }
    let refused = |field: &str, status: StatusCode, message: String| FormError::new(field, status, message);
    let no_proxy =
        || refused("proxy-username", StatusCode::UNPROCESSABLE_ENTITY, text.get("proxies-no_such").to_owned());
    let proxy = match carethread_core::user::Username::parse(form.username.trim()) {
        Err(_) => Err(no_proxy()),
        Ok(username) => match state.store.user_credentials(&username).await {
            Ok(Some((user, _))) if user.role == Role::Proxy && !user.disabled => Ok(user),
            Ok(_) => Err(no_proxy()),
            Err(e) => return api_error_in(&session, &e.into()),
        },
    };
    let proxy = match proxy {
        Ok(p) => p,
        Err(error) => return proxies_page(&state, &session, &form, Some(&error)).await,
    };
    let expires_at = match super::admin::end_of_day(&form.until) {
        Ok(t) => t,
        Err(e) => {
            let error = refused("proxy-until", super::form_error::form_status(&e), text.get("form-invalid").to_owned());
            return proxies_page(&state, &session, &form, Some(&error)).await;
        }
    };
    let input = crate::routes::privacy::NewGrantIn {
        proxy_id: proxy.id.to_string(),
        patient_id: None,
        scope: form.scope.clone(),
        expires_at,
    };
    match crate::routes::privacy::create_grant(State(state.clone()), session.auth.clone(), ApiJson(input)).await {
        Ok(_) => Redirect::to("/proxies").into_response(),
        Err(e) => {
            let field = if matches!(&e, ApiError::Invalid { field, .. } if field == "expires_at") {
                "proxy-until"
            } else {
                "proxy-username"
            };
            let message = match &e {
                ApiError::Invalid { .. } | ApiError::Conflict(_) => text.get("form-invalid").to_owned(),
                _ => text.get("error-generic").to_owned(),
            };
            let error = refused(field, super::form_error::form_status(&e), message);
            proxies_page(&state, &session, &form, Some(&error)).await
        }
    }
}

#[derive(Deserialize)]
struct RevokeForm {
    csrf_token: String,
    grant: String,
}

async fn revoke(State(state): State<AppState>, session: WebSession, Form(form): Form<RevokeForm>) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    match crate::routes::privacy::revoke_grant(State(state), session.auth.clone(), Path(form.grant)).await {
        Ok(_) => Redirect::to("/proxies").into_response(),
        Err(_) => error_page(session.text, StatusCode::NOT_FOUND, session.text.get("error-not_found")),
    }
}

#[derive(Deserialize)]
struct ManageForm {
    csrf_token: String,
    action: String,
    #[serde(default)]
    urgency: String,
    #[serde(default)]
    pool: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    note: String,
    /// Forwarding to a pool only: `keep` leaves the thread with its assignee;
    /// anything else (the form's default) clears it so the pool picks it up.
    #[serde(default)]
    assignee_rule: String,
}

/// Staff thread actions, each through the same handler as the API.
async fn manage(
    State(state): State<AppState>,
    session: WebSession,
    Path(id): Path<String>,
    Form(form): Form<ManageForm>,
) -> Response {
    if let Some(refused) = session.refuse(&form.csrf_token) {
        return refused;
    }
    let text = session.text;
    let auth = session.auth.clone();
    let status = |status| ChangeThread { status: Some(status), ..ChangeThread::default() };
    let replies = |on| ChangeThread { replies_allowed: Some(on), ..ChangeThread::default() };
    let me = ChangeThread { assignee: Some(Some(auth.user.id)), ..ChangeThread::default() };
    let result = match form.action.as_str() {
        "assign_me" => change_thread(&state, &session, &id, me).await,
        "close" => change_thread(&state, &session, &id, status(ThreadStatus::Closed)).await,
        "reopen" => change_thread(&state, &session, &id, status(ThreadStatus::Open)).await,
        "replies_off" => change_thread(&state, &session, &id, replies(false)).await,
        "replies_on" => change_thread(&state, &session, &id, replies(true)).await,
        "retriage" => retriage_thread(&state, &session, &id, &form.urgency, &form.pool).await,
        "forward" => {
            let note = form.note.clone();
            if let Err(e) = forward(&state, &session, &id, form).await {
                // The forward form comes back with its note and the error beside the field.
                let field = match &e {
                    ApiError::Invalid { field, .. } if field == "pool" => "forward-pool",
                    ApiError::Invalid { field, .. } if field == "assignee" => "forward-user",
                    _ => "forward-note",
                };
                let message = match &e {
                    ApiError::Invalid { field, .. } if field == "pool" => text.get("manage-forward_nowhere").to_owned(),
                    ApiError::Invalid { field, .. } if field == "note" => text.get("manage-note_too_long").to_owned(),
                    ApiError::Invalid { .. } => text.get("form-invalid").to_owned(),
                    other => super::form_error::FormError::from_api(&state, &session, other, field, field).message,
                };
                let error = FormError::new(field, super::form_error::form_status(&e), message);
                let status = error.status;
                let page = super::thread_page::ReplyBox {
                    forward_note: note,
                    forward_error: Some(error),
                    ..super::thread_page::ReplyBox::default()
                };
                return super::thread_forms::again(&state, &session, &id, page, status).await;
            }
            Ok(())
        }
        _ => return error_page(text, StatusCode::UNPROCESSABLE_ENTITY, text.get("error-generic")),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/threads/{id}")).into_response(),
        Err(e) => api_error_in(&session, &e),
    }
}

/// Changes the thread `id` as a staff form asks (assign, forward, status, replies).
async fn change_thread(state: &AppState, session: &WebSession, id: &str, change: ChangeThread) -> Result<(), ApiError> {
    let caller = session.auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = id.parse().map_err(|_| ApiError::NotFound)?;
    threads::update_thread(&state.app(), &caller, id, change).await?;
    Ok(())
}

/// Re-triages the thread `id` as the staff form asks (urgency and/or pool).
async fn retriage_thread(
    state: &AppState,
    session: &WebSession,
    id: &str,
    urgency: &str,
    pool: &str,
) -> Result<(), ApiError> {
    let change = Retriage {
        urgency: Some(urgency).filter(|u| !u.is_empty()).map(Urgency::parse).transpose()?,
        pool: Some(pool).filter(|p| !p.is_empty()).map(str::to_owned),
        ..Retriage::default()
    };
    let caller = session.auth.caller();
    threads::require_messaging(&caller)?;
    let id: ThreadId = id.parse().map_err(|_| ApiError::NotFound)?;
    retriage::retriage(&state.app(), &caller, id, change).await?;
    state.metrics.triage_overridden();
    Ok(())
}

/// Forwards a thread to a pool and/or a colleague, leaving the note as an
/// internal note that says where it went. Everything is checked first; the
/// move and the note are two writes, the move first.
async fn forward(state: &AppState, session: &WebSession, id: &str, form: ManageForm) -> Result<(), ApiError> {
    let note = form.note.trim();
    if note.chars().count() > 500 {
        return Err(ApiError::invalid("note", "must be at most 500 characters"));
    }
    let pool = match form.pool.as_str() {
        "" => None,
        slug => {
            carethread_core::text::single_line("pool", slug)?;
            Some(state.store.pool_by_slug(slug).await?.ok_or_else(|| ApiError::invalid("pool", "names no pool"))?)
        }
    };
    let assignee = match form.assignee.as_str() {
        "" => None,
        raw => {
            let user_id: carethread_core::ids::UserId =
                raw.parse().map_err(|_| ApiError::invalid("assignee", "names no colleague"))?;
            let user = state.store.user(user_id).await?.filter(|u| u.role.is_staff() && !u.disabled);
            Some(user.ok_or_else(|| ApiError::invalid("assignee", "names no colleague"))?)
        }
    };
    if pool.is_none() && assignee.is_none() {
        return Err(ApiError::invalid("pool", "choose a pool or a colleague to forward to"));
    }
    // Both writes are allowed before either is made: moving needs Manage, the note InternalNotes.
    let mut had_assignee = false;
    for action in [ThreadAction::Manage, ThreadAction::InternalNotes] {
        let thread = crate::routes::threads::authorize_thread(state, &session.auth, id, action).await?;
        had_assignee = thread.assignee_id.is_some();
    }
    // To a colleague: they become the assignee. To a pool alone: the assignee
    // is cleared unless the form said to keep them.
    let clear = assignee.is_none() && had_assignee && form.assignee_rule != "keep";
    let change = ChangeThread {
        pool: pool.as_ref().map(|p| Some(p.id)),
        assignee: match &assignee {
            Some(u) => Some(Some(u.id)),
            None if clear => Some(None),
            None => None,
        },
        ..ChangeThread::default()
    };
    change_thread(state, session, id, change).await?;
    let to: Vec<&str> = pool
        .as_ref()
        .map(|p| p.name.as_str())
        .into_iter()
        .chain(assignee.as_ref().map(|u| u.display_name.as_str()))
        .collect();
    let mut body = session.text.fill("manage-forwarded", &[("to", &to.join(", "))]);
    if clear {
        body = format!("{body} {}", session.text.get("manage-assignee_cleared"));
    }
    if !note.is_empty() {
        body = format!("{body}\n{note}");
    }
    let message = NewMessageIn { body, internal: true, draft_id: None };
    post_message(State(state.clone()), session.auth.clone(), Path(id.to_owned()), HeaderMap::new(), ApiJson(message))
        .await
        .map(|_| ())?;
    Ok(())
}
