//! Each red-flag family fires on lay wording in both languages.

use super::{assert_fires, assert_quiet};

#[test]
fn chest_pain_in_lay_words_both_languages() {
    assert_fires(
        "chest pain",
        &[
            "my chest feels tight since this morning",
            "Chest pian and sweating",
            "feels like an elephant sitting on my chest",
            "pressure in my chest when I walk",
            "i think im having a heart attack",
            "me duele el pecho desde anoche",
            "tengo dolor en el pecho y sudor",
            "siento el pecho apretado",
            "creo que es un infarto",
        ],
    );
}

#[test]
fn trouble_breathing_both_languages() {
    assert_fires(
        "trouble breathing",
        &[
            "I can't breathe",
            "cant catch my breath even sitting",
            "my son is wheezing and the inhaler isnt helping",
            "her lips are turning blue",
            "short of breath at rest",
            "no puedo respirar bien",
            "mi hijo se ahoga",
            "me falta el aire",
        ],
    );
}

#[test]
fn stroke_signs_both_languages() {
    assert_fires(
        "stroke signs",
        &[
            "my mom's face is drooping on one side",
            "his speech is slurred and weird",
            "left arm went numb suddenly and my face feels off",
            "cant find my words",
            "a mi papá se le ve la cara caida",
            "habla raro y arrastrado",
            "tiene el lado izquierdo dormido",
        ],
    );
}

#[test]
fn fainting_bleeding_anaphylaxis() {
    assert_fires("fainting", &["I passed out at work", "she fainted twice", "me desmayé en la cocina"]);
    assert_fires(
        "severe bleeding",
        &[
            "cut my hand and it won't stop bleeding",
            "soaking through pads every hour",
            "vomiting blood",
            "black tarry stool",
            "está sangrando mucho y no para",
            "vomitando sangre",
        ],
    );
    assert_fires(
        "anaphylaxis",
        &[
            "my throat is closing after the shrimp",
            "lips swelling after bee sting",
            "se le hinchó la lengua",
            "siento la garganta cerrando",
        ],
    );
}

#[test]
fn suicide_overdose_seizure() {
    assert_fires(
        "suicidal or self-harm thoughts",
        &[
            "i dont want to be alive anymore",
            "thinking about ending my life",
            "been cutting myself again",
            "everyone would be better off without me",
            "ya no quiero vivir",
            "quiero quitarme la vida",
            "pienso en suicidarme",
        ],
    );
    assert_fires(
        "overdose or poisoning",
        &[
            "I took too many of my sleeping pills",
            "my toddler swallowed a button battery",
            "he drank bleach",
            "se tomó todas las pastillas",
            "creo que es una sobredosis",
        ],
    );
    assert_fires(
        "seizure",
        &[
            "my son had a seizure",
            "she is having a siezure",
            "eyes rolled back and shaking",
            "tuvo una convulsión",
            "le dio un ataque epileptico",
        ],
    );
}

#[test]
fn pregnancy_infant_sugar_vision_headache() {
    assert_fires(
        "pregnancy with bleeding or pain",
        &["I'm 10 weeks pregnant and bleeding", "estoy embarazada y tengo sangrado"],
    );
    assert_fires(
        "fever in an infant under 3 months",
        &[
            "my 6 week old has a temp of 100.8",
            "mi bebé de 5 semanas tiene fiebre de 38.2",
            "newborn feels hot, fever 100.5",
        ],
    );
    assert_fires(
        "very low blood sugar",
        &["sugar is 45 and he's confused", "my sugar dropped and I'm confused", "el azúcar está en 40"],
    );
    assert_fires(
        "sudden vision loss",
        &[
            "suddenly can't see out of my left eye",
            "like a curtain coming down over my eye",
            "perdí la vista de un ojo",
        ],
    );
    assert_fires(
        "worst headache",
        &["worst headache of my life", "el peor dolor de cabeza de mi vida", "thunderclap headache"],
    );
}

#[test]
fn indirect_lay_descriptions_fire() {
    assert_fires("chest pain", &["dad is clutching his chest and sweating", "mi esposo está agarrándose el pecho"]);
    assert_fires("chest pain", &["se me cierra el pecho", "le pesa como una piedra en el pecho"]);
    assert_fires("trouble breathing", &["I can only get a few words out", "no me entra el aire"]);
    assert_fires("trouble breathing", &["her nostrils are flaring", "se le hunden las costillas al respirar"]);
    assert_fires("stroke signs", &["he doesn't know where he is, he was fine at lunch", "no encuentra las palabras"]);
    assert_fires("fainting", &["Dad just keeled over in the kitchen", "le dio un soponcio en la iglesia"]);
    assert_fires("severe bleeding", &["puked up blood twice", "no deja de sangrar la herida"]);
    assert_fires("anaphylaxis", &["covered in welts and breathing funny after the egg"]);
    assert_fires("suicidal or self-harm thoughts", &["I bought a rope and picked the spot", "me voy a matar"]);
    assert_fires("suicidal or self-harm thoughts", &["he keeps talking about shooting himself"]);
    assert_fires("overdose or poisoning", &["my toddler swallowed a coin battery", "took like 15 of them tonight"]);
    assert_fires("seizure", &["the baby went rigid and started twitching on one side"]);
    assert_fires("pregnancy with bleeding or pain", &["tengo 35 semanas y el bebé no se ha movido"]);
    assert_fires("fever in an infant under 3 months", &["mi nene de 3 semanitas tiene 38.2"]);
    assert_fires("very low blood sugar", &["dexcom says 38 arrow down and he's sweating"]);
    assert_fires("sudden vision loss", &["my right eye went totally dark"]);
    assert_fires("worst headache", &["me explotó la cabeza de dolor"]);
    assert_fires("severe abdominal pain", &["tengo la panza dura como tabla y me duele horrible"]);
    assert_fires("other emergencies", &["on chemo and my fever is 101.8"]);
}

#[test]
fn similes_medicine_names_and_passing_scares_are_not_triggers_or_flags() {
    // "como si" is a simile, not a hypothetical.
    assert_fires("chest pain", &["me duele el pecho como si me apretaran"]);
    assert_quiet(&["can you refill my seizure meds", "the school needs a seizure action plan signed"]);
    assert_quiet(&["me dio un soponcio cuando vi la cuenta del hospital jaja"]);
}

#[test]
fn misspellings_one_edit_away_fire() {
    assert_fires("seizure", &["he had a seizur"]);
    assert_fires("trouble breathing", &["cant breath"]);
    assert_fires("suicidal or self-harm thoughts", &["feeling suicidle"]);
    assert_fires("fainting", &["i fanted"]);
}
