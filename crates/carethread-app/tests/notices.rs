//! Reaching people outside the portal, on SQLite and PostgreSQL, through a
//! real SMTP server (aiosmtpd): a reply is announced after the delay only if
//! still unread, one e-mail for a burst, with no word of what was written;
//! a reply unread for two days brings a reminder; an emergency pages on
//! call, pages again, then escalates until someone opens it; a relay that
//! keeps failing leaves the notice in the dead letters until it is requeued.

mod support;

use support::{email, notifications, to};

use std::time::Duration;

use carethread_app::jobs::{self};
use carethread_app::messages::{self, AddMessage};
use carethread_app::threads::{self, StartThread};
use carethread_app::{clinic_admin, coverage};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::contact::{EmailAddress, NotifyChannel};
use carethread_core::coverage::Coverer;
use carethread_core::message::MessageBody;
use carethread_notify::test_support::{ReceivedMail, SmtpSink, closed_port};
use carethread_store::{ContactPreferences, JobState};
use chrono::{TimeDelta, Utc};

const CANARY_SUBJECT: &str = "Canary-subject-7f3a";
const CANARY_BODY: &str = "canary-body-91c2";

fn reply(text: &str) -> AddMessage {
    AddMessage { body: Some(MessageBody::parse(text, 5000).expect("body")), ..AddMessage::default() }
}

fn assert_no_phi(mail: &[ReceivedMail]) {
    for m in mail {
        for secret in [CANARY_SUBJECT, CANARY_BODY, "Alice", "Story"] {
            assert!(!m.raw.contains(secret) && !m.body.contains(secret), "{secret} leaked into: {}", m.raw);
        }
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_are_announced_late_once_and_without_content_and_reminded_when_unread() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        email(&c.app, &c.alice, "alice@example.org").await;
        email(&c.app, &c.carol, "carol@example.org").await;
        let question = StartThread {
            subject: CANARY_SUBJECT.to_owned(),
            body: format!("Question about my refill {CANARY_BODY}"),
            ..StartThread::default()
        };
        let first = threads::start_thread(&c.app, &c.alice, question.clone()).await.expect("thread");
        let second = threads::start_thread(&c.app, &c.alice, question).await.expect("thread");

        // A burst of replies in two threads.
        for thread in [first.thread_id, second.thread_id, first.thread_id] {
            let text = format!("Your refill is ready {CANARY_BODY}");
            messages::add_message(&c.app, &c.nurse, thread, reply(&text)).await.expect("reply");
        }
        // Not before the delay.
        jobs::run_due(&c.app, Utc::now()).await;
        assert!(sink.messages().is_empty(), "{backend}: nothing before the delay");

        // After it: one e-mail each for the patient and her proxy.
        let later = Utc::now() + TimeDelta::minutes(6);
        jobs::run_due(&c.app, later).await;
        let mail = sink.wait_for(2, Duration::from_secs(10));
        assert_eq!((to(&mail, "alice@example.org"), to(&mail, "carol@example.org")), (1, 1), "{backend}: {mail:#?}");
        let alices = mail.iter().find(|m| m.rcpt_tos[0] == "alice@example.org").expect("alice's");
        assert!(alices.body.contains("https://portal.clinic.example.org/inbox"), "{}", alices.body);
        assert!(alices.body.contains(&c.app.settings.name), "names the clinic: {}", alices.body);
        assert!(alices.header("List-Unsubscribe").is_some_and(|h| h.contains("/unsubscribe/")), "{backend}");
        assert_no_phi(&mail);

        // Running again sends nothing more; a reply she has read is not announced.
        jobs::run_due(&c.app, later + TimeDelta::minutes(1)).await;
        threads::open_thread(&c.app, &c.alice, first.thread_id).await.expect("alice reads");
        threads::open_thread(&c.app, &c.carol, first.thread_id).await.expect("carol reads");
        messages::add_message(&c.app, &c.nurse, first.thread_id, reply("One more thing")).await.expect("reply");
        threads::open_thread(&c.app, &c.alice, first.thread_id).await.expect("alice reads");
        threads::open_thread(&c.app, &c.carol, first.thread_id).await.expect("carol reads");
        jobs::run_due(&c.app, later + TimeDelta::minutes(7)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 2, "{backend}: read replies are not announced");

        // The second thread stays unread: two days on, each reader is reminded once.
        let two_days = Utc::now() + TimeDelta::days(2) + TimeDelta::minutes(1);
        jobs::run_due(&c.app, two_days).await;
        let mail = sink.wait_for(4, Duration::from_secs(10));
        assert_eq!(mail.len(), 4, "{backend}: {mail:#?}");
        assert_eq!((to(&mail, "alice@example.org"), to(&mail, "carol@example.org")), (2, 2), "{backend}");
        jobs::run_due(&c.app, two_days + TimeDelta::hours(1)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 4, "{backend}: one reminder per reply");
        assert_no_phi(&sink.messages());
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn someone_who_chose_no_notices_gets_none() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        email(&c.app, &c.carol, "carol@example.org").await;
        let none = ContactPreferences {
            email: Some(EmailAddress::parse("alice@example.org").expect("address")),
            channel: NotifyChannel::None,
            ..ContactPreferences::default()
        };
        let audit = AuditEvent::new(AuditAction::ContactChange, None, Utc::now());
        c.app.store.set_contact_preferences(c.alice.user.id, &none, &audit).await.expect("prefs");
        let question =
            StartThread { subject: "Refill".to_owned(), body: "Inhaler please".to_owned(), ..StartThread::default() };
        let started = threads::start_thread(&c.app, &c.alice, question).await.expect("thread");
        messages::add_message(&c.app, &c.nurse, started.thread_id, reply("Checking in")).await.expect("reply");
        jobs::run_due(&c.app, Utc::now() + TimeDelta::minutes(6)).await;
        let mail = sink.wait_for(1, Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!((to(&mail, "alice@example.org"), to(&sink.messages(), "carol@example.org")), (0, 1), "{backend}");
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_is_not_told_of_a_reply_in_a_thread_the_adolescent_keeps_confidential() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        email(&c.app, &c.maya, "maya@example.org").await;
        email(&c.app, &c.carol, "carol@example.org").await;
        let private = StartThread {
            subject: "Private question".to_owned(),
            body: "Something I want to keep between us".to_owned(),
            confidential: true,
            ..StartThread::default()
        };
        let open = StartThread {
            subject: "Shared question".to_owned(),
            body: "About my inhaler".to_owned(),
            ..StartThread::default()
        };
        let private = threads::start_thread(&c.app, &c.maya, private).await.expect("thread");
        messages::add_message(&c.app, &c.nurse, private.thread_id, reply("We can talk")).await.expect("reply");
        jobs::run_due(&c.app, Utc::now() + TimeDelta::minutes(6)).await;
        let mail = sink.wait_for(1, Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mail = if mail.is_empty() { mail } else { sink.messages() };
        assert_eq!((to(&mail, "maya@example.org"), to(&mail, "carol@example.org")), (1, 0), "{backend}: {mail:#?}");

        // A thread she shares is announced to her proxy as usual.
        let shared = threads::start_thread(&c.app, &c.maya, open).await.expect("thread");
        messages::add_message(&c.app, &c.nurse, shared.thread_id, reply("Refilled")).await.expect("reply");
        jobs::run_due(&c.app, Utc::now() + TimeDelta::minutes(20)).await;
        // (Maya was told within the last minutes of the clock this test moves, so only Carol is.)
        let mail = sink.wait_for(2, Duration::from_secs(10));
        assert_eq!(to(&mail, "carol@example.org"), 1, "{backend}: {mail:#?}");
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_emergency_pages_whoever_covers_for_an_on_call_nurse_who_is_away() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        email(&c.app, &c.nurse, "nurse@example.org").await;
        email(&c.app, &c.doctor, "doctor@example.org").await;
        let on_call = clinic_admin::ChangeProfile {
            on_call: Some(format!("user:{}", c.nurse.user.id)),
            ..clinic_admin::ChangeProfile::default()
        };
        clinic_admin::update_profile(&c.app, &c.admin, on_call).await.expect("on call");
        let away = coverage::SetAway {
            from: Utc::now(),
            until: Utc::now() + TimeDelta::days(7),
            coverer: Coverer::User(c.doctor.user.id),
        };
        coverage::set_away(&c.app, &c.nurse, c.nurse.user.id, away).await.expect("away");
        let emergency = StartThread {
            subject: "Help".to_owned(),
            body: "I have crushing chest pain and can't breathe".to_owned(),
            ..StartThread::default()
        };
        threads::start_thread(&c.app, &c.alice, emergency).await.expect("thread");
        jobs::run_due(&c.app, Utc::now() + TimeDelta::seconds(1)).await;
        sink.wait_for(2, Duration::from_secs(10)).truncate(0);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mail = sink.messages();
        // Told they cover as the absence begins, then paged.
        assert_eq!(to(&mail, "doctor@example.org"), 2, "{backend}: the colleague covering is paged: {mail:#?}");
        assert!(mail.iter().any(|m| m.body.contains("/inbasket")), "{backend}: {mail:#?}");
        assert!(mail.iter().any(|m| m.body.contains("/threads/")), "{backend}: the page: {mail:#?}");
        assert_eq!(to(&mail, "nurse@example.org"), 0, "{backend}: not the nurse on leave");
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unopened_emergency_pages_on_call_again_then_escalates_until_opened() {
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
            body: format!("I have crushing chest pain and can't breathe {CANARY_BODY}"),
            ..StartThread::default()
        };
        let started = threads::start_thread(&c.app, &c.alice, emergency).await.expect("thread");
        assert_eq!(started.urgency.as_str(), "emergency", "{backend}");

        // Paged at once, by e-mail, with a link to the thread only.
        let now = Utc::now();
        jobs::run_due(&c.app, now).await;
        let mail = sink.wait_for(1, Duration::from_secs(10));
        assert_eq!(to(&mail, "nurse@example.org"), 1, "{backend}: {mail:#?}");
        assert!(mail[0].body.contains(&format!("/threads/{}", started.thread_id)), "{}", mail[0].body);
        // Unopened: paged again, then the next in the chain.
        jobs::run_due(&c.app, now + TimeDelta::minutes(11)).await;
        let mail = sink.wait_for(2, Duration::from_secs(10));
        assert_eq!(to(&mail, "nurse@example.org"), 2, "{backend}: re-paged");
        jobs::run_due(&c.app, now + TimeDelta::minutes(22)).await;
        let mail = sink.wait_for(3, Duration::from_secs(10));
        assert_eq!(to(&mail, "doctor@example.org"), 1, "{backend}: escalated");
        assert_no_phi(&mail);

        // The doctor opens it: the paging stops, and staff can see who was paged.
        threads::open_thread(&c.app, &c.doctor, started.thread_id).await.expect("open");
        jobs::run_due(&c.app, now + TimeDelta::minutes(33)).await;
        jobs::run_due(&c.app, now + TimeDelta::minutes(60)).await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(sink.messages().len(), 3, "{backend}: no page after it was opened");
        let pages = c.app.store.notices_for_thread(started.thread_id).await.expect("pages");
        let kinds: Vec<&str> = pages.iter().map(|p| p.kind.as_str()).collect();
        assert_eq!(kinds, ["emergency_page", "emergency_repage", "emergency_escalation"], "{backend}");
    }
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_the_relay_keeps_refusing_waits_in_the_dead_letters_until_requeued() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let mut c = support::clinic(backend).await;
        let closed = format!("smtp://127.0.0.1:{}", closed_port().expect("port"));
        c.app = c.app.clone().with_notifications(notifications(&closed));
        email(&c.app, &c.alice, "alice@example.org").await;
        let started = threads::start_thread(
            &c.app,
            &c.alice,
            StartThread {
                subject: "Refill".to_owned(),
                body: "Please refill my inhaler".to_owned(),
                ..StartThread::default()
            },
        )
        .await
        .expect("thread");
        messages::add_message(&c.app, &c.nurse, started.thread_id, reply("Done")).await.expect("reply");
        // The relay is down: retried with backoff, then set aside.
        let mut at = Utc::now() + TimeDelta::minutes(6);
        for _ in 0..jobs::runner::MAX_ATTEMPTS {
            jobs::run_due(&c.app, at).await;
            at += TimeDelta::hours(2);
        }
        let dead = c.app.store.jobs_in_state(JobState::Dead, 10).await.expect("dead");
        assert_eq!(dead.len(), 1, "{backend}: {dead:?}");
        assert!(
            dead[0].last_error.as_deref().is_some_and(|e| !e.contains("alice")),
            "{backend}: no address in the reason"
        );

        // The relay is back: requeued, it goes out.
        c.app = c.app.clone().with_notifications(notifications(&sink.url()));
        let audit = AuditEvent::new(AuditAction::JobRetry, Some((c.admin.user.id, c.admin.user.role)), Utc::now());
        c.app.store.requeue_dead_job(dead[0].id, at, audit).await.expect("requeue");
        jobs::run_due(&c.app, at).await;
        assert_eq!(sink.wait_for(1, Duration::from_secs(10)).len(), 1, "{backend}");
    }
}
