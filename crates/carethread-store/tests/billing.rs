//! E-visit billing's store on SQLite and, when `CARETHREAD_TEST_POSTGRES` is
//! set, PostgreSQL: the setup and a patient's facts replaced whole, a
//! repeated ping kept once, a thread's billing mark and its metadata read
//! without text, an attestation corrected in place, and an approved claim
//! exported once and never changed after; every change audited.

use std::sync::Arc;

mod support;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::billing::{
    ActivityKind, ActivityPing, Attestation, BillingPeriod, EVisitCode, IdleCutoff, MessagePurpose, Payer,
};
use carethread_core::message::MessageBody;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency};
use carethread_store::{
    BillingPatient, BillingSetup, ClaimDecision, ClaimStatus, MasterKey, NewThread, PeriodKey, Store, ThreadBillingMark,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};

/// Billing remembers when it was turned on: kept when it is turned off or
/// its settings change, begun again when it is turned on again.
async fn turned_on_and_off(store: &Arc<dyn Store>, setup: &BillingSetup, audit: &AuditEvent) {
    let on = chrono::DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    store.set_billing_setup(setup, on, audit).await.expect("set");
    let kept = BillingSetup { enabled_since: Some(on), ..setup.clone() };
    assert_eq!(store.billing_setup().await.expect("setup"), Some(kept), "turned on now");
    let since = async || store.billing_setup().await.expect("setup").and_then(|s| s.enabled_since);
    let off = BillingSetup { enabled: false, ..setup.clone() };
    store.set_billing_setup(&off, on + chrono::TimeDelta::days(1), audit).await.expect("off");
    assert_eq!(since().await, Some(on), "turned off, it keeps when it began");
    let again = on + chrono::TimeDelta::days(2);
    store.set_billing_setup(setup, again, audit).await.expect("on again");
    store.set_billing_setup(setup, again + chrono::TimeDelta::days(1), audit).await.expect("edited");
    assert_eq!(since().await, Some(again), "on again, it begins again; an edit does not move it");
}

async fn billing_story(store: Arc<dyn Store>) {
    let alice = support::person(&store, "patient.billing", Role::Patient).await;
    let doctor = support::person(&store, "dr.billing", Role::Physician).await;
    let clerk = support::person(&store, "billing.clerk", Role::Billing).await;
    let audit = |who: &carethread_core::user::User| {
        AuditEvent::new(AuditAction::BillingChange, Some((who.id, who.role)), Utc::now())
    };
    assert_eq!(store.billing_setup().await.expect("setup"), None);
    let setup = BillingSetup {
        enabled: true,
        notice_en: "May be billed.".to_owned(),
        notice_es: "Puede facturarse.".to_owned(),
        payer: Payer::Medicare,
        idle_cutoff: IdleCutoff::from_seconds(90).expect("cutoff"),
        enabled_since: None,
    };
    turned_on_and_off(&store, &setup, &audit(&clerk)).await;

    let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).expect("date");
    let facts = BillingPatient {
        consent_given_on: Some(day(2)),
        first_visit_on: Some(day(1)),
        ..BillingPatient::new(alice.id)
    };
    store.set_billing_patient(&facts, Utc::now(), &audit(&alice)).await.expect("facts");
    assert_eq!(store.billing_patient(alice.id).await.expect("read"), Some(facts));

    // Kept to the millisecond, as the store keeps instants.
    let now = DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).expect("now");
    let thread = store
        .create_thread(NewThread {
            patient_id: alice.id,
            author_id: alice.id,
            subject: Subject::parse("Rash").expect("subject"),
            body: MessageBody::parse("It itches", 5000).expect("body"),
            category: Category::Clinical,
            urgency: Urgency::Routine,
            pool_slug: None,
            assignee_id: None,
            status: ThreadStatus::Open,
            confidential: false,
            triage: support::routine_triage(Category::Clinical),
            idempotency: None,
            now,
            audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((alice.id, Role::Patient)), now)],
            jobs: Vec::new(),
        })
        .await
        .expect("thread")
        .thread_id;
    let ping =
        ActivityPing { clinician: doctor.id, thread, at: now + TimeDelta::seconds(5), kind: ActivityKind::Reading };
    store.record_pings(&[ping, ping]).await.expect("pings");
    store.record_pings(&[ping]).await.expect("again");
    assert_eq!(store.pings_for_patient(alice.id).await.expect("pings"), vec![ping], "kept once");
    let around = store.pings_of(doctor.id, now, now + TimeDelta::minutes(1)).await.expect("pings");
    assert_eq!(around.len(), 1);
    assert_eq!(store.patients_with_activity(now).await.expect("patients"), vec![alice.id]);

    let threads = store.billing_threads(alice.id).await.expect("threads");
    assert_eq!(threads.len(), 1);
    assert_eq!((threads[0].started_by, threads[0].purpose, threads[0].declined), (Role::Patient, None, false));
    assert_eq!(threads[0].messages.len(), 1, "the message's metadata, never its text");
    let mark = ThreadBillingMark { purpose: Some(MessagePurpose::Evaluation), declined: true };
    store.set_thread_billing_mark(thread, mark, &audit(&doctor)).await.expect("mark");
    assert_eq!(store.thread_billing_mark(thread).await.expect("mark"), mark);

    let utc = "UTC".parse().expect("time zone");
    let period = BillingPeriod::starting_at(ping.at, utc);
    let later = ping.at + TimeDelta::minutes(10);
    let first = Attestation::from_parts(alice.id, doctor.id, &period, 6, 6, later).expect("attestation");
    store.save_attestation(&first, period.end(), &audit(&doctor)).await.expect("attest");
    let corrected = Attestation::from_parts(alice.id, doctor.id, &period, 6, 9, later).expect("attestation");
    store.save_attestation(&corrected, period.end(), &audit(&doctor)).await.expect("correct");
    assert_eq!(store.attestations_for(alice.id).await.expect("read"), vec![(corrected, period.end())]);

    let key = PeriodKey { patient: alice.id, clinician: doctor.id, period_start: period.start() };
    let mut claim = ClaimDecision {
        key,
        status: ClaimStatus::Held,
        reason: Some("check the visit date".to_owned()),
        code: None,
        minutes: None,
        decided_by: clerk.id,
        decided_at: later,
        exported_at: None,
    };
    assert!(store.decide_claim(&claim, &audit(&clerk)).await.expect("hold"));
    claim.status = ClaimStatus::Approved;
    claim.code = Some(EVisitCode::Cpt99421);
    claim.minutes = Some(9);
    assert!(store.decide_claim(&claim, &audit(&clerk)).await.expect("approve"));
    let export = AuditEvent::new(AuditAction::BillingExport, Some((clerk.id, Role::Billing)), Utc::now());
    assert_eq!(store.export_approved_claims(&[key], later, &export).await.expect("export"), vec![key]);
    assert!(store.export_approved_claims(&[key], later, &export).await.expect("again").is_empty(), "exported once");
    claim.status = ClaimStatus::Rejected;
    assert!(!store.decide_claim(&claim, &audit(&clerk)).await.expect("refused"), "an exported claim stays");
    let kept = store.claim_decisions().await.expect("claims");
    assert_eq!(
        (kept[0].status, kept[0].code, kept[0].exported_at.is_some()),
        (ClaimStatus::Approved, claim.code, true)
    );
    assert!(store.verify_audit().await.expect("verify").broken.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_is_kept_and_exported_once_on_sqlite() {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    billing_story(carethread_store::open(&url, MasterKey::generate()).await.expect("open")).await;
}

#[carethread_test_services::needs(postgres)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_is_kept_and_exported_once_on_postgres() {
    let (_database, store) = support::postgres_store("carethread_billing").await;
    billing_story(store).await;
}
