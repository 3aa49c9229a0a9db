//! E-visit billing on SQLite and PostgreSQL: the patient is told before
//! sending and her consent is recorded, withdrawn or declined (and she is
//! answered all the same); a clinician's measured time is attested; the
//! patient sees the e-visit on the thread; billing staff approve and export
//! claims as CSV, never reading a message; a refill without evaluation and
//! a declining patient are never billed.

mod support;

use carethread_app::billing::queue::{self, ClaimChoice, PatientFactsInput, QueueStatus};
use carethread_app::billing::time::{self, Attest};
use carethread_app::billing::{self, ConsentChoice, SetupInput};
use carethread_app::messages::{self, AddMessage};
use carethread_app::threads::{self, StartThread};
use carethread_app::{AppError, Caller};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::billing::{ActivityKind, EVisitCode, Exclusion, MessagePurpose};
use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, NewUser, Username};
use carethread_store::{ClaimStatus, NewAccount};
use chrono::{DateTime, TimeDelta, Utc};

async fn billing_clerk(c: &support::Clinic) -> Caller {
    let new = NewUser::new(
        Username::parse("billing.story").expect("username"),
        DisplayName::parse("Billing Story").expect("name"),
        Role::Billing,
        None,
        Language::En,
        Utc::now().date_naive(),
    )
    .expect("new user");
    let audit = AuditEvent::new(AuditAction::UserCreate, None, Utc::now());
    let user = c
        .app
        .store
        .create_user(NewAccount { user: &new, password_hash: "not-a-real-hash", now: Utc::now() }, &audit)
        .await
        .expect("billing user");
    Caller { user, client: None }
}

async fn billing_on(c: &support::Clinic) {
    let input = SetupInput {
        enabled: true,
        notice_en: "A message that needs medical evaluation may be billed to your insurance; you may owe a copay."
            .to_owned(),
        notice_es: "Un mensaje que necesita evaluación médica puede facturarse a su seguro.".to_owned(),
        payer: "other".to_owned(),
        idle_cutoff_seconds: 60,
    };
    billing::set_setup(&c.app, &c.admin, input).await.expect("billing on");
}

async fn ask(c: &support::Clinic, subject: &str) -> ThreadId {
    let start = StartThread {
        subject: subject.to_owned(),
        body: "It itches and spreads.".to_owned(),
        ..StartThread::default()
    };
    threads::start_thread(&c.app, &c.alice, start).await.expect("thread").thread_id
}

/// Six minutes of the doctor's activity on the thread, a ping every 15 s,
/// from just after now; answers when the work ended.
async fn work_on(c: &support::Clinic, thread: ThreadId) -> DateTime<Utc> {
    let start = Utc::now() + TimeDelta::seconds(1);
    for i in 0..=24 {
        let at = start + TimeDelta::seconds(15 * i);
        time::record_activity_at(&c.app, &c.doctor, thread, ActivityKind::PageVisible, at).await.expect("ping");
    }
    start + TimeDelta::minutes(6)
}

async fn established(c: &support::Clinic, clerk: &Caller) {
    let facts = PatientFactsInput { first_visit_on: Some("2020-01-15".to_owned()), surgical_global_until: None };
    queue::set_patient_facts(&c.app, clerk, c.alice.user.id, facts).await.expect("facts");
}

fn reply(text: &str) -> AddMessage {
    AddMessage { body: Some(MessageBody::parse(text, 5000).expect("body")), ..AddMessage::default() }
}

#[tokio::test]
async fn the_notice_is_shown_and_consent_is_given_and_withdrawn() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        assert_eq!(billing::notice_for(&c.app, &c.alice, None).await.expect("notice"), None, "{backend}: off");
        billing_on(&c).await;
        let notice = billing::notice_for(&c.app, &c.alice, None).await.expect("notice").expect("shown");
        assert!(notice.text.contains("insurance") && !notice.consent_current, "{backend}");
        assert_eq!(billing::notice_for(&c.app, &c.doctor, Some(c.alice.user.id)).await.expect("staff"), None);

        let given = billing::set_consent(&c.app, &c.alice, None, ConsentChoice::Agree).await.expect("agree");
        assert!(given.consent_current && given.consent_given_on.is_some(), "{backend}: consent given");
        let withdrawn = billing::set_consent(&c.app, &c.alice, None, ConsentChoice::Decline).await.expect("withdraw");
        assert!(!withdrawn.consent_current && withdrawn.consent_withdrawn_on.is_some(), "{backend}: withdrawn");
        // Her proxy, who writes for her, reads the same notice.
        let for_alice = billing::notice_for(&c.app, &c.carol, Some(c.alice.user.id)).await.expect("proxy");
        assert!(for_alice.is_some_and(|n| !n.consent_current), "{backend}");
        assert!(matches!(
            billing::set_consent(&c.app, &c.doctor, Some(c.alice.user.id), ConsentChoice::Agree).await,
            Err(AppError::Forbidden(_))
        ));
    }
}

#[tokio::test]
async fn an_attested_evaluation_is_shown_to_the_patient_approved_and_exported_once() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        billing_on(&c).await;
        let clerk = billing_clerk(&c).await;
        established(&c, &clerk).await;
        let thread = ask(&c, "Rash on my arm").await;
        billing::choose_for_thread(&c.app, &c.alice, thread, ConsentChoice::Agree).await.expect("agree");
        let worked_until = work_on(&c, thread).await;
        messages::add_message(&c.app, &c.doctor, thread, reply("Use the cream twice a day.")).await.expect("reply");

        let shown = time::thread_time(&c.app, &c.doctor, thread).await.expect("time");
        assert!(shown.billing_on && shown.period.is_some(), "{backend}");
        assert_eq!((shown.measured_minutes, shown.thread_minutes, shown.attested_minutes), (6, 6, None), "{backend}");
        assert_eq!(time::evisit_line(&c.app, &c.alice, thread).await.expect("line"), None, "{backend}: not yet");

        let attest = Attest { purpose: MessagePurpose::Evaluation, minutes: Some(7) };
        let attested = time::attest_at(&c.app, &c.doctor, thread, attest, worked_until).await.expect("attest");
        assert_eq!((attested.measured_minutes, attested.attested_minutes), (6, Some(7)), "{backend}: both kept");
        let line = time::evisit_line(&c.app, &c.alice, thread).await.expect("line").expect("an e-visit");
        assert_eq!(line.code, EVisitCode::Cpt99421, "{backend}");
        assert_eq!(line.meaning, EVisitCode::Cpt99421.meaning(Language::En));

        let later = Utc::now() + TimeDelta::days(8);
        let rows = queue::queue_at(&c.app, &clerk, later).await.expect("queue");
        assert_eq!(rows.len(), 1, "{backend}");
        let row = &rows[0];
        assert_eq!((row.code, row.attested_minutes, row.measured_minutes), (Some(EVisitCode::Cpt99421), Some(7), 6));
        assert_eq!((row.status, row.exclusions.as_slice()), (QueueStatus::Pending, &[][..]), "{backend}");
        assert!(row.messages >= 1, "{backend}: the question at least");
        assert_eq!(row.patient_name, "Alice Story");

        let approve = ClaimChoice { status: ClaimStatus::Approved, reason: None };
        let approved = queue::decide_claim_at(&c.app, &clerk, row.key, approve, later).await.expect("approve");
        assert_eq!(approved.status, QueueStatus::Approved);
        let csv = queue::export_claims_at(&c.app, &clerk, later).await.expect("export");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2, "{backend}: {csv}");
        assert!(lines[1].contains("\"99421\",7,6,") && lines[1].contains(&c.alice.user.id.to_string()));
        assert!(!csv.contains("itches") && !csv.contains("cream"), "{backend}: no message text");
        let again = queue::export_claims_at(&c.app, &clerk, later).await.expect("export again");
        assert_eq!(again.lines().count(), 1, "{backend}: exported once");
        let rows = queue::queue_at(&c.app, &clerk, later).await.expect("queue");
        assert_eq!(rows[0].status, QueueStatus::Exported);
        let hold = ClaimChoice { status: ClaimStatus::Held, reason: Some("check".to_owned()) };
        assert!(matches!(
            queue::decide_claim_at(&c.app, &clerk, row.key, hold, later).await,
            Err(AppError::Conflict(_))
        ));
    }
}

#[tokio::test]
async fn a_declining_patient_is_answered_and_never_billed() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        billing_on(&c).await;
        let clerk = billing_clerk(&c).await;
        established(&c, &clerk).await;
        let thread = ask(&c, "Rash again").await;
        billing::choose_for_thread(&c.app, &c.alice, thread, ConsentChoice::Decline).await.expect("decline");
        let worked_until = work_on(&c, thread).await;
        messages::add_message(&c.app, &c.doctor, thread, reply("Here is what to do.")).await.expect("answered");
        let attest = Attest { purpose: MessagePurpose::Evaluation, minutes: None };
        let shown = time::attest_at(&c.app, &c.doctor, thread, attest, worked_until).await.expect("attest");
        assert!(shown.declined, "{backend}: the thread is marked not billable");
        assert_eq!(time::evisit_line(&c.app, &c.alice, thread).await.expect("line"), None, "{backend}");

        let later = Utc::now() + TimeDelta::days(8);
        let rows = queue::queue_at(&c.app, &clerk, later).await.expect("queue");
        assert_eq!(rows[0].code, None, "{backend}");
        let why = &rows[0].exclusions;
        assert!(
            why.contains(&Exclusion::NoConsent) || why.contains(&Exclusion::ConsentWithdrawn),
            "{backend}: {why:?}"
        );
        let approve = ClaimChoice { status: ClaimStatus::Approved, reason: None };
        let refused = queue::decide_claim_at(&c.app, &clerk, rows[0].key, approve, later).await;
        assert!(matches!(refused, Err(AppError::Conflict(_))), "{backend}");
        let reject = ClaimChoice { status: ClaimStatus::Rejected, reason: None };
        let refused = queue::decide_claim_at(&c.app, &clerk, rows[0].key, reject, later).await;
        assert!(matches!(refused, Err(AppError::Invalid { .. })), "{backend}: a reason is required");
        let reject = ClaimChoice { status: ClaimStatus::Rejected, reason: Some("patient declined".to_owned()) };
        let rejected = queue::decide_claim_at(&c.app, &clerk, rows[0].key, reject, later).await.expect("reject");
        assert_eq!((rejected.status, rejected.reason.as_deref()), (QueueStatus::Rejected, Some("patient declined")));
        assert_eq!(queue::export_claims_at(&c.app, &clerk, later).await.expect("csv").lines().count(), 1);
    }
}

#[tokio::test]
async fn a_refill_without_evaluation_is_not_billable() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        billing_on(&c).await;
        let clerk = billing_clerk(&c).await;
        established(&c, &clerk).await;
        let thread = ask(&c, "Refill please").await;
        billing::choose_for_thread(&c.app, &c.alice, thread, ConsentChoice::Agree).await.expect("agree");
        let worked_until = work_on(&c, thread).await;
        let attest = Attest { purpose: MessagePurpose::RefillWithoutEvaluation, minutes: None };
        time::attest_at(&c.app, &c.doctor, thread, attest, worked_until).await.expect("attest");
        assert_eq!(time::evisit_line(&c.app, &c.alice, thread).await.expect("line"), None, "{backend}");
        let rows = queue::queue_at(&c.app, &clerk, Utc::now() + TimeDelta::days(8)).await.expect("queue");
        assert_eq!(rows[0].code, None, "{backend}");
        assert!(rows[0].exclusions.contains(&Exclusion::RefillWithoutEvaluation), "{backend}");
    }
}

#[tokio::test]
async fn billing_staff_work_the_queue_but_cannot_read_message_text() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        billing_on(&c).await;
        let clerk = billing_clerk(&c).await;
        let thread = ask(&c, "Rash").await;
        assert!(matches!(threads::open_thread(&c.app, &clerk, thread).await, Err(AppError::NotFound)), "{backend}");
        assert!(matches!(time::thread_time(&c.app, &clerk, thread).await, Err(AppError::Forbidden(_))));
        let ping = time::record_activity(&c.app, &clerk, thread, "page_visible").await;
        assert!(matches!(ping, Err(AppError::Forbidden(_))), "{backend}: billing time is never measured");
        assert!(matches!(time::evisit_line(&c.app, &clerk, thread).await, Err(AppError::NotFound)), "{backend}");
        for other in [&c.doctor, &c.alice, &c.admin] {
            assert!(matches!(queue::queue(&c.app, other).await, Err(AppError::Forbidden(_))), "{backend}");
            assert!(matches!(queue::export_claims(&c.app, other).await, Err(AppError::Forbidden(_))));
        }
        assert!(queue::queue(&c.app, &clerk).await.expect("queue").is_empty());
        assert!(matches!(billing::set_setup(&c.app, &clerk, SetupInput::default()).await, Err(AppError::Forbidden(_))));
        let bad = time::record_activity(&c.app, &c.doctor, thread, "dancing").await;
        assert!(matches!(bad, Err(AppError::Invalid { .. })), "{backend}");
    }
}

#[tokio::test]
async fn a_visit_recorded_about_the_problem_takes_the_threads_time_and_imports_are_checked_line_by_line() {
    use carethread_app::billing::visits;
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        billing_on(&c).await;
        let clerk = billing_clerk(&c).await;
        established(&c, &clerk).await;
        let thread = ask(&c, "Rash on my leg").await;
        billing::choose_for_thread(&c.app, &c.alice, thread, ConsentChoice::Agree).await.expect("agree");
        let worked_until = work_on(&c, thread).await;
        messages::add_message(&c.app, &c.doctor, thread, reply("Use the cream.")).await.expect("reply");
        let attest = Attest { purpose: MessagePurpose::Evaluation, minutes: Some(7) };
        time::attest_at(&c.app, &c.doctor, thread, attest, worked_until).await.expect("attest");
        let later = Utc::now() + TimeDelta::days(8);
        let rows = queue::queue_at(&c.app, &clerk, later).await.expect("queue");
        assert_eq!(rows[0].code, Some(EVisitCode::Cpt99421), "{backend}: billable before the visit is known");

        // Only clinicians and front desk who may read the thread record a visit.
        let tz = c.app.clinic.get(&*c.app.store).await.hours.timezone();
        let today = Utc::now().with_timezone(&tz).date_naive().to_string();
        for who in [&clerk, &c.alice, &c.carol] {
            let refused = visits::record_visit(&c.app, who, thread, &today).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {:?} {refused:?}", who.user.role);
        }
        let refused = visits::record_visit(&c.app, &c.outsider, thread, &today).await;
        assert!(matches!(refused, Err(AppError::NotFound)), "{backend}: {refused:?}");
        let tomorrow = (Utc::now() + TimeDelta::days(2)).with_timezone(&tz).date_naive().to_string();
        for bad in [tomorrow.as_str(), "2026-13-01", "last week", "2019-01-01"] {
            let refused = visits::record_visit(&c.app, &c.doctor, thread, bad).await;
            assert!(matches!(refused, Err(AppError::Invalid { .. })), "{backend}: {bad} {refused:?}");
        }
        visits::record_visit(&c.app, &c.nurse, thread, &today).await.expect("recorded");
        let rows = queue::queue_at(&c.app, &clerk, later).await.expect("queue");
        let why = &rows[0].exclusions;
        assert_eq!(rows[0].code, None, "{backend}: the visit takes the time");
        assert!(
            why.contains(&Exclusion::LedToVisit) || why.contains(&Exclusion::RecentVisitSameProblem),
            "{backend}: {why:?}"
        );

        // The practice's schedule, imported: good lines count, bad ones are named.
        let other = ask(&c, "Knee pain").await;
        let csv = format!(
            "thread_id,visited_on\n{other},{today}\nnot-a-thread,{today}\n{other},{tomorrow}\n{other}\n\n{other},{today},x\n"
        );
        let report = visits::import_visits(&c.app, &csv).await.expect("import");
        assert_eq!(report.imported, 1, "{backend}: {report:?}");
        let lines: Vec<usize> = report.refused.iter().map(|(n, _)| *n).collect();
        assert_eq!(lines, [3, 4, 5, 7], "{backend}: {report:?}");
        let threads = c.app.store.billing_threads(c.alice.user.id).await.expect("threads");
        let knee = threads.iter().find(|t| t.id == other).expect("the knee thread");
        assert_eq!(knee.related_visits.len(), 1, "{backend}");
        // The same file again (saved by a spreadsheet, with a byte-order mark) records nothing twice.
        let again = format!("\u{feff}thread_id,visited_on\n{other},{today}\n");
        assert_eq!(visits::import_visits(&c.app, &again).await.expect("again").refused, []);
        let threads = c.app.store.billing_threads(c.alice.user.id).await.expect("threads");
        let knee = threads.iter().find(|t| t.id == other).expect("the knee thread");
        assert_eq!(knee.related_visits.len(), 1, "{backend}: once");
        assert!(matches!(visits::import_visits(&c.app, "thread,day\n").await, Err(AppError::Invalid { .. })));
    }
}

#[tokio::test]
async fn a_thread_turned_into_a_visit_is_not_billed_apart() {
    use carethread_app::visits::{self, RequestVisit};
    use carethread_store::VisitKind;
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        billing_on(&c).await;
        let clerk = billing_clerk(&c).await;
        established(&c, &clerk).await;
        let thread = ask(&c, "Mole that changed").await;
        billing::choose_for_thread(&c.app, &c.alice, thread, ConsentChoice::Agree).await.expect("agree");
        let worked_until = work_on(&c, thread).await;
        let attest = Attest { purpose: MessagePurpose::Evaluation, minutes: Some(12) };
        time::attest_at(&c.app, &c.doctor, thread, attest, worked_until).await.expect("attest");
        let input = RequestVisit { kind: VisitKind::InPerson, reason: "We should look at it in person.".to_owned() };
        visits::request_visit(&c.app, &c.doctor, thread, input).await.expect("visit");

        let later = Utc::now() + TimeDelta::days(8);
        let rows = queue::queue_at(&c.app, &clerk, later).await.expect("queue");
        assert_eq!(rows[0].code, None, "{backend}: its time belongs to the visit");
        assert!(rows[0].exclusions.contains(&Exclusion::LedToVisit), "{backend}: {:?}", rows[0].exclusions);
        let approve = ClaimChoice { status: ClaimStatus::Approved, reason: None };
        let refused = queue::decide_claim_at(&c.app, &clerk, rows[0].key, approve, later).await;
        assert!(matches!(refused, Err(AppError::Conflict(_))), "{backend}");
    }
}
