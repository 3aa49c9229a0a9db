//! Lexicon 1.7.0: the harmless uses of alarming words that the register
//! batches showed the rules raising (a medicine for seizures, a denial list,
//! a discharge sheet, a monitor worn for a day, another analyte in mg/dL),
//! each beside the emergency it must still catch.

use super::{assert_quiet, emergency};

#[test]
fn a_denial_governs_its_list() {
    assert_quiet(&[
        "64M, HTN. Denies CP, SOB, palpitations, syncope. Home BPs 128/78.",
        "pcte niega DT, disnea, síncope",
    ]);
    // A plain "no" does not: the rest of a list may be what is happening.
    assert!(emergency("no fever, crushing chest pain and sweating"));
    assert!(emergency("Denies fever. Now crushing chest pain and sweating"));
    // A long clause after the denial is not an item of its list, even one the red flag opens.
    assert!(emergency("denies fever, his chest pain started an hour ago and is crushing"));
    assert!(emergency("pt denies fever, chest pain started 1h ago radiating to L arm"));
    assert!(emergency("niega fiebre, dolor de pecho opresivo desde hace una hora con sudoración"));
}

#[test]
fn history_in_clinical_notes_and_ages() {
    assert_quiet(&[
        "DMV medical form - hx sz, sz-free x3 yrs on keppra, need MD sig",
        "Mi hijo tuvo una convulsión por fiebre cuando tenía un año. La escuela pide una constancia.",
        "tuve una convulsión febril a los 3 años, nada desde entonces",
        "ED visit last wk for CP, trops neg x2, EKG NSR",
    ]);
    assert!(emergency("hx sz, had a seizure 10 minutes ago and is still confused"));
    assert!(emergency("hx CAD, now CP radiating to L arm"));
    // A history note names the past; what follows it in the sentence may be today's.
    assert!(emergency("72M hx CHF c/o SOB and CP"));
    assert!(emergency("pt hx CHF, SOB x2 days worsening, sats 85"));
    assert!(emergency("PMH COPD, severe SOB, lips blue"));
}

#[test]
fn questions_and_discharge_papers() {
    // Laughter is not a question: people laugh when they are frightened.
    assert!(emergency("me duele mucho el pecho jaja no se que sea"));
    assert!(emergency("¿tengo que volver a urgencias? me duele el pecho y me falta el aire"));
    assert_quiet(&[
        "dad hx CAD. when is CP an ER thing vs a call-the-office thing?",
        "what are the s/sx of TIA vs CVA? BE FAST still the teaching?",
        "el informe de alta dice volver a Urgencias si DT, disnea, síncope o fiebre",
    ]);
}

#[test]
fn harmless_uses_of_alarming_words() {
    assert_quiet(&[
        "A mi papá se le acaba mañana su medicamento para las convulsiones (levetiracetam)",
        "Mi esposo dice que la factura lo va a matar jaja. ¿Nos pueden explicar el cobro?",
        "tuve una convulsión febril a los 3 años, nada desde entonces. ¿afecta para hacer deporte?",
        "Asthmatic, peak flow 80% of best. No chest pain.",
        "Calcium 11.8 mg/dL H, PTH pending.",
        "Urine ketones small (15 mg/dL), sugars 240-270 today.",
        "I returned the 24 hour BP monitor Monday. When will the results be ready?",
        "should I bring the meter itself or can I print the 30-day report?",
        "Short of breath when I climb stairs, fine at rest. Can I get IV iron?",
        "Me ahogo subiendo escaleras, en reposo estoy bien.",
    ]);
    assert!(emergency("sugar 40 mg/dl and she is confused"));
    assert!(emergency("my meter says 38 and I am shaking"));
    assert!(emergency("peak flow 120, can't finish a sentence"));
    assert!(emergency("he is having a seizure right now, it has lasted 6 minutes"));
}

#[test]
fn a_figure_of_speech_never_swallows_the_symptom_it_wraps() {
    // "this … is killing me" is a figure of speech only when nothing alarming stands in it.
    assert!(emergency("this chest pain is killing me"));
    assert!(emergency("the pressure in my chest is killing me"));
    assert_quiet(&["this bill is killing me", "the wait is killing me", "this is killing me lol"]);
}

#[test]
fn a_harmless_phrase_leaves_a_red_flag_beside_it_standing() {
    assert!(emergency("the bill is killing me and I want to kill myself"));
    assert!(emergency("short of breath when I climb stairs and crushing chest pain"));
    assert!(emergency("me ahogo subiendo escaleras y me duele el pecho muy fuerte"));
    assert!(emergency("my seizure meds ran out and he is seizing right now"));
    assert!(emergency("me quiero morir con tantas deudas"));
    assert_quiet(&["chest pain when I cough, getting over a cold", "my seizure meds ran out, can you refill"]);
}

#[test]
fn lexicon_1_8_keeps_the_register_batches_false_alarms_quiet() {
    assert_quiet(&[
        // A pulse written after an oxygen reading is not the oxygen reading.
        "Mi reloj dice 99% de oxígeno y 70 lpm. ¿Es confiable o compro un oxímetro?",
        // A question about taking pills, not an overdose.
        "Tomo 3 pastillas al día de metformina 850. ¿Puedo tomarlas todas juntas en la cena?",
        // A discharge sheet's return precautions, and a question about a stroke's signs in shorthand.
        "Discharge summary (pasted): Dx pneumonia, improved. Return precautions: chest pain, shortness of breath.",
        "what are s/s of CVA i should watch for in dad? hes fine, just got dx afib yest",
        // Spanish shorthand with few function words: "s/" is "sin".
        "45a Tª 38.7 x2d, tos, mialgias, SatO2 96%, s/ disnea en reposo",
    ]);
    assert!(emergency("oxígeno 85 y 120 lpm, le cuesta respirar"));
    assert!(emergency("se tomó todas juntas las pastillas de la semana"));
    assert!(emergency("Tª 38.7, c/ disnea en reposo desde esta mañana"));
    // "MI" alone is no Spanish word ("mi"): read as a heart attack.
    assert!(emergency("having an MI"));
    assert!(emergency("Dad having an MI, EMS en route"));
    // A family history written in shorthand stays a family history.
    assert_quiet(&[
        "FHx MI (dad at 49) + HTN. I'm 38M, asx. should I be getting a lipid panel earlier than usual?",
        "fam hx of CVA, should I take aspirin?",
    ]);
}
