//! Signing in and out.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use carethread_core::user::Username;
use carethread_store::SessionRecord;
use chrono::{TimeDelta, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{new_token, token_hash, verify_password};
use crate::dto::SessionOut;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{ApiJson, Authenticated};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/v1/session", post(sign_in).delete(sign_out))
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
pub struct SignIn {
    pub username: String,
    #[schema(value_type = String, format = Password)]
    pub password: SecretString,
}

const BAD_CREDENTIALS: &str = "the username or password is not correct";

/// Signs in and returns a bearer token.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn,
    responses(
        (status = 200, description = "Signed in", body = SessionOut),
        (status = 401, description = "Wrong username or password", body = Problem),
        (status = 422, description = "Missing field", body = Problem),
    ))]
pub async fn sign_in(State(state): State<AppState>, ApiJson(input): ApiJson<SignIn>) -> ApiResult<Json<SessionOut>> {
    // An unparseable username is treated like an unknown one: same message, same work.
    let found = match Username::parse(&input.username) {
        Ok(username) => state.store.user_credentials(&username).await?,
        Err(_) => None,
    };
    let password = input.password;
    let stored = found.as_ref().map(|(_, hash)| hash.clone());
    let verified = tokio::task::spawn_blocking(move || verify_password(&password, stored.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    let user = match found {
        Some((user, _)) if verified && !user.disabled => user,
        _ => {
            tracing::info!("sign-in refused");
            return Err(bad_credentials());
        }
    };
    let now = Utc::now();
    let token = new_token();
    let expires_at = now + TimeDelta::hours(i64::from(state.settings.session_max_hours));
    state
        .store
        .create_session(&SessionRecord {
            token_hash: token_hash(token.expose_secret()),
            user_id: user.id,
            created_at: now,
            last_seen_at: now,
            expires_at,
        })
        .await?;
    tracing::info!(user.id = %user.id, "signed in");
    Ok(Json(SessionOut { token: token.expose_secret().to_owned(), user: (&user).into(), expires_at }))
}

fn bad_credentials() -> ApiError {
    ApiError::Unauthorized(BAD_CREDENTIALS.to_owned())
}

/// Signs out: the token stops working at once.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session",
    responses((status = 204, description = "Signed out"), (status = 401, body = Problem)),
    security(("bearer" = [])))]
pub async fn sign_out(State(state): State<AppState>, auth: Authenticated) -> ApiResult<StatusCode> {
    state.store.delete_session(&auth.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}
