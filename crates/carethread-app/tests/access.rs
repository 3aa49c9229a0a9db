//! Stories of access beyond the care team, at the application layer: a
//! patient lets a family member in and shuts them out again, and a
//! clinician breaks the glass in an emergency. On SQLite and (when
//! configured) PostgreSQL.

mod support;

use carethread_app::emergency;
use carethread_app::grants::{self, GrantProxy, ProxyChoice};
use carethread_app::threads::{self, StartThread};
use carethread_app::users::{self, CreateUser};
use carethread_app::{AppError, Caller, Operator};
use carethread_core::audit::AuditAction;
use carethread_core::policy::{self, ProxyScope, ThreadAction};
use carethread_store::AuditQuery;
use chrono::{TimeDelta, Utc};
use secrecy::SecretString;

fn question() -> StartThread {
    StartThread {
        patient: None,
        subject: "Refill question".to_owned(),
        body: "Can I get a refill of my inhaler before my trip next month?".to_owned(),
        category: None,
        confidential: false,
        idempotency: None,
    }
}

async fn entries(c: &support::Clinic, action: AuditAction) -> Vec<carethread_store::AuditRecord> {
    let query = AuditQuery { action: Some(action), limit: 100, ..AuditQuery::default() };
    c.app.store.audit_entries(&query).await.expect("audit entries")
}

#[tokio::test]
async fn a_patient_grants_her_son_access_he_reads_then_she_revokes_and_he_is_refused() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let started = threads::start_thread(&c.app, &c.alice, question()).await.expect("start");
        let account = CreateUser {
            username: "son.story".to_owned(),
            display_name: "Son Story".to_owned(),
            role: "proxy".to_owned(),
            date_of_birth: None,
            language: None,
            mrn: None,
            password: SecretString::from("a long enough passphrase 42"),
        };
        let son = users::create_user(&c.app, Operator::Person(&c.admin), account).await.expect("proxy account");
        let son = Caller { user: son, client: None };
        let before = threads::open_thread(&c.app, &son, started.thread_id).await;
        assert!(matches!(before, Err(AppError::NotFound)), "{backend}: no grant, no thread");

        // She types his username on her proxies page.
        let grant = GrantProxy {
            proxy: ProxyChoice::Username("son.story".to_owned()),
            patient: None,
            scope: ProxyScope::ReadOnly,
            expires_at: Some(Utc::now() + TimeDelta::days(30)),
        };
        let granted = grants::grant_proxy(&c.app, &c.alice, grant).await.expect("grant");
        assert_eq!(granted.proxy.id, son.user.id, "{backend}");
        let seen = threads::open_thread(&c.app, &son, started.thread_id).await.expect("the son reads");
        assert_eq!(seen.summary.thread.patient_id, c.alice.user.id, "{backend}");
        let his = grants::list_grants(&c.app, &son, None).await.expect("his grants");
        assert!(his.iter().any(|g| g.id == granted.id && grants::is_active(g, Utc::now())), "{backend}");

        // Another patient cannot revoke it, and a proxy cannot grant.
        let by_maya = grants::revoke_grant(&c.app, &c.maya, granted.id.as_uuid()).await;
        assert!(matches!(by_maya, Err(AppError::NotFound)), "{backend}: another patient's grant is not hers");
        let by_proxy = GrantProxy {
            proxy: ProxyChoice::Id(son.user.id),
            patient: Some(c.alice.user.id),
            scope: ProxyScope::Full,
            expires_at: None,
        };
        let refused = grants::grant_proxy(&c.app, &c.carol, by_proxy).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: proxies do not grant");

        grants::revoke_grant(&c.app, &c.alice, granted.id.as_uuid()).await.expect("revoke");
        let after = threads::open_thread(&c.app, &son, started.thread_id).await;
        assert!(matches!(after, Err(AppError::NotFound)), "{backend}: revoked means refused at once");
        let again = grants::revoke_grant(&c.app, &c.alice, granted.id.as_uuid()).await;
        assert!(matches!(again, Err(AppError::NotFound)), "{backend}: a revoked grant is gone");
        let kept = entries(&c, AuditAction::GrantRevoke).await;
        assert!(kept.iter().any(|e| e.patient.as_ref().is_some_and(|p| p.id == c.alice.user.id)), "{backend}");
    }
}

#[tokio::test]
async fn a_username_that_is_not_a_proxy_gets_the_same_answer_as_none() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        for name in ["dr.story", "nobody.here", "not a name!"] {
            let grant = GrantProxy {
                proxy: ProxyChoice::Username(name.to_owned()),
                patient: None,
                scope: ProxyScope::Full,
                expires_at: None,
            };
            let refused = grants::grant_proxy(&c.app, &c.alice, grant).await;
            assert!(
                matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "proxy_id"),
                "{backend} {name}: {refused:?}"
            );
        }
        let past = GrantProxy {
            proxy: ProxyChoice::Id(c.carol.user.id),
            patient: None,
            scope: ProxyScope::Full,
            expires_at: Some(Utc::now() - TimeDelta::hours(1)),
        };
        let refused = grants::grant_proxy(&c.app, &c.alice, past).await;
        assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "expires_at"), "{backend}");
    }
}

#[tokio::test]
async fn a_clinician_outside_the_care_team_breaks_the_glass_with_a_reason_and_it_is_audited_and_ends() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let started = threads::start_thread(&c.app, &c.alice, question()).await.expect("start");
        let before = threads::open_thread(&c.app, &c.outsider, started.thread_id).await;
        assert!(matches!(before, Err(AppError::NotFound)), "{backend}: not her clinician");

        for reason in ["", "urgent", "   short   "] {
            let refused = emergency::break_glass(&c.app, &c.outsider, started.thread_id, reason).await;
            assert!(matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "reason"), "{backend}");
        }
        let by_patient = emergency::break_glass(&c.app, &c.maya, started.thread_id, "I want to read it please").await;
        assert!(matches!(by_patient, Err(AppError::Forbidden(_))), "{backend}: only clinicians");
        let own = emergency::break_glass(&c.app, &c.nurse, started.thread_id, "covering the weekend on call").await;
        assert!(matches!(own, Err(AppError::Conflict(_))), "{backend}: the care team already has access");
        assert!(entries(&c, AuditAction::BreakGlass).await.is_empty(), "{backend}: nothing opened yet");

        let reason = "Patient in the emergency department, unconscious";
        let opened = emergency::break_glass(&c.app, &c.outsider, started.thread_id, reason).await.expect("break");
        let hour = opened.until - Utc::now();
        assert!(hour > TimeDelta::minutes(59) && hour <= TimeDelta::minutes(60), "{backend}: {hour}");
        let seen = threads::open_thread(&c.app, &c.outsider, started.thread_id).await.expect("reads now");
        assert_eq!(seen.summary.thread.id, started.thread_id, "{backend}");

        let kept = entries(&c, AuditAction::BreakGlass).await;
        assert_eq!(kept.len(), 1, "{backend}");
        assert_eq!(kept[0].detail.as_deref(), Some(reason), "{backend}: the reason is kept for the privacy officer");
        assert_eq!(kept[0].actor.as_ref().map(|a| a.id), Some(c.outsider.user.id), "{backend}");

        // Once the hour is over, the policy refuses again.
        let later = opened.until + TimeDelta::seconds(1);
        let (_, facts) = c
            .app
            .store
            .thread_facts(c.outsider.actor(), started.thread_id, later)
            .await
            .expect("facts")
            .expect("the thread");
        assert!(
            !policy::decide_thread(c.outsider.actor(), ThreadAction::Read, &facts, later).is_allowed(),
            "{backend}: the emergency access expires"
        );
    }
}
