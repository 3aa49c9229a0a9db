//! Subcommands: `serve`, `demo`, `migrate`, `user`, `audit`, `keys`, `config`, `triage`, `bench`.
#![expect(clippy::doc_markdown, reason = "doc comments on the commands are their --help text, shown as typed")]

use std::io::{BufRead as _, Write as _};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, NewUser, Username, check_new_password};
use carethread_server::AppState;
use carethread_server::auth::hash_password;
use carethread_store::{MasterKey, Store};
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use secrecy::SecretString;

use crate::config::{self, Config};
use crate::{bench, demo};

/// Prints a line on standard output. A reader that went away (`| head`) makes
/// the command return the write error, which `main` ends quietly, rather than
/// panicking as `println!` does.
macro_rules! say {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// `say!` without the line end.
macro_rules! say_part {
    ($($arg:tt)*) => {
        write!(std::io::stdout().lock(), $($arg)*)?
    };
}

/// CareThread: secure asynchronous messaging between patients and their care teams.
#[derive(Parser)]
#[command(name = "carethread", version)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve {
        /// Configuration file (TOML).
        #[arg(long)]
        config: Option<PathBuf>,
        /// Database URL: sqlite://PATH or postgres://…
        #[arg(long)]
        database_url: Option<String>,
        /// Address to listen on.
        #[arg(long)]
        bind: Option<String>,
        /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key for --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
    },
    /// Run a demo clinic on an embedded SQLite database.
    Demo {
        #[arg(long, default_value_t = 8080)]
        port: u16,
        /// Where the demo database lives.
        #[arg(long, default_value = "carethread-demo")]
        data_dir: PathBuf,
        /// Password for every demo account.
        #[arg(long, default_value = "demo")]
        demo_password: String,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate {
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        database_url: Option<String>,
    },
    /// Manage users.
    User {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[arg(long, global = true)]
        database_url: Option<String>,
        #[command(subcommand)]
        action: UserAction,
    },
    /// Configuration helpers.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Triage messages offline.
    Triage {
        #[command(subcommand)]
        action: TriageAction,
    },
    /// Check the audit log's hash chain.
    Audit {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[arg(long, global = true)]
        database_url: Option<String>,
        /// A demo or embedded data directory (its carethread.db and master.key).
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// Manage encryption keys.
    Keys {
        #[arg(long, global = true)]
        config: Option<PathBuf>,
        #[arg(long, global = true)]
        database_url: Option<String>,
        /// A demo or embedded data directory (its carethread.db and master.key).
        #[arg(long, global = true)]
        data_dir: Option<PathBuf>,
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Load-test a server over real HTTP and print throughput and latency percentiles.
    Bench(bench::BenchArgs),
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain: exit 0 if intact, 1 naming the first altered or missing entry.
    Verify,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a data key and re-encrypt everything under it, while servers keep running.
    /// With --new-master-key-file, first re-wrap every data key under a new master key
    /// (created, mode 0600, if the file does not exist); then point the servers at it.
    Rotate {
        #[arg(long)]
        new_master_key_file: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum UserAction {
    /// Add a user. The password is read from standard input.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// patient, proxy, physician, nurse, pharmacist, front_desk, billing, admin or auditor.
        #[arg(long)]
        role: String,
        /// Patients only: YYYY-MM-DD.
        #[arg(long)]
        date_of_birth: Option<String>,
        /// en or es.
        #[arg(long, default_value = "en")]
        language: String,
    },
    /// List users.
    List,
    /// Disable a user and end their sessions.
    Disable { username: String },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print a commented example configuration file.
    Example,
}

#[derive(Subcommand)]
enum TriageAction {
    /// Read JSON Lines {"id","subject","body"} on stdin; write triage results as JSON Lines.
    Classify {
        /// Classify with another model file instead of the built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Check red flags against another lexicon file instead of the built-in one.
        #[arg(long)]
        lexicon: Option<PathBuf>,
    },
    /// Score triage against labelled JSON Lines (also carrying "urgency" and "category").
    Eval {
        file: PathBuf,
        /// Score the safety rules and keywords alone, as when a clinic switches the classifier off.
        #[arg(long)]
        rules_only: bool,
        /// Score another model file instead of the built-in one.
        #[arg(long)]
        model: Option<PathBuf>,
        /// Check red flags against another lexicon file instead of the built-in one.
        #[arg(long)]
        lexicon: Option<PathBuf>,
    },
    /// Train the classifier from a labelled corpus; the built-in model is reproduced byte for byte.
    Train {
        #[arg(long, default_value = "crates/carethread-triage/corpus/train.jsonl")]
        corpus: PathBuf,
        #[arg(long, default_value = "crates/carethread-triage/model/triage.model")]
        out: PathBuf,
    },
    /// Time model loading and classification on one core; print throughput and latency percentiles.
    Bench {
        /// Labelled or unlabelled JSON Lines to classify (default: the built-in test split).
        file: Option<PathBuf>,
        /// Times over the messages.
        #[arg(long, default_value_t = 20)]
        rounds: usize,
    },
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Config { action: ConfigAction::Example } => {
            say_part!("{}", config::example());
            Ok(ExitCode::SUCCESS)
        }
        Command::Triage { action: TriageAction::Classify { model, lexicon } } => {
            triage_classify(model.as_deref(), lexicon.as_deref())
        }
        Command::Triage { action: TriageAction::Eval { file, rules_only, model, lexicon } } => {
            triage_eval(&file, rules_only, model.as_deref(), lexicon.as_deref())
        }
        Command::Triage { action: TriageAction::Train { corpus, out } } => triage_train(&corpus, &out),
        Command::Triage { action: TriageAction::Bench { file, rounds } } => triage_bench(file.as_deref(), rounds),
        other => {
            init_logging();
            let runtime =
                tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
            runtime.block_on(run_async(other))
        }
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("CARETHREAD_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

fn load_config(file: Option<&std::path::Path>, database_url: Option<String>) -> anyhow::Result<Config> {
    let mut config = Config::load(file)?;
    if let Some(url) = database_url {
        config.database.url = url;
    }
    Ok(config)
}

/// The directory a SQLite URL's file lives in.
fn sqlite_dir(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    Some(std::path::Path::new(path).parent().map_or_else(
        || PathBuf::from("."),
        |d| {
            if d.as_os_str().is_empty() { PathBuf::from(".") } else { d.to_path_buf() }
        },
    ))
}

/// The master key: `CARETHREAD_MASTER_KEY`, else the configured key file,
/// else `master.key` beside a SQLite database (created, mode 0600, on first
/// start). PostgreSQL needs one of the first two, shared by every server.
fn master_key(database: &config::DatabaseConfig) -> anyhow::Result<MasterKey> {
    if let Ok(hex) = std::env::var(carethread_store::crypto::MASTER_KEY_ENV) {
        return MasterKey::from_hex(&hex).context("reading CARETHREAD_MASTER_KEY");
    }
    let path = match (&database.master_key_file, sqlite_dir(&database.url)) {
        (Some(file), _) => PathBuf::from(file),
        (None, Some(dir)) => dir.join("master.key"),
        (None, None) => bail!(
            "no master key: set CARETHREAD_MASTER_KEY or [database] master_key_file (every server sharing the \
             database needs the same key)"
        ),
    };
    Ok(MasterKey::load_or_create(&path)?)
}

async fn open_store(database: &config::DatabaseConfig) -> anyhow::Result<Arc<dyn Store>> {
    let url = &database.url;
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(carethread_store::StoreError::UnsupportedUrl).context("opening the database");
    }
    if let Some(dir) = sqlite_dir(&database.url) {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating the data directory {}", dir.display()))?;
    }
    let master = master_key(database)?;
    carethread_store::open(&database.url, master).await.context("opening the database")
}

/// The configuration a maintenance command names: a data directory, or a configuration and URL.
fn maintenance_config(
    config: Option<&std::path::Path>,
    database_url: Option<String>,
    data_dir: Option<PathBuf>,
) -> anyhow::Result<Config> {
    let url = match data_dir {
        Some(dir) => Some(format!("sqlite://{}", dir.join("carethread.db").display())),
        None => database_url,
    };
    load_config(config, url)
}

async fn audit_verify(store: &Arc<dyn Store>) -> anyhow::Result<ExitCode> {
    let report = store.verify_audit().await?;
    match report.broken {
        None => {
            say!("audit log intact: {} entries, head {}", report.verified, report.head_hash);
            Ok(ExitCode::SUCCESS)
        }
        Some(broken) => {
            say!("audit log BROKEN after {} intact entries: {broken}", report.verified);
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn keys_rotate(config: &Config, new_master_key_file: Option<PathBuf>) -> anyhow::Result<()> {
    let mut store = open_store(&config.database).await?;
    if let Some(path) = new_master_key_file {
        let next = if path.exists() {
            MasterKey::load_or_create(&path)?
        } else {
            let key = MasterKey::generate();
            key.write_new(&path)?;
            key
        };
        let rewrapped = store.rewrap_keys(&next).await?;
        say!("re-wrapped {rewrapped} data keys under the master key in {}", path.display());
        say!("point every server at it now (database.master_key_file or CARETHREAD_MASTER_KEY)");
        store =
            carethread_store::open(&config.database.url, next).await.context("reopening with the new master key")?;
    }
    let report = store.rotate_data_key().await?;
    say!("data key {} is now active; re-encrypted {} rows", report.new_key_id, report.rows_resealed);
    Ok(())
}

async fn run_async(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { config, database_url, bind, tls_cert, tls_key } => {
            let mut config = load_config(config.as_deref(), database_url)?;
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                config.server.tls_cert = Some(cert.display().to_string());
                config.server.tls_key = Some(key.display().to_string());
            }
            let store = open_store(&config.database).await?;
            let addr: SocketAddr =
                config.server.bind.parse().context("--bind must be an address like 127.0.0.1:8080")?;
            serve(store, config, addr, None).await?;
        }
        Command::Demo { port, data_dir, demo_password } => {
            std::fs::create_dir_all(&data_dir).with_context(|| format!("creating {}", data_dir.display()))?;
            let db = data_dir.join("carethread.db");
            let url = format!("sqlite://{}", db.display());
            let mut config = Config::default();
            config.database.url = url;
            // The demo honours the scanner setting from the environment (CARETHREAD__SCANNER__CLAMD).
            config.scanner = Config::load(None).context("reading CARETHREAD__ settings")?.scanner;
            let store = open_store(&config.database).await?;
            let reused = demo::is_seeded(&store).await?;
            if reused {
                say!(
                    "Reusing the demo clinic in {}: accounts keep the password they were created with.",
                    data_dir.display()
                );
            } else {
                demo::seed(&store, &demo_password, true).await?;
            }
            // The demo seeds staff without a second factor so it can be tried at once.
            config.clinic.mfa_required_for_staff = false;
            let addr = SocketAddr::from(([127, 0, 0, 1], port));
            serve(store, config, addr, Some(&demo_password)).await?;
        }
        Command::Migrate { config, database_url } => {
            let config = load_config(config.as_deref(), database_url)?;
            open_store(&config.database).await?;
            say!("database is up to date");
        }
        Command::User { config, database_url, action } => {
            let config = load_config(config.as_deref(), database_url)?;
            let store = open_store(&config.database).await?;
            user_command(&store, action).await?;
        }
        Command::Audit { config, database_url, data_dir, action: AuditCommand::Verify } => {
            let config = maintenance_config(config.as_deref(), database_url, data_dir)?;
            let store = open_store(&config.database).await?;
            return audit_verify(&store).await;
        }
        Command::Keys { config, database_url, data_dir, action: KeysCommand::Rotate { new_master_key_file } } => {
            let config = maintenance_config(config.as_deref(), database_url, data_dir)?;
            keys_rotate(&config, new_master_key_file).await?;
        }
        Command::Bench(args) => bench::run(args).await?,
        Command::Config { .. } | Command::Triage { .. } => unreachable!("handled without a runtime"),
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(
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
    state.tls = config.server.behind_tls_proxy;
    let proxies: Result<Vec<std::net::IpAddr>, _> = config.server.trusted_proxies.iter().map(|p| p.parse()).collect();
    state.trusted_proxies = Arc::new(proxies.context("server.trusted_proxies must be IP addresses")?);
    match tls {
        Some(tls) => carethread_server::serve_tls(listener, tls, state, shutdown_signal()).await.context("serving"),
        None => carethread_server::serve(listener, state, shutdown_signal()).await.context("serving"),
    }
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

async fn user_command(store: &Arc<dyn Store>, action: UserAction) -> anyhow::Result<()> {
    match action {
        UserAction::Add { username, display_name, role, date_of_birth, language } => {
            let role: Role = role.parse()?;
            let dob = date_of_birth
                .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").context("--date-of-birth must be YYYY-MM-DD"))
                .transpose()?;
            let new = NewUser::new(
                Username::parse(&username)?,
                DisplayName::parse(&display_name)?,
                role,
                dob,
                Language::parse(&language)?,
                Utc::now().date_naive(),
            )?;
            eprintln!("Password for {} (at least 12 characters), then Enter:", new.username.as_str());
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("reading the password")?;
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            check_new_password(&password)?;
            let hash = hash_password(&SecretString::from(password)).context("hashing the password")?;
            let audit = AuditEvent::new(AuditAction::UserCreate, None, Utc::now()).detail("command line");
            let user = store.create_user(&new, &hash, Utc::now(), &audit).await?;
            say!("added {} ({}) {}", user.username.as_str(), user.role, user.id);
        }
        UserAction::List => {
            for u in store.list_users().await? {
                let state = if u.disabled { "disabled" } else { "active" };
                say!("{:<20} {:<11} {:<9} {}", u.username.as_str(), u.role.as_str(), state, u.id);
            }
        }
        UserAction::Disable { username } => {
            let audit =
                AuditEvent::new(AuditAction::UserUpdate, None, Utc::now()).detail("disabled from the command line");
            if !store.set_user_disabled(&Username::parse(&username)?, true, &audit).await? {
                bail!("no user named {username}");
            }
            say!("disabled {username}");
        }
    }
    Ok(())
}

fn read_corpus(file: &std::path::Path) -> anyhow::Result<Vec<carethread_triage::Example>> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    carethread_triage::corpus::parse(&text).with_context(|| format!("reading {}", file.display()))
}

/// A triager with another model or lexicon file, or none when both are the built-in ones.
fn other_triager(
    model: Option<&std::path::Path>,
    lexicon: Option<&std::path::Path>,
) -> anyhow::Result<Option<carethread_triage::Triage>> {
    if model.is_none() && lexicon.is_none() {
        return Ok(None);
    }
    let model = match model {
        Some(path) => {
            let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            carethread_triage::Model::load(&bytes).with_context(|| format!("loading {}", path.display()))?
        }
        None => carethread_triage::Triage::builtin().model().clone(),
    };
    let mut triage = carethread_triage::Triage::with_model(model);
    if let Some(path) = lexicon {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let parsed =
            carethread_triage::safety::Lexicon::parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        triage = triage.with_lexicon(parsed);
    }
    Ok(Some(triage))
}

fn triage_eval(
    file: &std::path::Path,
    rules_only: bool,
    model: Option<&std::path::Path>,
    lexicon: Option<&std::path::Path>,
) -> anyhow::Result<ExitCode> {
    let examples = read_corpus(file)?;
    let other = other_triager(model, lexicon)?;
    let triage = other.as_ref().unwrap_or_else(|| carethread_triage::Triage::builtin());
    let routing = carethread_triage::RoutingRules::default();
    let mut judged = Vec::with_capacity(examples.len());
    for e in &examples {
        let t = triage.classify(&e.subject, &e.body, !rules_only, &routing);
        judged.push(carethread_triage::eval::Judged {
            expected_urgency: e.urgency,
            predicted_urgency: t.urgency,
            expected_category: e.category,
            predicted_category: t.category,
        });
    }
    if rules_only {
        say!("triage: safety rules and keywords only (classifier off)");
    } else {
        say!("triage: {} {}", carethread_triage::MODEL_ID, carethread_triage::MODEL_VERSION);
    }
    match lexicon {
        Some(path) => say!("lexicon: {} (from {})", triage.lexicon().version(), path.display()),
        None => say!("lexicon: {}", triage.lexicon().version()),
    }
    say_part!("{}", carethread_triage::eval::Evaluation::new(&judged).report());
    Ok(ExitCode::SUCCESS)
}

fn triage_train(corpus: &std::path::Path, out: &std::path::Path) -> anyhow::Result<ExitCode> {
    let examples = read_corpus(corpus)?;
    let frozen = carethread_triage::corpus::parse(carethread_triage::TEST_SPLIT)?;
    let copies = carethread_triage::corpus::near_duplicates(&examples, &frozen);
    if !copies.is_empty() {
        let mut lines: Vec<usize> = copies.iter().map(|(i, _)| i + 1).collect();
        lines.dedup();
        let shown: Vec<String> = lines.iter().take(20).map(ToString::to_string).collect();
        anyhow::bail!(
            "{} of {} training messages are the frozen test split's messages or near copies of them \
             (lines {}{}); a model trained on them would be scored on what it learned. Remove them and train again.",
            lines.len(),
            examples.len(),
            shown.join(", "),
            if lines.len() > shown.len() { ", …" } else { "" },
        );
    }
    let started = std::time::Instant::now();
    let trained = carethread_triage::model::train(&examples, &carethread_triage::TrainConfig::default());
    let bytes = trained.bytes;
    std::fs::write(out, &bytes).with_context(|| format!("writing {}", out.display()))?;
    let digest = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&bytes));
    say!(
        "trained on {} messages in {:.1} s; wrote {} ({} bytes, sha256 {digest})",
        examples.len(),
        started.elapsed().as_secs_f64(),
        out.display(),
        bytes.len(),
    );
    if let Some(c) = trained.calibration {
        say!(
            "emergency threshold {:.4} (cross-validated): catches {}/{} held-out emergencies read without their red flags; {}/{} other messages reach it",
            c.threshold,
            c.caught,
            c.emergencies,
            c.false_alarms,
            c.others
        );
        say!("other thresholds the cross-validation could have chosen:");
        for p in &c.alternatives {
            say!(
                "  {:>4.1}% false alarms allowed: threshold {:.4}, catches {}/{}, {}/{} other messages reach it",
                p.allowed * 100.0,
                p.threshold,
                p.caught,
                c.emergencies,
                p.false_alarms,
                c.others
            );
        }
    }
    let same = bytes == carethread_triage::BUILTIN_MODEL;
    say!("identical to the built-in model: {}", if same { "yes" } else { "no (rebuild to ship it)" });
    Ok(ExitCode::SUCCESS)
}

fn triage_bench(file: Option<&std::path::Path>, rounds: usize) -> anyhow::Result<ExitCode> {
    let examples = match file {
        Some(file) => read_corpus(file)?,
        None => carethread_triage::corpus::parse(carethread_triage::TEST_SPLIT)?,
    };
    anyhow::ensure!(!examples.is_empty(), "no messages to classify");
    let loads = 20;
    let started = std::time::Instant::now();
    for _ in 0..loads {
        std::hint::black_box(carethread_triage::Model::load(carethread_triage::BUILTIN_MODEL)?);
    }
    let load = started.elapsed() / loads;
    let triage = carethread_triage::Triage::builtin();
    let routing = carethread_triage::RoutingRules::default();
    let mut micros = Vec::with_capacity(examples.len() * rounds.max(1));
    let started = std::time::Instant::now();
    for _ in 0..rounds.max(1) {
        for e in &examples {
            let one = std::time::Instant::now();
            std::hint::black_box(triage.classify(&e.subject, &e.body, true, &routing));
            micros.push(one.elapsed().as_secs_f64() * 1e6);
        }
    }
    let total = started.elapsed().as_secs_f64();
    micros.sort_by(f64::total_cmp);
    let pct = |percent: usize| micros[(micros.len() - 1) * percent / 100];
    say!("model load: {:.1} ms ({} bytes)", load.as_secs_f64() * 1e3, carethread_triage::BUILTIN_MODEL.len());
    say!(
        "classify: {} messages on one thread, {:.0} messages/s; per message mean {:.1} µs, p50 {:.1} µs, p95 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
        micros.len(),
        micros.len() as f64 / total,
        micros.iter().sum::<f64>() / micros.len() as f64,
        pct(50),
        pct(95),
        pct(99),
        micros[micros.len() - 1]
    );
    Ok(ExitCode::SUCCESS)
}

fn triage_classify(model: Option<&std::path::Path>, lexicon: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    #[derive(serde::Deserialize)]
    struct Input {
        id: serde_json::Value,
        #[serde(default)]
        subject: String,
        #[serde(default)]
        body: String,
    }
    let other = other_triager(model, lexicon)?;
    let triage = other.as_ref().unwrap_or_else(|| carethread_triage::Triage::builtin());
    let routing = carethread_triage::RoutingRules::default();
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (n, line) in stdin.lock().lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Input =
            serde_json::from_str(&line).with_context(|| format!("line {} is not a JSON object with an id", n + 1))?;
        let t = triage.classify(&input.subject, &input.body, true, &routing);
        let row = serde_json::json!({
            "id": input.id, "urgency": t.urgency, "category": t.category, "pool": t.pool,
            "confidence": t.confidence, "needs_review": t.needs_review, "reasons": t.reasons,
        });
        writeln!(out, "{row}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
