//! `carethread user`: adding, listing and disabling users.

use std::io::{BufRead as _, Write as _};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, NewUser, Username, check_new_password};
use carethread_server::auth::hash_password;
use carethread_store::Store;
use chrono::{NaiveDate, Utc};
use clap::Subcommand;
use secrecy::SecretString;

#[derive(Subcommand)]
pub(super) enum UserAction {
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

pub(super) async fn user_command(store: &Arc<dyn Store>, action: UserAction) -> anyhow::Result<()> {
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
