//! Lexicon 1.6.0 and the shorthand reader: clinical summaries, shorthand and
//! pasted notes, and the same traps written in that register.

use super::*;

#[test]
fn clinical_shorthand_fires_as_its_words() {
    assert_fires("chest pain", &["pt c/o CP radiating to L arm, diaphoretic", "crushing CP x 30 min, sweaty"]);
    assert_fires("trouble breathing", &["POD 5, now sudden SOB at rest", "disnea de repente y FC 120 en reposo"]);
    assert_fires("fainting", &["+LOC at the gym, about 1 min", "pérdida de conocimiento en el trabajo"]);
    assert_fires(
        "suicidal or self-harm thoughts",
        &["SI with plan, pills counted out", "he has HI toward his neighbor"],
    );
    assert_fires("worst headache", &["pt c/o worst HA of life, sudden onset", "cefalea súbita, la peor de su vida"]);
    assert_fires("other emergencies", &["AMS since 2am, BGL 41", "alteración del estado de conciencia desde las 2am"]);
}

#[test]
fn clinical_summaries_and_reports_fire() {
    assert_fires("chest pain", &["varón 55a, dolor torácico opresivo 30 min", "troponin elevated at the urgent care"]);
    assert_fires("stroke signs", &["A 48-year-old woman presents with new confusion and jaundice"]);
    assert_fires("stroke signs", &["se le traba la lengua y se le sale la baba por un lado"]);
    assert_fires("severe bleeding", &["now coffee-ground emesis x3, lightheaded", "vómito en posos de café x 3"]);
    assert_fires("other emergencies", &["CT report: \"Acute subdural hematoma with 6 mm midline shift.\""]);
    assert_fires("overdose or poisoning", &["found with a half-empty bottle of her sleeping pills, very drowsy"]);
    assert_fires("sudden vision loss", &["pérdida súbita de visión del ojo izquierdo, como una cortina"]);
    assert_fires("anaphylaxis", &["se me hincha la lengua y tengo silbido", "se le hincharon los labios y la lengua"]);
    assert_fires("suicidal or self-harm thoughts", &["me manda mensajes despidiéndose y que ya no puede más"]);
}

#[test]
fn traps_in_the_clinical_register_stay_quiet() {
    assert_quiet(&[
        // Negation, English and Spanish.
        "Pt denies CP/SOB, sleeping flat, no swelling",
        "denies SI/HI, this is my daughter's therapist's note",
        "niega dolor torácico y disnea, duermo plano",
        "fell, -LOC, acting normal",
        // History.
        "hx of MI 2019, stable since, no CP",
        "hx seizure disorder, last seizure 2016. Need the DMV form signed",
        "had a LOC during a soccer game 2 yrs ago, fully worked up",
        "tuve convulsiones hasta 2015, ninguna desde entonces",
        "need records of my 2019 hospitalization for the MI",
        // Discharge instructions and questions.
        "\"Follow up in 1 week. Call for fever > 101, chest pain, shortness of breath.\"",
        "\"Consulte si fiebre, dolor torácico o falta de aire.\"",
        "What's a dangerous fever for a 2 month old?",
        "¿qué fiebre es peligrosa en un bebé de 2 meses?",
        "What do the letters SOB, DOE and PND mean on my old hospital notes?",
        "What does it mean when the troponin is a little high?",
        "piden un plan de acción para convulsiones de mi hijo",
        // Words that only look like the red flag.
        "Sugar 45 g of carbs per meal is what the dietitian said",
        "glucose 19 mmol/L most of the day, keeping fluids down",
        "me falta el aire solo en las escaleras",
        "Soy la cuidadora de mi tía. Signos de hoy: T 36,8",
        "HI, is my refill ready?",
        "my son has CP (cerebral palsy) and needs a new wheelchair form",
    ]);
}

#[test]
fn a_pressure_outside_pregnancy_counts_with_symptoms_above_180() {
    assert_quiet(&["BP 158/98 and 162/101 last 3 days, headache that comes and goes"]);
    assert_fires("other emergencies", &["BP 196/110 with a pounding headache"]);
    assert_fires("pregnancy with bleeding or pain", &["33 wks pregnant, BP 168/112, headache"]);
}
