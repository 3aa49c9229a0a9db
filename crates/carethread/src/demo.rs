//! The demo clinic: staff, patients, a proxy, care teams, pools and a few
//! realistic conversations, so CareThread can be tried at once.

use std::sync::Arc;

use anyhow::Context as _;
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::contact::EmailAddress;
use carethread_core::ids::UserId;
use carethread_core::message::MessageBody;
use carethread_core::policy::{ProxyGrant, ProxyScope};
use carethread_core::profile::{ClinicProfile, OnCall};
use carethread_core::role::Role;
use carethread_core::thread::{Subject, ThreadPatch, ThreadStatus};
use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
use carethread_server::auth::hash_password;
use carethread_server::intake::triage_record;
use carethread_store::{ContactPreferences, Membership, NewAccount, NewMessage, NewThread, PoolRef, Store};
use chrono::{NaiveDate, TimeDelta, Utc};
use secrecy::SecretString;

pub mod history;

/// A demo account: username, display name, role, date of birth, language.
pub struct DemoAccount {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub born: Option<(i32, u32, u32)>,
    pub language: Language,
}

/// The accounts DESIGN.md promises.
pub const ACCOUNTS: &[DemoAccount] = &[
    DemoAccount {
        username: "admin",
        display_name: "Clinic Administrator",
        role: Role::Admin,
        born: None,
        language: Language::En,
    },
    DemoAccount {
        username: "dr.lee",
        display_name: "Dr. Grace Lee",
        role: Role::Physician,
        born: None,
        language: Language::En,
    },
    DemoAccount {
        username: "rn.kim",
        display_name: "Nurse Daniel Kim",
        role: Role::Nurse,
        born: None,
        language: Language::En,
    },
    DemoAccount {
        username: "rx.patel",
        display_name: "Priya Patel, PharmD",
        role: Role::Pharmacist,
        born: None,
        language: Language::En,
    },
    DemoAccount {
        username: "desk.ortiz",
        display_name: "Luis Ortiz (Front Desk)",
        role: Role::FrontDesk,
        born: None,
        language: Language::Es,
    },
    DemoAccount {
        username: "billing.ng",
        display_name: "Amy Ng (Billing)",
        role: Role::Billing,
        born: None,
        language: Language::En,
    },
    DemoAccount {
        username: "auditor",
        display_name: "Privacy Officer",
        role: Role::Auditor,
        born: None,
        language: Language::En,
    },
    DemoAccount {
        username: "patient.alice",
        display_name: "Alice Johnson",
        role: Role::Patient,
        born: Some((1968, 4, 12)),
        language: Language::En,
    },
    DemoAccount {
        username: "patient.bob",
        display_name: "Bob Martínez",
        role: Role::Patient,
        born: Some((1955, 11, 3)),
        language: Language::Es,
    },
    DemoAccount {
        username: "patient.maya",
        display_name: "Maya Johnson",
        role: Role::Patient,
        born: Some((2011, 2, 20)),
        language: Language::En,
    },
    DemoAccount {
        username: "proxy.carol",
        display_name: "Carol Johnson",
        role: Role::Proxy,
        born: None,
        language: Language::En,
    },
];

/// The demo pools: slug, name, members.
const POOLS: &[(&str, &str, &[&str])] = &[
    ("nurse-triage", "Nurse triage", &["rn.kim", "dr.lee"]),
    ("pharmacy-refills", "Pharmacy refills", &["rx.patel"]),
    ("front-desk", "Front desk", &["desk.ortiz"]),
    ("billing", "Billing", &["billing.ng", "desk.ortiz"]),
];

/// The demo clinic's after-hours line (a number reserved for fiction).
pub const AFTER_HOURS_PHONE: &str = "+1 555-010-0199";
/// Who is on call after hours in the demo clinic.
pub const ON_CALL: &str = "rn.kim";

/// The people seeded, by username.
pub struct DemoClinic {
    pub users: Vec<User>,
    pub pools: Vec<PoolRef>,
}

impl DemoClinic {
    /// The seeded user with this username.
    pub fn user(&self, username: &str) -> anyhow::Result<&User> {
        self.users.iter().find(|u| u.username.as_str() == username).with_context(|| format!("no demo user {username}"))
    }

    fn id(&self, username: &str) -> anyhow::Result<UserId> {
        self.user(username).map(|u| u.id)
    }
}

/// Whether the database already holds the demo clinic.
pub async fn is_seeded(store: &Arc<dyn Store>) -> anyhow::Result<bool> {
    let admin = Username::parse("admin")?;
    Ok(store.user_credentials(&admin).await?.is_some())
}

/// An audit entry for a change made by seeding (no signed-in actor).
fn seeded(action: AuditAction) -> AuditEvent {
    AuditEvent::new(action, None, Utc::now()).detail("demo clinic seed")
}

/// Seeds the demo clinic. `with_threads` adds the sample conversations.
pub async fn seed(store: &Arc<dyn Store>, password: &str, with_threads: bool) -> anyhow::Result<DemoClinic> {
    let now = Utc::now();
    let hash = hash_password(&SecretString::from(password.to_owned())).context("hashing the demo password")?;
    let mut users = Vec::new();
    for a in ACCOUNTS {
        let born = a.born.and_then(|(y, m, d)| NaiveDate::from_ymd_opt(y, m, d));
        let new = NewUser::new(
            Username::parse(a.username)?,
            DisplayName::parse(a.display_name)?,
            a.role,
            born,
            a.language,
            now.date_naive(),
        )?;
        users.push(
            store
                .create_user(NewAccount { user: &new, password_hash: &hash, now }, &seeded(AuditAction::UserCreate))
                .await?,
        );
    }
    // Everyone in the demo is reached by e-mail at an address that goes
    // nowhere outside the mail server the demo is given (example.org).
    for user in &users {
        let preferences = ContactPreferences {
            email: Some(EmailAddress::parse(&format!("{}@example.org", user.username.as_str()))?),
            ..ContactPreferences::default()
        };
        let audit = seeded(AuditAction::ContactChange).target("user", user.id);
        store.set_contact_preferences(user.id, &preferences, &audit).await?;
    }
    let mut clinic = DemoClinic { users, pools: Vec::new() };
    for (slug, name, members) in POOLS {
        let pool = store.create_pool(slug, name, &seeded(AuditAction::PoolChange)).await?;
        for member in *members {
            store
                .set_membership(
                    Membership::Pool { pool_id: pool.id, user_id: clinic.id(member)? },
                    true,
                    &seeded(AuditAction::PoolChange),
                )
                .await?;
        }
        clinic.pools.push(pool);
    }
    for patient in ["patient.alice", "patient.bob", "patient.maya"] {
        for staff in ["dr.lee", "rn.kim", "rx.patel"] {
            let audit = seeded(AuditAction::CareTeamChange).patient(clinic.id(patient)?);
            store
                .set_membership(
                    Membership::CareTeam { patient_id: clinic.id(patient)?, staff_id: clinic.id(staff)? },
                    true,
                    &audit,
                )
                .await?;
        }
    }
    // The demo clinic's after-hours line and on-call nurse, shown with emergencies that arrive while it is closed.
    let profile = ClinicProfile {
        after_hours_phone: Some(AFTER_HOURS_PHONE.to_owned()),
        on_call: Some(OnCall::User(clinic.id(ON_CALL)?)),
        // An emergency nobody opens is escalated to the physician.
        escalation: vec![clinic.id("dr.lee")?],
        ..ClinicProfile::default()
    };
    let audit = seeded(AuditAction::SettingsChange).target("settings", "clinic");
    store
        .set_clinic_profile(&carethread_store::SettingChange { value: profile, by: clinic.id("admin")?, now }, &audit)
        .await?;
    let carol = clinic.id("proxy.carol")?;
    for patient in ["patient.alice", "patient.maya"] {
        let grant = ProxyGrant {
            patient_id: clinic.id(patient)?,
            proxy_id: carol,
            scope: ProxyScope::Full,
            expires_at: None,
            revoked_at: None,
        };
        let audit = seeded(AuditAction::GrantCreate).patient(clinic.id(patient)?);
        store.grant_proxy(&carethread_store::NewGrant { grant, created_by: clinic.id(patient)?, now }, &audit).await?;
    }
    if with_threads {
        history::seed(store, &clinic, &hash, now).await?;
        seed_threads(store, &clinic).await?;
        for (code, body) in QUICK_REPLIES {
            let new =
                carethread_store::NewQuickReply { owner: None, code: code.to_owned(), body: body.to_owned(), now };
            store.create_quick_reply(&new, &seeded(AuditAction::SettingsChange)).await?;
        }
    }
    Ok(clinic)
}

/// The demo clinic's quick replies: code and text (`{first_name}` is filled in).
const QUICK_REPLIES: [(&str, &str); 3] = [
    ("thanks", "Hi {first_name}, thank you for your message. We will look into it and write back soon."),
    ("photo", "Hi {first_name}, thank you for the photo. It helps us see what is going on."),
    ("visit", "Hi {first_name}, we would like to see you. Please call the front desk to book a visit this week."),
];

/// A sample conversation: patient, subject, and (author, body) messages.
type Conversation<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

async fn seed_threads(store: &Arc<dyn Store>, clinic: &DemoClinic) -> anyhow::Result<()> {
    let start = Utc::now() - TimeDelta::hours(30);
    let conversations: &[Conversation<'_>] = &[
        (
            "patient.alice",
            "Refill for lisinopril",
            &[
                (
                    "patient.alice",
                    "Hi, I'm almost out of my lisinopril 10 mg. Could you send a refill to the CVS on Main Street? Thank you!",
                ),
                (
                    "rx.patel",
                    "Hi Alice, the refill is on its way to CVS on Main Street. It should be ready tomorrow after 10 am.",
                ),
            ],
        ),
        (
            "patient.bob",
            "Resultados de laboratorio",
            &[(
                "patient.bob",
                "Hola, vi que mis resultados de laboratorio ya están en el portal. ¿Mi colesterol está bien?",
            )],
        ),
        (
            "patient.maya",
            "Rash on my arm",
            &[(
                "patient.maya",
                "I have an itchy red rash on my arm since Saturday. It is not spreading. Should I come in?",
            )],
        ),
    ];
    for (i, (patient, subject, messages)) in conversations.iter().enumerate() {
        let at = start + TimeDelta::hours(i64::try_from(i).unwrap_or(0) * 4);
        let Some(((first_author, first_body), replies)) = messages.split_first() else { continue };
        let triage = carethread_triage::classify(subject, first_body);
        let pool = triage.pool.as_str();
        let written = store
            .create_thread(NewThread {
                patient_id: clinic.id(patient)?,
                author_id: clinic.id(first_author)?,
                subject: Subject::parse(subject)?,
                body: MessageBody::parse(first_body, 5_000)?,
                category: triage.category,
                urgency: triage.urgency,
                pool_slug: Some(pool.to_owned()),
                assignee_id: None,
                status: ThreadStatus::Open,
                confidential: false,
                triage: triage_record(&triage, triage.category, pool),
                idempotency: None,
                now: at,
                audit: vec![seeded(AuditAction::ThreadCreate).patient(clinic.id(patient)?)],
                jobs: Vec::new(),
            })
            .await?;
        for (j, (author, body)) in replies.iter().enumerate() {
            store
                .add_message(NewMessage {
                    thread_id: written.thread_id,
                    author_id: clinic.id(author)?,
                    body: Some(MessageBody::parse(body, 5_000)?),
                    internal: false,
                    new_status: ThreadStatus::AwaitingPatient,
                    triage: None,
                    attachments: Vec::new(),
                    idempotency: None,
                    now: at + TimeDelta::minutes(45 * (i64::try_from(j).unwrap_or(0) + 1)),
                    audit: vec![seeded(AuditAction::MessageCreate).patient(clinic.id(patient)?)],
                    jobs: Vec::new(),
                    draft: None,
                    reading_grade: None,
                    answered: None,
                })
                .await?;
        }
        if *subject == "Refill for lisinopril" {
            let patch = ThreadPatch { status: Some(ThreadStatus::Closed), ..ThreadPatch::default() };
            let audit = seeded(AuditAction::ThreadUpdate).patient(clinic.id(patient)?);
            store.update_thread(written.thread_id, &patch, at + TimeDelta::hours(2), &[audit]).await?;
        }
    }
    Ok(())
}
