//! Stories of accounts at the application layer: an administrator adds a
//! user through the very function the command line uses, and signing in
//! locks an account after repeated failures. On SQLite and (when
//! configured) PostgreSQL.

mod support;

use carethread_app::sign_in::{self, SignIn};
use carethread_app::users::{self, CreateUser, UpdateUser, UserRef};
use carethread_app::{AppError, Operator};
use carethread_core::audit::AuditAction;
use carethread_core::role::Role;
use carethread_store::AuditQuery;
use secrecy::SecretString;

const PASSWORD: &str = "correct horse battery staple";

fn nurse_account(username: &str) -> CreateUser {
    CreateUser {
        username: username.to_owned(),
        display_name: "Nurse Newcomer".to_owned(),
        role: "nurse".to_owned(),
        date_of_birth: None,
        language: Some("es".to_owned()),
        mrn: None,
        password: SecretString::from(PASSWORD),
    }
}

fn attempt(username: &str, password: &str) -> SignIn {
    SignIn {
        username: username.to_owned(),
        password: SecretString::from(password),
        second_factor: None,
        client: Some("192.0.2.9".to_owned()),
    }
}

#[tokio::test]
async fn an_administrator_and_the_command_line_add_users_through_one_function_with_the_same_checks() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let added = users::create_user(&c.app, Operator::Person(&c.admin), nurse_account("rn.new")).await;
        let added = added.expect("the administrator adds a nurse");
        assert_eq!(added.role, Role::Nurse, "{backend}");
        let signed_in = sign_in::sign_in(&c.app, attempt("rn.new", PASSWORD)).await.expect("the nurse signs in");
        assert_eq!(signed_in.user.id, added.id, "{backend}: the password was hashed and kept");

        let by_cli = users::create_user(&c.app, Operator::CommandLine, nurse_account("rn.cli")).await;
        assert!(by_cli.is_ok(), "{backend}: the command line adds users too");
        let taken = users::create_user(&c.app, Operator::CommandLine, nurse_account("rn.new")).await;
        assert!(matches!(taken, Err(AppError::Conflict(_))), "{backend}: a taken username, either way");
        let mut weak = nurse_account("rn.weak");
        weak.password = SecretString::from("short");
        let weak = users::create_user(&c.app, Operator::Person(&c.admin), weak).await;
        assert!(matches!(weak, Err(AppError::Invalid { .. })), "{backend}: a short password is refused");
        let by_nurse = users::create_user(&c.app, Operator::Person(&c.nurse), nurse_account("rn.other")).await;
        assert!(matches!(by_nurse, Err(AppError::Forbidden(_))), "{backend}: only administrators");

        let query = AuditQuery { action: Some(AuditAction::UserCreate), limit: 50, ..AuditQuery::default() };
        let kept = c.app.store.audit_entries(&query).await.expect("audit");
        let by_admin = kept.iter().filter(|e| e.actor.as_ref().is_some_and(|a| a.id == c.admin.user.id)).count();
        assert_eq!(by_admin, 1, "{backend}: the administrator's addition is audited as theirs");
        let by_operator =
            kept.iter().filter(|e| e.actor.is_none() && e.detail.as_deref() == Some("role nurse (command line)"));
        assert_eq!(by_operator.count(), 1, "{backend}: the command line's is audited as the operator's");

        // Disabling (here from the command line, by username) ends sign-in.
        let disable = UpdateUser { disabled: Some(true), ..UpdateUser::default() };
        users::update_user(&c.app, Operator::CommandLine, UserRef::Username("rn.new".to_owned()), disable)
            .await
            .expect("disable");
        let refused = sign_in::sign_in(&c.app, attempt("rn.new", PASSWORD)).await;
        assert!(matches!(refused, Err(AppError::SignInRefused(_))), "{backend}: a disabled account cannot sign in");
        let own = UpdateUser { disabled: Some(true), ..UpdateUser::default() };
        let own = users::update_user(&c.app, Operator::Person(&c.admin), UserRef::Id(c.admin.user.id), own).await;
        assert!(matches!(own, Err(AppError::Invalid { .. })), "{backend}: not one's own account");
    }
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_account_even_for_the_right_one_and_unknown_names_alike() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        users::create_user(&c.app, Operator::Person(&c.admin), nurse_account("rn.locked")).await.expect("add");
        let threshold = c.app.settings.lockout_threshold;
        assert!(threshold > 0, "the default settings lock accounts");
        let mut last = None;
        for _ in 0..threshold {
            last = Some(sign_in::sign_in(&c.app, attempt("rn.locked", "not the password")).await);
        }
        assert!(
            matches!(last, Some(Err(AppError::Locked { seconds })) if seconds > 0),
            "{backend}: the failure at the threshold locks the account"
        );
        let right = sign_in::sign_in(&c.app, attempt("rn.locked", PASSWORD)).await;
        assert!(matches!(right, Err(AppError::Locked { .. })), "{backend}: locked even with the right password");

        // A username that does not exist locks the same way, so a lock reveals nothing.
        let mut unknown = None;
        for _ in 0..threshold {
            unknown = Some(sign_in::sign_in(&c.app, attempt("nobody.here", "not the password")).await);
        }
        assert!(matches!(unknown, Some(Err(AppError::Locked { .. }))), "{backend}");

        let query = AuditQuery { action: Some(AuditAction::SignIn), limit: 100, ..AuditQuery::default() };
        let kept = c.app.store.audit_entries(&query).await.expect("audit");
        let refused = kept.iter().filter(|e| e.outcome != "success").count();
        assert!(refused > usize::try_from(threshold).unwrap_or(0), "{backend}: every refused attempt is audited");

        // Another account is untouched.
        users::create_user(&c.app, Operator::Person(&c.admin), nurse_account("rn.fine")).await.expect("add");
        let fine = sign_in::sign_in(&c.app, attempt("rn.fine", PASSWORD)).await;
        assert!(fine.is_ok(), "{backend}: the lock is per account");
    }
}
