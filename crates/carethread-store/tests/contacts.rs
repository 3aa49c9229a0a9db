//! Contact preferences on SQLite and, when `CARETHREAD_TEST_POSTGRES` is
//! set, PostgreSQL: stored as set, replaced whole, and turned off by the
//! unsubscribe token, each change audited.

use std::sync::Arc;

mod support;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::contact::{EmailAddress, NotifyChannel, PhoneNumber, QuietHours};
use carethread_core::role::Role;
use carethread_core::user::Language;
use carethread_store::{ContactPreferences, MasterKey, Store};
use chrono::{NaiveTime, Utc};

async fn preferences_story(store: Arc<dyn Store>) {
    let alice = support::person(&store, "patient.contact", Role::Patient).await;
    let bob = support::person(&store, "patient.other", Role::Patient).await;
    assert_eq!(store.contact_preferences(alice.id).await.expect("read"), None);

    let audit = AuditEvent::new(AuditAction::ContactChange, Some((alice.id, Role::Patient)), Utc::now());
    let set = ContactPreferences {
        email: Some(EmailAddress::parse("alice@example.org").expect("email")),
        phone: Some(PhoneNumber::parse("+1 555 010 0199").expect("phone")),
        channel: NotifyChannel::Sms,
        quiet_hours: Some(QuietHours {
            start: NaiveTime::from_hms_opt(22, 0, 0).expect("time"),
            end: NaiveTime::from_hms_opt(7, 30, 0).expect("time"),
        }),
        language: Some(Language::Es),
    };
    let before = store.verify_audit().await.expect("verify").verified;
    store.set_contact_preferences(alice.id, &set, &audit).await.expect("set");
    assert_eq!(store.contact_preferences(alice.id).await.expect("read"), Some(set.clone()));
    assert_eq!(store.verify_audit().await.expect("verify").verified, before + 1, "the change is audited");

    // The unsubscribe token is made once and kept through later changes.
    let token = store.ensure_unsubscribe_token(alice.id, "token-one", Utc::now()).await.expect("token");
    assert_eq!(token, "token-one");
    let again = store.ensure_unsubscribe_token(alice.id, "token-two", Utc::now()).await.expect("token");
    assert_eq!(again, "token-one", "the first token stays valid");
    let email_only = ContactPreferences { channel: NotifyChannel::Email, quiet_hours: None, ..set };
    store.set_contact_preferences(alice.id, &email_only, &audit).await.expect("set");
    assert_eq!(store.contact_preferences(alice.id).await.expect("read"), Some(email_only.clone()));

    // Someone who never set preferences gets a token and the default channel.
    let bobs = store.ensure_unsubscribe_token(bob.id, "token-bob", Utc::now()).await.expect("token");
    assert_eq!(bobs, "token-bob");
    let all = store.contact_preferences_of(&[alice.id, bob.id]).await.expect("read");
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].1, ContactPreferences::default());

    let unsubscribe = AuditEvent::new(AuditAction::Unsubscribe, None, Utc::now());
    assert_eq!(store.unsubscribe("no-such-token", Utc::now(), unsubscribe.clone()).await.expect("none"), None);
    let off = store.unsubscribe("token-one", Utc::now(), unsubscribe).await.expect("unsubscribe");
    assert_eq!(off, Some(alice.id));
    let now = store.contact_preferences(alice.id).await.expect("read").expect("set");
    assert_eq!(now.channel, NotifyChannel::None);
    assert_eq!(now.email, email_only.email, "the address stays for when they turn notices back on");
    assert!(store.verify_audit().await.expect("verify").broken.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_preferences_are_kept_and_unsubscribed_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    preferences_story(carethread_store::open(&url, MasterKey::generate()).await.expect("open")).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contact_preferences_are_kept_and_unsubscribed_on_postgres() {
    let (_database, store) = support::postgres_store("carethread_contacts").await;
    preferences_story(store).await;
}
