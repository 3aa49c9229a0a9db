//! Triage in the reader's language: pool names, categories and the reasons
//! a triage result gives, each reason read into its code and arguments
//! (`carethread_triage::ReasonCode`) and formatted by the `reason-*`
//! messages. A reason without a code (a note a clinician typed, a rule newer
//! than this catalogue) is shown as stored, in English.

use carethread_core::user::Language;
use carethread_triage::ReasonCode;

use super::Text;

impl Text {
    /// A pool's name: a built-in pool (the slugs the default routing names,
    /// created with their English names) by its slug's `pool_name-*`
    /// message; a pool the clinic created, or a built-in slug the clinic gave
    /// a name of its own, by the name it was given.
    #[must_use]
    pub fn pool_name(self, slug: &str, stored: &str) -> String {
        let id = format!("pool_name-{slug}");
        let built_in =
            Text(Language::En).lookup(&id, &[]).is_some_and(|english| english.eq_ignore_ascii_case(stored.trim()));
        built_in.then(|| self.lookup(&id, &[])).flatten().unwrap_or_else(|| stored.to_owned())
    }

    /// A thread's category (`medication`, `scheduling` …); an unknown one as it is.
    #[must_use]
    pub fn category(self, slug: &str) -> String {
        self.lookup(&format!("category-{slug}"), &[]).unwrap_or_else(|| slug.to_owned())
    }

    /// A triage reason as stored (English), in this language.
    #[must_use]
    pub fn reason(self, stored: &str) -> String {
        ReasonCode::read(stored).and_then(|code| self.reason_of(&code)).unwrap_or_else(|| stored.to_owned())
    }

    fn reason_of(self, reason: &ReasonCode) -> Option<String> {
        let arg = |name: &str| reason.arg(name).to_owned();
        let mut id = format!("reason-{}", reason.code);
        let mut values: Vec<(&str, String)> = reason.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        let mut set = |name: &'static str, value: String| {
            if let Some(slot) = values.iter_mut().find(|(k, _)| *k == name) {
                slot.1 = value;
            }
        };
        match reason.code {
            "red-flag" => set("family", self.red_flag(&arg("family"))),
            "not-counted" => {
                let finding = arg("finding");
                let shown = ReasonCode::read(&finding)
                    .and_then(|nested| self.reason_of(&nested))
                    .unwrap_or_else(|| self.red_flag(&finding));
                set("finding", shown);
                set("why", self.lookup(&format!("suppressed-{}", arg("why")), &[])?);
            }
            "vital-sign-weight-gain" if arg("days") == "1" => id.push_str("-day"),
            "vital-sign-weight-gain" => {}
            code if code.starts_with("lab-value-") => set("what", self.lookup(&format!("lab-{}", arg("what")), &[])?),
            code if code.starts_with("vital-sign-") => {
                set("what", self.lookup(&format!("reading-{}", arg("what")), &[])?);
                let value = arg("value");
                let shown = match arg("bound").as_str() {
                    "" => value,
                    bound => self.lookup(&format!("reading-{bound}"), &[("value", &value)])?,
                };
                set("value", shown);
            }
            "classifier-category" => {
                set("category", self.category(&arg("category")));
                set("features", self.features(&arg("features")));
                if arg("features").is_empty() {
                    id.push_str("-alone");
                }
            }
            "classifier-urgency" => set("urgency", self.urgency(&arg("urgency"))),
            "kept-category" => {
                set("category", self.category(&arg("category")));
                set("read", self.category(&arg("read")));
            }
            "changed-category" => {
                set("from", self.category(&arg("from")));
                set("to", self.category(&arg("to")));
            }
            "changed-urgency" => {
                set("from", self.urgency(&arg("from")));
                set("to", self.urgency(&arg("to")));
            }
            "retriaged-by" => set("role", self.lookup(&format!("role-{}", arg("role")), &[])?),
            "sensitive-pool" | "sensitive-moved" | "sensitive-no-clinical-pool" => {
                let topics: Option<Vec<String>> =
                    arg("topics").split(',').map(|t| self.lookup(&format!("topic-{t}"), &[])).collect();
                set("topics", topics?.join(", "));
                set("pool", self.pool_name(&arg("pool"), &arg("pool")));
                set("ruled", self.pool_name(&arg("ruled"), &arg("ruled")));
            }
            "changed-pool" => set("pool", self.pool_name(&arg("pool"), &arg("pool"))),
            _ => {}
        }
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.lookup(&id, &values)
    }

    /// A red-flag family of the lexicon; one this catalogue does not name, in English.
    fn red_flag(self, family: &str) -> String {
        self.lookup(&format!("flag-{}", flag_slug(family)), &[]).unwrap_or_else(|| family.to_owned())
    }

    /// The classifier's strongest features, as `carethread_triage::features::describe`
    /// writes them and joined by ", "; one this catalogue does not know, in English.
    fn features(self, list: &str) -> String {
        let quoted =
            |f: &str, prefix: &str| f.strip_prefix(prefix).and_then(|r| r.strip_suffix('"')).map(str::to_owned);
        let one = |f: &str| -> Option<String> {
            if f == "names a medicine" {
                return self.lookup("feature-medicine", &[]);
            }
            if f == "red flag any" {
                return self.lookup("feature-red_flag_any", &[]);
            }
            for (prefix, id) in [
                ("subject word \"", "feature-subject_word"),
                ("word \"", "feature-word"),
                ("phrase \"", "feature-phrase"),
            ] {
                if let Some(words) = quoted(f, prefix) {
                    return self.lookup(id, &[("words", &words)]);
                }
            }
            if let Some(rest) = f.strip_prefix("red-flag words ") {
                let why = carethread_triage::reason::suppression_slug(rest)
                    .and_then(|slug| self.lookup(&format!("suppressed-{slug}"), &[]))
                    .unwrap_or_else(|| self.red_flag(rest));
                return self.lookup("feature-red_flag_words", &[("what", &why)]);
            }
            let family = f.strip_prefix("red flag ")?;
            self.lookup("feature-red_flag", &[("family", &self.red_flag(family))])
        };
        list.split(", ")
            .filter(|f| !f.is_empty())
            .map(|f| one(f).unwrap_or_else(|| f.to_owned()))
            .collect::<Vec<_>>()
            .join(", ")
    }

    fn urgency(self, slug: &str) -> String {
        self.lookup(&format!("urgency-{slug}"), &[]).unwrap_or_else(|| slug.to_owned())
    }
}

/// A red-flag family as part of a message id: `chest pain` → `chest_pain`.
fn flag_slug(family: &str) -> String {
    family.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use carethread_triage::safety::Lexicon;

    use super::*;

    const EN: Text = Text(Language::En);
    const ES: Text = Text(Language::Es);

    #[test]
    fn every_red_flag_family_has_a_name_in_both_languages() {
        for family in Lexicon::builtin().families() {
            for text in [EN, ES] {
                assert!(text.lookup(&format!("flag-{}", flag_slug(family)), &[]).is_some(), "{family}");
            }
        }
    }

    #[test]
    fn reasons_read_the_same_in_english_and_in_spanish() {
        for stored in [
            "red flag: chest pain (\"chest feels tight\")",
            "not counted: chest pain (negated)",
            "not counted: vital sign: blood pressure 210/130 (emergency at or above 180/120) (past history)",
            "vital sign: SpO2 86% (emergency below 90%)",
            "vital sign: glucose over 400 mg/dL (emergency above 400 mg/dL with symptoms)",
            "vital sign: blood pressure 85/50 (emergency: systolic below 90 with symptoms)",
            "vital sign: INR 6.5 (emergency above 5 with bleeding)",
            "lab value: potassium 6.8 mmol/L (emergency at or above 6.5 mmol/L)",
            "lab value: sodium 123 mmol/L (emergency below 125 mmol/L with symptoms)",
            "not counted: lab value: potassium 6.9 mmol/L (emergency at or above 6.5 mmol/L) (family history)",
            "vital sign: temperature 100.8 °F in an infant under 3 months (emergency at or above 100.4 °F / 38 °C)",
            "vital sign: weight gain 3 lb in a day (heart failure: emergency at 3 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
            "vital sign: weight gain 4 lb in 2 days (heart failure: emergency at 3 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
            "mentions a medicine: lisinopril",
            "since: 2 days",
            "mentions \"refill\"",
            "no category keywords",
            "asks for a quick answer or describes worsening symptoms",
            "classifier: medication (0.91) from word \"refill\", names a medicine, red flag chest pain",
            "classifier urgency: routine (0.88)",
            "language: French — not triaged automatically; interpreter needed",
            "sensitive: mental health → clinical pool nurse-triage",
            "started by the care team",
            "urgency routine → urgent",
            "category kept: scheduling (triage read clinical)",
            "re-triaged by Nurse Daniel Kim (nurse)",
            "pool → front-desk",
            "note: call her back",
        ] {
            assert!(!EN.reason(stored).is_empty(), "{stored}");
            assert_ne!(ES.reason(stored), stored, "{stored} is not in Spanish");
        }
        // Where no label is involved, the English catalogue says what the rules wrote.
        for stored in [
            "red flag: chest pain (\"chest feels tight\")",
            "not counted: vital sign: blood pressure 210/130 (emergency at or above 180/120) (past history)",
            "vital sign: glucose over 400 mg/dL (emergency above 400 mg/dL with symptoms)",
            "vital sign: weight gain 3 lb in a day (heart failure: emergency at 3 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
            "language: French — not triaged automatically; interpreter needed",
            "sensitive: mental health → clinical pool nurse-triage",
        ] {
            let english = EN.reason(stored);
            assert_eq!(english.replace("Nurse triage", "nurse-triage"), stored);
        }
        assert_eq!(
            ES.reason("vital sign: SpO2 86% (emergency below 90%)"),
            "signo vital: saturación de oxígeno (SpO2) 86% (emergencia por debajo de 90%)"
        );
        assert_eq!(
            ES.reason("red flag: chest pain (\"chest feels tight\")"),
            "señal de alarma: dolor de pecho («chest feels tight»)"
        );
        assert_eq!(
            ES.reason("vital sign: heart rate over 130 (emergency above 130)"),
            "signo vital: frecuencia cardiaca más de 130 (emergencia por encima de 130)"
        );
        assert_eq!(ES.reason("something a clinician typed"), "something a clinician typed");
        assert_eq!(
            ES.reason("classifier: clinical (0.98) from word \"rash\", subject word \"itchy\", red-flag words negated"),
            "clasificador: Consulta clínica (0.98) por palabra «rash», palabra del asunto «itchy», palabras de alarma: negado"
        );
        assert_eq!(
            EN.reason("classifier: medication (0.91) from word \"refill\", names a medicine, phrase \"out of\""),
            "classifier: Medication (0.91) from word \"refill\", names a medicine, phrase \"out of\""
        );
    }

    #[test]
    fn built_in_pools_are_named_in_the_readers_language_and_others_as_stored() {
        assert_eq!(ES.pool_name("nurse-triage", "Nurse triage"), "Triaje de enfermería");
        assert_eq!(EN.pool_name("nurse-triage", "Nurse triage"), "Nurse triage");
        assert_eq!(ES.pool_name("wound-care", "Wound care"), "Wound care");
        assert_eq!(ES.pool_name("billing", "Billing and insurance"), "Billing and insurance", "the clinic's own name");
        assert_eq!(ES.category("medication"), "Medicamentos");
    }
}
