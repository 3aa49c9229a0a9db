//! `carethread serve` and `carethread demo`: running the server, with its scanner and drafter.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use carethread_server::AppState;
use carethread_store::Store;
use secrecy::SecretString;

use super::database::open_store;
use crate::config::{self, Config};
use crate::demo;

/// How long the demo waits before announcing an unread reply.
const DEMO_REPLY_DELAY_SECONDS: u64 = 5;

/// Runs the demo clinic on an embedded SQLite database in `data_dir`, seeding it on first use.
pub(super) async fn run_demo(port: u16, data_dir: &Path, demo_password: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
    let db = data_dir.join("carethread.db");
    let url = format!("sqlite://{}", db.display());
    let mut config = Config::default();
    config.database.url = url;
    // The demo honours the scanner and notification settings from the
    // environment (CARETHREAD__SCANNER__CLAMD, CARETHREAD__NOTIFICATIONS__SMTP_URL, …).
    let environment = Config::load(None).context("reading CARETHREAD__ settings")?;
    config.scanner = environment.scanner;
    config.notifications = environment.notifications;
    // Replies are announced after a few seconds, so the demo shows it, unless set otherwise.
    if config.notifications.reply_delay_seconds == carethread_notify::NotificationSettings::DEFAULT_REPLY_DELAY_SECONDS
    {
        config.notifications.reply_delay_seconds = DEMO_REPLY_DELAY_SECONDS;
    }
    let store = open_store(&config.database).await?;
    let reused = demo::is_seeded(&store).await?;
    if reused {
        say!("Reusing the demo clinic in {}: accounts keep the password they were created with.", data_dir.display());
    } else {
        demo::seed(&store, demo_password, true).await?;
    }
    // The demo seeds staff without a second factor so it can be tried at once.
    config.clinic.mfa_required_for_staff = false;
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    serve(store, config, addr, Some(demo_password)).await?;
    Ok(())
}

pub(super) async fn serve(
    store: Arc<dyn Store>,
    config: Config,
    addr: SocketAddr,
    demo_password: Option<&str>,
) -> anyhow::Result<()> {
    let tls = match (&config.server.tls_cert, &config.server.tls_key) {
        (Some(cert), Some(key)) => Some(carethread_server::tls::server_config(cert.as_ref(), key.as_ref())?),
        (None, None) => None,
        _ => bail!("TLS needs both tls_cert and tls_key"),
    };
    let listener = tokio::net::TcpListener::bind(addr).await.with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    let backend = store.backend();
    let scheme = if tls.is_some() { "https" } else { "http" };
    say!("CareThread is running at {scheme}://{local}/ ({backend})");
    say!("  API description: {scheme}://{local}/api/v1/openapi.json");
    if let Some(password) = demo_password {
        say!("  Demo accounts (password \"{password}\"):");
        for a in demo::ACCOUNTS {
            say!("    {:<14} {} ({})", a.username, a.display_name, a.role);
        }
    }
    let _ = std::io::stdout().flush();
    let mut state = AppState::new(store, config.clinic);
    state.drafter = drafter(&config.drafting)?;
    state.scanner = scanner(&config.scanner)?;
    state.notifications = Arc::new(notifications(&config.notifications, &format!("{scheme}://{local}/"))?);
    // The outbox worker: every server runs one; on PostgreSQL they share the jobs.
    let worker = carethread_app::jobs::spawn_worker(state.app());
    state.tls = config.server.behind_tls_proxy;
    let proxies: Result<Vec<std::net::IpAddr>, _> = config.server.trusted_proxies.iter().map(|p| p.parse()).collect();
    state.trusted_proxies = Arc::new(proxies.context("server.trusted_proxies must be IP addresses")?);
    let served = match tls {
        Some(tls) => carethread_server::serve_tls(listener, tls, state, shutdown_signal()).await.context("serving"),
        None => carethread_server::serve(listener, state, shutdown_signal()).await.context("serving"),
    };
    worker.abort();
    served
}

/// How notices are sent: through the configured mail server and SMS
/// gateway, linking to the configured portal address or, unset, this server.
fn notifications(
    config: &carethread_notify::NotificationSettings,
    this_server: &str,
) -> anyhow::Result<carethread_app::jobs::Notifications> {
    let notifier = carethread_notify::Notifier::from_settings(config).map_err(|e| anyhow::anyhow!("{e}"))?;
    let portal = carethread_notify::PortalUrl::parse(config.portal_url.as_deref().unwrap_or(this_server))
        .map_err(|e| anyhow::anyhow!("notifications.portal_url: {e}"))?;
    let on = |yes: bool| if yes { "on" } else { "off" };
    say!(
        "  Notifications: e-mail {}, SMS {} (set [notifications] or CARETHREAD__NOTIFICATIONS__SMTP_URL)",
        on(notifier.sends_email()),
        on(notifier.sends_sms())
    );
    let mut notifications = carethread_app::jobs::Notifications::new(notifier, portal);
    let seconds = i64::try_from(config.reply_delay_seconds).unwrap_or(i64::MAX);
    notifications.reply_delay = chrono::TimeDelta::try_seconds(seconds).unwrap_or(notifications.reply_delay);
    let hours = i64::try_from(config.unread_reminder_hours).unwrap_or(i64::MAX);
    notifications.unread_reminder_after =
        chrono::TimeDelta::try_hours(hours).unwrap_or(notifications.unread_reminder_after);
    Ok(notifications)
}

/// The configured virus scanner, if any.
fn scanner(config: &config::ScannerConfig) -> anyhow::Result<Option<Arc<carethread_server::scanner::Scanner>>> {
    let Some(address) = config.clamd.as_deref().map(str::trim).filter(|a| !a.is_empty()) else {
        say!("  Virus scanning of files: off (set [scanner] clamd or CARETHREAD__SCANNER__CLAMD to turn it on)");
        return Ok(None);
    };
    let address: carethread_server::scanner::ClamdAddress =
        address.parse().map_err(|e: String| anyhow::anyhow!("scanner.clamd: {e}"))?;
    say!("  Virus scanning of files: on, with clamd at {address}");
    let timeout = std::time::Duration::from_secs(config.timeout_seconds.max(1));
    Ok(Some(Arc::new(carethread_server::scanner::Scanner::new(address, timeout))))
}

/// The configured drafter.
fn drafter(config: &config::DraftingConfig) -> anyhow::Result<Arc<dyn carethread_draft::Drafter>> {
    match config.backend.as_str() {
        "builtin" => Ok(Arc::new(carethread_draft::BuiltinDrafter)),
        "openai" => {
            let api_key = std::env::var(&config.api_key_env).ok().filter(|k| !k.is_empty()).map(SecretString::from);
            let drafter = carethread_draft::OpenAiDrafter::new(carethread_draft::OpenAiConfig {
                base_url: config.base_url.clone(),
                model: config.model.clone(),
                api_key,
                timeout: std::time::Duration::from_secs(config.timeout_seconds.max(1)),
                retries: config.retries,
            })?;
            Ok(Arc::new(drafter))
        }
        other => bail!("drafting.backend must be builtin or openai, not {other}"),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}
