//! The clinic's insights at the application layer: only administrators and
//! the staff they make clinic leads read them, a bad range or filter is
//! refused with the field at fault, and what a patient writes (and answers)
//! is counted (the figures themselves are checked against a hand count in
//! the store's tests), on SQLite and PostgreSQL.

mod support;

use carethread_app::insights::{self, InsightsFilter};
use carethread_app::messages::{self, AddMessage};
use carethread_app::threads::{self, StartThread};
use carethread_app::users::{self, UpdateUser, UserRef};
use carethread_app::{AppError, Caller, Operator};
use carethread_core::audit::AuditAction;
use carethread_core::message::MessageBody;
use carethread_core::thread::ThreadStatus;
use carethread_store::AuditQuery;
use chrono::{TimeDelta, Utc};

/// Alice asks for a refill.
fn refill() -> StartThread {
    StartThread {
        patient: None,
        subject: "Refill".to_owned(),
        body: "Could I have a refill of my inhaler?".to_owned(),
        category: None,
        confidential: false,
        idempotency: None,
    }
}

/// `who` as the application sees them after an administrator's change.
async fn again(c: &support::Clinic, who: &Caller) -> Caller {
    let user = c.app.store.user(who.user.id).await.expect("read").expect("user");
    Caller { user, client: who.client.clone() }
}

fn lead(on: bool) -> UpdateUser {
    UpdateUser { clinic_lead: Some(on), ..UpdateUser::default() }
}

#[tokio::test]
async fn administrators_and_the_staff_they_make_clinic_leads_read_the_insights() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let admin = Operator::Person(&c.admin);
        let refused = users::update_user(&c.app, admin, UserRef::Id(c.alice.user.id), lead(true)).await;
        assert!(
            matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "clinic_lead"),
            "{backend}: a patient is never a clinic lead: {refused:?}"
        );
        let by_nurse = users::update_user(&c.app, Operator::Person(&c.nurse), UserRef::Id(c.nurse.user.id), lead(true));
        assert!(matches!(by_nurse.await, Err(AppError::Forbidden(_))), "{backend}: only administrators make leads");
        let made = users::update_user(&c.app, admin, UserRef::Id(c.nurse.user.id), lead(true)).await.expect("made");
        assert!(made.clinic_lead, "{backend}");
        let nurse = again(&c, &c.nurse).await;
        let any = InsightsFilter::default;
        assert!(insights::volume(&c.app, &nurse, any()).await.is_ok(), "{backend}");
        assert!(insights::response(&c.app, &nurse, any()).await.is_ok(), "{backend}");
        assert!(insights::workload(&c.app, &nurse, any()).await.is_ok(), "{backend}");
        assert!(insights::safety(&c.app, &nurse, any()).await.is_ok(), "{backend}");
        assert!(insights::ai(&c.app, &nurse, any()).await.is_ok(), "{backend}");
        let asked = AuditQuery { action: Some(AuditAction::UserUpdate), limit: 50, ..AuditQuery::default() };
        let audit = c.app.store.audit_entries(&asked).await.expect("audit");
        assert!(audit.iter().any(|e| e.detail.as_deref() == Some("made a clinic lead")), "{backend}: audited");
        users::update_user(&c.app, admin, UserRef::Id(c.nurse.user.id), lead(false)).await.expect("unmade");
        let nurse = again(&c, &c.nurse).await;
        assert!(matches!(
            insights::volume(&c.app, &nurse, InsightsFilter::default()).await,
            Err(AppError::Forbidden(_))
        ));

        for caller in [&c.alice, &c.carol, &c.nurse, &c.doctor, &c.outsider] {
            let refused = insights::volume(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {:?}", caller.user.role);
            let refused = insights::response(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}");
            let refused = insights::workload(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}");
            let refused = insights::safety(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}");
            let refused = insights::ai(&c.app, caller, InsightsFilter::default()).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}");
        }
        assert!(insights::volume(&c.app, &c.admin, InsightsFilter::default()).await.is_ok(), "{backend}");
    }
}

#[tokio::test]
async fn a_bad_range_or_pool_names_the_field_at_fault() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let today = Utc::now().date_naive();
        let cases = [
            (InsightsFilter { from: Some(today), to: Some(today - TimeDelta::days(1)), ..Default::default() }, "from"),
            (InsightsFilter { from: Some(today - TimeDelta::days(400)), to: Some(today), ..Default::default() }, "to"),
            (InsightsFilter { pool: Some("no-such-pool".into()), ..Default::default() }, "pool"),
            (InsightsFilter { clinician: Some("nobody".into()), ..Default::default() }, "clinician"),
            (InsightsFilter { clinician: Some(c.alice.user.id.to_string()), ..Default::default() }, "clinician"),
            (InsightsFilter { group: Some("payer".into()), ..Default::default() }, "group"),
            (InsightsFilter { group: Some("Payer:x".into()), ..Default::default() }, "group"),
            (InsightsFilter { group: Some("age_band:12-15".into()), ..Default::default() }, "group"),
            (InsightsFilter { group: Some("language:fr".into()), ..Default::default() }, "group"),
        ];
        for (filter, field) in cases {
            let refused = insights::volume(&c.app, &c.admin, filter).await;
            assert!(
                matches!(&refused, Err(AppError::Invalid { field: f, .. }) if f == field),
                "{backend}: {refused:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_patients_message_is_counted_on_its_day_and_as_after_hours_when_the_clinic_is_closed() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let asked = refill();
        threads::start_thread(&c.app, &c.alice, asked).await.expect("start");
        let clinic = c.app.clinic.get(&*c.app.store).await;
        let closed = !clinic.hours.is_open(Utc::now());
        let today = Utc::now().with_timezone(&clinic.hours.timezone()).date_naive();

        let volume = insights::volume(&c.app, &c.admin, InsightsFilter::default()).await.expect("volume");
        assert_eq!((volume.total, volume.threads_started, volume.patients), (1, 1, 2), "{backend}");
        assert_eq!(volume.days.len(), 28, "{backend}: the last four weeks");
        assert_eq!(volume.days.last(), Some(&(today, 1, i64::from(closed))), "{backend}");
        assert_eq!(volume.after_hours_share(), Some(if closed { 1.0 } else { 0.0 }), "{backend}");
        let month = volume.months.last().expect("this month");
        assert_eq!((month.1, month.2), (1, Some(50.0)), "{backend}: one message from two patients");

        let response = insights::response(&c.app, &c.admin, InsightsFilter::default()).await.expect("response");
        assert_eq!((response.threads, response.overdue), (1, 0), "{backend}: just written, not yet due");
        let workload = insights::workload(&c.app, &c.admin, InsightsFilter::default()).await.expect("workload");
        assert!(workload.workload.staff.is_empty(), "{backend}: nobody has replied");
    }
}

#[tokio::test]
async fn a_patients_answer_to_did_this_answer_your_question_is_counted_for_the_reply_it_answers() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let asked = refill();
        let thread = threads::start_thread(&c.app, &c.alice, asked).await.expect("start").thread_id;
        let text = |t: &str| Some(MessageBody::parse(t, 5000).expect("body"));
        let reply = AddMessage { body: text("Sent to your pharmacy."), ..AddMessage::default() };
        messages::add_message(&c.app, &c.nurse, thread, reply).await.expect("reply");
        let by_staff = AddMessage { body: text("Yes"), answered: Some(true), ..AddMessage::default() };
        let refused = messages::add_message(&c.app, &c.nurse, thread, by_staff).await;
        assert!(
            matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "answered"),
            "{backend}: only the patient's side answers: {refused:?}"
        );
        let no = AddMessage { body: text("I still have a question"), answered: Some(false), ..AddMessage::default() };
        messages::add_message(&c.app, &c.alice, thread, no).await.expect("answer");

        let safety = insights::safety(&c.app, &c.admin, InsightsFilter::default()).await.expect("safety");
        let answers: Vec<_> = safety.answers.iter().map(|a| (a.name.as_deref(), a.yes, a.no)).collect();
        assert_eq!(answers, [(Some(c.nurse.user.display_name.as_str()), 0, 1)], "{backend}");
        assert_eq!(safety.answered_yes_share(), Some(0.0), "{backend}");
    }
}

#[tokio::test]
async fn a_yes_that_says_more_or_reads_as_urgent_goes_back_to_the_care_team() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let text = |t: &str| Some(MessageBody::parse(t, 5000).expect("body"));
        let cases = [
            ("Yes, thank you.", ThreadStatus::AwaitingPatient),
            ("Yes thanks, but now I have crushing chest pain and cannot breathe.", ThreadStatus::Open),
            (
                "Yes, that answers it. While I have you: could you also send my blood pressure pills to the new \
                 pharmacy on Main Street, and tell me when my next lab work is due?",
                ThreadStatus::Open,
            ),
        ];
        for (answer, status) in cases {
            let asked = refill();
            let thread = threads::start_thread(&c.app, &c.alice, asked).await.expect("start").thread_id;
            let reply = AddMessage { body: text("Sent to your pharmacy."), ..AddMessage::default() };
            messages::add_message(&c.app, &c.nurse, thread, reply).await.expect("reply");
            let yes = AddMessage { body: text(answer), answered: Some(true), ..AddMessage::default() };
            let sent = messages::add_message(&c.app, &c.alice, thread, yes).await.expect("answer");
            let now = c.app.store.thread_summary(c.alice.actor(), sent.thread.id).await.expect("read").expect("thread");
            assert_eq!(now.thread.status, status, "{backend}: {answer}");
        }
    }
}

#[tokio::test]
async fn figures_for_a_group_of_patients_need_ten_of_them_and_the_groups_patients_gave_are_for_administrators() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let admin = Operator::Person(&c.admin);
        users::update_user(&c.app, admin, UserRef::Id(c.nurse.user.id), lead(true)).await.expect("made");
        let nurse = again(&c, &c.nurse).await;
        let by = |group: &str| InsightsFilter { group: Some(group.to_owned()), ..InsightsFilter::default() };
        let refused = insights::volume(&c.app, &nurse, by("payer:medicaid")).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: a lead does not narrow by payer");
        let choices = insights::filter_choices(&c.app, &nurse).await.expect("choices");
        assert!(choices.groups.iter().all(|(d, _)| d.from_account()), "{backend}: language and age only");
        assert!(choices.staff.iter().all(|s| s.role.is_staff()) && !choices.staff.is_empty(), "{backend}");
        for group in ["language:en", "payer:not given"] {
            let refused = insights::volume(&c.app, &c.admin, by(group)).await;
            assert!(
                matches!(&refused, Err(AppError::Invalid { field, .. }) if field == "group"),
                "{backend}: two patients are too few to show: {refused:?}"
            );
        }
        // A member of staff who changes role is no longer a lead.
        let change = UpdateUser { role: Some("pharmacist".into()), ..UpdateUser::default() };
        let changed = users::update_user(&c.app, admin, UserRef::Id(c.nurse.user.id), change).await.expect("role");
        assert!(!changed.clinic_lead, "{backend}");
    }
}

#[test]
fn the_clinics_clock_changes_offset_at_the_daylight_saving_change() {
    let hours = carethread_core::profile::ClinicProfile::default().validate().expect("Chicago");
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc);
    let start = at("2026-03-01T00:00:00Z");
    let offsets = insights::offsets(&hours.timezone(), start, at("2026-03-15T00:00:00Z"));
    assert_eq!(offsets, [(start, -6 * 3600), (at("2026-03-08T08:00:00Z"), -5 * 3600)]);
}
