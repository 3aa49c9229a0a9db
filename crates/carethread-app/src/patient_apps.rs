//! Apps patients connect to their records (SMART App Launch, standalone):
//! an administrator registers each app with the addresses it may be sent
//! back to and the `patient/` scopes it may ask for, and may revoke it; a
//! patient sees the apps she connected under "Sign-in and security" and
//! disconnects any of them. How an app is connected is [`crate::app_launch`].

use carethread_core::audit::AuditAction;
use carethread_core::ids::{AppConnectionId, AppId};
use carethread_core::user::DisplayName;
use carethread_fhir::smart::{Context, Scopes};
use carethread_store::{AppConnection, PatientApp};
use chrono::Utc;

use crate::audit::entry;
use crate::users::require_admin;
use crate::{App, AppError, AppResult, Caller, Operator};

/// The most addresses one app may be registered with.
const MAX_REDIRECTS: usize = 10;

/// An app to register, as an administrator typed it.
#[derive(Debug, Clone)]
pub struct RegisterApp {
    pub name: String,
    /// The addresses the app may be sent back to, one per line.
    pub redirect_uris: String,
    /// The scopes it may ask for, e.g. `patient/Communication.rs patient/Patient.r`.
    pub scopes: String,
}

/// Whether an address is plain `http` to this machine (an app on the
/// patient's own computer, RFC 8252): `127.0.0.1` or `localhost`. (Not
/// `[::1]`: a page's policy cannot name an IPv6 address to send a form on to.)
fn loopback_http(url: &reqwest::Url) -> bool {
    url.scheme() == "http" && matches!(url.host_str(), Some("127.0.0.1" | "localhost"))
}

/// Whether an address an app asked to be sent back to is one it registered:
/// the same to the letter, or, for an app on the patient's own computer, the
/// same but for the port, which such an app picks when it starts (RFC 8252 §7.3).
pub(crate) fn redirect_matches(registered: &str, asked: &str) -> bool {
    if registered == asked {
        return true;
    }
    let (Ok(mut registered), Ok(mut asked)) = (reqwest::Url::parse(registered), reqwest::Url::parse(asked)) else {
        return false;
    };
    if !loopback_http(&registered) || !loopback_http(&asked) || asked.fragment().is_some() {
        return false;
    }
    // Both are http URLs with a host, which always take a port.
    let (Ok(()), Ok(())) = (registered.set_port(None), asked.set_port(None)) else { return false };
    registered == asked && asked.username().is_empty() && asked.password().is_none()
}

/// Whether an address may receive a patient's authorization code: `https`
/// to a named host, or plain `http` to this machine (see [`loopback_http`]);
/// no user information and no fragment.
fn redirect_ok(uri: &str) -> bool {
    let Ok(url) = reqwest::Url::parse(uri) else { return false };
    let host = url.host_str().unwrap_or_default();
    let scheme_ok = match url.scheme() {
        "https" => !host.is_empty(),
        "http" => loopback_http(&url),
        _ => false,
    };
    scheme_ok && uri.len() <= 500 && url.username().is_empty() && url.password().is_none() && url.fragment().is_none()
}

/// Registers an app: its name, addresses and scopes are checked, and it is
/// written with its audit entry. Its id is the `client_id` the app uses.
pub async fn register_app(app: &App, by: Operator<'_>, input: RegisterApp) -> AppResult<PatientApp> {
    require_admin(by)?;
    let name = DisplayName::parse(&input.name).map_err(|_| AppError::invalid("name", "must be 1 to 100 characters"))?;
    let redirect_uris: Vec<String> =
        input.redirect_uris.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect();
    if redirect_uris.is_empty() || redirect_uris.len() > MAX_REDIRECTS {
        return Err(AppError::invalid("redirect_uris", "name 1 to 10 addresses, one per line"));
    }
    if !redirect_uris.iter().all(|uri| redirect_ok(uri)) {
        return Err(AppError::invalid(
            "redirect_uris",
            "each address must be https://, or http:// to 127.0.0.1 or localhost, with no #fragment",
        ));
    }
    let scopes = Scopes::parse(&input.scopes).map_err(|e| AppError::invalid("scopes", e.to_string()))?;
    if !scopes.only_in(Context::Patient) {
        return Err(AppError::invalid("scopes", "name patient/ scopes only, such as patient/Communication.rs"));
    }
    let registered = PatientApp {
        id: AppId::from_uuid(uuid::Uuid::now_v7()),
        name: name.as_str().to_owned(),
        redirect_uris,
        scopes: scopes.to_string(),
        created_at: Utc::now(),
        revoked_at: None,
    };
    let audit = entry(by, AuditAction::PatientAppChange, "registered");
    app.store.register_patient_app(&registered, &audit).await?;
    tracing::info!(app.id = %registered.id, "patient app registered");
    Ok(registered)
}

/// Every registered app (administrators).
pub async fn list_apps(app: &App, by: Operator<'_>) -> AppResult<Vec<PatientApp>> {
    require_admin(by)?;
    Ok(app.store.patient_apps().await?)
}

/// Revokes an app: every patient's connection to it ends at once.
pub async fn revoke_app(app: &App, by: Operator<'_>, id: AppId) -> AppResult<()> {
    require_admin(by)?;
    let audit = entry(by, AuditAction::PatientAppChange, "revoked");
    if app.store.revoke_patient_app(id, Utc::now(), &audit).await? {
        tracing::info!(app.id = %id, "patient app revoked");
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The apps the caller has connected to her record and that can still
/// read it (a refresh token in force, or an access token not yet expired).
pub async fn connections(app: &App, caller: &Caller) -> AppResult<Vec<AppConnection>> {
    let now = Utc::now();
    let mut connections = app.store.app_connections_of(caller.user.id).await?;
    connections.retain(|c| {
        c.refresh_expires_at.is_some_and(|at| at > now) || c.last_used_at + crate::app_tokens::ACCESS_LIFETIME > now
    });
    Ok(connections)
}

/// Disconnects one of the caller's apps: its tokens stop working at once.
/// Another person's connection answers as a missing one.
pub async fn disconnect(app: &App, caller: &Caller, id: AppConnectionId) -> AppResult<()> {
    let audit = caller.audit(AuditAction::AppDisconnect);
    if app.store.end_app_connection(id, Some(caller.user.id), &audit).await? {
        tracing::info!(connection.id = %id, "app disconnected by the patient");
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::{redirect_matches, redirect_ok};

    #[test]
    fn apps_are_sent_back_over_https_or_to_this_machine() {
        for good in ["https://app.example/callback", "http://127.0.0.1:8123/cb", "http://localhost/cb"] {
            assert!(redirect_ok(good), "{good}");
        }
        for bad in [
            "http://app.example/callback",
            "https://user@app.example/cb",
            "https://app.example/cb#frag",
            "javascript:alert(1)",
            "app.example/cb",
            "ftp://app.example/cb",
            "http://[::1]:9/x",
            "http://127.0.0.2/cb",
        ] {
            assert!(!redirect_ok(bad), "{bad}");
        }
    }

    #[test]
    fn an_app_on_the_patients_computer_may_pick_its_port() {
        assert!(redirect_matches("https://app.example/cb", "https://app.example/cb"));
        assert!(redirect_matches("http://127.0.0.1/cb", "http://127.0.0.1:51234/cb"));
        assert!(redirect_matches("http://localhost:8080/cb?x=1", "http://localhost:9090/cb?x=1"));
        for (registered, asked) in [
            ("https://app.example/cb", "https://app.example:8443/cb"),
            ("https://app.example/cb", "https://app.example/cb/"),
            ("http://127.0.0.1/cb", "http://localhost:5000/cb"),
            ("http://127.0.0.1/cb", "http://127.0.0.1:5000/other"),
            ("http://127.0.0.1/cb", "http://user@127.0.0.1:5000/cb"),
            ("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb#x"),
        ] {
            assert!(!redirect_matches(registered, asked), "{registered} {asked}");
        }
    }
}
