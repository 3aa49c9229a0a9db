//! Messages in a language CareThread does not triage (anything but English
//! and Spanish). The lexicon and the classifier read only those two, so a
//! message in another language would be scored from nothing: instead it is
//! named, marked for review and sent to clinical staff with an interpreter.
//! Short messages, where detection is unreliable, are left to the rules.

use whatlang::{Lang, Script};

/// Fewer letters than this and the language is not guessed.
pub const MIN_LETTERS: usize = 20;
/// Only the start of a long message is read to tell its language.
const READ_AT_MOST: usize = 1_000;

/// The English name of the language `subject` and `body` are written in,
/// when it is one CareThread does not triage: a reliable guess, or any
/// guess in a script neither English nor Spanish is written in.
#[must_use]
pub fn untriaged(subject: &str, body: &str) -> Option<String> {
    untriaged_tokens(subject, body, None)
}

/// [`untriaged`] for a message already tokenised (`tokens`: its subject's
/// and body's), which spares reading it again when it plainly is English or
/// Spanish.
#[must_use]
pub fn untriaged_tokens(subject: &str, body: &str, tokens: Option<[&[crate::text::Token]; 2]>) -> Option<String> {
    // A short message is read whole, so its tokens are the ones to count.
    let whole = subject.len() + body.len() < READ_AT_MOST;
    if let Some([subject_tokens, body_tokens]) = tokens.filter(|_| whole) {
        let letters = subject.chars().chain(body.chars()).filter(|c| c.is_alphabetic()).count();
        if letters < MIN_LETTERS {
            return None;
        }
        let basic_latin = subject.chars().chain(body.chars()).all(|c| !c.is_alphabetic() || u32::from(c) <= 0x024F);
        if basic_latin && plainly_english_or_spanish(subject, body, &[subject_tokens, body_tokens]) {
            return None;
        }
    }
    let mut text = String::with_capacity(subject.len() + body.len() + 1);
    text.push_str(subject);
    text.push('\n');
    text.push_str(body);
    let end = text.char_indices().nth(READ_AT_MOST).map_or(text.len(), |(i, _)| i);
    let text = &text[..end];
    if text.chars().filter(|c| c.is_alphabetic()).count() < MIN_LETTERS {
        return None;
    }
    // Most messages are plainly English or Spanish: no need to run the detector on them.
    let basic_latin = text.chars().all(|c| !c.is_alphabetic() || u32::from(c) <= 0x024F);
    if basic_latin && reads_as_english_or_spanish(text) {
        return None;
    }
    let info = whatlang::detect(text)?;
    match info.lang() {
        Lang::Eng | Lang::Spa => None,
        _ if info.script() == Script::Latin && reads_as_english_or_spanish(text) => None,
        other if info.is_reliable() => Some(other.eng_name().to_owned()),
        // Unsure which language, sure it is not English or Spanish: neither is written in this script.
        other if info.script() != Script::Latin => {
            Some(format!("{} (or another language in {} script)", other.eng_name(), info.script().name()))
        }
        _ => None,
    }
}

/// Words common in English or Spanish messages and rare in the other
/// languages written in Latin script (no "de", "la", "que", shared with
/// French, Portuguese or Italian).
const ENGLISH_OR_SPANISH: &[&str] = &[
    "the",
    "and",
    "my",
    "i",
    "is",
    "to",
    "it",
    "you",
    "for",
    "have",
    "with",
    "this",
    "that",
    "was",
    "can",
    "what",
    "are",
    "be",
    "been",
    "but",
    "had",
    "has",
    "her",
    "his",
    "how",
    "if",
    "im",
    "just",
    "need",
    "not",
    "of",
    "or",
    "our",
    "please",
    "she",
    "so",
    "thank",
    "thanks",
    "they",
    "we",
    "when",
    "will",
    "would",
    "your",
    "at",
    "do",
    "does",
    "get",
    "got",
    "did",
    "dont",
    "feel",
    "he",
    "since",
    "from",
    "el",
    "los",
    "y",
    "es",
    "estoy",
    "tengo",
    "pero",
    "del",
    "muy",
    "hay",
    "porque",
    "usted",
    "mi",
    "mis",
    "yo",
    "ya",
    "eso",
    "esta",
    "este",
    "tiene",
    "puedo",
    "quiero",
    "necesito",
    "gracias",
    "hola",
    "buenas",
    "buenos",
    "cuando",
    "donde",
    "dolor",
    "desde",
    "ayer",
    "hoy",
    "tambien",
    "pues",
    // Words of readings logs, refills and appointments, which often carry
    // none of the words above ("Reading 5: 128/82, pulse 70. Feeling fine
    // today."); none is a common word of French, Portuguese or Tagalog
    // (so not "semana", "peso" or "pulso", which Portuguese shares).
    "today",
    "yesterday",
    "tonight",
    "morning",
    "week",
    "feeling",
    "fine",
    "reading",
    "readings",
    "pressure",
    "blood",
    "pulse",
    "sugar",
    "weight",
    "refill",
    "appointment",
    "presión",
    "presion",
    "azúcar",
    "azucar",
    "cita",
    "receta",
];

/// At least this share of a Latin-script message's words from
/// [`ENGLISH_OR_SPANISH`] and it is read as English or Spanish, whatever
/// the detector guessed ("My mom passed out…" guessed as Danish).
const ENGLISH_OR_SPANISH_SHARE: f64 = 0.12;

fn reads_as_english_or_spanish(text: &str) -> bool {
    plainly_english_or_spanish(text, "", &[&crate::text::tokenize(text)])
}

/// Whether a text (in parts, with their tokens) has Spanish punctuation or
/// letters, or enough words common only in English or Spanish.
fn plainly_english_or_spanish(a: &str, b: &str, parts: &[&[crate::text::Token]]) -> bool {
    static WORDS: std::sync::OnceLock<crate::text::WordSet<&'static str>> = std::sync::OnceLock::new();
    // Spanish punctuation and letters that Portuguese, French and Italian do not use.
    if a.contains(['¿', '¡', 'ñ', 'Ñ']) || b.contains(['¿', '¡', 'ñ', 'Ñ']) {
        return true;
    }
    let words = WORDS.get_or_init(|| ENGLISH_OR_SPANISH.iter().copied().collect());
    let known = parts.iter().flat_map(|p| p.iter()).filter(|t| words.contains(t.text.as_str())).count();
    let all: usize = parts.iter().map(|p| p.len()).sum();
    #[expect(clippy::cast_precision_loss, reason = "word counts of one message")]
    let share = known as f64 / all.max(1) as f64;
    share >= ENGLISH_OR_SPANISH_SHARE
}

/// The reason staff read for a message in `language`.
#[must_use]
pub fn reason(language: &str) -> String {
    format!("language: {language} — not triaged automatically; interpreter needed")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_carethread_does_not_triage_are_named() {
        let vietnamese = "Tôi bị đau ngực từ sáng nay và khó thở, tôi phải làm gì bây giờ?";
        assert_eq!(untriaged("", vietnamese).as_deref(), Some("Vietnamese"));
        let chinese = "我从今天早上开始胸口疼，呼吸困难，我应该怎么办？";
        assert_eq!(untriaged("", chinese).as_deref(), Some("Mandarin"));
        let russian = "У меня с утра болит грудь и трудно дышать, что мне делать?";
        assert_eq!(untriaged("", russian).as_deref(), Some("Russian (or another language in Cyrillic script)"));
        let french = "Bonjour docteur, j'ai de la fièvre depuis trois jours et je tousse beaucoup. \
                      Est-ce que je dois prendre un rendez-vous ou aller aux urgences?";
        assert_eq!(untriaged("Fièvre", french).as_deref(), Some("French"));
    }

    #[test]
    fn english_spanish_and_short_messages_are_left_to_the_rules() {
        assert_eq!(untriaged("Refill", "Can you refill my lisinopril at the usual pharmacy? Thanks so much."), None);
        assert_eq!(untriaged("Cita", "Necesito cambiar mi cita para la próxima semana, por favor. Gracias."), None);
        assert_eq!(untriaged("", "merci"), None);
        // Guessed as Danish and Portuguese by the detector alone.
        let english = "My mom passed out last week at her house, she's fine now and her own doctor is handling it";
        assert_eq!(untriaged("cholesterol", english), None);
        let spanish =
            "Estoy embarazada de 10 semanas, no tengo sangrado ni dolor, todo bien. Solo quería saber qué puedo tomar";
        assert_eq!(untriaged("Embarazo", spanish), None);
        let spanish =
            "Me dan agruras después de comer picante o de cenar tarde. ¿Qué puedo hacer aparte de no comer chile? jaja";
        assert_eq!(untriaged("Agruras", spanish), None);
        // Too short to tell reliably which Latin-script language it is.
        assert_eq!(untriaged("", "Bonjour, j'ai besoin de renouveler mon ordonnance, merci."), None);
        assert_eq!(untriaged("", "BP 82/50"), None);
    }
}
