//! The built-in drafter on a realistic message of every category, in both
//! languages, and on emergency and self-harm threads (snapshots, reviewed
//! like code), and the OpenAI-compatible
//! drafter against a fake server that stalls or answers nonsense, and
//! against a real llama.cpp server when `CARETHREAD_TEST_LLM` names one.

use std::time::Duration;

use carethread_core::thread::{Category, Urgency};
use carethread_core::user::Language;
use carethread_draft::{
    BuiltinDrafter, Draft, DraftRequest, Drafter, OpenAiConfig, OpenAiDrafter, ReplyLibrary, readability, safety,
};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

fn request(category: Category, language: Language, subject: &str, message: &str) -> DraftRequest {
    DraftRequest {
        patient_first_name: "Alice".into(),
        clinician_name: "Dr. Grace Lee".into(),
        clinic_name: "Main Street Clinic".into(),
        language,
        category,
        subject: subject.into(),
        messages: vec![(true, message.into())],
        clinician_facts: String::new(),
        situation: None,
        expected_time: None,
        urgency: Urgency::Routine,
        self_harm: false,
    }
}

/// A thread triaged emergency; `self_harm` when triage saw suicidal or self-harm thoughts.
fn emergency(language: Language, subject: &str, message: &str, self_harm: bool) -> DraftRequest {
    DraftRequest { urgency: Urgency::Emergency, self_harm, ..request(Category::Clinical, language, subject, message) }
}

const CASES: [(&str, Category, Language, &str, &str); 10] = [
    (
        "medication_en",
        Category::Medication,
        Language::En,
        "Refill",
        "Hi, I'm almost out of my lisinopril. Could you send a refill to the CVS on Main Street?",
    ),
    (
        "scheduling_en",
        Category::Scheduling,
        Language::En,
        "Appointment",
        "Can I come in next week for my knee? Mornings are best.",
    ),
    (
        "results_en",
        Category::Results,
        Language::En,
        "My blood test",
        "I saw my cholesterol results in the portal and I'm worried. What do they mean?",
    ),
    (
        "clinical_en",
        Category::Clinical,
        Language::En,
        "Rash on my arm",
        "I'm scared, the rash on my arm is itchy and a bit bigger since Saturday.",
    ),
    (
        "administrative_en",
        Category::Administrative,
        Language::En,
        "School form",
        "Can you fill out the sports form for my daughter? I uploaded it.",
    ),
    (
        "billing_en",
        Category::Administrative,
        Language::En,
        "Bill",
        "I got a bill for my last visit but my insurance should cover it.",
    ),
    ("other_en", Category::Other, Language::En, "Question", "Do you have parking at the new building?"),
    (
        "medication_es",
        Category::Medication,
        Language::Es,
        "Receta",
        "Hola, se me acabó la medicina de la presión. ¿Pueden mandar la receta a Walgreens?",
    ),
    (
        "clinical_es",
        Category::Clinical,
        Language::Es,
        "Dolor en mi rodilla",
        "Estoy preocupada, me duele la rodilla desde el lunes.",
    ),
    ("results_es", Category::Results, Language::Es, "Resultados", "Vi mis resultados de laboratorio. ¿Está todo bien?"),
];

#[tokio::test]
async fn every_category_gets_a_plain_safe_draft() {
    let library = ReplyLibrary::default();
    for (name, category, language, subject, message) in CASES {
        let draft =
            BuiltinDrafter.draft(&library, &request(category, language, subject, message)).await.expect("draft");
        let body = draft.body.clone().expect("a reply is needed");
        let r = draft.readability.as_ref().expect("readability");
        assert!(r.grade <= readability::MAX_DRAFT_GRADE, "{name}: grade {} for {body}", r.grade);
        assert!(
            safety::problems(&body, language, "").is_empty(),
            "{name}: {:?}",
            safety::problems(&body, language, "")
        );
        assert!(body.contains("Alice") && body.contains("Dr. Grace Lee"), "{name}");
        insta::assert_snapshot!(name, format!("{body}\n---\n{}", draft.reasons.join("\n")));
    }
}

const EMERGENCIES: [(&str, Language, &str, &str, bool); 4] = [
    ("self_harm_en", Language::En, "I can't do this", "Everyone would be better off without me.", true),
    ("self_harm_es", Language::Es, "Ya no puedo", "Todos estarían mejor sin mí. Me quiero morir.", true),
    (
        "emergency_en",
        Language::En,
        "Chest pain",
        "I'm scared, I have crushing chest pain and my left arm is numb since an hour.",
        false,
    ),
    ("emergency_es", Language::Es, "Dolor de pecho", "Tengo mucho dolor en el pecho y me falta el aire.", false),
];

#[tokio::test]
async fn emergency_threads_get_the_crisis_reply_never_a_routine_one() {
    let library = ReplyLibrary::default();
    for (name, language, subject, message, self_harm) in EMERGENCIES {
        let req = emergency(language, subject, message, self_harm);
        let draft = BuiltinDrafter.draft(&library, &req).await.expect("draft");
        let body = draft.body.clone().expect("an emergency always gets a draft");
        let line = if self_harm { "988" } else { "911" };
        assert!(body.contains(line), "{name}: no {line} in {body}");
        if !self_harm {
            assert!(!body.contains("988"), "{name}: 988 is for suicidal thoughts");
        }
        let phone = match language {
            Language::En => "trying to reach you by phone",
            Language::Es => "tratando de llamarle por teléfono",
        };
        assert!(body.contains(phone), "{name}: {body}");
        assert!(!body.contains("business days") && !body.contains("dos días"), "{name}: {body}");
        assert!(safety::problems_for(&body, &req).is_empty(), "{name}: {:?}", safety::problems_for(&body, &req));
        let grade = draft.readability.as_ref().expect("readability").grade;
        assert!(grade <= readability::MAX_DRAFT_GRADE, "{name}: grade {grade}");
        assert!(body.contains("Alice") && body.contains("Dr. Grace Lee"), "{name}");
        insta::assert_snapshot!(name, format!("{body}\n---\n{}", draft.reasons.join("\n")));
    }
}

#[tokio::test]
async fn the_clinic_library_cannot_turn_an_emergency_into_a_routine_reply() {
    let library = ReplyLibrary::with_overrides([(
        carethread_draft::Situation::SymptomSafetyNet,
        Language::En,
        "Hi {first_name}, we will reply {expected_time}. {clinician}".to_owned(),
    )]);
    let req = DraftRequest {
        situation: Some(carethread_draft::Situation::SymptomSafetyNet),
        ..emergency(Language::En, "Hurting", "I want to kill myself", true)
    };
    let body = BuiltinDrafter.draft(&library, &req).await.expect("draft").body.expect("body");
    assert!(body.contains("988") && !body.contains("we will reply"), "{body}");
}

#[tokio::test]
async fn worried_messages_open_by_naming_the_concern() {
    let draft = BuiltinDrafter
        .draft(
            &ReplyLibrary::default(),
            &request(Category::Clinical, Language::En, "Rash on my arm", "I'm worried about it"),
        )
        .await
        .expect("draft");
    let body = draft.body.expect("body");
    assert!(body.contains("worried about your rash on your arm"), "{body}");
    assert!(draft.readability.expect("readability").empathy);
}

#[tokio::test]
async fn thanks_get_no_draft_but_a_suggested_close() {
    let draft = BuiltinDrafter
        .draft(&ReplyLibrary::default(), &request(Category::Other, Language::En, "Re: refill", "Thank you so much!"))
        .await
        .expect("draft");
    assert!(!draft.reply_needed);
    assert!(draft.body.is_none());
    assert!(draft.reasons.iter().any(|r| r.contains("close")));
}

/// A fake model server: answers each connection with `reply` after `delay`.
async fn fake_server(reply: &'static str, delay: Duration) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 16 * 1024];
                let _ = socket.read(&mut buf).await;
                tokio::time::sleep(delay).await;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
                    reply.len()
                );
                let _ = socket.write_all(response.as_bytes()).await;
            });
        }
    });
    format!("http://{addr}/v1")
}

fn drafter(base_url: String, timeout: Duration) -> OpenAiDrafter {
    OpenAiDrafter::new(OpenAiConfig { base_url, model: "test-model".into(), api_key: None, timeout, retries: 1 })
        .expect("client")
}

async fn refill_draft(d: &OpenAiDrafter) -> Draft {
    let req = request(Category::Medication, Language::En, "Refill", "Please refill my inhaler at CVS.");
    d.draft(&ReplyLibrary::default(), &req).await.expect("a draft, one way or another")
}

#[tokio::test]
async fn a_model_that_stalls_or_answers_nonsense_falls_back_to_the_library() {
    let slow = fake_server(r#"{"choices":[{"message":{"content":"Hi Alice."}}]}"#, Duration::from_secs(5)).await;
    let draft = refill_draft(&drafter(slow, Duration::from_millis(300))).await;
    assert_eq!(draft.model.id, "carethread-replies");
    assert!(draft.reasons[0].contains("did not answer in time"), "{:?}", draft.reasons);

    let garbage = fake_server(r#"{"unexpected": true}"#, Duration::ZERO).await;
    let draft = refill_draft(&drafter(garbage, Duration::from_secs(2))).await;
    assert_eq!(draft.model.id, "carethread-replies");
    assert!(draft.reasons[0].contains("held no message"), "{:?}", draft.reasons);

    let unsafe_reply = fake_server(
        r#"{"model":"m","choices":[{"message":{"content":"Hi Alice, you probably have asthma. Take 4 puffs now. Dr. Lee"}}]}"#,
        Duration::ZERO,
    )
    .await;
    let draft = refill_draft(&drafter(unsafe_reply, Duration::from_secs(2))).await;
    assert_eq!(draft.model.id, "carethread-replies");
    assert!(draft.reasons[0].contains("set aside") && draft.reasons[0].contains("dose"), "{:?}", draft.reasons);
}

#[tokio::test]
async fn a_safe_model_reply_is_used_with_its_model_named() {
    let good = fake_server(
        r#"{"model":"tiny-1","choices":[{"message":{"content":"Hi Alice, we sent your refill to CVS. It will be ready tomorrow. Dr. Grace Lee"}}]}"#,
        Duration::ZERO,
    )
    .await;
    let draft = refill_draft(&drafter(good, Duration::from_secs(2))).await;
    assert_eq!(draft.model.id, "test-model");
    assert_eq!(draft.model.version, "tiny-1");
    assert!(draft.body.expect("body").contains("CVS"));
}

#[tokio::test]
async fn a_model_is_never_the_author_of_a_crisis_reply() {
    let routine = fake_server(
        r#"{"model":"tiny-1","choices":[{"message":{"content":"Hi Alice, thank you for your message. We will get back to you within two business days. Dr. Grace Lee"}}]}"#,
        Duration::ZERO,
    )
    .await;
    let req = emergency(Language::En, "Hurting", "Everyone would be better off without me.", true);
    let draft = drafter(routine, Duration::from_secs(2)).draft(&ReplyLibrary::default(), &req).await.expect("draft");
    let body = draft.body.expect("body");
    assert_eq!(draft.model.id, "carethread-replies");
    assert!(body.contains("988") && !body.contains("business days"), "{body}");
}

/// Runs when `CARETHREAD_TEST_LLM` names an OpenAI-compatible server
/// (`.ci/run` starts the `llama.cpp` server with `SmolLM2` from `PyPI`);
/// reported as ignored, with the reason, when it is not set.
#[carethread_test_services::needs(llm)]
#[tokio::test]
async fn the_real_llama_cpp_server_drafts_or_is_safely_set_aside() {
    let base_url = std::env::var("CARETHREAD_TEST_LLM").expect("CARETHREAD_TEST_LLM names the model server");
    let model = std::env::var("CARETHREAD_TEST_LLM_MODEL").unwrap_or_else(|_| "smollm2".into());
    let d = OpenAiDrafter::new(OpenAiConfig {
        base_url,
        model: model.clone(),
        api_key: None,
        timeout: Duration::from_mins(1),
        retries: 1,
    })
    .expect("client");
    let draft = refill_draft(&d).await;
    let body = draft.body.clone().expect("a body");
    if draft.model.id == model {
        // The model's own words, and they passed every check.
        assert!(safety::problems(&body, Language::En, "").is_empty());
    } else {
        // The model answered but failed a check: that is said, never hidden.
        assert!(draft.reasons[0].contains("set aside"), "{:?}", draft.reasons);
    }
}
