//! The reply library: a clinic-approved reply per situation and language,
//! with placeholders. The built-in texts below are the defaults; a clinic
//! may replace any of them (kept by the store, passed in as overrides).

use std::collections::HashMap;

use carethread_core::user::Language;
use serde::{Deserialize, Serialize};

use crate::DraftError;

/// What a reply is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Situation {
    RefillSent,
    RefillNeedsVisit,
    AppointmentOptions,
    ResultExplainedByClinician,
    SymptomSafetyNet,
    FormsReceived,
    BillingRouted,
    ThanksAcknowledged,
    General,
}

impl Situation {
    pub const ALL: [Situation; 9] = [
        Situation::RefillSent,
        Situation::RefillNeedsVisit,
        Situation::AppointmentOptions,
        Situation::ResultExplainedByClinician,
        Situation::SymptomSafetyNet,
        Situation::FormsReceived,
        Situation::BillingRouted,
        Situation::ThanksAcknowledged,
        Situation::General,
    ];

    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Situation::RefillSent => "refill_sent",
            Situation::RefillNeedsVisit => "refill_needs_visit",
            Situation::AppointmentOptions => "appointment_options",
            Situation::ResultExplainedByClinician => "result_explained_by_clinician",
            Situation::SymptomSafetyNet => "symptom_safety_net",
            Situation::FormsReceived => "forms_received",
            Situation::BillingRouted => "billing_routed",
            Situation::ThanksAcknowledged => "thanks_acknowledged",
            Situation::General => "general",
        }
    }

    pub fn parse(raw: &str) -> Result<Self, DraftError> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw).ok_or(DraftError::UnknownSituation)
    }
}

/// The placeholders a reply may use.
pub const PLACEHOLDERS: [&str; 5] = ["first_name", "clinician", "clinic", "pharmacy", "expected_time"];

/// The built-in reply for a situation.
#[must_use]
pub fn builtin(situation: Situation, language: Language) -> &'static str {
    match (language, situation) {
        (Language::En, Situation::RefillSent) => {
            "Hi {first_name},\nWe sent your refill to {pharmacy}. It should be ready {expected_time}. If the pharmacy has any trouble, send us a message.\n{clinician}"
        }
        (Language::En, Situation::RefillNeedsVisit) => {
            "Hi {first_name},\nBefore we refill this medicine, we need to see you for a check-up. Please book a visit with the front desk. If you will run out before then, tell us and we will help.\n{clinician}"
        }
        (Language::En, Situation::AppointmentOptions) => {
            "Hi {first_name},\nThanks for reaching out. We would be glad to see you. Please reply with the days and times that work for you, or call the front desk. We will confirm a time {expected_time}.\n{clinician}"
        }
        (Language::En, Situation::ResultExplainedByClinician) => {
            "Hi {first_name},\nThank you for asking about your results. I will look at them and explain what they mean for you {expected_time}. If you feel unwell before then, please call us.\n{clinician}"
        }
        (Language::En, Situation::SymptomSafetyNet) => {
            "Hi {first_name},\nThank you for telling me how you feel. I have read your message, and I will write back with next steps {expected_time}. If it gets worse, or you have chest pain, trouble breathing or feel faint, call 911 or go to the emergency room right away.\n{clinician}"
        }
        (Language::En, Situation::FormsReceived) => {
            "Hi {first_name},\nWe got your form. We will fill it out and let you know when it is ready, {expected_time}.\n{clinician}"
        }
        (Language::En, Situation::BillingRouted) => {
            "Hi {first_name},\nThank you for your question about your bill. I have passed it to our billing team, and they will write to you {expected_time}.\n{clinician}"
        }
        (Language::En, Situation::ThanksAcknowledged) => "You are welcome, {first_name}. Take care.\n{clinician}",
        (Language::En, Situation::General) => {
            "Hi {first_name},\nThank you for your message. I have read it, and I will write back {expected_time}.\n{clinician}"
        }
        (Language::Es, Situation::RefillSent) => {
            "Hola, {first_name}:\nYa mandamos su receta a {pharmacy}. Va a estar lista {expected_time}. Si hay un problema, escríbanos.\n{clinician}"
        }
        (Language::Es, Situation::RefillNeedsVisit) => {
            "Hola, {first_name}:\nAntes de dar más de esta medicina, tenemos que verle. Pida una cita. Si se le va a acabar antes, avísenos y le ayudamos.\n{clinician}"
        }
        (Language::Es, Situation::AppointmentOptions) => {
            "Hola, {first_name}:\nGracias por escribir. Con gusto le vemos. Díganos qué días y horas le van bien, o llámenos. Le damos la hora {expected_time}.\n{clinician}"
        }
        (Language::Es, Situation::ResultExplainedByClinician) => {
            "Hola, {first_name}:\nGracias por su pregunta. Voy a ver sus resultados y le digo qué quieren decir {expected_time}. Si se siente mal antes, llámenos.\n{clinician}"
        }
        (Language::Es, Situation::SymptomSafetyNet) => {
            "Hola, {first_name}:\nGracias por decirme cómo se siente. Ya leí su mensaje y le escribo {expected_time} con los próximos pasos. Si se siente peor, le duele el pecho, le falta el aire o se siente muy débil, llame al 911 o vaya a urgencias ya.\n{clinician}"
        }
        (Language::Es, Situation::FormsReceived) => {
            "Hola, {first_name}:\nYa tenemos su formulario. Lo vamos a llenar y le avisamos cuando esté listo, {expected_time}.\n{clinician}"
        }
        (Language::Es, Situation::BillingRouted) => {
            "Hola, {first_name}:\nGracias por su pregunta sobre su cuenta. Se la pasé al equipo de cobros, y le van a escribir {expected_time}.\n{clinician}"
        }
        (Language::Es, Situation::ThanksAcknowledged) => "De nada, {first_name}. Cuídese.\n{clinician}",
        (Language::Es, Situation::General) => {
            "Hola, {first_name}:\nGracias por su mensaje. Ya lo leí, y le escribo {expected_time}.\n{clinician}"
        }
    }
}

/// The clinic's library: the built-in replies with the clinic's own in their place.
#[derive(Debug, Clone, Default)]
pub struct ReplyLibrary {
    overrides: HashMap<(Situation, Language), String>,
}

impl ReplyLibrary {
    /// The library with `overrides` (situation, language, text) in place of the built-in replies.
    #[must_use]
    pub fn with_overrides(overrides: impl IntoIterator<Item = (Situation, Language, String)>) -> Self {
        Self { overrides: overrides.into_iter().map(|(s, l, t)| ((s, l), t)).collect() }
    }

    /// The reply for a situation in a language.
    #[must_use]
    pub fn reply(&self, situation: Situation, language: Language) -> &str {
        self.overrides.get(&(situation, language)).map_or_else(|| builtin(situation, language), String::as_str)
    }

    /// Whether the clinic replaced this reply.
    #[must_use]
    pub fn is_custom(&self, situation: Situation, language: Language) -> bool {
        self.overrides.contains_key(&(situation, language))
    }
}

/// Checks a clinic's reply text: not empty, not too long, placeholders known.
pub fn check_template(text: &str) -> Result<(), DraftError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.chars().count() > 2_000 {
        return Err(DraftError::InvalidTemplate("must be 1 to 2,000 characters".into()));
    }
    let mut rest = trimmed;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or_else(|| DraftError::InvalidTemplate("has a { without its }".into()))?;
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            return Err(DraftError::InvalidTemplate(format!(
                "uses {{{name}}}; the placeholders are {{first_name}}, {{clinician}}, {{clinic}}, {{pharmacy}} and {{expected_time}}"
            )));
        }
        rest = &after[end + 1..];
    }
    Ok(())
}

/// Fills a reply's placeholders.
#[must_use]
pub fn fill<S: std::hash::BuildHasher>(template: &str, values: &HashMap<&str, String, S>) -> String {
    let mut out = template.to_owned();
    for name in PLACEHOLDERS {
        if let Some(value) = values.get(name) {
            out = out.replace(&format!("{{{name}}}"), value);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_reply_uses_known_placeholders_only() {
        for situation in Situation::ALL {
            for language in [Language::En, Language::Es] {
                check_template(builtin(situation, language)).expect("a valid built-in reply");
            }
            assert_eq!(Situation::parse(situation.as_str()).expect("parse"), situation);
        }
    }

    /// The clinician sends the reply, so it speaks as the care team ("I have
    /// read your message"), never about it ("your care team will read it").
    #[test]
    fn builtin_replies_speak_as_the_care_team_not_about_it() {
        for situation in Situation::ALL {
            for language in [Language::En, Language::Es] {
                let text = builtin(situation, language).to_lowercase();
                for about in ["your care team", "the care team will", "su equipo de salud", "el equipo de salud va"] {
                    assert!(!text.contains(about), "{} ({}): {text}", situation.as_str(), language.as_str());
                }
            }
        }
    }

    #[test]
    fn clinic_replies_replace_the_builtin_ones_and_are_checked() {
        let library =
            ReplyLibrary::with_overrides([(Situation::RefillSent, Language::En, "Sent to {pharmacy}.".into())]);
        assert_eq!(library.reply(Situation::RefillSent, Language::En), "Sent to {pharmacy}.");
        assert!(library.is_custom(Situation::RefillSent, Language::En));
        assert!(!library.is_custom(Situation::RefillSent, Language::Es));
        assert!(check_template("Hi {patient_name}").is_err());
        assert!(check_template("Hi {first_name").is_err());
        assert!(check_template("   ").is_err());
    }
}
