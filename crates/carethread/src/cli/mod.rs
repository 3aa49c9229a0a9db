//! Subcommands: `serve`, `demo`, `migrate`, `user`, `audit`, `billing`, `backup`, `restore`, `keys`, `config`,
//! `triage`, `bench`.
#![expect(clippy::doc_markdown, reason = "doc comments on the commands are their --help text, shown as typed")]

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::bench;
use crate::config;

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

mod audit;
mod backup;
mod billing;
pub(crate) mod database;
mod export;
mod fhir;
mod keys;
mod serve;
mod triage;
mod user;

use audit::AuditCommand;
use billing::BillingCommand;
use keys::KeysCommand;
use triage::TriageAction;
use user::UserAction;

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
        #[command(flatten)]
        database: MaintenanceDatabase,
        #[command(subcommand)]
        action: AuditCommand,
    },
    /// E-visit billing's records kept outside the portal.
    Billing {
        #[command(flatten)]
        database: MaintenanceDatabase,
        #[command(subcommand)]
        action: BillingCommand,
    },
    /// FHIR: import a clinic's people from its EHR.
    Fhir {
        #[command(flatten)]
        database: MaintenanceDatabase,
        #[command(subcommand)]
        action: fhir::FhirCommand,
    },
    /// Write a patient's whole record of messages, as she downloads it herself (audited).
    Export {
        #[command(flatten)]
        database: MaintenanceDatabase,
        /// The patient's id.
        #[arg(long)]
        patient: String,
        #[arg(long, value_enum, default_value = "html")]
        format: export::ExportFormat,
        /// The file to write (default: standard output).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Back up the database (while it serves) into a new file sealed under the master key.
    Backup {
        #[command(flatten)]
        database: MaintenanceDatabase,
        /// The backup file to write; it must not exist.
        #[arg(long)]
        to: PathBuf,
    },
    /// Restore a backup into a new database (a SQLite file that does not exist yet, or an
    /// empty PostgreSQL database), then verify its audit chain.
    Restore {
        #[command(flatten)]
        database: MaintenanceDatabase,
        /// The backup file.
        #[arg(long)]
        from: PathBuf,
    },
    /// Manage encryption keys.
    Keys {
        #[command(flatten)]
        database: MaintenanceDatabase,
        #[command(subcommand)]
        action: KeysCommand,
    },
    /// Load-test a server over real HTTP and print throughput and latency percentiles.
    Bench(bench::BenchArgs),
    /// Build (or reuse) a large generated clinic and time each insights page.
    BenchInsights(bench::insights::InsightsBenchArgs),
    /// Time the in-basket's pages, a thread and a patient's list on a running server.
    BenchInbasket(bench::in_basket::InBasketBenchArgs),
}

/// The database a maintenance command (`audit`, `keys`) works on: a data
/// directory, or a configuration file and URL as `serve` takes them.
#[derive(clap::Args)]
struct MaintenanceDatabase {
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[arg(long, global = true)]
    database_url: Option<String>,
    /// A demo or embedded data directory (its carethread.db and master.key).
    #[arg(long, global = true)]
    data_dir: Option<PathBuf>,
}

impl MaintenanceDatabase {
    fn config(self) -> anyhow::Result<config::Config> {
        database::maintenance_config(self.config.as_deref(), self.database_url, self.data_dir)
    }
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Print a commented example configuration file.
    Example,
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Config { action: ConfigAction::Example } => {
            say_part!("{}", config::example());
            Ok(ExitCode::SUCCESS)
        }
        Command::Triage { action: TriageAction::Classify { model, lexicon } } => {
            triage::triage_classify(model.as_deref(), lexicon.as_deref())
        }
        Command::Triage { action: TriageAction::Eval { file, rules_only, model, lexicon } } => {
            triage::triage_eval(&file, rules_only, model.as_deref(), lexicon.as_deref())
        }
        Command::Triage { action: TriageAction::Train { corpus, out } } => triage::triage_train(&corpus, &out),
        Command::Triage { action: TriageAction::Bench { file, rounds } } => {
            triage::triage_bench(file.as_deref(), rounds)
        }
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

async fn run_async(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { config, database_url, bind, tls_cert, tls_key } => {
            let mut config = database::load_config(config.as_deref(), database_url)?;
            if let Some(bind) = bind {
                config.server.bind = bind;
            }
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                config.server.tls_cert = Some(cert.display().to_string());
                config.server.tls_key = Some(key.display().to_string());
            }
            let store = database::open_store(&config.database).await?;
            let addr: SocketAddr =
                config.server.bind.parse().context("--bind must be an address like 127.0.0.1:8080")?;
            serve::serve(store, config, addr, None).await?;
        }
        Command::Demo { port, data_dir, demo_password } => serve::run_demo(port, &data_dir, &demo_password).await?,
        Command::Migrate { config, database_url } => {
            let config = database::load_config(config.as_deref(), database_url)?;
            database::open_store(&config.database).await?;
            say!("database is up to date");
        }
        Command::User { config, database_url, action } => {
            let config = database::load_config(config.as_deref(), database_url)?;
            let store = database::open_store(&config.database).await?;
            user::user_command(&store, config.clinic, action).await?;
        }
        Command::Audit { database, action: AuditCommand::Verify } => {
            let config = database.config()?;
            let store = database::open_store(&config.database).await?;
            return audit::audit_verify(&store, config.clinic).await;
        }
        Command::Billing { database, action: BillingCommand::ImportVisits { file } } => {
            let config = database.config()?;
            let store = database::open_store(&config.database).await?;
            return billing::import_visits(&store, config.clinic, &file).await;
        }
        Command::Fhir { database, action: fhir::FhirCommand::Import { file } } => {
            let config = database.config()?;
            let store = database::open_store(&config.database).await?;
            return fhir::import(&store, config.clinic, &file).await;
        }
        Command::Export { database, patient, format, out } => {
            let config = database.config()?;
            let store = database::open_store(&config.database).await?;
            export::export_patient(&store, config.clinic, &patient, format, out.as_deref()).await?;
        }
        Command::Backup { database, to } => return backup::backup(&database.config()?, &to).await,
        Command::Restore { database, from } => return backup::restore(database.config()?, &from).await,
        Command::Keys { database, action: KeysCommand::Rotate { new_master_key_file } } => {
            let config = database.config()?;
            keys::keys_rotate(&config, new_master_key_file).await?;
        }
        Command::Bench(args) => bench::run(args).await?,
        Command::BenchInsights(args) => bench::insights::run(args).await?,
        Command::BenchInbasket(args) => bench::in_basket::run(args).await?,
        Command::Config { .. } | Command::Triage { .. } => unreachable!("handled without a runtime"),
    }
    Ok(ExitCode::SUCCESS)
}
