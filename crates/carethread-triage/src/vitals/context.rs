//! Readings that need more than a label and a number: heart-failure weight
//! gain over a span of days, and the age of a baby (for the infant fever
//! threshold) or of a child (whose pulse and breathing run faster).

use super::read::{number, show, word};
use super::{HF_GAIN_DAY_KG, HF_GAIN_DAY_LB, HF_GAIN_WEEK_KG, HF_GAIN_WEEK_LB, Hit, Needs};
use crate::text::Token;

/// Heart-failure weight gain: "gained 5 lbs in 2 days", "subí 3 kilos en una semana".
pub(super) fn weight_gain(tokens: &[Token], i: usize) -> Option<(Hit, usize)> {
    if !["gained", "gain", "gaining", "up", "subi", "aumente", "subio", "aumento"].contains(&word(tokens, i)) {
        return None;
    }
    // "aumento de peso de 4 kg", "gained about 5 lbs".
    let mut at = i + 1;
    while at < i + 4
        && ["de", "peso", "of", "weight", "about", "around", "almost", "nearly"].contains(&word(tokens, at))
    {
        at += 1;
    }
    let (amount, suffix) = number(tokens.get(at)?)?;
    let unit = if suffix.is_empty() { word(tokens, at + 1) } else { suffix };
    let pounds = match unit {
        "lb" | "lbs" | "pounds" | "pound" | "libras" | "libra" => true,
        "kg" | "kgs" | "kilos" | "kilo" | "kilogramos" => false,
        _ => return None,
    };
    let mut k = at + 1 + usize::from(suffix.is_empty());
    if !["in", "en", "over"].contains(&word(tokens, k)) {
        return None;
    }
    k += 1;
    let (count, unit_at) = match number(tokens.get(k)?) {
        Some((n, "")) => (n, k + 1),
        _ => (number_word(word(tokens, k))?, k + 1),
    };
    let days = match word(tokens, unit_at) {
        "day" | "days" | "dia" | "dias" => count,
        "week" | "weeks" | "semana" | "semanas" => count * 7.0,
        _ => return None,
    };
    // As the action plans put it: so much in one day, or so much within a week.
    let (per_day, per_week) =
        if pounds { (HF_GAIN_DAY_LB, HF_GAIN_WEEK_LB) } else { (HF_GAIN_DAY_KG, HF_GAIN_WEEK_KG) };
    let past = if days <= 1.0 { amount >= per_day - 0.05 } else { days <= 7.0 && amount >= per_week - 0.05 };
    if !past || !(0.5..=60.0).contains(&amount) {
        return None;
    }
    let reason = format!(
        "vital sign: weight gain {} {} in {} (heart failure: emergency at {HF_GAIN_DAY_LB} lb / {HF_GAIN_DAY_KG} kg in a day or {HF_GAIN_WEEK_LB} lb / {HF_GAIN_WEEK_KG} kg in a week)",
        show(amount),
        if pounds { "lb" } else { "kg" },
        if days <= 1.0 { "a day".to_owned() } else { format!("{} days", show(days)) }
    );
    Some((Hit { tokens: (i, unit_at + 1), reason, needs: Needs::HeartFailure }, unit_at + 1))
}

fn number_word(word: &str) -> Option<f64> {
    Some(match word {
        "a" | "an" | "one" | "una" | "un" | "uno" => 1.0,
        "two" | "dos" => 2.0,
        "three" | "tres" => 3.0,
        "four" | "cuatro" => 4.0,
        "five" | "cinco" => 5.0,
        "six" | "seis" => 6.0,
        "seven" | "siete" => 7.0,
        "eight" | "ocho" => 8.0,
        "nine" | "nueve" => 9.0,
        "ten" | "diez" => 10.0,
        "eleven" | "once" => 11.0,
        "twelve" | "doce" => 12.0,
        _ => return None,
    })
}

/// The age in days of a baby the message speaks of, when it is given in
/// days, weeks or months ("my 6 week old", "bebé de 5 semanas", "newborn").
pub(super) fn infant_age(tokens: &[Token]) -> Option<f64> {
    let baby = |i: usize| {
        [
            "baby",
            "bebe",
            "bebito",
            "bebita",
            "infant",
            "son",
            "daughter",
            "hijo",
            "hija",
            "nieto",
            "nieta",
            "newborn",
            "grandson",
            "granddaughter",
            "grandbaby",
        ]
        .contains(&word(tokens, i))
    };
    for i in 0..tokens.len() {
        if ["newborn", "newborns"].contains(&word(tokens, i))
            || (word(tokens, i) == "recien" && word(tokens, i + 1).starts_with("nacid"))
        {
            return Some(0.0);
        }
        // "6 weeks old", and written together: "6wk old", "10d old".
        let (n, unit, after) = match number(&tokens[i]) {
            Some((n, "")) => (n, word(tokens, i + 1), i + 2),
            Some((n, unit)) => (n, unit, i + 1),
            None => match number_word(word(tokens, i)) {
                Some(n) => (n, word(tokens, i + 1), i + 2),
                None => continue,
            },
        };
        let per = match unit {
            "day" | "days" | "dia" | "dias" | "d" => 1.0,
            "week" | "weeks" | "wk" | "wks" | "semana" | "semanas" | "semanitas" | "w" => 7.0,
            "month" | "months" | "mo" | "mos" | "mes" | "meses" => 30.4,
            _ => continue,
        };
        let old = ["old", "nacido", "nacida", "edad"].contains(&word(tokens, after))
            || (word(tokens, after) == "de" && ["nacido", "nacida", "edad"].contains(&word(tokens, after + 1)));
        let near_baby = (i.saturating_sub(3)..i).any(baby);
        if old || near_baby {
            return Some(n * per);
        }
    }
    None
}

/// Whether the message is about a child, whose normal pulse and breathing
/// rates are above an adult's (so the adult thresholds do not apply).
pub(super) fn mentions_a_child(tokens: &[Token]) -> bool {
    tokens.iter().enumerate().any(|(i, t)| {
        ["baby", "bebe", "infant", "toddler", "newborn", "bebito", "bebita", "nino", "nina", "kid", "child"]
            .contains(&t.text.as_str())
            || (["year", "years", "yr", "yrs", "ano", "anos"].contains(&t.text.as_str())
                && i > 0
                && number(&tokens[i - 1]).is_some_and(|(n, _)| n < 12.0)
                && word(tokens, i + 1) == "old")
    })
}
