//! Overdue escalation and what staff see of pages, on SQLite and PostgreSQL,
//! through a real SMTP server (aiosmtpd): a thread past its reply-time
//! target is told to its pool's members (or only its assignee) once per
//! wait, with a link and no word of what was written; a new wait is
//! escalated afresh; staff see who was paged about an emergency, how, and
//! who acknowledged it; patients do not; administrators retry dead jobs.

mod support;

use support::{email, notifications, to};

use std::time::Duration;

use carethread_app::coverage::{self, SetAway};
use carethread_app::jobs::{self};
use carethread_app::messages::{self, AddMessage};
use carethread_app::paging_status::{PageKind, paging_status};
use carethread_app::threads::{self, ChangeThread, ListThreads, StartThread, ThreadCriteria};
use carethread_app::{AppError, Operator, clinic_admin, outbox_admin, overdue_notices, teams};
use carethread_core::coverage::Coverer;
use carethread_core::message::MessageBody;
use carethread_notify::test_support::{ReceivedMail, SmtpSink};
use carethread_store::JobState;
use chrono::{TimeDelta, Utc};

const CANARY_SUBJECT: &str = "Canary-subject-5d21";
const CANARY_BODY: &str = "canary-body-a83e";

fn assert_no_phi(mail: &[ReceivedMail]) {
    for m in mail {
        for secret in [CANARY_SUBJECT, CANARY_BODY, "Alice", "Story"] {
            assert!(!m.raw.contains(secret) && !m.body.contains(secret), "{secret} leaked into: {}", m.raw);
        }
    }
}

async fn question(c: &support::Clinic) -> carethread_core::ids::ThreadId {
    let start = StartThread {
        subject: CANARY_SUBJECT.to_owned(),
        body: format!("Could you explain my lab letter {CANARY_BODY}"),
        ..StartThread::default()
    };
    let started = threads::start_thread(&c.app, &c.alice, start).await.expect("thread");
    let pool = c.app.store.pool_by_slug("nurse-triage").await.expect("pool").expect("the pool");
    let route = ChangeThread { pool: Some(Some(pool.id)), assignee: Some(None), ..ChangeThread::default() };
    threads::update_thread(&c.app, &c.nurse, started.thread_id, route).await.expect("routed");
    started.thread_id
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_thread_is_told_to_its_pool_or_its_assignee_once_per_wait() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        email(&c.app, &c.nurse, "nurse@example.org").await;
        email(&c.app, &c.doctor, "doctor@example.org").await;
        let pooled = question(&c).await;
        let assigned = question(&c).await;
        let claim = ChangeThread { assignee: Some(Some(c.doctor.user.id)), ..ChangeThread::default() };
        threads::update_thread(&c.app, &c.doctor, assigned, claim).await.expect("claimed");

        // The scan runs every minute; nothing is overdue yet.
        let now = Utc::now();
        jobs::overdue::seed(&c.app, now).await;
        jobs::overdue::seed(&c.app, now).await;
        let summary = jobs::run_due(&c.app, now).await;
        assert_eq!(summary.done, 1, "{backend}: one scan however often it is seeded");
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(sink.messages().is_empty(), "{backend}: nothing is overdue yet");

        // Well past every reply target: the pool hears of the unassigned
        // thread, only the assignee of the other, with a link to each.
        let late = now + TimeDelta::days(10);
        jobs::run_due(&c.app, late).await;
        let mail = sink.wait_for(3, Duration::from_secs(10));
        assert_eq!(mail.len(), 3, "{backend}: {mail:#?}");
        assert_eq!((to(&mail, "nurse@example.org"), to(&mail, "doctor@example.org")), (1, 2), "{backend}");
        let nurses = mail.iter().find(|m| m.rcpt_tos[0] == "nurse@example.org").expect("the nurse's");
        assert!(nurses.body.contains(&format!("/threads/{pooled}")), "{}", nurses.body);
        assert_no_phi(&mail);

        // Once per wait: later scans send nothing more.
        jobs::run_due(&c.app, late + TimeDelta::minutes(1)).await;
        jobs::run_due(&c.app, late + TimeDelta::minutes(2)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 3, "{backend}: escalated once");

        // A reply ends the wait; the patient writes again, and that wait
        // is escalated when it is overdue in turn.
        let reply = AddMessage {
            body: Some(MessageBody::parse("We will call you", 5000).expect("body")),
            ..AddMessage::default()
        };
        messages::add_message(&c.app, &c.doctor, assigned, reply).await.expect("reply");
        let again = AddMessage {
            body: Some(MessageBody::parse("Thanks, one more question", 5000).expect("body")),
            ..AddMessage::default()
        };
        messages::add_message(&c.app, &c.alice, assigned, again).await.expect("patient again");
        // (The story's clock is days ahead: the new wait is overdue by now.)
        jobs::run_due(&c.app, late + TimeDelta::minutes(3)).await;
        let mail = sink.wait_for(4, Duration::from_secs(10));
        assert_eq!(to(&mail, "doctor@example.org"), 3, "{backend}: the assignee, again: {mail:#?}");
        jobs::run_due(&c.app, late + TimeDelta::minutes(4)).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(sink.messages().len(), 4, "{backend}: once for the new wait");
        assert_no_phi(&sink.messages());
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pool_lead_hears_with_the_assignee_in_the_portal_too_and_an_away_lead_through_their_coverer() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        for (who, address) in [(&c.nurse, "nurse@example.org"), (&c.doctor, "doctor@example.org")] {
            email(&c.app, who, address).await;
        }
        email(&c.app, &c.outsider, "outside@example.org").await;
        let pool = c.app.store.pool_by_slug("nurse-triage").await.expect("pool").expect("the pool");

        // Only an administrator names a lead, and only a member of the pool.
        let refused = teams::set_pool_lead(&c.app, Operator::Person(&c.nurse), pool.id, Some(c.doctor.user.id)).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {refused:?}");
        let outside = teams::set_pool_lead(&c.app, Operator::Person(&c.admin), pool.id, Some(c.outsider.user.id)).await;
        assert!(matches!(outside, Err(AppError::Invalid { .. })), "{backend}: {outside:?}");
        teams::set_pool_lead(&c.app, Operator::Person(&c.admin), pool.id, Some(c.doctor.user.id)).await.expect("lead");
        let listed = teams::pools_with_members(&c.app, Operator::Person(&c.admin)).await.expect("pools");
        assert_eq!(listed.iter().find(|p| p.pool.id == pool.id).and_then(|p| p.lead), Some(c.doctor.user.id));

        // A thread the nurse holds goes overdue: she and the lead are told,
        // by e-mail and in the portal, with no word of what was written.
        let held = question(&c).await;
        let claim = ChangeThread { assignee: Some(Some(c.nurse.user.id)), ..ChangeThread::default() };
        threads::update_thread(&c.app, &c.nurse, held, claim).await.expect("claimed");
        let late = Utc::now() + TimeDelta::days(10);
        jobs::overdue::seed(&c.app, late).await;
        jobs::run_due(&c.app, late).await;
        let mail = sink.wait_for(2, Duration::from_secs(10));
        assert_eq!((to(&mail, "nurse@example.org"), to(&mail, "doctor@example.org")), (1, 1), "{backend}: {mail:#?}");
        assert_no_phi(&mail);
        for who in [&c.nurse, &c.doctor] {
            let notices = overdue_notices::overdue_notices(&c.app, who).await.expect("notices");
            let ids: Vec<_> = notices.iter().map(|n| n.thread_id).collect();
            assert_eq!(ids, [held], "{backend}: {}", who.user.display_name.as_str());
            assert_eq!(notices[0].pool.as_ref().map(|p| p.id), Some(pool.id), "{backend}");
            assert!(notices[0].due < late, "{backend}: it is past due");
        }
        let nobody = overdue_notices::overdue_notices(&c.app, &c.outsider).await.expect("notices");
        assert!(nobody.is_empty(), "{backend}: not escalated to a physician outside the pool");
        for outside in [&c.alice, &c.carol] {
            let refused = overdue_notices::overdue_notices(&c.app, outside).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {refused:?}");
        }

        // A reply ends the wait, and the notices with it.
        let reply = AddMessage {
            body: Some(MessageBody::parse("We will call you today", 5000).expect("body")),
            ..AddMessage::default()
        };
        messages::add_message(&c.app, &c.nurse, held, reply).await.expect("reply");
        for who in [&c.nurse, &c.doctor] {
            let notices = overdue_notices::overdue_notices(&c.app, who).await.expect("notices");
            assert!(notices.is_empty(), "{backend}: answered: {notices:?}");
        }

        // The lead is away, covered by a colleague: the colleague is told
        // they cover, and of the overdue thread in the lead's place, by
        // e-mail and in the portal.
        let now = Utc::now();
        let away = SetAway { from: now, until: now + TimeDelta::days(30), coverer: Coverer::User(c.outsider.user.id) };
        coverage::set_away(&c.app, &c.admin, c.doctor.user.id, away).await.expect("away");
        let next = question(&c).await;
        let claim = ChangeThread { assignee: Some(Some(c.nurse.user.id)), ..ChangeThread::default() };
        threads::update_thread(&c.app, &c.nurse, next, claim).await.expect("claimed");
        jobs::run_due(&c.app, late + TimeDelta::minutes(2)).await;
        let mail = sink.wait_for(5, Duration::from_secs(10));
        assert_eq!(
            (to(&mail, "nurse@example.org"), to(&mail, "doctor@example.org"), to(&mail, "outside@example.org")),
            (2, 1, 2),
            "{backend}: told they cover, then of the overdue thread: {mail:#?}"
        );
        let covering: Vec<&str> =
            mail.iter().filter(|m| m.rcpt_tos[0] == "outside@example.org").map(|m| m.body.as_str()).collect();
        assert!(covering.iter().any(|b| b.contains("cover a colleague") && b.contains("/inbasket")), "{covering:?}");
        assert!(covering.iter().any(|b| b.contains(&format!("/threads/{next}"))), "{covering:?}");
        let covering = overdue_notices::overdue_notices(&c.app, &c.outsider).await.expect("notices");
        assert_eq!(covering.iter().map(|n| n.thread_id).collect::<Vec<_>>(), [next], "{backend}");
        assert!(overdue_notices::overdue_notices(&c.app, &c.doctor).await.expect("notices").is_empty(), "{backend}");

        // Leaving the pool ends leading it.
        teams::set_pool_member(&c.app, Operator::Person(&c.admin), pool.id, c.doctor.user.id, false)
            .await
            .expect("out");
        let listed = teams::pools_with_members(&c.app, Operator::Person(&c.admin)).await.expect("pools");
        assert_eq!(listed.iter().find(|p| p.pool.id == pool.id).and_then(|p| p.lead), None, "{backend}");
        assert_no_phi(&sink.messages());
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_see_who_was_paged_how_and_who_acknowledged_and_patients_do_not() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        email(&c.app, &c.nurse, "nurse@example.org").await;
        email(&c.app, &c.doctor, "doctor@example.org").await;
        let on_call = clinic_admin::ChangeProfile {
            on_call: Some(format!("user:{}", c.nurse.user.id)),
            escalation: Some(vec![c.doctor.user.id.to_string()]),
            repage_minutes: Some(10),
            repages_before_escalation: Some(1),
            ..clinic_admin::ChangeProfile::default()
        };
        clinic_admin::update_profile(&c.app, &c.admin, on_call).await.expect("on call");
        let emergency = StartThread {
            subject: CANARY_SUBJECT.to_owned(),
            body: "I have crushing chest pain and can't breathe".to_owned(),
            ..StartThread::default()
        };
        let started = threads::start_thread(&c.app, &c.alice, emergency).await.expect("thread");
        let thread = started.thread_id;
        let now = Utc::now();
        jobs::run_due(&c.app, now).await;
        jobs::run_due(&c.app, now + TimeDelta::minutes(11)).await;
        jobs::run_due(&c.app, now + TimeDelta::minutes(22)).await;
        assert_eq!(sink.wait_for(3, Duration::from_secs(10)).len(), 3, "{backend}: three pages");

        let status = paging_status(&c.app, &c.nurse, thread).await.expect("status");
        let seen: Vec<(PageKind, &str)> =
            status.pages.iter().map(|p| (p.kind, p.person.display_name.as_str())).collect();
        assert_eq!(
            seen,
            [
                (PageKind::Page, "Nurse Story"),
                (PageKind::Repage, "Nurse Story"),
                (PageKind::Escalation, "Doctor Story")
            ],
            "{backend}"
        );
        assert!(status.pages.iter().all(|p| p.channel == "email"), "{backend}");
        assert_eq!(status.acknowledged, None, "{backend}: nobody opened it yet");

        threads::open_thread(&c.app, &c.doctor, thread).await.expect("open");
        let status = paging_status(&c.app, &c.nurse, thread).await.expect("status");
        let (who, _) = status.acknowledged.expect("acknowledged");
        assert_eq!(who.id, c.doctor.user.id, "{backend}");

        for outside in [&c.alice, &c.carol] {
            let refused = paging_status(&c.app, outside, thread).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {refused:?}");
        }
        let hidden = paging_status(&c.app, &c.outsider, thread).await;
        assert!(matches!(hidden, Err(AppError::NotFound | AppError::Forbidden(_))), "{backend}: {hidden:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_nobody_outside_the_care_team_opened_for_two_days_is_flagged_for_staff() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let thread = question(&c).await;
        let reply = AddMessage {
            body: Some(MessageBody::parse("Your results are normal", 5000).expect("body")),
            ..AddMessage::default()
        };
        messages::add_message(&c.app, &c.nurse, thread, reply).await.expect("reply");
        let status = paging_status(&c.app, &c.nurse, thread).await.expect("status");
        assert_eq!(status.unread_reply_since, None, "{backend}: not yet two days");
        let views = c.app.store.messages(thread, false).await.expect("messages");
        let after = c.app.notifications.unread_reminder_after;
        let in_two_days = Utc::now() + after + TimeDelta::minutes(1);
        assert!(carethread_app::paging_status::unread_reply_since(&views, after, in_two_days).is_some(), "{backend}");
        // The in-basket's filter: replies sent before a time and not opened since.
        let unread_before = |before| ListThreads {
            criteria: ThreadCriteria { unread_reply_before: Some(before), ..ThreadCriteria::default() },
            after: None,
            page_size: 50,
        };
        let listed = threads::list_threads(&c.app, &c.nurse, unread_before(Utc::now() - after)).await.expect("list");
        assert!(listed.threads.is_empty(), "{backend}: the reply is fresh");
        let listed = threads::list_threads(&c.app, &c.nurse, unread_before(Utc::now())).await.expect("list");
        let ids: Vec<_> = listed.threads.iter().map(|t| t.thread.id).collect();
        assert_eq!(ids, [thread], "{backend}");
        threads::open_thread(&c.app, &c.carol, thread).await.expect("the proxy reads it");
        let views = c.app.store.messages(thread, false).await.expect("messages");
        assert_eq!(carethread_app::paging_status::unread_reply_since(&views, after, in_two_days), None, "{backend}");
        let listed = threads::list_threads(&c.app, &c.nurse, unread_before(Utc::now())).await.expect("list");
        assert!(listed.threads.is_empty(), "{backend}: opened by a proxy");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_administrators_list_and_retry_dead_jobs() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        for who in [&c.nurse, &c.alice, &c.carol] {
            let refused = outbox_admin::jobs_in_state(&c.app, who, JobState::Dead).await;
            assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {refused:?}");
        }
        let none = outbox_admin::jobs_in_state(&c.app, &c.admin, JobState::Dead).await.expect("list");
        assert!(none.is_empty(), "{backend}");
        let missing = carethread_store::JobId(uuid::Uuid::now_v7());
        let answer = outbox_admin::retry_dead_job(&c.app, &c.admin, missing).await;
        assert!(matches!(answer, Err(AppError::NotFound)), "{backend}: {answer:?}");
        let refused = outbox_admin::retry_dead_job(&c.app, &c.nurse, missing).await;
        assert!(matches!(refused, Err(AppError::Forbidden(_))), "{backend}: {refused:?}");
    }
}
