//! Messages that need no reply: thanks, "ok", "see you then". About four in
//! five patient messages at one health system needed none; drafting a reply
//! to each wastes the clinician's time, so these get a one-click close.

use carethread_core::user::Language;

/// Words a closing message is made of ("ok thanks, see you then").
const CLOSING_WORDS: [&str; 58] = [
    "thanks",
    "thank",
    "you",
    "ok",
    "okay",
    "k",
    "got",
    "it",
    "sounds",
    "good",
    "perfect",
    "great",
    "see",
    "then",
    "soon",
    "will",
    "do",
    "appreciate",
    "appreciated",
    "received",
    "noted",
    "all",
    "that",
    "works",
    "have",
    "a",
    "nice",
    "day",
    "lot",
    "many",
    "thx",
    "ty",
    "too",
    "cool",
    "awesome",
    "wonderful",
    "bye",
    "cheers",
    "gracias",
    "muchas",
    "mil",
    "vale",
    "perfecto",
    "entendido",
    "nos",
    "vemos",
    "de",
    "acuerdo",
    "hasta",
    "luego",
    "recibido",
    "igualmente",
    "buen",
    "día",
    "bien",
    "listo",
    "genial",
    "chao",
];

/// Words that by themselves close a conversation.
const CLOSERS: [&str; 14] = [
    "thanks",
    "thank",
    "ok",
    "okay",
    "k",
    "got",
    "perfect",
    "great",
    "received",
    "noted",
    "gracias",
    "vale",
    "perfecto",
    "entendido",
];

/// Words that mean the patient still wants something.
const STILL_ASKING: [&str; 24] = [
    "but", "still", "however", "question", "when", "what", "why", "how", "can", "could", "should", "please", "need",
    "help", "pain", "worse", "pero", "todavía", "pregunta", "cuándo", "qué", "puede", "necesito", "dolor",
];

/// Whether a patient's message needs a reply, and why not when it does not.
#[must_use]
pub fn assess(subject: &str, body: &str, _language: Language) -> (bool, Option<&'static str>) {
    let text = body.trim();
    if text.contains('?') || text.contains('¿') {
        return (true, None);
    }
    let normal: String = text
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() || c.is_whitespace() || c == '\'' { c } else { ' ' })
        .collect();
    let words: Vec<&str> = normal.split_whitespace().collect();
    if words.is_empty() {
        return (false, Some("the message is empty"));
    }
    if words.len() > 12 || words.iter().any(|w| STILL_ASKING.contains(w)) {
        return (true, None);
    }
    // Drop greetings, fillers, and titles with the name after them ("Ok thanks Dr Lee!").
    let titles = ["dr", "doctor", "doctora", "nurse", "enfermera"];
    let mut core: Vec<&str> = Vec::with_capacity(words.len());
    let mut after_title = false;
    for w in &words {
        if after_title {
            after_title = false;
            continue;
        }
        if titles.contains(w) {
            after_title = true;
            continue;
        }
        if !matches!(*w, "hi" | "hello" | "so" | "much" | "again" | "very" | "hola" | "muy") {
            core.push(w);
        }
    }
    let closes = !core.is_empty()
        && core.iter().all(|w| CLOSING_WORDS.contains(w))
        && (core.iter().any(|w| CLOSERS.contains(w))
            || core.join(" ").contains("see you")
            || core.join(" ").contains("nos vemos"));
    if closes && !subject.contains('?') {
        (false, Some("a thank-you or acknowledgement: nothing to answer"))
    } else {
        (true, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thanks_and_acknowledgements_need_no_reply() {
        for body in [
            "Thank you!",
            "ok thanks Dr Lee",
            "Sounds good, see you then.",
            "Got it",
            "Muchas gracias!!",
            "Perfecto, gracias doctora",
        ] {
            assert!(!assess("Re: refill", body, Language::En).0, "{body}");
        }
    }

    #[test]
    fn questions_and_requests_still_need_one() {
        for body in ["Thanks, but the rash is still there.", "Thank you. When should I take it?", "ok"] {
            let needed = assess("Rash", body, Language::En).0;
            if body == "ok" {
                assert!(!needed);
            } else {
                assert!(needed, "{body}");
            }
        }
        assert!(assess("Refill", "Could you refill my inhaler", Language::En).0);
        assert!(assess("Dolor", "Gracias pero todavía tengo dolor", Language::Es).0);
    }
}
