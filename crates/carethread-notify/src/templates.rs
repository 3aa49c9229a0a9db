//! The words of every notice, per kind and language. The only values filled
//! in are the clinic's configured name and portal links; nothing a patient or
//! clinician wrote can reach these texts.

use carethread_core::user::Language;

use crate::notice::{Notice, NoticeKind};

/// A notice in words: an e-mail subject, and the text used as the SMS and
/// as the first paragraph of the e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worded {
    pub subject: String,
    pub text: String,
}

impl Worded {
    /// The plain-text e-mail body: the text, then a line saying the e-mail
    /// holds no health information and is not read, then the unsubscribe link.
    #[must_use]
    pub fn email_body(&self, notice: &Notice) -> String {
        let mut body = format!("{}\n\n{}\n", self.text, footer(notice.language()));
        if let Some(link) = notice.unsubscribe() {
            body.push('\n');
            body.push_str(&unsubscribe_line(notice.language()).replace("{link}", link.as_str()));
            body.push('\n');
        }
        body
    }
}

/// Words `notice` in its reader's language.
#[must_use]
pub fn word(notice: &Notice) -> Worded {
    let (subject, text) = template(notice.kind(), notice.language());
    let fill = |t: &str| t.replace("{clinic}", notice.clinic().as_str()).replace("{link}", notice.link().as_str());
    Worded { subject: fill(subject), text: fill(text) }
}

/// Subject and text, with `{clinic}` and `{link}` to fill in.
const fn template(kind: NoticeKind, language: Language) -> (&'static str, &'static str) {
    match (language, kind) {
        (Language::En, NoticeKind::NewMessage) => {
            ("New message from {clinic}", "You have a new message from {clinic} — sign in to read it: {link}")
        }
        (Language::Es, NoticeKind::NewMessage) => {
            ("Nuevo mensaje de {clinic}", "Tiene un mensaje nuevo de {clinic}. Inicie sesión para leerlo: {link}")
        }
        (Language::En, NoticeKind::UnreadReminder) => (
            "Reminder: a message from {clinic} is waiting",
            "A message from {clinic} is still waiting for you — sign in to read it: {link}",
        ),
        (Language::Es, NoticeKind::UnreadReminder) => (
            "Recordatorio: tiene un mensaje de {clinic}",
            "Un mensaje de {clinic} sigue esperándole. Inicie sesión para leerlo: {link}",
        ),
        (Language::En, NoticeKind::VisitNeeded) => (
            "{clinic} asks you to book a visit",
            "{clinic} would like to see you for a visit — sign in for details: {link}",
        ),
        (Language::Es, NoticeKind::VisitNeeded) => (
            "{clinic} le pide programar una cita",
            "{clinic} quiere verle en una cita. Inicie sesión para ver los detalles: {link}",
        ),
        (Language::En, NoticeKind::EmergencyPage) => (
            "CareThread: emergency message needs on-call review",
            "CareThread: an emergency message needs on-call review now: {link}",
        ),
        (Language::Es, NoticeKind::EmergencyPage) => (
            "CareThread: mensaje de emergencia para revisión de guardia",
            "CareThread: un mensaje de emergencia necesita revisión de guardia ahora: {link}",
        ),
        (Language::En, NoticeKind::EmergencyRepage) => (
            "CareThread: emergency message still needs on-call review",
            "CareThread: an emergency message is still waiting for on-call review: {link}",
        ),
        (Language::Es, NoticeKind::EmergencyRepage) => (
            "CareThread: mensaje de emergencia aún sin revisar",
            "CareThread: un mensaje de emergencia sigue esperando revisión de guardia: {link}",
        ),
        (Language::En, NoticeKind::EmergencyEscalation) => (
            "CareThread: emergency message escalated to you",
            "CareThread: an emergency message was not reviewed in time and is now yours to review: {link}",
        ),
        (Language::Es, NoticeKind::EmergencyEscalation) => (
            "CareThread: mensaje de emergencia escalado a usted",
            "CareThread: un mensaje de emergencia no se revisó a tiempo y ahora le corresponde revisarlo: {link}",
        ),
        (Language::En, NoticeKind::OverdueThread) => (
            "CareThread: a message at {clinic} is past its reply target",
            "CareThread: a message at {clinic} is past its reply target: {link}",
        ),
        (Language::Es, NoticeKind::OverdueThread) => (
            "CareThread: un mensaje en {clinic} superó su plazo de respuesta",
            "CareThread: un mensaje en {clinic} superó su plazo de respuesta: {link}",
        ),
        (Language::En, NoticeKind::CoverageStarted) => (
            "CareThread: you are covering for a colleague at {clinic}",
            "CareThread: you now cover a colleague's messages at {clinic}: {link}",
        ),
        (Language::Es, NoticeKind::CoverageStarted) => (
            "CareThread: cubre a un colega en {clinic}",
            "CareThread: ahora cubre los mensajes de un colega en {clinic}: {link}",
        ),
    }
}

const fn footer(language: Language) -> &'static str {
    match language {
        Language::En => {
            "This notice contains no health information. Please do not reply to this e-mail: sign in to read and answer messages."
        }
        Language::Es => {
            "Este aviso no contiene información de salud. No responda a este correo: inicie sesión para leer y contestar mensajes."
        }
    }
}

const fn unsubscribe_line(language: Language) -> &'static str {
    match language {
        Language::En => "To stop these e-mails: {link}",
        Language::Es => "Para dejar de recibir estos correos: {link}",
    }
}

#[cfg(test)]
mod tests {
    use carethread_core::clinic::ClinicSettings;
    use carethread_core::ids::ThreadId;

    use super::*;
    use crate::notice::{ClinicName, LinkPath, PortalUrl, UnsubscribeToken};

    fn notice(kind: NoticeKind, language: Language) -> Notice {
        let clinic =
            ClinicName::from_settings(&ClinicSettings { name: "Riverside Clinic".into(), ..ClinicSettings::default() })
                .expect("valid name");
        let portal = PortalUrl::parse("https://portal.example.org").expect("valid");
        let id: ThreadId = "0190a3c4-0000-7000-8000-000000000001".parse().expect("uuid");
        Notice::new(kind, clinic, portal.link(LinkPath::Thread(id)), language)
    }

    #[test]
    fn every_kind_has_a_link_in_both_languages_and_different_words_in_each() {
        for kind in NoticeKind::ALL {
            let en = word(&notice(kind, Language::En));
            let es = word(&notice(kind, Language::Es));
            for worded in [&en, &es] {
                assert!(
                    worded.text.ends_with("https://portal.example.org/threads/0190a3c4-0000-7000-8000-000000000001"),
                    "{kind}"
                );
                assert!(!worded.subject.contains('{') && !worded.text.contains('{'), "{kind}: unfilled placeholder");
                assert!(!worded.subject.contains('\n'), "{kind}: a subject is one line");
            }
            assert_ne!(en.text, es.text, "{kind}");
        }
    }

    #[test]
    fn a_new_message_names_the_clinic_in_the_readers_language() {
        let en = word(&notice(NoticeKind::NewMessage, Language::En));
        assert_eq!(en.subject, "New message from Riverside Clinic");
        assert!(en.text.starts_with("You have a new message from Riverside Clinic"));
        let es = word(&notice(NoticeKind::NewMessage, Language::Es));
        assert_eq!(es.subject, "Nuevo mensaje de Riverside Clinic");
    }

    #[test]
    fn the_email_body_ends_with_the_unsubscribe_link_when_there_is_one() {
        let portal = PortalUrl::parse("https://portal.example.org").expect("valid");
        let token = UnsubscribeToken::parse("tok_0123456789abcdef").expect("valid");
        let plain = notice(NoticeKind::NewMessage, Language::Es);
        let with = plain.clone().with_unsubscribe(portal.link(LinkPath::Unsubscribe(token)));
        assert!(!word(&plain).email_body(&plain).contains("/unsubscribe/"));
        let body = word(&with).email_body(&with);
        assert!(body.contains("no contiene información de salud"));
        assert!(body.trim_end().ends_with(
            "Para dejar de recibir estos correos: https://portal.example.org/unsubscribe/tok_0123456789abcdef"
        ));
    }
}
