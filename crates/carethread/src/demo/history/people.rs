//! The demo clinic's other patients: plausible English- and Spanish-speaking
//! names and ages, drawn from a fixed seed so every demo has the same people.

use carethread_core::equity::{Dimension, GroupValue};
use carethread_core::user::Language;
use chrono::{Datelike as _, NaiveDate};

use super::plan::Rng;

const FIRST_EN: &[&str] = &[
    "James", "Mary", "Robert", "Patricia", "Michael", "Jennifer", "William", "Linda", "David", "Susan", "Richard",
    "Karen", "Joseph", "Nancy", "Thomas", "Betty", "Charles", "Sandra", "Daniel", "Ashley", "Matthew", "Emily",
    "Anthony", "Donna", "Mark", "Michelle", "Steven", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George",
    "Deborah", "Edward", "Rebecca", "Ronald", "Sharon", "Timothy", "Laura", "Jason", "Cynthia", "Ryan", "Kathleen",
    "Gary", "Amy", "Nicholas", "Angela", "Eric", "Shirley", "Walter", "Ruth", "Harold", "Megan", "Tyler", "Olivia",
    "Ethan", "Hannah", "Samuel", "Grace",
];
const LAST_EN: &[&str] = &[
    "Smith", "Brown", "Miller", "Wilson", "Moore", "Taylor", "Anderson", "Thomas", "Jackson", "White", "Harris",
    "Martin", "Thompson", "Clark", "Lewis", "Walker", "Hall", "Allen", "Young", "King", "Wright", "Scott", "Green",
    "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter", "Phillips", "Evans", "Turner",
    "Parker", "Collins", "Edwards", "Stewart", "Morris", "Murphy", "Cook", "Rogers", "Morgan", "Cooper", "Peterson",
    "Bailey", "Reed", "Kelly", "Howard", "Nguyen",
];
const FIRST_ES: &[&str] = &[
    "José",
    "María",
    "Juan",
    "Guadalupe",
    "Luis",
    "Rosa",
    "Carlos",
    "Ana",
    "Jorge",
    "Carmen",
    "Miguel",
    "Lucía",
    "Francisco",
    "Teresa",
    "Antonio",
    "Elena",
    "Manuel",
    "Sofía",
    "Pedro",
    "Isabel",
    "Javier",
    "Alejandra",
    "Ricardo",
    "Verónica",
    "Roberto",
    "Gabriela",
    "Fernando",
    "Patricia",
    "Raúl",
    "Adriana",
    "Héctor",
    "Marisol",
    "Andrés",
    "Yolanda",
    "Diego",
    "Beatriz",
    "Sergio",
    "Leticia",
    "Arturo",
    "Claudia",
];
const LAST_ES: &[&str] = &[
    "García",
    "Rodríguez",
    "Hernández",
    "López",
    "González",
    "Pérez",
    "Sánchez",
    "Ramírez",
    "Torres",
    "Flores",
    "Rivera",
    "Gómez",
    "Díaz",
    "Reyes",
    "Morales",
    "Cruz",
    "Ortiz",
    "Gutiérrez",
    "Chávez",
    "Ramos",
    "Ruiz",
    "Mendoza",
    "Vásquez",
    "Castillo",
    "Jiménez",
    "Romero",
    "Herrera",
    "Medina",
    "Aguilar",
    "Vargas",
];

/// A patient of the demo clinic beyond the demo accounts.
pub(super) struct Patient {
    pub username: String,
    pub display_name: String,
    pub first_name: &'static str,
    pub born: NaiveDate,
    pub language: Language,
}

/// A username from a name: lower-case ASCII letters, accents dropped.
fn ascii(name: &str) -> String {
    name.chars()
        .filter_map(|c| match c {
            'á' | 'Á' => Some('a'),
            'é' | 'É' => Some('e'),
            'í' | 'Í' => Some('i'),
            'ó' | 'Ó' => Some('o'),
            'ú' | 'Ú' | 'ü' => Some('u'),
            'ñ' | 'Ñ' => Some('n'),
            c if c.is_ascii_alphabetic() => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

/// Up to this many patients, each has a name no other has.
const SMALL_CLINIC: usize = 1_000;

/// `count` patients, about a third of whom write in Spanish, aged 19 to 92
/// on `today` (more of them older: they write to their clinic most).
pub(super) fn patients(rng: &mut Rng, count: usize, today: NaiveDate) -> Vec<Patient> {
    let mut out: Vec<Patient> = Vec::with_capacity(count);
    let mut taken = std::collections::HashSet::new();
    while out.len() < count {
        let spanish = rng.chance(0.33);
        let (firsts, lasts, language) =
            if spanish { (FIRST_ES, LAST_ES, Language::Es) } else { (FIRST_EN, LAST_EN, Language::En) };
        let first = *rng.pick(firsts);
        let last = *rng.pick(lasts);
        let display_name = if spanish && rng.chance(0.4) {
            // Two surnames, as many Spanish speakers write their name.
            format!("{first} {last} {}", rng.pick(LAST_ES))
        } else {
            format!("{first} {last}")
        };
        let mut username = format!("{}.{}", ascii(first), ascii(last));
        if taken.contains(&username) {
            // The demo's few patients each have a name of their own; a
            // benchmark's many share names, told apart by a number.
            if count <= SMALL_CLINIC {
                continue;
            }
            username = format!("{username}.{}", out.len());
        }
        taken.insert(username.clone());
        // Ages weighted toward 45-80, the ages that message most.
        let age = 19 + (rng.below(40) + rng.below(35)).min(73);
        let year = today.year() - i32::try_from(age).unwrap_or(40);
        let born =
            NaiveDate::from_yo_opt(year, 1 + u32::try_from(rng.below(360)).unwrap_or(0)).unwrap_or(NaiveDate::MIN);
        out.push(Patient { username, display_name, first_name: first, born, language });
    }
    out
}

/// Races as the patients gave them, with how often each is given.
const RACES: &[(&str, f64)] = &[
    ("White", 0.55),
    ("Black or African American", 0.17),
    ("Asian", 0.1),
    ("American Indian or Alaska Native", 0.03),
    ("Native Hawaiian or Other Pacific Islander", 0.02),
    ("More than one race", 0.13),
];

/// The groups `patient` gave the front desk: payer type (Medicare for most
/// over 65, Medicaid for more of the Spanish speakers), sex, race and
/// ethnicity; some give none of the last two. From a generator of their
/// own, so the demo's year stays the same.
pub(super) fn groups(rng: &mut Rng, patient: &Patient, today: NaiveDate) -> Vec<(Dimension, GroupValue)> {
    let spanish = patient.language == Language::Es;
    let age = today.years_since(patient.born).unwrap_or(40);
    let payer = if age >= 65 && rng.chance(0.85) {
        "medicare"
    } else if rng.chance(if spanish { 0.5 } else { 0.18 }) {
        "medicaid"
    } else if rng.chance(0.06) {
        "self-pay"
    } else {
        "commercial"
    };
    let sex = if rng.chance(0.04) {
        ""
    } else if rng.chance(0.55) {
        "female"
    } else {
        "male"
    };
    let ethnicity = if rng.chance(0.12) {
        ""
    } else if rng.chance(if spanish { 0.92 } else { 0.07 }) {
        "Hispanic or Latino"
    } else {
        "Not Hispanic or Latino"
    };
    let race = if rng.chance(0.18) {
        ""
    } else {
        let mut pick = rng.unit();
        RACES
            .iter()
            .find(|(_, p)| {
                pick -= p;
                pick < 0.0
            })
            .map_or("White", |(r, _)| r)
    };
    [("payer", payer), ("sex", sex), ("ethnicity", ethnicity), ("race", race)]
        .into_iter()
        .filter_map(|(d, v)| Some((Dimension::parse(d).ok()?, GroupValue::parse(v).ok()?)))
        .collect()
}
