//! A year of the demo clinic's history, so its insights pages show what a
//! clinic's year looks like: about a hundred more patients (English and
//! Spanish speakers of all adult ages) writing about refills, appointments,
//! results, symptoms, bills and now and then an emergency, and the care team
//! opening, claiming, forwarding, re-triaging, drafting, answering and
//! closing. The year is planned from a fixed seed (`plan.rs`) and written
//! through the store's own writes, each at the moment it happened, so the
//! audit log, read receipts, triage results, drafts and the record of
//! thread changes are what real use would have left. The patients gave
//! their payer, sex, race and ethnicity; the clinic began billing online
//! visits mid-year, after which its Spanish speakers wrote less. Threads are written
//! several at a time, so the embedded database commits their writes
//! together.

mod people;
mod plan;
mod topics;

use std::collections::HashMap;
use std::sync::Arc;

use anyhow::Context as _;
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::equity::{Dimension, GroupValue};
use carethread_core::ids::{DraftId, ThreadId, UserId};
use carethread_core::message::MessageBody;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadPatch, ThreadStatus};
use carethread_core::user::{DisplayName, Language, Mrn, NewUser, User, Username};
use carethread_server::intake::triage_record;
use carethread_store::{
    BillingSetup, DraftContent, DraftUse, ImportKey, ImportOutcome, ImportStep, Importer, NewDraft, NewMessage,
    NewNote, NewThread, PoolRef, ReadThread, Store, ThreadUpdate, TriageOverride,
};
use carethread_triage::TriageResult;
use chrono::{DateTime, TimeDelta, Utc};
use plan::{Act, Clinic, Rng, Story};
use tokio::task::JoinSet;
use topics::{TOPICS, Texts};

use super::DemoClinic;

/// The demo's year is the same every time.
const SEED: u64 = 0x00C0_FFEE_2026_1206;
/// Patients beyond the demo accounts.
const PATIENTS: usize = 120;
/// How long ago the clinic began billing online visits.
const BILLING_DAYS: i64 = 182;
/// Mixed into the seed for the groups patients gave.
const GROUPS_SEED: u64 = 0x6E0_0005;
/// Threads written at the same time.
const LANES: usize = 256;
/// Patients imported in one transaction.
const IMPORT_CHUNK: usize = 100;
/// What the audit log says about writes that only set the demo up.
const SEEDED: &str = "demo clinic seed";

/// What the history added.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    pub patients: usize,
    pub threads: usize,
    pub messages: usize,
}

/// Everything a thread's writes need, shared by the threads written at once.
struct Writer {
    store: Arc<dyn Store>,
    staff: HashMap<String, User>,
    patients: Vec<(User, &'static str)>,
    pools: HashMap<String, PoolRef>,
    triage: Vec<[TriageResult; 2]>,
    disclosure: [String; 2],
}

/// Adds a year of history, ending at `now`, to the seeded demo `clinic`. The
/// patients sign in with the demo accounts' password (`password_hash`).
pub async fn seed(
    store: &Arc<dyn Store>,
    clinic: &DemoClinic,
    password_hash: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<History> {
    seed_scaled(store, clinic, password_hash, now, 1).await
}

/// [`seed`] for a clinic `scale` times the demo's: as many times the
/// patients and the threads, planned and written the same way (a benchmark's
/// large database; a scale of 435 writes about a million messages).
pub async fn seed_scaled(
    store: &Arc<dyn Store>,
    clinic: &DemoClinic,
    password_hash: &str,
    now: DateTime<Utc>,
    scale: u32,
) -> anyhow::Result<History> {
    let scale = scale.max(1);
    let started = std::time::Instant::now();
    let profile = store.clinic_profile().await?.unwrap_or_default();
    let hours = profile.validate().context("the demo clinic's hours")?;
    let mut rng = Rng::new(SEED);
    let today = now.with_timezone(&hours.timezone()).date_naive();
    let joined = now - TimeDelta::days(400);
    let billing_on = now - TimeDelta::days(BILLING_DAYS);
    let count = PATIENTS * scale as usize;
    let people = people::patients(&mut rng, count, today);
    let mut group_rng = Rng::new(SEED ^ GROUPS_SEED);
    let groups: Vec<_> = people.iter().map(|p| people::groups(&mut group_rng, p, today)).collect();
    let care_team = [clinic.user("dr.lee")?.id, clinic.user("rn.kim")?.id, clinic.user("rx.patel")?.id];
    // Patients arrive as a clinic's do, from its EHR: accounts with their
    // record numbers and care teams, imported a chunk per transaction, the
    // chunks side by side; then the groups each patient gave.
    let hash: Arc<str> = Arc::from(password_hash);
    let work: Arc<Vec<(people::Patient, Vec<_>)>> = Arc::new(people.into_iter().zip(groups).collect());
    let mut creating = JoinSet::new();
    for first in (0..count).step_by(IMPORT_CHUNK) {
        let (store, work, hash) = (store.clone(), work.clone(), hash.clone());
        creating.spawn(async move {
            let chunk = &work[first..(first + IMPORT_CHUNK).min(work.len())];
            let made = import_patients(&store, first, chunk, &hash, care_team, joined, today).await?;
            anyhow::Ok(made.into_iter().enumerate().map(move |(i, user)| (first + i, user)).collect::<Vec<_>>())
        });
    }
    let mut created: Vec<(usize, User)> = Vec::with_capacity(count);
    while let Some(done) = creating.join_next().await {
        created.extend(done.context("creating the history's patients")??);
    }
    created.sort_by_key(|(i, _)| *i);
    let patients: Vec<(User, &'static str)> =
        created.into_iter().map(|(i, user)| (user, work[i].0.first_name)).collect();
    let people = &work;
    let triage: Vec<[TriageResult; 2]> =
        TOPICS.iter().map(|t| [&t.en, &t.es].map(|x| carethread_triage::classify(x.subject, x.body))).collect();
    let spanish: Vec<bool> = people.iter().map(|(p, _)| p.language == Language::Es).collect();
    tracing::debug!(duration_ms = started.elapsed().as_millis(), "demo patients seeded");
    let plan_clinic = Clinic {
        profile: &profile,
        hours: &hours,
        triage: &triage,
        billing_on: Some(billing_on),
        scale: f64::from(scale),
    };
    let stories = plan::year(&mut rng, &plan_clinic, &spanish, now);
    let writer = Arc::new(Writer {
        store: store.clone(),
        staff: clinic
            .users
            .iter()
            .filter(|u| u.role.is_staff())
            .map(|u| (u.username.as_str().to_owned(), u.clone()))
            .collect(),
        patients,
        pools: clinic.pools.iter().map(|p| (p.slug.clone(), p.clone())).collect(),
        triage,
        disclosure: [Language::En, Language::Es].map(|l| profile.disclosure(l, "{name}")),
    });
    let threads = stories.len();
    // Each lane writes its threads in order; the lanes run side by side.
    let mut lanes: Vec<Vec<Story>> = (0..LANES).map(|_| Vec::new()).collect();
    for (i, story) in stories.into_iter().enumerate() {
        lanes[i % LANES].push(story);
    }
    let mut running = JoinSet::new();
    for lane in lanes {
        let writer = writer.clone();
        running.spawn(async move {
            let mut messages = 0;
            for story in &lane {
                messages += writer.write(story).await?;
            }
            anyhow::Ok(messages)
        });
    }
    let mut messages = 0;
    while let Some(done) = running.join_next().await {
        messages += done.context("writing the demo's history")??;
    }
    turn_billing_on(store, billing_on).await?;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    tracing::info!(patients = count, threads, messages, duration_ms, "demo clinic's year of history seeded");
    Ok(History { patients: count, threads, messages })
}

/// A chunk of the history's patients, the first numbered `first`: imported
/// as an EHR onboards them (the account with its record number, on the care
/// team of the demo's clinicians) in one transaction, then the groups each gave.
async fn import_patients(
    store: &Arc<dyn Store>,
    first: usize,
    chunk: &[(people::Patient, Vec<(Dimension, GroupValue)>)],
    password_hash: &str,
    care_team: [UserId; 3],
    joined: DateTime<Utc>,
    today: chrono::NaiveDate,
) -> anyhow::Result<Vec<User>> {
    let mut steps = Vec::with_capacity(2 * chunk.len());
    let mut users = Vec::with_capacity(chunk.len());
    for (i, (p, _)) in chunk.iter().enumerate() {
        let mrn = Mrn::parse(&format!("H{:08}", first + i))?;
        let new = NewUser::new(
            Username::parse(&p.username)?,
            DisplayName::parse(&p.display_name)?,
            Role::Patient,
            Some(p.born),
            p.language,
            today,
        )?
        .with_mrn(Some(mrn.clone()))?;
        steps.push(ImportStep::Account {
            key: ImportKey::Mrn(mrn.as_str().to_owned()),
            user: new.clone(),
            password_hash: password_hash.to_owned(),
        });
        steps.push(ImportStep::CareTeam {
            patient: ImportKey::Mrn(mrn.as_str().to_owned()),
            members: care_team.iter().map(|id| ImportKey::Id(*id)).collect(),
        });
        users.push(new);
    }
    let outcomes = store.import_people(&steps, &Importer { actor: None, client: None, now: joined }).await?;
    let ids = outcomes.iter().filter_map(|o| if let ImportOutcome::Created(id) = o { Some(*id) } else { None });
    let made: Vec<User> = users.into_iter().zip(ids).map(|(new, id)| new.into_user(id)).collect();
    if made.len() != chunk.len() {
        anyhow::bail!("the import created {} of {} patients", made.len(), chunk.len());
    }
    for (user, (_, groups)) in made.iter().zip(chunk) {
        let audit = AuditEvent::new(AuditAction::PatientGroupsChange, None, joined).patient(user.id).detail(SEEDED);
        store.set_patient_groups(user.id, groups, &audit).await?;
    }
    Ok(made)
}

/// Online visit billing, turned on `at` (mid-year), with the notice patients
/// read before they send.
async fn turn_billing_on(store: &Arc<dyn Store>, at: DateTime<Utc>) -> anyhow::Result<()> {
    let setup = BillingSetup {
        enabled: true,
        notice_en: "A message that needs your clinician's medical evaluation may be billed to your insurance as an \
                    online visit; you may owe a copay. Scheduling, refills, results and follow-up within 7 days of a \
                    visit are never billed."
            .to_owned(),
        notice_es: "Un mensaje que necesita la evaluación médica de su clínico puede facturarse a su seguro como una \
                    consulta en línea; es posible que deba un copago. Las citas, los resurtidos, los resultados y el \
                    seguimiento dentro de los 7 días de una visita nunca se cobran."
            .to_owned(),
        ..BillingSetup::default()
    };
    let audit = AuditEvent::new(AuditAction::BillingChange, None, at).detail(SEEDED);
    store.set_billing_setup(&setup, at, &audit).await?;
    Ok(())
}

/// `text` with the patient's first name.
fn fill(text: &str, first: &str) -> String {
    text.replace("{first}", first)
}

/// A reply as the drafter wrote it: the clinician's answer and a closing
/// line the clinician sometimes keeps.
fn drafted(reply: &str, spanish: bool) -> String {
    let closing =
        if spanish { "Escríbanos si tiene más preguntas." } else { "Write to us again if you have more questions." };
    format!("{reply} {closing}")
}

/// The state of one thread while it is written.
struct Progress {
    thread: Option<ThreadId>,
    category: Category,
    draft: Option<(DraftId, String, DateTime<Utc>)>,
    messages: usize,
}

impl Writer {
    fn staff(&self, username: &str) -> anyhow::Result<&User> {
        self.staff.get(username).with_context(|| format!("no demo staff {username}"))
    }

    fn pool(&self, slug: &str) -> anyhow::Result<&PoolRef> {
        self.pools.get(slug).with_context(|| format!("no demo pool {slug}"))
    }

    /// Writes one thread's story; answers how many messages it holds.
    async fn write(&self, story: &Story) -> anyhow::Result<usize> {
        let topic = &TOPICS[story.topic];
        let texts: &Texts = if story.spanish { &topic.es } else { &topic.en };
        let triage = &self.triage[story.topic][usize::from(story.spanish)];
        let mut progress = Progress { thread: None, category: triage.category, draft: None, messages: 0 };
        for (at, act) in &story.acts {
            self.act(story, texts, triage, &mut progress, *at, *act).await?;
        }
        Ok(progress.messages)
    }

    #[expect(clippy::too_many_lines, reason = "one arm per kind of act, each a single store write")]
    async fn act(
        &self,
        story: &Story,
        texts: &Texts,
        triage: &TriageResult,
        progress: &mut Progress,
        at: DateTime<Utc>,
        act: Act,
    ) -> anyhow::Result<()> {
        let db = &*self.store;
        let (patient, first) = &self.patients[story.patient];
        let on_patient =
            |action: AuditAction, who: &User| AuditEvent::new(action, Some((who.id, who.role)), at).patient(patient.id);
        let Some(thread) = progress.thread else {
            let pool = triage.pool.clone();
            let written = db
                .create_thread(NewThread {
                    patient_id: patient.id,
                    author_id: patient.id,
                    subject: Subject::parse(texts.subject)?,
                    body: MessageBody::parse(texts.body, 5_000)?,
                    category: triage.category,
                    urgency: triage.urgency,
                    pool_slug: Some(pool.clone()),
                    assignee_id: None,
                    status: ThreadStatus::Open,
                    confidential: false,
                    triage: triage_record(triage, triage.category, &pool),
                    idempotency: None,
                    now: at,
                    audit: vec![on_patient(AuditAction::ThreadCreate, patient)],
                    jobs: Vec::new(),
                })
                .await?;
            progress.thread = Some(written.thread_id);
            progress.messages += 1;
            return Ok(());
        };
        let message = |author: &User, body: String, status: ThreadStatus| -> anyhow::Result<NewMessage> {
            let action = AuditAction::MessageCreate;
            Ok(NewMessage {
                thread_id: thread,
                author_id: author.id,
                body: Some(MessageBody::parse(&body, 5_000)?),
                internal: false,
                new_status: status,
                triage: None,
                attachments: Vec::new(),
                idempotency: None,
                now: at,
                audit: vec![on_patient(action, author)],
                jobs: Vec::new(),
                draft: None,
                reading_grade: None,
                answered: None,
            })
        };
        match act {
            Act::Start => {}
            Act::Open(who) => self.read(thread, self.staff(who)?, patient, at).await?,
            Act::PatientReads => self.read(thread, patient, patient, at).await?,
            Act::Claim(who) => {
                let who = self.staff(who)?;
                let patch = ThreadPatch { assignee_id: Some(Some(who.id)), ..ThreadPatch::default() };
                let audit = on_patient(AuditAction::ThreadUpdate, who).detail("claimed");
                db.update_thread(thread, &patch, at, &[audit]).await?;
            }
            Act::Close(who) => {
                let who = self.staff(who)?;
                let patch = ThreadPatch { status: Some(ThreadStatus::Closed), ..ThreadPatch::default() };
                let audit = on_patient(AuditAction::ThreadUpdate, who).detail("closed");
                db.update_thread(thread, &patch, at, &[audit]).await?;
            }
            Act::Forward { by, pool, to } => {
                let (who, pool) = (self.staff(by)?, self.pool(pool)?);
                let to = to.map(|t| self.staff(t)).transpose()?;
                let spanish = who.language == Language::Es;
                let mut names = vec![pool.name.clone()];
                names.extend(to.map(|t| t.display_name.as_str().to_owned()));
                let body = if spanish {
                    format!("Reenviado a {}.\nMejor lo ve este equipo.", names.join(" y "))
                } else {
                    format!("Forwarded to {}.\nBetter answered there.", names.join(" and "))
                };
                let patch = ThreadPatch {
                    pool_id: Some(Some(pool.id)),
                    assignee_id: Some(to.map(|t| t.id)),
                    ..ThreadPatch::default()
                };
                let note = NewNote {
                    author_id: who.id,
                    body: MessageBody::parse(&body, 5_000)?,
                    audit: vec![on_patient(AuditAction::NoteCreate, who)],
                };
                let audit = [on_patient(AuditAction::ThreadUpdate, who).detail("forwarded")];
                db.update_thread_with_note(ThreadUpdate {
                    id: thread,
                    patch: &patch,
                    note: Some(&note),
                    now: at,
                    audit: &audit,
                })
                .await?;
                progress.messages += 1;
            }
            Act::Retriage { by, urgency } => {
                let who = self.staff(by)?;
                let reasons = vec![
                    format!("re-triaged by {} ({})", who.display_name.as_str(), who.role.as_str()),
                    format!("urgency {} → {}", triage.urgency.as_str(), urgency.as_str()),
                ];
                db.override_triage(&TriageOverride {
                    thread_id: thread,
                    by: who.id,
                    urgency,
                    category: progress.category,
                    pool_id: None,
                    pool_slug: None,
                    reasons,
                    now: at,
                    audit: vec![on_patient(AuditAction::ThreadTriage, who)],
                })
                .await?;
            }
            Act::Draft { by, reply_needed } => {
                let who = self.staff(by)?;
                let body = reply_needed.then(|| drafted(&fill(texts.reply, first), story.spanish));
                let reasons = vec![
                    if reply_needed {
                        "the clinic's reply for the situation"
                    } else {
                        "the patient only says thank you"
                    }
                    .to_owned(),
                ];
                let content = DraftContent {
                    thread_id: thread,
                    requested_by: who.id,
                    body: body.clone(),
                    model_id: carethread_draft::builtin::BUILTIN_ID.to_owned(),
                    model_version: carethread_draft::builtin::BUILTIN_VERSION.to_owned(),
                    reply_needed,
                    reasons,
                };
                let audit = on_patient(AuditAction::DraftCreate, who)
                    .detail(format!("model {}", carethread_draft::builtin::BUILTIN_ID));
                let id = db.create_draft(&NewDraft { content, now: at, audit }).await?;
                progress.draft = body.map(|b| (id, b, at));
            }
            Act::Reply { by, second, drafted: from_draft } => {
                let who = self.staff(by)?;
                let text = fill(if second { texts.answer } else { texts.reply }, first);
                let language = if story.spanish { Language::Es } else { Language::En };
                let (body, draft) = match progress.draft.take().filter(|_| from_draft) {
                    Some((id, draft, drafted_at)) => {
                        // Most clinicians shorten the draft; some send it as it is.
                        let sent = if story.topic.is_multiple_of(3) { draft.clone() } else { text };
                        let line =
                            self.disclosure[usize::from(story.spanish)].replace("{name}", who.display_name.as_str());
                        let used = DraftUse {
                            draft_id: id,
                            edit_distance: i64::try_from(carethread_draft::edit_distance(&draft, &sent)).unwrap_or(0),
                            seconds_spent: (at - drafted_at).num_seconds().max(0),
                        };
                        (format!("{sent}\n\n{line}"), Some(used))
                    }
                    None => (text, None),
                };
                let grade = carethread_draft::readability::measure(&body, language).grade;
                let new = NewMessage {
                    draft,
                    reading_grade: Some(grade),
                    answered: None,
                    ..message(who, body, ThreadStatus::AwaitingPatient)?
                };
                db.add_message(new).await?;
                progress.messages += 1;
            }
            Act::Answer { yes } => {
                let (question, answer) = match (story.spanish, yes) {
                    (false, true) => ("Did this answer your question?", "Yes, thank you."),
                    (false, false) => ("Did this answer your question?", "I still have a question."),
                    (true, true) => ("¿Respondió esto a su pregunta?", "Sí, gracias."),
                    (true, false) => ("¿Respondió esto a su pregunta?", "Todavía tengo una pregunta."),
                };
                let status = if yes { ThreadStatus::AwaitingPatient } else { ThreadStatus::Open };
                let new =
                    NewMessage { answered: Some(yes), ..message(patient, format!("{question} {answer}"), status)? };
                db.add_message(new).await?;
                progress.messages += 1;
            }
            Act::FollowUp => {
                let result = carethread_triage::classify(texts.subject, texts.follow_up);
                let record = triage_record(&result, progress.category, &result.pool);
                let new = NewMessage {
                    triage: Some(record),
                    ..message(patient, texts.follow_up.to_owned(), ThreadStatus::Open)?
                };
                db.add_message(new).await?;
                progress.messages += 1;
            }
        }
        Ok(())
    }

    /// `reader` opens the thread: the reading is audited and read receipts
    /// are left on what they had not read.
    async fn read(&self, thread: ThreadId, reader: &User, patient: &User, at: DateTime<Utc>) -> anyhow::Result<()> {
        let audit = AuditEvent::new(AuditAction::ThreadRead, Some((reader.id, reader.role)), at)
            .patient(patient.id)
            .target("thread", thread);
        let staff = reader.role.is_staff();
        let read = ReadThread { thread, reader: reader.id, include_internal: staff, now: at };
        self.store.record_read(read, vec![audit]).await?;
        Ok(())
    }
}
