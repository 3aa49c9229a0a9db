//! What the demo clinic's patients write about over the year, in English and
//! Spanish: a subject and first message, the care team's answer, and the
//! patient's follow-up with its second answer. `{first}` is the patient's
//! first name. Weights give the mix a primary-care clinic sees: mostly refills,
//! appointments and results, some symptoms, a few emergencies.

/// One conversation in one language.
pub(super) struct Texts {
    pub subject: &'static str,
    pub body: &'static str,
    pub reply: &'static str,
    pub follow_up: &'static str,
    pub answer: &'static str,
}

/// Something patients write about.
pub(super) struct Topic {
    /// How often, relative to the others.
    pub weight: u32,
    pub en: Texts,
    pub es: Texts,
    /// Where a colleague sometimes sends it after a first look.
    pub forward_to: Option<&'static str>,
    /// Only thanks: the draft says no reply is needed and the thread is closed.
    pub thanks_only: bool,
}

const fn texts(
    subject: &'static str,
    body: &'static str,
    reply: &'static str,
    follow_up: &'static str,
    answer: &'static str,
) -> Texts {
    Texts { subject, body, reply, follow_up, answer }
}

const fn topic(weight: u32, en: Texts, es: Texts, forward_to: Option<&'static str>) -> Topic {
    Topic { weight, en, es, forward_to, thanks_only: false }
}

pub(super) const TOPICS: &[Topic] = &[
    topic(
        14,
        texts(
            "Refill request",
            "Could you send a refill of my metformin 500 mg to the Walgreens on Elm Street? I have about five pills left.",
            "Hi {first}, the refill of your metformin is on its way to Walgreens on Elm Street. It should be ready tomorrow.",
            "Thank you. The pharmacy says it is only for 30 days. Could it be for 90 days next time?",
            "Hi {first}, yes: I changed it to a 90-day supply with three refills.",
        ),
        texts(
            "Pedido de receta",
            "¿Pueden mandar una receta de mi metformina de 500 mg a la farmacia Walgreens de la calle Elm? Me quedan unas cinco pastillas.",
            "Hola {first}, la receta de su metformina ya va a Walgreens de la calle Elm. Estará lista mañana.",
            "Gracias. En la farmacia dicen que es solo para 30 días. ¿La próxima vez puede ser para 90 días?",
            "Hola {first}, sí: la cambié a 90 días con tres repeticiones.",
        ),
        None,
    ),
    topic(
        9,
        texts(
            "Blood pressure pill refill",
            "I need a refill of my lisinopril 10 mg, please send it to CVS on Main Street.",
            "Hi {first}, your lisinopril refill was sent to CVS on Main Street today.",
            "Got it, thanks. Do I still need to check my blood pressure every day?",
            "Hi {first}, a few times a week is enough now. Bring your readings to your next visit.",
        ),
        texts(
            "Receta para la presión",
            "Necesito más lisinopril de 10 mg, por favor mándenlo a CVS de la calle Main.",
            "Hola {first}, mandamos hoy su lisinopril a CVS de la calle Main.",
            "Gracias. ¿Todavía tengo que medirme la presión todos los días?",
            "Hola {first}, ahora basta con unas veces por semana. Traiga sus lecturas a su próxima cita.",
        ),
        None,
    ),
    topic(
        5,
        texts(
            "Cough since starting new medicine",
            "Since I started the new blood pressure medicine I have a dry cough at night. Should I keep taking it?",
            "Hi {first}, a dry cough can come from this medicine. Keep taking it for now; Dr. Lee will look at switching it.",
            "The cough is still there. Is there another pill I can try?",
            "Hi {first}, Dr. Lee sent a new medicine to your pharmacy. Stop the old one when you start it.",
        ),
        texts(
            "Tos desde la nueva medicina",
            "Desde que empecé la nueva medicina para la presión tengo tos seca por la noche. ¿Sigo tomándola?",
            "Hola {first}, esta medicina puede dar tos seca. Siga tomándola por ahora; la Dra. Lee verá si la cambia.",
            "Sigo con la tos. ¿Hay otra pastilla que pueda probar?",
            "Hola {first}, la Dra. Lee mandó una medicina nueva a su farmacia. Deje la anterior cuando empiece la nueva.",
        ),
        Some("nurse-triage"),
    ),
    topic(
        4,
        texts(
            "Prior authorization for inhaler",
            "The pharmacy says my inhaler needs a prior authorization from your office before they can fill it.",
            "Hi {first}, we sent the prior authorization to your insurance today. It usually takes two to three days.",
            "The pharmacy still has not heard anything. Can you check?",
            "Hi {first}, the insurance approved it this morning. The pharmacy can fill it now.",
        ),
        texts(
            "Autorización para el inhalador",
            "En la farmacia dicen que mi inhalador necesita una autorización previa de la clínica.",
            "Hola {first}, hoy mandamos la autorización a su seguro. Suele tardar dos o tres días.",
            "La farmacia todavía no sabe nada. ¿Pueden revisar?",
            "Hola {first}, el seguro la aprobó esta mañana. Ya pueden darle el inhalador.",
        ),
        Some("billing"),
    ),
    topic(
        10,
        texts(
            "Reschedule my appointment",
            "I need to move my appointment this Thursday to next week. Mornings work best for me.",
            "Hi {first}, you are now booked for next Tuesday at 9:30 am. See you then.",
            "Thank you. Should I come in early to fill out forms?",
            "Hi {first}, please come 10 minutes early. The forms are short.",
        ),
        texts(
            "Cambiar mi cita",
            "Necesito cambiar mi cita de este jueves a la próxima semana. Me quedan mejor las mañanas.",
            "Hola {first}, su nueva cita es el martes a las 9:30 de la mañana.",
            "Gracias. ¿Tengo que llegar antes para llenar papeles?",
            "Hola {first}, llegue 10 minutos antes, por favor. Los formularios son cortos.",
        ),
        None,
    ),
    topic(
        8,
        texts(
            "Yearly physical",
            "I would like to book my yearly physical. Do you have anything next month?",
            "Hi {first}, we have openings on the 12th at 8:00 am or the 19th at 2:30 pm. Which one works?",
            "The 12th at 8 is good. Do I need to fast for blood work?",
            "Hi {first}, you are booked. Please do not eat after midnight the night before.",
        ),
        texts(
            "Chequeo anual",
            "Quisiera hacer una cita para mi chequeo anual. ¿Hay algo el próximo mes?",
            "Hola {first}, tenemos el día 12 a las 8:00 o el 19 a las 2:30 de la tarde. ¿Cuál le queda mejor?",
            "El 12 a las 8 está bien. ¿Tengo que ir en ayunas para los análisis?",
            "Hola {first}, ya tiene la cita. No coma nada después de la medianoche anterior.",
        ),
        None,
    ),
    topic(
        4,
        texts(
            "Flu shot",
            "Can I walk in for a flu shot, or do I need an appointment?",
            "Hi {first}, you can walk in for a flu shot any weekday from 8 to 11 am.",
            "Can my husband get one at the same time?",
            "Hi {first}, yes, if he is a patient here. He can come with you.",
        ),
        texts(
            "Vacuna contra la gripe",
            "¿Puedo ir sin cita para la vacuna de la gripe o necesito una cita?",
            "Hola {first}, puede venir sin cita de lunes a viernes de 8 a 11 de la mañana.",
            "¿Mi esposo puede vacunarse al mismo tiempo?",
            "Hola {first}, sí, si es paciente de la clínica. Puede venir con usted.",
        ),
        None,
    ),
    topic(
        4,
        texts(
            "Follow-up visit",
            "Dr. Lee asked me to come back in three months. Can you set that up?",
            "Hi {first}, your follow-up is booked for the first Monday of next quarter at 10 am.",
            "That day does not work anymore. Is there something later that week?",
            "Hi {first}, I moved you to Thursday the same week at 10:30 am.",
        ),
        texts(
            "Cita de seguimiento",
            "La Dra. Lee me pidió volver en tres meses. ¿Me pueden dar la cita?",
            "Hola {first}, su cita de seguimiento es el primer lunes del próximo trimestre a las 10.",
            "Ese día ya no puedo. ¿Hay algo más tarde esa semana?",
            "Hola {first}, la cambié al jueves de esa semana a las 10:30.",
        ),
        None,
    ),
    topic(
        9,
        texts(
            "Cholesterol results",
            "I saw my cholesterol results in the portal. My LDL is 162. What does that mean for me?",
            "Hi {first}, your LDL is higher than we would like. Dr. Lee suggests diet changes and a recheck in three months.",
            "Should I start a medicine for it?",
            "Hi {first}, not yet. If it is still high at the recheck, we will talk about a statin.",
        ),
        texts(
            "Resultados de colesterol",
            "Vi mis resultados de colesterol en el portal. Mi LDL es 162. ¿Qué significa?",
            "Hola {first}, su LDL está más alto de lo que queremos. La Dra. Lee sugiere cambios en la dieta y repetir el análisis en tres meses.",
            "¿Debo empezar una medicina?",
            "Hola {first}, todavía no. Si sigue alto en el próximo análisis, hablaremos de una estatina.",
        ),
        None,
    ),
    topic(
        6,
        texts(
            "A1c result",
            "My A1c came back at 7.4. Is that better than last time?",
            "Hi {first}, yes, it went down from 7.9. Keep doing what you are doing.",
            "Great news. When should I check it again?",
            "Hi {first}, in three months. We will send a reminder.",
        ),
        texts(
            "Resultado de A1c",
            "Mi A1c salió en 7.4. ¿Está mejor que la vez pasada?",
            "Hola {first}, sí, bajó de 7.9. Siga así.",
            "¡Qué bien! ¿Cuándo me lo vuelvo a hacer?",
            "Hola {first}, en tres meses. Le mandaremos un recordatorio.",
        ),
        None,
    ),
    topic(
        5,
        texts(
            "X-ray results",
            "Are the results of my knee X-ray in yet?",
            "Hi {first}, your knee X-ray shows mild wear of the joint and no fracture. Dr. Lee recommends physical therapy.",
            "Can you send the physical therapy referral to the clinic near my work?",
            "Hi {first}, the referral was sent. They will call you to schedule.",
        ),
        texts(
            "Resultados de la radiografía",
            "¿Ya están los resultados de la radiografía de mi rodilla?",
            "Hola {first}, la radiografía muestra un desgaste leve de la articulación y ninguna fractura. La Dra. Lee recomienda terapia física.",
            "¿Pueden mandar la orden de terapia a la clínica cerca de mi trabajo?",
            "Hola {first}, ya mandamos la orden. Le llamarán para la cita.",
        ),
        None,
    ),
    topic(
        7,
        texts(
            "Cough and runny nose",
            "I have had a cough and a runny nose for a week. No fever. What can I take?",
            "Hi {first}, this sounds like a cold. Rest, fluids and honey help. Write again if you get a fever or feel short of breath.",
            "I feel better, but the cough is still there at night.",
            "Hi {first}, a cough can last two to three weeks after a cold. If it lasts longer, please book a visit.",
        ),
        texts(
            "Tos y mocos",
            "Tengo tos y mocos desde hace una semana. No tengo fiebre. ¿Qué puedo tomar?",
            "Hola {first}, parece un resfriado. Descanse, tome líquidos y miel. Escríbanos si tiene fiebre o le falta el aire.",
            "Ya estoy mejor. Solo me queda un poco de tos.",
            "Hola {first}, la tos puede durar dos o tres semanas. Si dura más, haga una cita, por favor.",
        ),
        None,
    ),
    topic(
        6,
        texts(
            "Home blood pressure readings",
            "My home blood pressure readings this week were around 150/95. Should I change anything?",
            "Hi {first}, thank you for the readings. Dr. Lee would like to raise your dose. The new prescription is at your pharmacy.",
            "How soon should I send new readings?",
            "Hi {first}, please send a week of readings in two weeks.",
        ),
        texts(
            "Presión en casa",
            "Esta semana mi presión en casa estuvo alrededor de 150/95. ¿Debo cambiar algo?",
            "Hola {first}, gracias por las lecturas. La Dra. Lee quiere subir la dosis. La receta nueva está en su farmacia.",
            "¿Cuándo mando lecturas nuevas?",
            "Hola {first}, mande una semana de lecturas dentro de dos semanas.",
        ),
        None,
    ),
    topic(
        5,
        texts(
            "Lower back pain",
            "My lower back hurts since I worked in the garden on Saturday. Ibuprofen helps a little.",
            "Hi {first}, this is most often a strained muscle. Keep moving gently and use heat. Book a visit if it is not better in a week.",
            "It is better but still sore in the morning.",
            "Hi {first}, that is expected. Gentle stretches in the morning help.",
        ),
        texts(
            "Dolor de espalda",
            "Me duele la parte baja de la espalda desde que trabajé en el jardín el sábado. El ibuprofeno me ayuda un poco.",
            "Hola {first}, casi siempre es un músculo forzado. Muévase con cuidado y use calor. Pida cita si no mejora en una semana.",
            "Ya estoy mejor, solo un poco adolorido al levantarme.",
            "Hola {first}, es normal. Unos estiramientos suaves por la mañana ayudan.",
        ),
        None,
    ),
    topic(
        3,
        texts(
            "Fever and burning when I pee",
            "Since yesterday I have a fever of 101 and it burns when I urinate. What should I do?",
            "Hi {first}, this may be a urine infection. Dr. Lee sent an antibiotic to your pharmacy. Please drop off a urine sample today.",
            "The fever is gone but it still burns a little.",
            "Hi {first}, finish all of the antibiotic. Write again if it still burns when you are done.",
        ),
        texts(
            "Fiebre y ardor al orinar",
            "Desde ayer tengo fiebre de 101 y me arde al orinar. ¿Qué hago?",
            "Hola {first}, puede ser una infección de orina. La Dra. Lee mandó un antibiótico a su farmacia. Traiga una muestra de orina hoy.",
            "Ya no tengo fiebre pero todavía me arde un poco.",
            "Hola {first}, termine todo el antibiótico. Escríbanos si sigue el ardor al terminar.",
        ),
        None,
    ),
    topic(
        2,
        texts(
            "Blood sugar very high",
            "My blood sugar has been over 300 for two days and I am very thirsty.",
            "Hi {first}, thank you for telling us. Please come in today at 2 pm so we can check you.",
            "I came in and feel better. Should I keep the same insulin dose?",
            "Hi {first}, use the new dose Dr. Lee gave you and send your readings on Friday.",
        ),
        texts(
            "Azúcar muy alta",
            "Mi azúcar ha estado arriba de 300 por dos días y tengo mucha sed.",
            "Hola {first}, gracias por avisarnos. Venga hoy a las 2 de la tarde para revisarle.",
            "Ya fui y me siento mejor. ¿Sigo con la misma dosis de insulina?",
            "Hola {first}, use la dosis nueva que le dio la Dra. Lee y mande sus lecturas el viernes.",
        ),
        None,
    ),
    topic(
        1,
        texts(
            "Chest pain",
            "I have chest pain that spreads to my left arm and I feel short of breath.",
            "{first}, please call 911 now. We also called you and the on-call doctor knows.",
            "I was seen in the emergency room last night. They said to follow up with you.",
            "Hi {first}, we are glad you went. Dr. Lee will see you this week; the front desk will call you.",
        ),
        texts(
            "Dolor de pecho",
            "Tengo dolor de pecho que se me va al brazo izquierdo y me falta el aire.",
            "{first}, llame al 911 ahora. También le llamamos y la doctora de guardia está avisada.",
            "Anoche me atendieron en urgencias. Me dijeron que hiciera seguimiento con ustedes.",
            "Hola {first}, qué bueno que fue. La Dra. Lee le verá esta semana; la recepción le llamará.",
        ),
        None,
    ),
    topic(
        1,
        texts(
            "Face drooping",
            "Since an hour ago one side of my face is drooping and my words come out slurred.",
            "{first}, call 911 now. These can be signs of a stroke. We are calling you too.",
            "I was in the hospital for two days. I am home now and doing better.",
            "Hi {first}, we are glad you are better. Dr. Lee will see you this week.",
        ),
        texts(
            "Cara caída",
            "Desde hace una hora se me cayó un lado de la cara y no puedo hablar bien.",
            "{first}, llame al 911 ahora. Pueden ser señales de un derrame. También le estamos llamando.",
            "Estuve dos días en el hospital. Ya estoy en casa y me siento mejor.",
            "Hola {first}, qué bueno que está mejor. La Dra. Lee le verá esta semana.",
        ),
        None,
    ),
    topic(
        4,
        texts(
            "Question about my bill",
            "I got a bill for my last visit but I thought my insurance covered it. Can someone check?",
            "Hi {first}, we looked at it: the insurance paid part of it and the rest is your deductible.",
            "Can I pay it in two parts?",
            "Hi {first}, yes. We set up two payments, one this month and one next month.",
        ),
        texts(
            "Pregunta sobre mi factura",
            "Me llegó una factura de mi última cita pero pensé que el seguro la cubría. ¿Pueden revisar?",
            "Hola {first}, la revisamos: el seguro pagó una parte y el resto es su deducible.",
            "¿Puedo pagarla en dos partes?",
            "Hola {first}, sí. Quedan dos pagos, uno este mes y otro el próximo.",
        ),
        None,
    ),
    topic(
        4,
        texts(
            "Form for my work",
            "I need a form filled out for my employer about my time off last month.",
            "Hi {first}, please upload the form or drop it off. Dr. Lee will fill it out within five days.",
            "I dropped it off this morning.",
            "Hi {first}, the form is ready. You can pick it up at the front desk.",
        ),
        texts(
            "Formulario del trabajo",
            "Necesito que me llenen un formulario para mi trabajo sobre los días que falté el mes pasado.",
            "Hola {first}, suba el formulario o tráigalo. La Dra. Lee lo llenará en cinco días.",
            "Lo dejé esta mañana.",
            "Hola {first}, el formulario está listo. Puede recogerlo en la recepción.",
        ),
        Some("billing"),
    ),
    topic(
        2,
        texts(
            "New insurance card",
            "I have a new insurance card since January. How do I update it?",
            "Hi {first}, please send a photo of both sides or show it at your next visit. We will update your file.",
            "I sent the photos.",
            "Hi {first}, thank you, your file is updated.",
        ),
        texts(
            "Nueva tarjeta del seguro",
            "Tengo una nueva tarjeta del seguro desde enero. ¿Cómo la actualizo?",
            "Hola {first}, mande una foto de los dos lados o muéstrela en su próxima cita. Actualizaremos su expediente.",
            "Ya mandé las fotos.",
            "Hola {first}, gracias, su expediente está actualizado.",
        ),
        None,
    ),
    Topic {
        weight: 4,
        en: texts(
            "Thank you",
            "Just wanted to say thank you to the nurses for their help last week. I feel much better.",
            "",
            "",
            "",
        ),
        es: texts(
            "Gracias",
            "Solo quería dar las gracias a las enfermeras por su ayuda la semana pasada. Me siento mucho mejor.",
            "",
            "",
            "",
        ),
        forward_to: None,
        thanks_only: true,
    },
];
