//! A small clinic for story tests, built through the store: a nurse and a
//! physician in the nurse-triage pool, an adult patient,
//! a 15-year-old patient, and a proxy with full access to both patients.
//! Each story runs on a new SQLite file, and on a new PostgreSQL database
//! when `CARETHREAD_TEST_POSTGRES` names a server. There are also an
//! administrator and a physician on nobody's care team and in no pool.
#![allow(dead_code, reason = "each story file meets only some of the clinic")]

use std::sync::Arc;

use carethread_app::{App, Caller};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::clinic::ClinicSettings;
use carethread_core::policy::{ProxyGrant, ProxyScope};
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
use carethread_store::{MasterKey, Membership, NewAccount, ScratchDatabase, Store};
use chrono::{Datelike, NaiveDate, Utc};

/// The people of the test clinic, as callers of the application layer.
pub struct Clinic {
    pub app: App,
    pub nurse: Caller,
    pub doctor: Caller,
    pub alice: Caller,
    pub maya: Caller,
    pub carol: Caller,
    pub admin: Caller,
    /// A physician on no care team and in no pool.
    pub outsider: Caller,
    /// The database's URL and master key, to open it again as a restarted server would.
    pub store_url: String,
    pub master: MasterKey,
    /// Keeps the SQLite file or the PostgreSQL database for the story.
    _data: Data,
}

/// Where a story's data lives: dropped with the clinic.
enum Data {
    Dir(tempfile::TempDir),
    Database(ScratchDatabase),
}

fn seeded(action: AuditAction) -> AuditEvent {
    AuditEvent::new(action, None, Utc::now()).detail("story test clinic")
}

pub async fn person(store: &Arc<dyn Store>, username: &str, name: &str, role: Role, born: Option<NaiveDate>) -> Caller {
    person_since(store, (username, name), role, born, Utc::now()).await
}

/// [`person`] whose account was made at `joined`.
pub async fn person_since(
    store: &Arc<dyn Store>,
    (username, name): (&str, &str),
    role: Role,
    born: Option<NaiveDate>,
    joined: chrono::DateTime<Utc>,
) -> Caller {
    let new = NewUser::new(
        Username::parse(username).expect("username"),
        DisplayName::parse(name).expect("display name"),
        role,
        born,
        Language::En,
        Utc::now().date_naive(),
    )
    .expect("new user");
    let user: User = store
        .create_user(
            NewAccount { user: &new, password_hash: "not-a-real-hash", now: joined },
            &seeded(AuditAction::UserCreate),
        )
        .await
        .expect("user");
    Caller { user, client: Some("192.0.2.7".to_owned()) }
}

/// The backends the stories run on: SQLite always, PostgreSQL when configured
/// (without it, [`the_stories_run_on_postgresql_too`] is reported as ignored).
pub fn backends() -> Vec<&'static str> {
    let mut v = vec!["sqlite"];
    if postgres_server().is_some() {
        v.push("postgres");
    }
    v
}

/// The PostgreSQL half of the stories: `backends()` tells them to run on
/// SQLite alone when `CARETHREAD_TEST_POSTGRES` is not set, and this test is
/// then reported as ignored with the reason instead of the run looking complete.
#[carethread_test_services::needs(postgres)]
#[tokio::test]
async fn the_stories_run_on_postgresql_too() {
    assert_eq!(backends(), ["sqlite", "postgres"]);
    let clinic = clinic("postgres").await;
    assert_eq!(clinic.alice.user.username.as_str(), "alice.story");
}

fn postgres_server() -> Option<String> {
    std::env::var("CARETHREAD_TEST_POSTGRES").ok().filter(|s| !s.is_empty())
}

/// A new clinic on `backend`.
pub async fn clinic(backend: &str) -> Clinic {
    let master = MasterKey::generate();
    let (store, data, store_url) = if backend == "postgres" {
        let server = postgres_server().expect("CARETHREAD_TEST_POSTGRES");
        let database = ScratchDatabase::create(&server, "carethread_app_story").await.expect("scratch database");
        let url = database.url().to_owned();
        (carethread_store::open(&url, master.clone()).await.expect("open"), Data::Database(database), url)
    } else {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("story.db").display());
        (carethread_store::open(&url, master.clone()).await.expect("open"), Data::Dir(dir), url)
    };
    let today = Utc::now().date_naive();
    let fifteen = today.with_year(today.year() - 15).and_then(|d| d.pred_opt());
    let nurse = person(&store, "rn.story", "Nurse Story", Role::Nurse, None).await;
    let doctor = person(&store, "dr.story", "Doctor Story", Role::Physician, None).await;
    let alice = person(&store, "alice.story", "Alice Story", Role::Patient, NaiveDate::from_ymd_opt(1980, 3, 4)).await;
    let maya = person(&store, "maya.story", "Maya Story", Role::Patient, fifteen).await;
    let carol = person(&store, "carol.story", "Carol Story", Role::Proxy, None).await;
    let admin = person(&store, "admin.story", "Admin Story", Role::Admin, None).await;
    let outsider = person(&store, "dr.outside", "Doctor Outside", Role::Physician, None).await;
    let pool = store.create_pool("nurse-triage", "Nurse triage", &seeded(AuditAction::PoolChange)).await.expect("pool");
    for member in [&nurse, &doctor] {
        store
            .set_membership(
                Membership::Pool { pool_id: pool.id, user_id: member.user.id },
                true,
                &seeded(AuditAction::PoolChange),
            )
            .await
            .expect("member");
    }
    for patient in [&alice, &maya] {
        for staff in [&nurse, &doctor] {
            let audit = seeded(AuditAction::CareTeamChange).patient(patient.user.id);
            store
                .set_membership(
                    Membership::CareTeam { patient_id: patient.user.id, staff_id: staff.user.id },
                    true,
                    &audit,
                )
                .await
                .expect("care team");
        }
        let grant = ProxyGrant {
            patient_id: patient.user.id,
            proxy_id: carol.user.id,
            scope: ProxyScope::Full,
            expires_at: None,
            revoked_at: None,
        };
        let audit = seeded(AuditAction::GrantCreate).patient(patient.user.id);
        store
            .grant_proxy(&carethread_store::NewGrant { grant, created_by: patient.user.id, now: Utc::now() }, &audit)
            .await
            .expect("grant");
    }
    let app = App::new(store, ClinicSettings::default());
    Clinic { app, nurse, doctor, alice, maya, carol, admin, outsider, store_url, master, _data: data }
}

/// Notices sent through the SMTP server at `smtp_url`, linking to a fixed portal.
pub fn notifications(smtp_url: &str) -> carethread_app::jobs::Notifications {
    let settings = carethread_notify::NotificationSettings {
        smtp_url: Some(secrecy::SecretString::from(smtp_url.to_owned())),
        from: Some("CareThread <noreply@clinic.example.org>".to_owned()),
        portal_url: Some("https://portal.clinic.example.org/".to_owned()),
        ..carethread_notify::NotificationSettings::default()
    };
    let notifier = carethread_notify::Notifier::from_settings(&settings).expect("notifier");
    let portal = carethread_notify::PortalUrl::parse("https://portal.clinic.example.org/").expect("portal");
    carethread_app::jobs::Notifications::new(notifier, portal)
}

/// `who` is told by e-mail at `address`.
pub async fn email(app: &App, who: &Caller, address: &str) {
    let preferences = carethread_store::ContactPreferences {
        email: Some(carethread_core::contact::EmailAddress::parse(address).expect("address")),
        channel: carethread_core::contact::NotifyChannel::Email,
        ..carethread_store::ContactPreferences::default()
    };
    let audit = AuditEvent::new(AuditAction::ContactChange, None, Utc::now());
    app.store.set_contact_preferences(who.user.id, &preferences, &audit).await.expect("preferences");
}

/// How many of `mail` went to `address`.
pub fn to(mail: &[carethread_notify::test_support::ReceivedMail], address: &str) -> usize {
    mail.iter().filter(|m| m.rcpt_tos.iter().any(|r| r == address)).count()
}

/// A routine thread `patient` started at `at` (written to the store as if
/// she wrote it then), its subject and first message `text`, in `status`.
pub async fn thread_at(
    c: &Clinic,
    patient: &Caller,
    text: &str,
    at: chrono::DateTime<Utc>,
    status: carethread_core::thread::ThreadStatus,
) -> carethread_core::ids::ThreadId {
    use carethread_core::thread::{Category, Subject, Urgency};
    let author = patient.user.id;
    let triage = carethread_store::TriageRecord {
        urgency: Urgency::Routine,
        category: Category::Clinical,
        pool_slug: Some("nurse-triage".to_owned()),
        confidence: 0.9,
        reasons: vec![],
        model_id: "test".into(),
        model_version: "1".into(),
        needs_review: false,
        overridden_by: None,
    };
    let new = carethread_store::NewThread {
        patient_id: author,
        author_id: author,
        subject: Subject::parse(text).expect("subject"),
        body: carethread_core::message::MessageBody::parse(text, 5000).expect("body"),
        category: Category::Clinical,
        urgency: Urgency::Routine,
        pool_slug: Some("nurse-triage".to_owned()),
        assignee_id: None,
        status,
        confidential: false,
        triage,
        idempotency: None,
        now: at,
        audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((author, patient.user.role)), at)],
        jobs: Vec::new(),
    };
    c.app.store.create_thread(new).await.expect("thread").thread_id
}

/// `who` writes `text` on `thread` at `at` (a reply from staff, or the
/// patient writing again), written to the store as if then.
pub async fn message_at(
    c: &Clinic,
    who: &Caller,
    thread: carethread_core::ids::ThreadId,
    text: &str,
    at: chrono::DateTime<Utc>,
) {
    use carethread_core::thread::ThreadStatus;
    let new = carethread_store::NewMessage {
        thread_id: thread,
        author_id: who.user.id,
        body: Some(carethread_core::message::MessageBody::parse(text, 5000).expect("body")),
        internal: false,
        new_status: if who.user.role.is_staff() { ThreadStatus::AwaitingPatient } else { ThreadStatus::Open },
        triage: None,
        attachments: Vec::new(),
        idempotency: None,
        now: at,
        audit: vec![AuditEvent::new(AuditAction::MessageCreate, Some((who.user.id, who.user.role)), at)],
        jobs: Vec::new(),
        draft: None,
        reading_grade: None,
        answered: None,
    };
    c.app.store.add_message(new).await.expect("message");
}
