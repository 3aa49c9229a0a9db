//! Notices by SMS through a Twilio-compatible gateway (a stand-in on
//! 127.0.0.1), on SQLite and PostgreSQL: a patient who chose SMS is told by
//! SMS in her language and gets no e-mail; an emergency page reaches the
//! on-call nurse by e-mail and SMS both, whatever she chose.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::routing::post;
use carethread_app::jobs::{self, Notifications};
use carethread_app::messages::{self, AddMessage};
use carethread_app::threads::{self, StartThread};
use carethread_app::{Caller, clinic_admin};
use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::contact::{EmailAddress, NotifyChannel, PhoneNumber};
use carethread_core::message::MessageBody;
use carethread_core::user::Language;
use carethread_notify::test_support::SmtpSink;
use carethread_notify::{NotificationSettings, Notifier, PortalUrl};
use carethread_store::ContactPreferences;
use chrono::{TimeDelta, Utc};
use secrecy::SecretString;

type Texts = Arc<Mutex<Vec<HashMap<String, String>>>>;

/// A gateway that accepts every message and keeps its form.
async fn gateway() -> (String, Texts) {
    let texts: Texts = Arc::default();
    let app = axum::Router::new()
        .route(
            "/Accounts/AC1/Messages.json",
            post(|State(texts): State<Texts>, Form(form): Form<HashMap<String, String>>| async move {
                texts.lock().expect("lock").push(form);
                (axum::http::StatusCode::CREATED, "{}")
            }),
        )
        .with_state(Arc::clone(&texts));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/Accounts/AC1/Messages.json"), texts)
}

fn notifications(smtp: &str, sms: &str) -> Notifications {
    let settings = NotificationSettings {
        smtp_url: Some(SecretString::from(smtp.to_owned())),
        from: Some("CareThread <noreply@clinic.example.org>".to_owned()),
        sms_url: Some(sms.to_owned()),
        sms_account: Some("AC1".to_owned()),
        sms_token: Some(SecretString::from("token".to_owned())),
        sms_from: Some("+15550100100".to_owned()),
        ..NotificationSettings::default()
    };
    let notifier = Notifier::from_settings(&settings).expect("notifier");
    Notifications::new(notifier, PortalUrl::parse("https://portal.clinic.example.org/").expect("portal"))
}

async fn prefer(c: &support::Clinic, who: &Caller, preferences: ContactPreferences) {
    let audit = AuditEvent::new(AuditAction::ContactChange, None, Utc::now());
    c.app.store.set_contact_preferences(who.user.id, &preferences, &audit).await.expect("preferences");
}

fn texts_to(texts: &Texts, number: &str) -> Vec<String> {
    let texts = texts.lock().expect("lock");
    texts
        .iter()
        .filter(|t| t.get("To").map(String::as_str) == Some(number))
        .filter_map(|t| t.get("Body").cloned())
        .collect()
}

#[carethread_test_services::needs(smtp)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_goes_to_those_who_chose_it_and_every_page_goes_by_both() {
    for backend in support::backends() {
        let sink = SmtpSink::start().expect("smtp server");
        let (sms_url, texts) = gateway().await;
        let mut c = support::clinic(backend).await;
        c.app = c.app.clone().with_notifications(notifications(&sink.url(), &sms_url));
        let alice = ContactPreferences {
            email: Some(EmailAddress::parse("alice@example.org").expect("email")),
            phone: Some(PhoneNumber::parse("+1 555 010 0111").expect("phone")),
            channel: NotifyChannel::Sms,
            language: Some(Language::Es),
            ..ContactPreferences::default()
        };
        prefer(&c, &c.alice, alice).await;
        let nurse = ContactPreferences {
            email: Some(EmailAddress::parse("nurse@example.org").expect("email")),
            phone: Some(PhoneNumber::parse("+1 555 010 0122").expect("phone")),
            channel: NotifyChannel::None,
            ..ContactPreferences::default()
        };
        prefer(&c, &c.nurse, nurse).await;

        // A reply: Alice is told by SMS, in Spanish, and not by e-mail.
        let question = StartThread {
            subject: "Receta".to_owned(),
            body: "¿Me renueva el inhalador?".to_owned(),
            ..StartThread::default()
        };
        let started = threads::start_thread(&c.app, &c.alice, question).await.expect("thread");
        let reply =
            AddMessage { body: Some(MessageBody::parse("Listo", 5000).expect("body")), ..AddMessage::default() };
        messages::add_message(&c.app, &c.nurse, started.thread_id, reply).await.expect("reply");
        jobs::run_due(&c.app, Utc::now() + TimeDelta::minutes(6)).await;
        let to_alice = texts_to(&texts, "+15550100111");
        assert_eq!(to_alice.len(), 1, "{backend}");
        assert!(to_alice[0].contains("Tiene un mensaje nuevo") && to_alice[0].contains("/inbox"), "{}", to_alice[0]);
        assert!(!to_alice[0].contains("Listo") && !to_alice[0].contains("inhalador"), "{}", to_alice[0]);

        // An emergency pages the on-call nurse by both, though she chose no notices.
        let on_call = clinic_admin::ChangeProfile {
            on_call: Some(format!("user:{}", c.nurse.user.id)),
            ..clinic_admin::ChangeProfile::default()
        };
        clinic_admin::update_profile(&c.app, &c.admin, on_call).await.expect("on call");
        let emergency = StartThread {
            subject: "Help".to_owned(),
            body: "I have crushing chest pain and can't breathe".to_owned(),
            ..StartThread::default()
        };
        let urgent = threads::start_thread(&c.app, &c.alice, emergency).await.expect("thread");
        jobs::run_due(&c.app, Utc::now()).await;
        let mail = sink.wait_for(1, Duration::from_secs(10));
        assert_eq!(mail.iter().filter(|m| m.rcpt_tos == ["nurse@example.org"]).count(), 1, "{backend}: {mail:#?}");
        let paged = texts_to(&texts, "+15550100122");
        assert_eq!(paged.len(), 1, "{backend}");
        assert!(paged[0].contains(&format!("/threads/{}", urgent.thread_id)), "{}", paged[0]);
        assert!(mail.iter().all(|m| m.rcpt_tos != ["alice@example.org"]), "{backend}: Alice chose SMS only");
    }
}
