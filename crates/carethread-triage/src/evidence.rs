//! The evidence a nurse reads next to a triage result: the medicines a
//! message names and how long something has gone on ("mentions a medicine:
//! lisinopril", "since: 3 days"), and which words are too empty to explain
//! anything ("and", "on", "de"), so that the classifier's reasons leave them out.
//!
//! None of this changes a triage decision: it only chooses what to show.

use crate::features::is_drug;
use crate::text::Token;

/// Words in the drug-name lexicon that are, far more often, something else:
/// "allí" (there) folds to "alli", and "rayos" are the X-rays of "rayos X".
/// The classifier still reads them as its features always have.
const NOT_MEDICINES: [&str; 2] = ["alli", "rayos"];
/// At most this many medicines are named in the reasons.
const MAX_MEDICINES: usize = 3;
/// At most this many durations are named in the reasons.
const MAX_DURATIONS: usize = 2;

/// English and Spanish function words (folded: lower case, no accents, no
/// apostrophes), and greetings and fillers that say nothing about a concern.
const STOP_WORDS: &str = "
    a about above after again against all am an and any are as at be because been before being below between both
    but by can cant could couldnt did didnt do does doesnt doing dont down during each few for from further get gets
    getting got had hadnt has hasnt have havent having he hed hell hes her here hers herself him himself his how i id
    if ill im in into is isnt it its itself ive just let lets me more most much my myself no nor not now of off on
    once only or other ought our ours ourselves out over own same shall she should shouldnt so some such than that
    thats the their theirs them themselves then there theres these they theyd theyll theyre theyve this those
    through to too under until up upon us very was wasnt we wed well were werent weve what whats when where which
    while who whom whos why will with wont would wouldnt you youd youll youre your yours yourself yourselves
    also am anyway hi hello hey dear thanks thank thankyou please pls ok okay yes yeah just really still like one
    since ago bit little know think want going gonna shes hes whats theres thing things something anything
    al algo algun alguna algunas alguno algunos ante antes aqui asi aun bien cada como con contra cual cuales cuando
    de del desde donde dos el ella ellas ello ellos en entre era eran eres es esa esas ese eso esos esta estaba
    estado estamos estan estar estas este esto estos estoy fue fueron fui ha habia han has hasta hay he la las le
    les lo los mas me mi mis mucho muy nada ni no nos nosotros o os otra otro para pero poco por porque que quien
    se sea ser si sido sin sobre soy su sus tambien te tengo tiene tienen tu tus un una uno unos unas usted ustedes
    y ya yo hola gracias favor buenos buenas dias tardes puedo puede quiero hace algo
    across along although among amongst around away behind beside besides beyond despite either else enough even
    ever every everyone everything except however maybe near nearly neither nobody none nothing onto per perhaps
    quite rather several somebody someone somewhere though throughout thus toward towards unless unlike via whatever
    whenever whether within without yet already almost always often sometimes usually soon later lately anyone
    anybody another others whose
    despues luego entonces todavia casi siempre nunca alguien nadie todo toda todos todas cuanto cuanta cuantos
    cuantas mientras durante segun hacia tras mediante aunque pues tan tanto tanta tantos tantas otros otras ademas
    ahi alli aca alla cuyo cuya demas dentro fuera encima debajo cerca lejos solo sola solamente apenas quizas quiza
    mismo misma mismos mismas
";

fn stop_words() -> &'static std::collections::HashSet<&'static str> {
    static SET: std::sync::OnceLock<std::collections::HashSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.split_whitespace().collect())
}

/// A word (folded, as tokens are) that explains nothing on its own: a
/// function word or greeting in English or Spanish, a number, or a word of
/// one or two letters.
#[must_use]
pub fn is_uninformative(word: &str) -> bool {
    word.chars().count() <= 2 || word.chars().all(|c| !c.is_alphabetic()) || stop_words().contains(word)
}

/// The reasons the words of a message give: each medicine named
/// ("mentions a medicine: lisinopril"), then how long ("since: 3 days").
/// `parts` are the subject and the body, each with its tokens.
#[must_use]
pub fn reasons(parts: &[(&str, &[Token])]) -> Vec<String> {
    let mut medicines: Vec<&str> = Vec::new();
    for token in parts.iter().flat_map(|(_, tokens)| tokens.iter()) {
        if medicines.len() < MAX_MEDICINES
            && is_drug(&token.text)
            && !NOT_MEDICINES.contains(&token.text.as_str())
            && !medicines.contains(&token.text.as_str())
        {
            medicines.push(&token.text);
        }
    }
    let mut durations: Vec<String> = Vec::new();
    for (text, tokens) in parts {
        for found in durations_in(text, tokens) {
            if durations.len() < MAX_DURATIONS && !durations.contains(&found) {
                durations.push(found);
            }
        }
    }
    medicines
        .iter()
        .map(|m| format!("mentions a medicine: {m}"))
        .chain(durations.iter().map(|d| format!("since: {d}")))
        .collect()
}

/// Units of time, folded, English and Spanish.
fn is_unit(word: &str) -> bool {
    matches!(
        word,
        "minute"
            | "minutes"
            | "min"
            | "mins"
            | "hour"
            | "hours"
            | "hr"
            | "hrs"
            | "day"
            | "days"
            | "night"
            | "nights"
            | "week"
            | "weeks"
            | "wk"
            | "wks"
            | "month"
            | "months"
            | "year"
            | "years"
            | "yr"
            | "yrs"
            | "minuto"
            | "minutos"
            | "hora"
            | "horas"
            | "dia"
            | "dias"
            | "noche"
            | "noches"
            | "semana"
            | "semanas"
            | "mes"
            | "meses"
            | "ano"
            | "anos"
    )
}

/// A quantity of time units: a number, or a number word.
fn is_quantity(token: &Token) -> bool {
    token.number().is_some()
        || matches!(
            token.text.as_str(),
            "a" | "an"
                | "one"
                | "two"
                | "three"
                | "four"
                | "five"
                | "six"
                | "seven"
                | "eight"
                | "nine"
                | "ten"
                | "eleven"
                | "twelve"
                | "few"
                | "couple"
                | "several"
                | "un"
                | "una"
                | "uno"
                | "dos"
                | "tres"
                | "cuatro"
                | "cinco"
                | "seis"
                | "siete"
                | "ocho"
                | "nueve"
                | "diez"
                | "unos"
                | "unas"
                | "varios"
                | "varias"
        )
}

/// Words between a trigger and the quantity that change nothing ("for the
/// past 3 days", "durante los últimos 2 días").
fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "the"
            | "past"
            | "last"
            | "about"
            | "around"
            | "almost"
            | "nearly"
            | "over"
            | "like"
            | "of"
            | "los"
            | "las"
            | "ultimos"
            | "ultimas"
            | "casi"
            | "mas"
            | "de"
    )
}

/// A point in time "since" can start from.
fn is_moment(words: &[&str]) -> Option<usize> {
    const DAYS: [&str; 14] = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "lunes",
        "martes",
        "miercoles",
        "jueves",
        "viernes",
        "sabado",
        "domingo",
    ];
    match words {
        ["yesterday" | "today" | "tonight" | "ayer" | "anoche" | "anteayer", ..] => Some(1),
        ["last" | "this", "night" | "morning" | "evening" | "afternoon" | "week" | "weekend" | "month", ..]
        | ["esta" | "la", "manana" | "tarde" | "noche" | "semana", ..] => Some(2),
        ["el", day, ..] if DAYS.contains(day) => Some(2),
        [day, ..] if DAYS.contains(day) => Some(1),
        _ => None,
    }
}

/// A quantity and a unit starting at `words[0]` ("3 days", "a couple of
/// weeks", "dos semanas"): how many words they take.
fn quantity_and_unit(tokens: &[Token]) -> Option<usize> {
    let first = tokens.first()?;
    if is_unit(&first.text) && first.text.ends_with('s') {
        // "for days", "desde hace semanas"
        return Some(1);
    }
    if !is_quantity(first) {
        return None;
    }
    let mut n = 1;
    while tokens.get(n).is_some_and(|t| matches!(t.text.as_str(), "few" | "couple" | "of")) {
        n += 1;
    }
    tokens.get(n).filter(|t| is_unit(&t.text)).map(|_| n + 1)
}

/// The durations in one text, in the writer's words ("3 days ago", "two
/// weeks", "hace 2 días", "yesterday").
fn durations_in(text: &str, tokens: &[Token]) -> Vec<String> {
    let words: Vec<&str> = tokens.iter().map(|t| t.text.as_str()).collect();
    let quote = |from: usize, to: usize| -> Option<String> {
        let (start, end) = (tokens.get(from)?.span.0, tokens.get(to.checked_sub(1)?)?.span.1);
        let same_clause = tokens[from..to].iter().all(|t| t.clause == tokens[from].clause);
        same_clause.then(|| text.get(start..end).map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")))?
    };
    let mut found = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let mut next = i + 1;
        match words[i] {
            // "since yesterday", "since 3 days", "for the past two weeks",
            // "desde ayer", "por 2 días", "durante los últimos 3 días", "llevo 3 días"
            "since" | "for" | "desde" | "por" | "durante" | "llevo" | "lleva" | "llevamos" => {
                let mut at = i + 1;
                if words[i] == "desde" && words.get(at) == Some(&"hace") {
                    // "desde hace 2 días": quoted from "hace".
                    if let Some(n) = quantity_and_unit(&tokens[at + 1..]) {
                        found.extend(quote(at, at + 1 + n));
                        next = at + 1 + n;
                    }
                } else {
                    while words.get(at).is_some_and(|w| is_filler(w)) && at < i + 4 {
                        at += 1;
                    }
                    if let Some(n) = quantity_and_unit(&tokens[at.min(tokens.len())..]) {
                        // "for 3 months supply" is an amount of medicine, not a duration.
                        if !words.get(at + n).is_some_and(|w| matches!(*w, "supply" | "worth" | "suministro")) {
                            found.extend(quote(at, at + n));
                        }
                        next = at + n;
                    } else if matches!(words[i], "since" | "desde")
                        && let Some(n) = is_moment(&words[i + 1..])
                    {
                        found.extend(quote(i + 1, i + 1 + n));
                        next = i + 1 + n;
                    }
                }
            }
            // "hace 3 semanas"
            "hace" => {
                if let Some(n) = quantity_and_unit(&tokens[i + 1..]) {
                    found.extend(quote(i, i + 1 + n));
                    next = i + 1 + n;
                }
            }
            // "3 days ago"
            _ => {
                if let Some(n) = quantity_and_unit(&tokens[i..])
                    && words.get(i + n) == Some(&"ago")
                {
                    found.extend(quote(i, i + n + 1));
                    next = i + n + 1;
                }
            }
        }
        i = next;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tokenize;

    fn durations(text: &str) -> Vec<String> {
        durations_in(text, &tokenize(text))
    }

    #[test]
    fn durations_are_quoted_in_the_writers_words() {
        assert_eq!(durations("I ran out 3 days ago."), ["3 days ago"]);
        assert_eq!(durations("a cough for the past two weeks"), ["two weeks"]);
        assert_eq!(durations("dizzy since Monday, worse since this morning"), ["Monday", "this morning"]);
        assert_eq!(durations("tos desde hace 2 días"), ["hace 2 días"]);
        assert_eq!(durations("Llevo tres semanas con dolor, fiebre desde ayer"), ["tres semanas", "ayer"]);
        assert_eq!(durations("for a couple of weeks"), ["a couple of weeks"]);
        assert!(durations("take it twice a day for pain").is_empty());
        assert!(durations("one pill a day, 2 days supply").is_empty());
        assert!(durations("a refill for 3 months supply").is_empty());
        assert!(durations("since").is_empty() && durations("desde hace").is_empty() && durations("for").is_empty());
    }

    #[test]
    fn medicines_come_before_durations_each_once() {
        let body = "Lisinopril and metformin: out of lisinopril for 2 days";
        let tokens = tokenize(body);
        assert_eq!(
            reasons(&[("", &[]), (body, &tokens)]),
            ["mentions a medicine: lisinopril", "mentions a medicine: metformin", "since: 2 days"]
        );
    }

    #[test]
    fn empty_words_are_uninformative_and_clinical_words_are_not() {
        for word in ["and", "on", "the", "my", "y", "de", "que", "para", "hola", "12", "mg"] {
            assert!(is_uninformative(word), "{word}");
        }
        for word in ["refill", "rash", "fever", "receta", "dolor", "cita", "bill", "factura"] {
            assert!(!is_uninformative(word), "{word}");
        }
    }
}
