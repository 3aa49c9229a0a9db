//! Notices delivered to real servers on this machine: `aiosmtpd` for e-mail
//! (`#[needs(smtp)]`), and a small HTTP server standing in for an SMS gateway.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use carethread_core::clinic::ClinicSettings;
use carethread_core::contact::{EmailAddress, PhoneNumber};
use carethread_core::ids::ThreadId;
use carethread_core::user::Language;
use carethread_notify::test_support::{SmtpSink, closed_port};
use carethread_notify::{
    ClinicName, Deliver as _, DeliveryError, LinkPath, Notice, NoticeKind, NotificationSettings, Notifier, PortalUrl,
    Recipient, SmsDelivery, SmsSettings, SmtpDelivery, UnsubscribeToken,
};
use carethread_test_services::needs;
use secrecy::SecretString;

const THREAD: &str = "0190a3c4-0000-7000-8000-0000000000aa";
const LINK: &str = "https://portal.example.org/threads/0190a3c4-0000-7000-8000-0000000000aa";
const UNSUBSCRIBE: &str = "https://portal.example.org/unsubscribe/u_0123456789abcdefXYZ";

fn notice(kind: NoticeKind, language: Language, unsubscribe: bool) -> Notice {
    let clinic = ClinicName::from_settings(&ClinicSettings { name: "Clínica Riverside".into(), ..Default::default() })
        .expect("valid clinic name");
    let portal = PortalUrl::parse("https://portal.example.org").expect("valid portal");
    let thread: ThreadId = THREAD.parse().expect("uuid");
    let notice = Notice::new(kind, clinic, portal.link(LinkPath::Thread(thread)), language);
    if unsubscribe {
        let token = UnsubscribeToken::parse("u_0123456789abcdefXYZ").expect("valid token");
        notice.with_unsubscribe(portal.link(LinkPath::Unsubscribe(token)))
    } else {
        notice
    }
}

fn email(raw: &str) -> Recipient {
    Recipient::Email(EmailAddress::parse(raw).expect("valid address"))
}

fn smtp(url: &str) -> SmtpDelivery {
    SmtpDelivery::new(&SecretString::from(url), "CareThread <noreply@clinic.example.org>", Duration::from_secs(5))
        .expect("valid settings")
}

#[needs(smtp)]
#[tokio::test]
async fn a_new_message_notice_arrives_in_english_with_the_clinic_the_link_and_list_unsubscribe() {
    let sink = SmtpSink::start().expect("aiosmtpd starts");
    let notice = notice(NoticeKind::NewMessage, Language::En, true);
    smtp(&sink.url()).deliver(&email("Ann.Lee@Example.ORG"), &notice).await.expect("delivered");

    let mail = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(mail.len(), 1);
    let mail = &mail[0];
    assert_eq!(mail.rcpt_tos, ["Ann.Lee@example.org"]);
    assert_eq!(mail.mail_from, "noreply@clinic.example.org");
    assert_eq!(mail.subject, "New message from Clínica Riverside");
    assert!(
        mail.body.starts_with(&format!("You have a new message from Clínica Riverside — sign in to read it: {LINK}"))
    );
    assert!(mail.body.contains("contains no health information"));
    assert!(mail.body.contains(&format!("To stop these e-mails: {UNSUBSCRIBE}")));
    assert_eq!(mail.header("List-Unsubscribe"), Some(format!("<{UNSUBSCRIBE}>").as_str()));
    assert_eq!(mail.header("Auto-Submitted"), Some("auto-generated"));
    assert!(mail.header("Message-ID").is_some() && mail.header("Date").is_some());
    assert!(mail.header("Content-Type").is_some_and(|v| v.starts_with("text/plain")));
    assert_eq!(mail.header("MIME-Version"), Some("1.0"));
    // The raw message is what went over the wire: headers, blank line, body.
    assert!(mail.raw.contains("\r\n\r\n") || mail.raw.contains("\n\n"));
}

#[needs(smtp)]
#[tokio::test]
async fn a_new_message_notice_arrives_in_spanish_for_a_spanish_reader() {
    let sink = SmtpSink::start().expect("aiosmtpd starts");
    let notice = notice(NoticeKind::NewMessage, Language::Es, false);
    smtp(&sink.url()).deliver(&email("bea@example.org"), &notice).await.expect("delivered");

    let mail = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(mail.len(), 1);
    let mail = &mail[0];
    assert_eq!(mail.subject, "Nuevo mensaje de Clínica Riverside");
    assert!(
        mail.body
            .starts_with(&format!("Tiene un mensaje nuevo de Clínica Riverside. Inicie sesión para leerlo: {LINK}"))
    );
    assert!(mail.body.contains("no contiene información de salud"));
    assert_eq!(mail.header("List-Unsubscribe"), None, "no unsubscribe link, no header");
}

#[needs(smtp)]
#[tokio::test]
async fn a_notifier_built_from_settings_pages_staff_by_email_and_reports_sms_not_configured() {
    let sink = SmtpSink::start().expect("aiosmtpd starts");
    let settings = NotificationSettings {
        smtp_url: Some(SecretString::from(sink.url())),
        from: Some("CareThread <noreply@clinic.example.org>".into()),
        ..NotificationSettings::default()
    };
    let notifier = Notifier::from_settings(&settings).expect("valid settings");
    let page = notice(NoticeKind::EmergencyPage, Language::En, false);
    notifier.deliver(&email("oncall@clinic.example.org"), &page).await.expect("delivered");
    let sms = Recipient::Sms(PhoneNumber::parse("+15550100199").expect("valid"));
    assert_eq!(notifier.deliver(&sms, &page).await, Err(DeliveryError::NotConfigured("sms")));

    let mail = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(mail.len(), 1);
    assert_eq!(
        mail[0].body.lines().next(),
        Some(format!("CareThread: an emergency message needs on-call review now: {LINK}").as_str())
    );
}

#[tokio::test]
async fn an_smtp_server_that_is_not_listening_is_a_transient_failure() {
    let port = closed_port().expect("a free port");
    let result = smtp(&format!("smtp://127.0.0.1:{port}"))
        .deliver(&email("ann@example.org"), &notice(NoticeKind::NewMessage, Language::En, false))
        .await;
    let Err(DeliveryError::Transient(reason)) = result else { panic!("expected a transient failure, got {result:?}") };
    assert!(!reason.contains("ann@example.org") && !reason.contains(THREAD), "{reason}");
}

/// What the stand-in gateway saw: the form and the `Authorization` header.
type Seen = Arc<Mutex<Vec<(HashMap<String, String>, Option<String>)>>>;

/// Starts a gateway on `127.0.0.1` answering every POST with `status`.
async fn gateway(status: StatusCode) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route(
            "/2010-04-01/Accounts/AC0123456789/Messages.json",
            post(move |State(seen): State<Seen>, headers: HeaderMap, Form(form): Form<HashMap<String, String>>| async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
                seen.lock().expect("not poisoned").push((form, auth));
                (status, "{}")
            }),
        )
        .with_state(Arc::clone(&seen));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{address}/2010-04-01/Accounts/AC0123456789/Messages.json"), seen)
}

fn sms(url: &str) -> SmsDelivery {
    let settings = SmsSettings {
        url: url.to_owned(),
        account: "AC0123456789".into(),
        token: SecretString::from("gateway-token"),
        from: PhoneNumber::parse("+1 555 010 0100").expect("valid"),
    };
    SmsDelivery::new(settings, Duration::from_secs(5)).expect("valid settings")
}

fn phone() -> Recipient {
    Recipient::Sms(PhoneNumber::parse("+34 600-000-001").expect("valid"))
}

#[tokio::test]
async fn the_sms_gateway_receives_to_from_and_body_with_basic_authentication() {
    let (url, seen) = gateway(StatusCode::CREATED).await;
    let notice = notice(NoticeKind::NewMessage, Language::Es, true);
    sms(&url).deliver(&phone(), &notice).await.expect("delivered");

    let seen = seen.lock().expect("not poisoned");
    assert_eq!(seen.len(), 1);
    let (form, auth) = &seen[0];
    assert_eq!(form.get("To").map(String::as_str), Some("+34600000001"));
    assert_eq!(form.get("From").map(String::as_str), Some("+15550100100"));
    assert_eq!(
        form.get("Body").map(String::as_str),
        Some(format!("Tiene un mensaje nuevo de Clínica Riverside. Inicie sesión para leerlo: {LINK}").as_str())
    );
    assert_eq!(form.len(), 3, "nothing but To, From and Body: {form:?}");
    // base64("AC0123456789:gateway-token")
    assert_eq!(auth.as_deref(), Some("Basic QUMwMTIzNDU2Nzg5OmdhdGV3YXktdG9rZW4="));
}

#[tokio::test]
async fn a_gateway_that_refuses_the_request_is_permanent_and_one_that_is_down_for_now_is_transient() {
    let notice = notice(NoticeKind::UnreadReminder, Language::En, false);
    let (refusing, _) = gateway(StatusCode::BAD_REQUEST).await;
    let refused = sms(&refusing).deliver(&phone(), &notice).await;
    assert_eq!(refused, Err(DeliveryError::Permanent("the SMS gateway refused the message (400)".into())));

    let (unavailable, _) = gateway(StatusCode::SERVICE_UNAVAILABLE).await;
    let deferred = sms(&unavailable).deliver(&phone(), &notice).await;
    assert_eq!(deferred, Err(DeliveryError::Transient("the SMS gateway answered 503".into())));
}

#[tokio::test]
async fn a_gateway_that_is_not_listening_is_a_transient_failure() {
    let port = closed_port().expect("a free port");
    let result = sms(&format!("http://127.0.0.1:{port}/Messages.json"))
        .deliver(&phone(), &notice(NoticeKind::NewMessage, Language::En, false))
        .await;
    assert_eq!(result, Err(DeliveryError::Transient("the SMS gateway could not be reached".into())));
}
