use super::*;
use crate::text::tokenize;

pub(super) fn alarms(text: &str) -> Vec<String> {
    check(text, &tokenize(text)).alarms
}

pub(super) fn fires(text: &str, expected: &str) {
    let found = alarms(text);
    assert!(found.iter().any(|r| r == expected), "{text:?}: expected {expected:?}, got {found:?}");
}

pub(super) fn quiet(text: &str) {
    let found = alarms(text);
    assert!(found.is_empty(), "{text:?} should not fire: {found:?}");
}

#[test]
fn blood_pressure_past_the_thresholds_fires_with_both_numbers_shown() {
    fires(
        "Dad, 78, BP 82/50, confused since this morning",
        "vital sign: blood pressure 82/50 (emergency: systolic below 90 with symptoms)",
    );
    fires(
        "presión 80/50 y estoy muy mareada",
        "vital sign: blood pressure 80/50 (emergency: systolic below 90 with symptoms)",
    );
    fires("my bp is 210/125", "vital sign: blood pressure 210/125 (emergency at or above 180/120)");
    fires(
        "blood pressure 190 over 100 and a pounding headache",
        "vital sign: blood pressure 190/100 (emergency: above 180/120 with symptoms)",
    );
    fires(
        "Pt c/o CP, BP 88/52, HR 124, diaphoretic",
        "vital sign: blood pressure 88/52 (emergency: systolic below 90 with symptoms)",
    );
    quiet("BP 86/58 this morning, I feel fine, it always runs low");
    quiet("my bp is 185/95");
    quiet("BP 120/80, sats 98%, temp 98.6, sugar 110");
}

#[test]
fn pulse_spo2_and_respiratory_rate_past_the_thresholds_fire() {
    fires("HR 140 since lunch", "vital sign: heart rate 140 (emergency above 130)");
    fires("pulso 35 y me siento débil", "vital sign: heart rate 35 (emergency below 40)");
    fires("heart rate 150 bpm", "vital sign: heart rate 150 (emergency above 130)");
    fires("sats 86%", "vital sign: SpO2 86% (emergency below 90%)");
    fires("oxygen 85 on the finger thing", "vital sign: SpO2 85% (emergency below 90%)");
    fires("saturación 88", "vital sign: SpO2 88% (emergency below 90%)");
    fires("pulse ox 85 and lips look dusky", "vital sign: SpO2 85% (emergency below 90%)");
    fires("RR 32, working hard to breathe", "vital sign: respiratory rate 32 (emergency above 30)");
    quiet("HR 72, sats 97%, RR 16");
    quiet("on 2 liters of oxygen at night as usual");
    quiet("iron saturation 62% and ferritin 480, could that be hemochromatosis?");
    fires(
        "sugar over 400 and vomiting",
        "vital sign: glucose over 400 mg/dL (emergency above 400 mg/dL with symptoms)",
    );
    quiet("pulse 125 after my run");
}

#[test]
fn temperature_reads_fahrenheit_and_celsius() {
    fires("104.5F since last night", "vital sign: temperature 104.5 °F (emergency at or above 104 °F / 40 °C)");
    fires("40.5 °C this afternoon", "vital sign: temperature 40.5 °C (emergency at or above 104 °F / 40 °C)");
    fires("temp 40.2 and shivering", "vital sign: temperature 40.2 °C (emergency at or above 104 °F / 40 °C)");
    fires("fiebre de 40 desde ayer", "vital sign: temperature 40 °C (emergency at or above 104 °F / 40 °C)");
    quiet("temp 39.8 today");
    quiet("fever of 101.5 since yesterday");
    quiet("temperature 98.6 F");
}

#[test]
fn an_infant_under_three_months_has_the_paediatric_threshold() {
    fires(
        "my 6 week old has 100.6",
        "vital sign: temperature 100.6 °F in an infant under 3 months (emergency at or above 100.4 °F / 38 °C)",
    );
    fires(
        "mi bebé de 5 semanas tiene 38.2",
        "vital sign: temperature 38.2 °C in an infant under 3 months (emergency at or above 100.4 °F / 38 °C)",
    );
    quiet("my 6 month old has 100.6");
    quiet("my 6 week old has 99.1");
}

#[test]
fn glucose_reads_mg_dl_and_mmol_l() {
    fires("BGL 42", "vital sign: glucose 42 mg/dL (emergency below 54 mg/dL)");
    fires("glucosa 38 mg/dL", "vital sign: glucose 38 mg/dL (emergency below 54 mg/dL)");
    fires("sugar 2.4 mmol/L and shaky", "vital sign: glucose 2.4 mmol/L (emergency below 3.0 mmol/L)");
    fires("sugar 550 and throwing up", "vital sign: glucose 550 mg/dL (emergency above 400 mg/dL with symptoms)");
    quiet("sugar 550 after the cake, otherwise fine");
    quiet("sugar 5.6 mmol/L fasting");
    quiet("glucose 95 mg/dL");
}

#[test]
fn inr_and_heart_failure_weight_gain_fire_in_their_context() {
    fires("INR 9.6 today", "vital sign: INR 9.6 (emergency above 9)");
    fires("INR 7.2 and my gums are bleeding", "vital sign: INR 7.2 (emergency above 5 with bleeding)");
    quiet("INR 7.2, no bruising or anything");
    quiet("INR 2.5 this week");
    fires(
        "I have heart failure and gained 5 lbs in 2 days",
        "vital sign: weight gain 5 lb in 2 days (heart failure: emergency at 2 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
    );
    fires(
        "CHF, subí 3 kilos en una semana",
        "vital sign: weight gain 3 kg in 7 days (heart failure: emergency at 2 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
    );
    quiet("I have heart failure and gained 1 lb this week");
    quiet("weight up 4 lbs in 2 days, bit puffy, should I take an extra lasix?");
    fires(
        "CHF, gained 2 lbs in 1 day",
        "vital sign: weight gain 2 lb in a day (heart failure: emergency at 2 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
    );
    quiet("gained 5 lbs in 2 days over the holidays lol");
    fires(
        "insuficiencia cardiaca, subí 2 kilos en 5 días",
        "vital sign: weight gain 2 kg in 5 days (heart failure: emergency at 2 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
    );
}

#[test]
fn past_family_hypothetical_and_negated_readings_do_not_fire() {
    quiet("last year my BP was 80/50 and I was dizzy");
    quiet("my father had a BP of 220/130 before his stroke");
    quiet("what if my sugar is 45?");
    quiet("hace dos años tuve la presión en 200/130");
    quiet("no fever of 104, just a cough");
    let text = "last year my BP was 210/130";
    let check = super::check(text, &tokenize(text));
    assert_eq!(
        check.suppressed,
        [("vital sign: blood pressure 210/130 (emergency at or above 180/120)".to_owned(), Suppression::History)]
    );
}

#[test]
fn nonsense_and_other_numbers_are_not_readings() {
    quiet("BP 1200/80");
    quiet("appointment on 12/05 at 10");
    quiet("I take metoprolol 25 twice a day, sugar log attached");
    quiet("temp 400");
    quiet("my 38 week pregnant wife");
    quiet("this cereal has sugar 45 grams per bowl");
    quiet("I sat down at 85 and felt fine");
}

#[test]
fn a_child_is_not_held_to_adult_pulse_and_breathing_thresholds() {
    quiet("my 2 year old has a heart rate of 150 after crying");
    quiet("baby RR 40 while feeding");
    fires(
        "my 6 year old has a fever of 40.3",
        "vital sign: temperature 40.3 °C (emergency at or above 104 °F / 40 °C)",
    );
}

#[test]
fn odd_text_around_numbers_never_panics() {
    for text in [
        "°/%/ 12/ /34 ½ 3.4.5 1,2,3 ９０/６０ ١٢٠/٨٠ bp",
        "bp",
        "bp /",
        "BP 120/",
        "/80",
        "sats %",
        "temp °",
        "gained",
        "gained 5",
        "gained 5 lbs in",
        "gained 5 lbs in a",
        "INR",
        "my 6 week old",
        "🙂 BP 210/130 🙂",
        "BP 82/50\u{301}",
        "presión 80/50/",
        "sugar 5.5.5 mmol",
        "104.5Fx",
        "1e9 bpm",
        "bp 999999999999999999999999/1",
        "K",
        "potassium",
        "sodio 1e400",
        "Hb 0",
        "platelets 99999999999999999999",
        "lithium level .",
        "aumento de peso de",
        "6wk",
    ] {
        let _ = check(text, &tokenize(text));
    }
}

#[test]
fn clinical_labels_and_low_readings_fire() {
    fires("SatO2 86%, FC 124", "vital sign: SpO2 86% (emergency below 90%)");
    fires("satura 87 con el salbutamol", "vital sign: SpO2 87% (emergency below 90%)");
    fires("SatO2 85-87% en reposo", "vital sign: SpO2 85% (emergency below 90%)");
    fires("AMS, T 40.1, neck stiffness", "vital sign: temperature 40.1 °C (emergency at or above 104 °F / 40 °C)");
    fires("FR 32, tose flema verde", "vital sign: respiratory rate 32 (emergency above 30)");
    fires("RR 8 and pinpoint pupils", "vital sign: respiratory rate 8 (emergency below 9)");
    fires("temp 94.1F and shivering", "vital sign: temperature 94.1 °F (emergency below 95 °F / 35 °C)");
    fires("el azúcar me ha dado 45 toda la mañana", "vital sign: glucose 45 mg/dL (emergency below 54 mg/dL)");
    quiet("RR 16, T 36.8, SpO2 96%");
    quiet("respiratory rate 12 while asleep");
    // A temperature is only read low when it is written as one.
    quiet("pt is 33, on day 34 of the diet");
}

#[test]
fn infants_and_weight_gain_written_in_shorthand() {
    fires(
        "6wk old, 38.3 C rectal, feeding less",
        "vital sign: temperature 38.3 °C in an infant under 3 months (emergency at or above 100.4 °F / 38 °C)",
    );
    fires(
        "Grandson 2 months, 38.5 in the ear, fussy",
        "vital sign: temperature 38.5 °C in an infant under 3 months (emergency at or above 100.4 °F / 38 °C)",
    );
    fires(
        "paciente con ICC, aumento de peso de 4 kg en 5 días, ortopnea",
        "vital sign: weight gain 4 kg in 5 days (heart failure: emergency at 2 lb / 1 kg in a day or 5 lb / 2 kg in a week)",
    );
    quiet("grandson is 2 years old, temp 38.5");
}
