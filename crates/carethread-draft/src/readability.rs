//! Reading level: Flesch–Kincaid grade for English, Fernández–Huerta ease
//! (with its school-grade equivalent) for Spanish, plus the jargon found
//! and whether the reply acknowledges the patient's feelings.

use carethread_core::user::Language;
use serde::Serialize;

use crate::empathy;
use crate::jargon::{self, JargonHit};
use crate::text::{self, Counts};

/// What a reader would notice about a reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Readability {
    pub language: Language,
    /// The formula used: `flesch_kincaid` or `fernandez_huerta`.
    pub formula: &'static str,
    /// The formula's own score: a US school grade (Flesch–Kincaid), or a
    /// 0–100 ease where higher is easier (Fernández–Huerta).
    pub score: f64,
    /// The school grade needed to read it comfortably (for Spanish, the
    /// grade band of the ease score).
    pub grade: f64,
    pub sentences: usize,
    pub words: usize,
    pub syllables: usize,
    pub jargon: Vec<JargonHit>,
    /// The reply acknowledges the patient's concern ("I'm sorry…", "I understand…").
    pub empathy: bool,
}

/// The grade drafts must not exceed.
pub const MAX_DRAFT_GRADE: f64 = 8.0;

/// Flesch–Kincaid grade level: 0.39 × words/sentence + 11.8 × syllables/word − 15.59.
#[must_use]
pub fn flesch_kincaid_grade(c: Counts) -> f64 {
    if c.words == 0 {
        return 0.0;
    }
    let (w, s, y) = (c.words as f64, c.sentences.max(1) as f64, c.syllables as f64);
    0.39 * (w / s) + 11.8 * (y / w) - 15.59
}

/// Fernández–Huerta reading ease: 206.84 − 0.60 × P − 1.02 × F, where P is
/// syllables per 100 words and F sentences per 100 words.
#[must_use]
pub fn fernandez_huerta(c: Counts) -> f64 {
    if c.words == 0 {
        return 100.0;
    }
    let per_hundred = 100.0 / c.words as f64;
    let p = c.syllables as f64 * per_hundred;
    let f = c.sentences.max(1) as f64 * per_hundred;
    206.84 - 0.60 * p - 1.02 * f
}

/// The school grade that goes with a Fernández–Huerta ease score, read off
/// the Flesch bands it was calibrated on (90–100: 4th grade, 80s: 5th,
/// 70s: 6th, 60s: 7th–8th, 50s: 10th–12th, 30–50: college, below 30:
/// graduate), interpolated within each band so a small change in the text
/// never jumps a grade band at once.
#[must_use]
pub fn ease_to_grade(ease: f64) -> f64 {
    const POINTS: [(f64, f64); 8] =
        [(100.0, 3.0), (90.0, 4.0), (80.0, 5.0), (70.0, 6.0), (60.0, 8.0), (50.0, 11.0), (30.0, 14.0), (0.0, 18.0)];
    if ease >= POINTS[0].0 {
        return POINTS[0].1;
    }
    for pair in POINTS.windows(2) {
        let ((hi_e, hi_g), (lo_e, lo_g)) = (pair[0], pair[1]);
        if ease >= lo_e {
            return hi_g + (hi_e - ease) / (hi_e - lo_e) * (lo_g - hi_g);
        }
    }
    POINTS[POINTS.len() - 1].1
}

/// Measures `text` as written in `language`.
#[must_use]
pub fn measure(text: &str, language: Language) -> Readability {
    let c = text::counts(text, language);
    let (formula, score, grade) = match language {
        Language::En => {
            let g = flesch_kincaid_grade(c);
            ("flesch_kincaid", g, g)
        }
        Language::Es => {
            let ease = fernandez_huerta(c);
            ("fernandez_huerta", ease, ease_to_grade(ease))
        }
    };
    Readability {
        language,
        formula,
        score: round1(score),
        grade: round1(grade.max(0.0)),
        sentences: c.sentences,
        words: c.words,
        syllables: c.syllables,
        jargon: jargon::find(text, language),
        empathy: empathy::acknowledges(text, language),
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "The cat sat on the mat. It was happy." — 2 sentences, 9 words,
    /// 10 syllables (hap-py): 0.39 × 4.5 + 11.8 × 10/9 − 15.59 = −0.724.
    #[test]
    fn flesch_kincaid_matches_a_hand_computed_example() {
        let c = text::counts("The cat sat on the mat. It was happy.", Language::En);
        assert_eq!((c.sentences, c.words, c.syllables), (2, 9, 10));
        assert!((flesch_kincaid_grade(c) - (-0.724)).abs() < 0.01);
    }

    /// "Your blood pressure medicine is ready at the pharmacy." — 1 sentence,
    /// 9 words, 15 syllables (your 1, blood 1, pres-sure 2, med-i-cine 3, is 1,
    /// read-y 2, at 1, the 1, phar-ma-cy 3): 0.39 × 9 + 11.8 × 15/9 − 15.59 = 7.59.
    #[test]
    fn flesch_kincaid_grades_a_clinical_sentence() {
        let r = measure("Your blood pressure medicine is ready at the pharmacy.", Language::En);
        assert_eq!((r.sentences, r.words, r.syllables), (1, 9, 15));
        assert!((r.grade - 7.6).abs() < 0.05, "{r:?}");
    }

    /// "La receta está lista. Puede pasar mañana." — 2 sentences, 7 words,
    /// 15 syllables (la 1, re-ce-ta 3, es-tá 2, lis-ta 2, pue-de 2, pa-sar 2,
    /// ma-ña-na 3): P = 214.29, F = 28.57; 206.84 − 128.57 − 29.14 = 49.13.
    #[test]
    fn fernandez_huerta_matches_a_hand_computed_example() {
        let r = measure("La receta está lista. Puede pasar mañana.", Language::Es);
        assert_eq!((r.sentences, r.words, r.syllables), (2, 7, 15));
        assert!((r.score - 49.1).abs() < 0.05, "{r:?}");
        // Between 50 (grade 11) and 30 (grade 14): 11 + 0.9 / 20 × 3 = 11.1.
        assert!((r.grade - 11.1).abs() < 0.05, "{r:?}");
    }

    #[test]
    fn short_plain_spanish_reads_easy() {
        let r = measure("Su receta ya está en la farmacia. Puede ir hoy. Gracias por escribir.", Language::Es);
        assert!(r.score > 60.0, "{r:?}");
    }

    #[test]
    fn long_technical_english_reads_hard() {
        let r = measure(
            "Your hyperlipidemia necessitates pharmacological intervention with a hydroxymethylglutaryl \
             coenzyme reductase inhibitor, titrated according to subsequent lipid panel evaluations.",
            Language::En,
        );
        assert!(r.grade > 14.0, "{r:?}");
        assert!(r.jargon.iter().any(|j| j.term == "hyperlipidemia"));
    }
}
