//! Phrasings added by each lexicon version, and the lookalikes that must stay quiet.

use super::{assert_fires, assert_quiet, emergency};

#[test]
fn lexicon_1_2_phrasings_fire_in_both_languages() {
    assert_fires(
        "trouble breathing",
        &[
            "my 2 month old is breathing about 80 times a minute",
            "she makes a squeaky noise every time she breathes in",
            "the finger oxygen thing says 84",
            "a mi mama no le jala el aire",
        ],
    );
    assert_fires(
        "stroke signs",
        &[
            "he keeps trying to talk but the wrong words come out",
            "mi esposo esta diciendo palabras que no son y tiene la sonrisa torcida",
            "my left hand wont grip anything since I woke up, the leg on that side too",
        ],
    );
    assert_fires("fainting", &["she crumpled to the floor at the store", "mi tia se desplomo en la cocina"]);
    assert_fires(
        "overdose or poisoning",
        &[
            "all four of us have headaches and feel dizzy since we turned on the furnace",
            "desde que prendimos el calentador a todos nos duele la cabeza",
        ],
    );
    assert_fires(
        "suicidal or self-harm thoughts",
        &[
            "how many of my sleeping pills would be too many",
            "mi hermano escribio que ya no va a ser una carga para nadie",
        ],
    );
    assert_fires(
        "pregnancy with bleeding or pain",
        &["36 weeks pregnant and I have been dripping clear fluid since noon"],
    );
    assert_fires("severe bleeding", &["threw up something that looked like coffee grounds"]);
}

#[test]
fn lexicon_1_2_stays_quiet_on_lookalikes() {
    assert_quiet(&[
        "my iron saturation was 62 on the last labs, what does it mean",
        "my husband snores and sometimes stops breathing for a few seconds at night, sleep study?",
        "two weeks after my c-section the incision is leaking a little fluid",
        "a little blood on the toilet paper, I have hemorrhoids",
    ]);
}

#[test]
fn lexicon_1_3_phrasings_fire_in_both_languages() {
    assert_fires(
        "chest pain",
        &[
            "my jaw and left arm ache and it came on while I was sitting down",
            "thought it was indigestion, took tums twice and it wont go away, now sweating buckets",
            "tengo una puntada en el pecho desde hace media hora",
        ],
    );
    assert_fires(
        "trouble breathing",
        &[
            "my peak flow is 140 tonight",
            "used my albuterol 6 times since lunch and my chest is still tight",
            "al bebe se le hunde el huequito del cuello cuando respira",
        ],
    );
    assert_fires(
        "stroke signs",
        &["my dad is dragging his right foot and slurring", "mi abuelo arrastra la pierna izquierda desde la comida"],
    );
    assert_fires(
        "suicidal or self-harm thoughts",
        &[
            "I am tired of being a burden to everyone",
            "I wrote goodbye letters to my kids last night",
            "I keep having thoughts of hurting the baby",
            "oigo una voz que me dice que me haga dano",
            "ando pensando en aventarme del puente",
        ],
    );
    assert_fires(
        "overdose or poisoning",
        &[
            "my 4 year old swallowed two little magnets from the fridge",
            "el nino se trago una pilita de reloj",
            "mi hijo tomo gasolina de una botella",
            "drank a bunch tonight and took two xanax, feel really slow and weird",
            "me puse 30 unidades de humalog en vez de la lantus",
        ],
    );
    assert_fires(
        "seizure",
        &[
            "his arms were jerking and he wasnt responding for two minutes",
            "tiene los brazos sacudiendose y no responde",
        ],
    );
    assert_fires(
        "pregnancy with bleeding or pain",
        &[
            "34 weeks pregnant with a headache and seeing flashing spots",
            "estoy de 37 semanas y el bebe no se ha movido desde anoche",
        ],
    );
    assert_fires("fever in an infant under 3 months", &["mi bebe nacio hace 20 dias y tiene 38.4"]);
    assert_fires("very low blood sugar", &["my sugar is 45 and I am shaking, juice is not bringing it up"]);
    assert_fires(
        "very high blood sugar with vomiting or confusion",
        &["ran out of insulin 3 days ago and now throwing up and breathing fast"],
    );
    assert_fires("sudden vision loss", &["a dark curtain is coming down over the top part of my right eye"]);
    assert_fires("severe abdominal pain", &["her belly is hard as a board and she screams when touched"]);
    assert_fires(
        "other emergencies",
        &[
            "my calf has been swollen and tight since the flight and now I am short of breath",
            "purple spots on his legs that dont fade when I press a glass, and a fever",
            "she is 5 months, throwing up all day, soft spot looks sunken",
            "her hand is white and leathery after the grease fire",
            "my son got a sudden pain in his left testicle an hour ago",
        ],
    );
}

#[test]
fn lexicon_1_3_scope_rules() {
    // A negation far from the end of a phrase, in the same clause, negates something else.
    assert!(emergency("36 weeks, a headache that tylenol isnt touching and I keep seeing sparkly spots"));
    // Near the end it still negates it, and so does one in a later clause.
    assert_quiet(&[
        "36 weeks, headache but no spots",
        "tiene ronchas de las fresas, pero nunca se le hincharon los labios",
    ]);
    // A negation reaches across a list joined by "or".
    assert_quiet(&["I'm not having chest pain or shortness of breath, just a sore back"]);
    // A pet is family-history only when something happened to it.
    assert!(emergency("she tripped over the dog, hit her head, and she is on warfarin"));
    assert_quiet(&["my dog had a seizure last night, can a dog get epilepsy?"]);
    // Figures of speech and passing scares.
    assert_quiet(&[
        "estoy muerta de cansancio, necesito una carta para el trabajo",
        "I was so nervous I almost passed out before the scan, thank the nurse for me",
        "my grandson says warfarin is rat poison, is that true?",
        "I get a little short of breath going up three flights of stairs, normal at 50?",
        "pense que me iba a desmayar cuando vi la cuenta",
        "my lamotrigine seizure med level came back at 4.1",
        "la presion me sale 150/95 toda la semana aunque me tomo las pastillas",
    ]);
}

#[test]
fn lexicon_1_4_phrasings_fire_in_both_languages() {
    assert_fires("chest pain", &["a mi papa le duele el chest y el brazo izquierdo"]);
    assert_fires(
        "trouble breathing",
        &["I have to sit on the edge of the bed to get air and I'm wheezing", "her lips are turning blue"],
    );
    assert_fires("anaphylaxis", &["ate shrimp and now his face is swelling and he makes a whistle noise"]);
    assert_fires("stroke signs", &["my left hand went clumsy at lunch", "his speech is thick and slurred since noon"]);
    assert_fires(
        "severe bleeding",
        &[
            "my tooth was pulled this morning and it won't stop bleeding, I take warfarin",
            "vomito como medio litro de sangre",
        ],
    );
    assert_fires(
        "suicidal or self-harm thoughts",
        &[
            "he texted goodbye and is not picking up, he has rifles at home",
            "I have been saving up my pills",
            "esta noche me las voy a tomar todas",
            "sitting in the garage with the engine running, thinking it would be easier",
        ],
    );
    assert_fires(
        "overdose or poisoning",
        &[
            "grandpa took his whole week of pills this morning",
            "le di el metotrexato todos los dias en vez de una vez por semana",
        ],
    );
    assert_fires("seizure", &["she is shaking all over and it has been 4 minutes"]);
    assert_fires("sudden vision loss", &["I could see nothing out of my left eye when I woke"]);
    assert_fires("very low blood sugar", &["el sensor dice 42 y estoy temblando"]);
    assert_fires(
        "very high blood sugar with vomiting or confusion",
        &["my dexcom says HIGH and I keep throwing up", "mi hija esta vomitando y el aparato dice 450"],
    );
    assert_fires("worst headache", &["el dolor de cabeza mas fuerte que he sentido, me vino de sopeton"]);
    assert_fires(
        "head injury on blood thinners",
        &["he took a helmet to helmet hit and threw up twice", "she fell off the counter onto the tile and vomited"],
    );
    assert_fires(
        "other emergencies",
        &[
            "my inner thighs and bum are numb and I wet myself",
            "last chemo infusion was a week ago and now I have chills and 101",
        ],
    );
}

#[test]
fn lexicon_1_4_stays_quiet_on_lookalikes() {
    assert_quiet(&[
        "diarrhea for 3 days, now some streaks of blood, low fever",
        "my husband snores and sometimes pauses in his breathing, sleep apnea test?",
        "my dog had a seizure last night, the vet says epilepsy",
        "la presion me sale 160/95 toda la semana aunque me tomo las pastillas",
        "I was in the ER last week for chest pain, they said reflux, can I get a follow-up?",
        "es cierto que si a alguien le da un derrame hay que darle aspirina?",
        "my dad is home from the stroke unit and doing well",
        "this bill is killing me",
    ]);
}

#[test]
fn lexicon_1_5_phrasings_fire_in_both_languages() {
    assert_fires(
        "chest pain",
        &[
            "there's a heavy pressure right in the center of my chest",
            "my jaw and left shoulder ache every time I climb the stairs",
            "me duele la quijada y el brazo cuando camino",
            "nauseous and clammy with an ache between my shoulders",
        ],
    );
    assert_fires(
        "trouble breathing",
        &[
            "al niño se le hunde el pecho cuando respira",
            "she can barely talk between breaths even after the inhaler",
            "siento que no me entra el aire",
            "he is coughing up pink frothy spit",
        ],
    );
    assert_fires(
        "stroke signs",
        &[
            "la pierna y el brazo derecho no le responden",
            "he is drooling out of one side of his mouth",
            "a mi abuela se le tuerce la boca cuando habla",
            "cuando habla no se le entiende nada desde la comida",
            "hoy mi mamá no supo cómo usar el celular que usa todos los días",
        ],
    );
    assert_fires("fainting", &["I stood up and everything went black and I woke up on the floor"]);
    assert_fires(
        "suicidal or self-harm thoughts",
        &[
            "my roommate made arrangements for her cat and says she won't be needing her appointments",
            "ya no voy a ser una carga por mucho tiempo",
            "he's been giving away his things and said goodbye like he wasn't coming back",
            "she said the kids would be better off without her",
        ],
    );
    assert_fires(
        "overdose or poisoning",
        &[
            "he took all of his sleeping pills an hour ago",
            "se tomó una caja entera de paracetamol",
            "a mi hijo lo mordió una víbora en el tobillo",
            "a scorpion stung my toddler and he's drooling and his eyes are jerking",
            "everyone in the family has a headache and is dizzy since we started using the generator indoors",
        ],
    );
    assert_fires("fever in an infant under 3 months", &["my son turns 3 months on Friday and has a fever of 100.9"]);
    assert_fires(
        "very high blood sugar with vomiting or confusion",
        &[
            "se me acabó la insulina ayer y ahora estoy vomitando y respiro agitado",
            "I'm type 1, throwing up all night and breathing really deep and fast",
        ],
    );
    assert_fires("sudden vision loss", &["my eye hurts terribly and I see halos around lights and I threw up"]);
    assert_fires(
        "severe abdominal pain",
        &[
            "sudden severe pain in my right side and I've thrown up three times",
            "mi hernia no se mete, está dura y morada",
            "my dad has an aneurysm they're watching and he suddenly has terrible back pain and is pale",
        ],
    );
    assert_fires(
        "other emergencies",
        &[
            "my daughter is on chemo and has a fever of 38.5",
            "kidney transplant last year and today I have chills and 101",
            "grandpa has a fever and is confused and his heart is racing",
            "tengo fiebre y escalofríos y la presión me da 82/50",
            "he was working outside in the heat and now he's confused and his skin is hot and dry",
            "quit drinking 3 days ago, shaking badly and seeing bugs on the wall",
            "on dialysis and missed Friday, now my heart is skipping and my legs feel weak and heavy",
            "calf swollen and hot and now breathing fast",
            "we pulled him out of the pool, he was under water, now coughing and sleepy",
            "fell off the bed and hit her head and now she's very sleepy",
            "got an electric shock from the outlet and my heart feels weird",
            "la mollera del bebé está abultada",
            "I gave birth 10 days ago and now have a fever and the bleeding smells bad",
            "numb in the saddle area and can't pee",
            "no siento nada cuando me limpio y no puedo orinar",
            "se me sale la orina y tengo las piernas débiles",
            "my mom can't move her legs since she woke up this morning",
        ],
    );
}

#[test]
fn a_negation_running_on_past_the_phrase_does_not_deny_it() {
    // "nada de" starts on the phrase's last word and negates what follows it.
    assert_fires("sudden vision loss", &["hoy no veo casi nada de este ojo"]);
    assert!(!emergency("no tengo nada de dolor de pecho"));
}

#[test]
fn lexicon_1_5_stays_quiet_on_lookalikes() {
    assert_quiet(&[
        "the pain in my jaw and shoulder from the dentist visit is much better, thanks",
        "can I get the form for my chemo schedule? no fever, feeling ok",
        "my transplant clinic wants my labs sent over, no fever no chills",
        "what are the signs of heat stroke? we're going hiking",
        "I quit drinking 2 years ago and I'm doing great, need a refill of my naltrexone",
        "my mother is on dialysis, can you send the dialysis center her med list?",
        "everyone in my family gets headaches when the weather changes",
        "my baby turns 3 months next week, when is her next vaccine?",
        "I'm type 1, can I get more test strips? sugars have been fine",
        "my fingers turn white and blue in the cold, is that Raynaud's?",
        "it's been 5 years since my last seizure, can I stop the keppra?",
        "my son is giving away his old video games to his cousins",
        "the kids are better off without sugar in the house",
        "what should I do if the scorpion in my garage stings me?",
    ]);
}
