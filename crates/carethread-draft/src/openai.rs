//! Drafting with an OpenAI-compatible chat model (`/v1/chat/completions`:
//! Ollama, vLLM, the `llama.cpp` server, Azure `OpenAI`). The model sees the
//! thread text and the patient's first name, nothing else that identifies
//! anyone. Its reply passes the same safety and readability checks as the
//! built-in drafter's; anything unsafe, unreadable, late or malformed is set
//! aside and the built-in drafter answers instead, saying why.

use std::time::Duration;

use async_trait::async_trait;
use carethread_core::user::Language;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::builtin::draft_with;
use crate::library::ReplyLibrary;
use crate::{Draft, DraftError, DraftRequest, Drafter, ModelInfo, readability, reply_needed, safety};

/// Where the model is and how long to wait for it.
#[derive(Debug, Clone)]
pub struct OpenAiConfig {
    /// Up to and including `/v1`, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    pub model: String,
    pub api_key: Option<SecretString>,
    /// Per attempt.
    pub timeout: Duration,
    /// Further attempts after a failed one.
    pub retries: u32,
}

/// Drafts with an OpenAI-compatible model, falling back to the built-in drafter.
pub struct OpenAiDrafter {
    config: OpenAiConfig,
    client: reqwest::Client,
}

/// The rules the model is given. The same rules are then checked in code.
pub const SYSTEM_PROMPT: &str = "You draft replies from a medical clinic's care team to a patient's secure message. \
A clinician will review and edit your draft before anything is sent. Rules: \
Write 2 to 5 short sentences in plain words a 12-year-old understands (grade 6). \
Start with a greeting using the patient's first name. \
If the patient sounds worried, first say you understand their concern. \
Never state a diagnosis, never say what a test result means, never give a medicine dose or change one, \
unless the clinician's facts below say exactly that. \
If the message describes symptoms, tell the patient to call 911 or go to the emergency room if they get worse. \
Do not promise anything the clinic has not confirmed. Do not ask for a visit unless one is needed. \
End with the clinician's name. Reply with the message text only.";

impl OpenAiDrafter {
    pub fn new(config: OpenAiConfig) -> Result<Self, DraftError> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .build()
            .map_err(|e| DraftError::Backend(e.to_string()))?;
        Ok(Self { config, client })
    }

    fn prompt(request: &DraftRequest) -> String {
        let language = match request.language {
            Language::En => "English",
            Language::Es => "Spanish",
        };
        let mut out = format!(
            "Write the reply in {language}.\nPatient's first name: {}\nClinician: {}\nSubject: {}\nConversation, oldest first:\n",
            request.patient_first_name, request.clinician_name, request.subject
        );
        for (from_patient, text) in &request.messages {
            out.push_str(if *from_patient { "Patient: " } else { "Care team: " });
            out.push_str(text);
            out.push('\n');
        }
        if !request.clinician_facts.trim().is_empty() {
            out.push_str("Clinician's facts for this reply: ");
            out.push_str(&request.clinician_facts);
            out.push('\n');
        }
        out
    }

    /// One call to the model: its text and the model name it reports.
    async fn complete(&self, request: &DraftRequest) -> Result<(String, String), DraftError> {
        let url = format!("{}/chat/completions", self.config.base_url.trim_end_matches('/'));
        let body = json!({
            "model": self.config.model,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": Self::prompt(request)},
            ],
            "temperature": 0.2,
            "max_tokens": 300,
        });
        let mut last_error = String::new();
        for attempt in 0..=self.config.retries {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            let mut call = self.client.post(&url).json(&body);
            if let Some(key) = &self.config.api_key {
                call = call.bearer_auth(key.expose_secret()).header("api-key", key.expose_secret());
            }
            match call.send().await {
                Ok(response) if response.status().is_success() => {
                    let value: Value =
                        response.json().await.map_err(|_| DraftError::Backend("the answer was not JSON".into()))?;
                    let text = value["choices"][0]["message"]["content"]
                        .as_str()
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .ok_or_else(|| DraftError::Backend("the answer held no message".into()))?;
                    let model = value["model"].as_str().unwrap_or(&self.config.model).to_owned();
                    return Ok((text.to_owned(), model));
                }
                Ok(response) if response.status().is_server_error() || response.status().as_u16() == 429 => {
                    last_error = format!("the model server answered {}", response.status());
                }
                Ok(response) => {
                    return Err(DraftError::Backend(format!("the model server answered {}", response.status())));
                }
                Err(err) if err.is_timeout() => last_error = "the model server did not answer in time".into(),
                Err(_) => last_error = "the model server could not be reached".into(),
            }
        }
        Err(DraftError::Backend(last_error))
    }
}

#[async_trait]
impl Drafter for OpenAiDrafter {
    async fn draft(&self, library: &ReplyLibrary, request: &DraftRequest) -> Result<Draft, DraftError> {
        if request.crisis().is_some() {
            // A crisis gets the built-in crisis reply, never a model's words.
            let mut draft = draft_with(library, request);
            draft.reasons.push("the drafting model is not used on emergency threads".to_owned());
            return Ok(draft);
        }
        let last = request.last_patient_message().unwrap_or_default();
        if !reply_needed::assess(&request.subject, last, request.language).0 {
            // No reply needed: no reason to call a model at all.
            return Ok(draft_with(library, request));
        }
        let fallback = |why: String| {
            let mut draft = draft_with(library, request);
            draft.reasons.insert(0, format!("the clinic's reply library was used: {why}"));
            draft
        };
        let (text, reported) = match self.complete(request).await {
            Ok(answer) => answer,
            Err(err) => {
                tracing::warn!(error = %err, "drafting model failed; using the built-in drafter");
                return Ok(fallback(err.to_string()));
            }
        };
        let problems = safety::problems_for(&text, request);
        if !problems.is_empty() {
            return Ok(fallback(format!("the model's draft was set aside because it {}", problems.join(" and "))));
        }
        let readability = readability::measure(&text, request.language);
        Ok(Draft {
            body: Some(text),
            model: ModelInfo { id: self.config.model.clone(), version: reported },
            reply_needed: true,
            reasons: vec![format!(
                "drafted by {} and checked: no dose, diagnosis or result interpretation; grade {:.1}",
                self.config.model, readability.grade
            )],
            readability: Some(readability),
        })
    }

    fn model(&self) -> ModelInfo {
        ModelInfo { id: self.config.model.clone(), version: "openai-compatible".to_owned() }
    }
}
