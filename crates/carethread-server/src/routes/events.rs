//! Server-sent events: live thread events for what the caller may see.
//! Each event names a thread (and message) but carries no content; the client
//! fetches what changed. Visibility is re-checked by the core policy for
//! every event, so a revoked grant stops the stream's events at once.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use carethread_store::{EventKind, ThreadEvent};
use chrono::Utc;
use futures_util::Stream;
use futures_util::stream;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::AppState;
use crate::error::{ApiResult, Problem};
use crate::extract::Authenticated;
use crate::thread_views::require_messaging;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/events", get(events))
}

/// Live events. The first event is `ready`; then `thread.created`,
/// `message.created`, `thread.updated` and `thread.read`, each with
/// `{"thread_id","message_id"?,"at"}`. Staff also get `alert.emergency` right
/// after an event that triage (or a re-triage) found to be an emergency.
/// After `resync` the client should reload. Privacy officers (auditors) get
/// only `alert.break_glass` (`{"thread_id","at"}`) when a clinician outside a
/// patient's care team opens a thread; the reason is in the audit log.
#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream"),
        (status = 401, body = Problem), (status = 403, body = Problem),
    ),
    security(("bearer" = [])))]
pub async fn events(
    State(state): State<AppState>,
    auth: Authenticated,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let auditor = carethread_core::policy::receives_privacy_alerts(auth.user.role);
    if !auditor {
        require_messaging(&auth)?;
    }
    let receiver = state.store.subscribe();
    let ready = Event::default().event("ready").data("{}");
    let start = stream::once(async move { Ok(ready) });
    let subscriber = Subscriber { receiver, state, auth, pending: None, checked_at: Instant::now() };
    let live = stream::unfold(subscriber, move |mut sub| async move {
        if let Some(alert) = sub.pending.take() {
            return Some((Ok(alert), sub));
        }
        loop {
            let event = match sub.receiver.recv().await {
                Ok(event) => event,
                Err(RecvError::Lagged(_)) => {
                    let resync = Event::default().event("resync").data("{}");
                    return Some((Ok(resync), sub));
                }
                Err(RecvError::Closed) => return None,
            };
            // The stream ends once its session does (sign-out, expiry, a disabled user).
            if sub.checked_at.elapsed() > SESSION_RECHECK {
                if !still_signed_in(&sub.state, &sub.auth).await {
                    return None;
                }
                sub.checked_at = Instant::now();
            }
            if event.kind == EventKind::BreakGlass || auditor {
                if auditor && event.kind == EventKind::BreakGlass {
                    let data = json!({"thread_id": event.thread_id, "at": event.at}).to_string();
                    let sse = Event::default().event("alert.break_glass").data(data);
                    return Some((Ok(sse), sub));
                }
                continue;
            }
            if visible(&sub.state, &sub.auth, &event).await {
                let data =
                    json!({"thread_id": event.thread_id, "message_id": event.message_id, "at": event.at}).to_string();
                let sse = Event::default().event(event.kind.as_str()).data(&data);
                // The on-call alert goes to staff only; patients get their safety notice in the response.
                sub.pending = (event.alert && sub.auth.user.role.is_staff())
                    .then(|| Event::default().event("alert.emergency").data(data));
                return Some((Ok(sse), sub));
            }
        }
    });
    Ok(Sse::new(futures_util::StreamExt::chain(start, live))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// How often a live stream checks that its session still stands.
const SESSION_RECHECK: Duration = Duration::from_secs(10);

/// One live stream's state.
struct Subscriber {
    receiver: tokio::sync::broadcast::Receiver<ThreadEvent>,
    state: AppState,
    auth: Authenticated,
    pending: Option<Event>,
    checked_at: Instant,
}

/// Whether the stream's session is still valid: not signed out, expired, idle too long or disabled.
async fn still_signed_in(state: &AppState, auth: &Authenticated) -> bool {
    // Signed out while the sign-out could not be written (a full disk).
    if state.write_health.signed_out(&auth.token_hash) {
        return false;
    }
    let app = state.app();
    match carethread_app::sessions::lookup(&app, &auth.token_hash).await {
        // A live stream is activity of its own: the idle clock is the one requests keep.
        Ok(Some((session, user))) => {
            !state.write_health.signed_out_everywhere(user.id, session.created_at)
                && carethread_app::sessions::stands(&session, &user, &app.settings, Utc::now())
        }
        Ok(None) => false,
        Err(err) => {
            tracing::warn!(error = %err, "could not check a live stream's session; ending it");
            false
        }
    }
}

async fn visible(state: &AppState, auth: &Authenticated, event: &ThreadEvent) -> bool {
    match carethread_app::threads::may_see_change(&state.app(), &auth.caller(), event.thread_id, event.internal).await {
        Ok(visible) => visible,
        Err(err) => {
            tracing::warn!(error = %err, "could not check an event's visibility; skipping it");
            false
        }
    }
}
