//! `carethread user`: adding, listing and disabling users.

use std::io::{BufRead as _, Write as _};
use std::sync::Arc;

use anyhow::{Context as _, bail};
use carethread_app::users::{self, CreateUser, UpdateUser, UserRef};
use carethread_app::{App, AppError, Operator};
use carethread_core::clinic::ClinicSettings;
use carethread_core::user::check_new_password;
use carethread_store::Store;
use chrono::NaiveDate;
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

/// Adds, lists and disables users through the same application-layer
/// functions the administrators' API and pages call, as the operator at the
/// command line (recorded as such in the audit log).
pub(super) async fn user_command(
    store: &Arc<dyn Store>,
    settings: ClinicSettings,
    action: UserAction,
) -> anyhow::Result<()> {
    let app = App::new(store.clone(), settings);
    let by = Operator::CommandLine;
    match action {
        UserAction::Add { username, display_name, role, date_of_birth, language } => {
            let date_of_birth = date_of_birth
                .map(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").context("--date-of-birth must be YYYY-MM-DD"))
                .transpose()?;
            eprintln!("Password for {username} (at least 12 characters), then Enter:");
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line).context("reading the password")?;
            let password = line.trim_end_matches(['\r', '\n']).to_owned();
            // Checked before anything else is written, so a weak password is named as such.
            check_new_password(&password)?;
            let input = CreateUser {
                username,
                display_name,
                role,
                date_of_birth,
                language: Some(language),
                mrn: None,
                password: SecretString::from(password),
            };
            let user = users::create_user(&app, by, input).await.map_err(refused)?;
            say!("added {} ({}) {}", user.username.as_str(), user.role, user.id);
        }
        UserAction::List => {
            for u in users::list_users(&app, by).await.map_err(refused)? {
                let state = if u.disabled { "disabled" } else { "active" };
                say!("{:<20} {:<11} {:<9} {}", u.username.as_str(), u.role.as_str(), state, u.id);
            }
        }
        UserAction::Disable { username } => {
            let change = UpdateUser { disabled: Some(true), ..UpdateUser::default() };
            match users::update_user(&app, by, UserRef::Username(username.clone()), change).await {
                Ok(_) => say!("disabled {username}"),
                Err(AppError::NotFound) => bail!("no user named {username}"),
                Err(other) => return Err(refused(other)),
            }
        }
    }
    Ok(())
}

/// An operation the application layer refused, for the operator to read.
fn refused(err: AppError) -> anyhow::Error {
    match err {
        AppError::Internal(cause) => anyhow::anyhow!(cause).context("the operation failed"),
        other => anyhow::anyhow!(other),
    }
}
