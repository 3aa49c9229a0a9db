//! A patient who writes in a language CareThread does not triage is told,
//! in that language and then in English, what to do in an emergency (911,
//! do not wait, 988, ask for an interpreter): on the page they land on after
//! sending, and on the thread for as long as its latest message calls for
//! it. Anyone may read the guidance in every language at `/emergency-help`.
//! Run on both backends.

mod support;

use carethread_core::guidance::{self, EmergencyGuidance};
use reqwest::StatusCode;
use support::browser::{Browser, Page};
use support::{TestApp, backends, spawn};

const VIETNAMESE_SUBJECT: &str = "Con gái tôi bị sốt";
const VIETNAMESE: &str = "Chào bác sĩ, con gái tôi bị sốt cao từ tối hôm qua và kêu đau bụng nhiều. \
     Cháu không muốn ăn gì và đã nôn hai lần sáng nay. Tôi có nên đưa cháu đi khám hôm nay không?";
const RUSSIAN: &str = "Здравствуйте, доктор. После нового лекарства у меня уже три дня кружится голова и болит \
     желудок. Можно ли мне перестать его принимать до следующего приёма?";
const ARABIC_SUBJECT: &str = "سعال وحمى";
const ARABIC: &str = "مرحبا دكتور، أكتب إليكم بخصوص السعال الشديد والحمى منذ ثلاثة أيام. لا تأكل جيدا وتشعر \
     بالتعب طوال الوقت. هل يمكننا الحصول على موعد هذا الأسبوع؟";
const HINDI: &str = "नमस्ते डॉक्टर, मुझे तीन दिनों से बुखार और खांसी है। रात को नींद नहीं आती और सिर में \
     दर्द रहता है। क्या मुझे इस हफ्ते क्लिनिक आना चाहिए?";
const ENGLISH: &str = "Hi, could you refill my lisinopril at the usual pharmacy? I have about five pills left. \
     Thank you so much.";
const SPANISH: &str = "Hola, necesito cambiar mi cita del martes para la próxima semana porque tengo que trabajar. \
     Muchas gracias por su ayuda.";

const ALERT: &str = "class=\"emergency interpreter\" role=\"alert\"";

fn guidance_for(name: &str) -> &'static EmergencyGuidance {
    guidance::for_language(name).unwrap_or_else(|| panic!("a fixed text for {name}"))
}

/// The page shows the alert with `g` in its own language and direction,
/// then the English text, with the numbers to call as links.
fn assert_alert_in(page: &Page, g: &EmergencyGuidance, what: &str) {
    assert_eq!(page.status, StatusCode::OK, "{what}");
    let html = &page.html;
    let alert = html.find(ALERT).unwrap_or_else(|| panic!("{what}: no interpreter alert"));
    let alert = &html[alert..];
    let dir = if g.rtl { "rtl" } else { "ltr" };
    let own = alert
        .find(&format!("<div class=\"guidance\" lang=\"{}\" dir=\"{dir}\">", g.tag))
        .unwrap_or_else(|| panic!("{what}: no {} block", g.tag));
    let english = alert
        .find("<div class=\"guidance\" lang=\"en\" dir=\"ltr\">")
        .unwrap_or_else(|| panic!("{what}: no English block"));
    assert!(own < english, "{what}: the patient's language comes first");
    assert!(alert[own..].contains(g.heading), "{what}: the {} heading", g.tag);
    assert!(alert[english..].contains(guidance::ENGLISH.heading), "{what}: the English heading");
    assert!(alert.contains("href=\"tel:911\"") && alert.contains("href=\"tel:988\""), "{what}: numbers to call");
}

/// Sends the compose form and returns the page it lands on, and the thread's path.
async fn compose(browser: &Browser, fields: &[(&str, &str)]) -> (Page, String) {
    let sent = browser.post_files("/compose", fields, &[]).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.html);
    assert!(sent.location.ends_with("/sent"), "{}", sent.location);
    let thread = sent.location.trim_end_matches("/sent").to_owned();
    (browser.get(&sent.location).await, thread)
}

async fn reply(browser: &Browser, thread: &str, body: &str) -> Page {
    let replied = browser.post_files(&format!("{thread}/reply"), &[("body", body)], &[]).await;
    assert_eq!(replied.status, StatusCode::SEE_OTHER, "{}", replied.html);
    assert_eq!(replied.location, thread);
    browser.get(thread).await
}

async fn english_thread(app: &TestApp, username: &str) -> String {
    let token = app.login(username).await;
    format!("/threads/{}", app.new_thread(&token, "Question about my new medicine", ENGLISH).await)
}

#[tokio::test]
async fn a_message_in_vietnamese_shows_the_guidance_in_vietnamese_after_sending_and_on_reload() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let fields = [("kind", "question"), ("subject", VIETNAMESE_SUBJECT), ("body", VIETNAMESE)];
        let (sent, thread) = compose(&alice, &fields).await;
        let vietnamese = guidance_for("Vietnamese");
        assert_alert_in(&sent, vietnamese, &format!("{backend:?}: the sent page"));
        assert_alert_in(&alice.get(&thread).await, vietnamese, &format!("{backend:?}: the thread"));
        assert_alert_in(&alice.get(&thread).await, vietnamese, &format!("{backend:?}: the thread again"));

        // The nurse reads the triage itself, not the patient's guidance.
        let nurse = Browser::sign_in(&app, "rn.kim").await.get(&thread).await;
        assert_eq!(nurse.status, StatusCode::OK);
        assert!(!nurse.html.contains(ALERT), "{backend:?}: staff see no patient alert");
        assert!(nurse.html.contains("Vietnamese"), "{backend:?}: staff see the language triage named");
    }
}

#[tokio::test]
async fn a_reply_in_russian_shows_the_guidance_in_russian_until_the_patient_writes_in_english() {
    for backend in backends() {
        let app = spawn(backend).await;
        let thread = english_thread(&app, "patient.alice").await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        assert!(!alice.get(&thread).await.html.contains(ALERT), "{backend:?}: nothing before");
        let page = reply(&alice, &thread, RUSSIAN).await;
        assert_alert_in(&page, guidance_for("Russian"), &format!("{backend:?}: after the Russian reply"));
        let page = reply(&alice, &thread, ENGLISH).await;
        assert!(!page.html.contains(ALERT), "{backend:?}: the latest message is in English");
    }
}

#[tokio::test]
async fn a_proxy_writing_in_arabic_sees_it_right_to_left() {
    for backend in backends() {
        let app = spawn(backend).await;
        let carol = Browser::sign_in(&app, "proxy.carol").await;
        let alice_id = app.id("patient.alice");
        let fields =
            [("kind", "question"), ("patient", alice_id.as_str()), ("subject", ARABIC_SUBJECT), ("body", ARABIC)];
        let (sent, thread) = compose(&carol, &fields).await;
        let arabic = guidance_for("Arabic");
        assert!(arabic.rtl);
        assert_alert_in(&sent, arabic, &format!("{backend:?}: the proxy's sent page"));
        assert_alert_in(&carol.get(&thread).await, arabic, &format!("{backend:?}: the proxy's thread"));
        // Alice reads her own thread with the same guidance.
        let alice = Browser::sign_in(&app, "patient.alice").await;
        assert_alert_in(&alice.get(&thread).await, arabic, &format!("{backend:?}: the patient's thread"));
    }
}

#[tokio::test]
async fn a_language_without_a_fixed_text_gets_english_and_the_list_of_every_language() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        let (sent, _) = compose(&alice, &[("kind", "question"), ("subject", "बुखार"), ("body", HINDI)]).await;
        let alert = &sent.html[sent.html.find(ALERT).expect("an interpreter alert")..];
        assert!(alert.starts_with(&format!("{ALERT}><div class=\"guidance\" lang=\"en\"")), "{backend:?}: {alert}");
        assert!(alert.contains(guidance::ENGLISH.heading), "{backend:?}: the English text");
        assert!(sent.html.contains("href=\"/emergency-help\""), "{backend:?}: the way to every language");
        for g in guidance::ALL {
            assert!(sent.html.contains(&format!("href=\"/emergency-help#guidance-{}\"", g.tag)), "{}", g.tag);
        }
    }
}

#[tokio::test]
async fn english_and_spanish_messages_show_no_interpreter_guidance() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = Browser::sign_in(&app, "patient.alice").await;
        for (subject, body) in [("Refill", ENGLISH), ("Cambio de cita", SPANISH)] {
            let (sent, thread) = compose(&alice, &[("kind", "question"), ("subject", subject), ("body", body)]).await;
            assert_eq!(sent.status, StatusCode::OK);
            assert!(!sent.html.contains(ALERT), "{backend:?}: {subject}: the sent page");
            let page = alice.get(&thread).await;
            assert!(!page.html.contains(ALERT), "{backend:?}: {subject}: the thread");
            assert!(page.html.contains("href=\"/emergency-help\""), "{backend:?}: the footer links to every language");
        }
    }
}

#[tokio::test]
async fn anyone_may_read_the_guidance_in_every_language() {
    let app = spawn(support::Backend::Sqlite).await;
    for browser in [Browser::anonymous(&app), Browser::sign_in(&app, "patient.bob").await] {
        let page = browser.get("/emergency-help").await;
        assert_eq!(page.status, StatusCode::OK);
        let html = &page.html;
        for g in guidance::ALL.iter().chain([&guidance::ENGLISH]) {
            let dir = if g.rtl { "rtl" } else { "ltr" };
            let section = format!("<section id=\"guidance-{0}\" lang=\"{0}\" dir=\"{dir}\"", g.tag);
            let at = html.find(&section).unwrap_or_else(|| panic!("{}: no section", g.tag));
            assert!(html[at..].contains(g.text.split(" 911").next().unwrap_or_default()), "{}", g.tag);
        }
        let spanish = html.find("<section id=\"guidance-es\" lang=\"es\" dir=\"ltr\"").expect("a Spanish section");
        assert!(html[spanish..].contains("Llame al <a href=\"tel:911\">911</a>"), "{}", &html[spanish..]);
        assert!(html[spanish..].contains("<a href=\"tel:988\">988</a>"));
    }
}

#[tokio::test]
async fn staff_read_the_guidance_the_patient_was_given_and_every_reason_as_a_code_in_the_api() {
    for backend in backends() {
        let app = spawn(backend).await;
        let alice = app.login("patient.alice").await;
        let nurse = app.login("rn.kim").await;
        let triage_of = async |subject: &str, body: &str| {
            let id = app.new_thread(&alice, subject, body).await;
            let detail = app.get(&format!("/api/v1/threads/{id}"), &nurse).await;
            assert_eq!(detail.status, StatusCode::OK, "{:?}", detail.body);
            detail.body["triage"].clone()
        };

        let triage = triage_of(VIETNAMESE_SUBJECT, VIETNAMESE).await;
        let vietnamese = guidance_for("Vietnamese");
        let guidance = &triage["emergency_guidance"];
        assert_eq!(guidance["language"], "vi", "{backend:?}: {triage}");
        assert_eq!(guidance["rtl"], false);
        assert_eq!(guidance["heading"], vietnamese.heading);
        assert_eq!(guidance["text"], vietnamese.text);
        let reasons = triage["reasons"].as_array().expect("reasons");
        let codes = triage["reason_codes"].as_array().expect("reason codes");
        assert_eq!(codes.len(), reasons.len(), "{backend:?}: one code per reason: {triage}");
        let at = reasons.iter().position(|r| r.as_str().is_some_and(|r| r.starts_with("language: "))).expect("why");
        assert_eq!(codes[at]["code"], "interpreter", "{backend:?}: in the same order: {triage}");
        assert_eq!(codes[at]["args"]["language"], "Vietnamese");

        let arabic = triage_of(ARABIC_SUBJECT, ARABIC).await;
        assert_eq!(arabic["emergency_guidance"]["language"], "ar", "{backend:?}: {arabic}");
        assert_eq!(arabic["emergency_guidance"]["rtl"], true, "{backend:?}: Arabic reads right to left");

        // Named for staff, but no fixed text to give the patient.
        let hindi = triage_of("बुखार", HINDI).await;
        assert!(hindi.get("emergency_guidance").is_none(), "{backend:?}: {hindi}");
        assert!(hindi["reason_codes"].as_array().expect("codes").iter().any(|c| c["code"] == "interpreter"), "{hindi}");

        for (subject, body) in [("Refill", ENGLISH), ("Cambio de cita", SPANISH)] {
            let triage = triage_of(subject, body).await;
            assert!(triage.get("emergency_guidance").is_none(), "{backend:?}: {subject}: {triage}");
            let codes = triage["reason_codes"].as_array().expect("codes");
            assert_eq!(codes.len(), triage["reasons"].as_array().expect("reasons").len(), "{triage}");
            assert!(codes.iter().all(|c| c["code"] != "interpreter"), "{backend:?}: {subject}: {triage}");
        }
    }
}
