//! Why an e-visit period does not bill. Every exclusion that applies is
//! listed, in this declaration order, so billing staff see everything that
//! was checked and found wanting, not only the first.

use crate::user::Language;

code_enum!(
    /// One reason an e-visit period is not billable.
    Exclusion, "exclusion" {
        // The clinician.
        /// The clinician is clinical staff (RN, MA): their time is not counted.
        ClinicalStaffTime => "clinical_staff_time",
        /// The person has no clinical duties (front desk, billing …).
        NotAClinician => "not_a_clinician",
        // The patient.
        /// The patient had no visit before the period: not an established patient.
        NotEstablished => "patient_not_established",
        /// The patient is in a surgical global period.
        SurgicalGlobalPeriod => "surgical_global_period",
        /// The patient never agreed to billed online visits (or not yet).
        NoConsent => "no_consent",
        /// The patient declined: consent was withdrawn.
        ConsentWithdrawn => "consent_withdrawn",
        /// The patient's consent is more than a year old.
        ConsentExpired => "consent_expired",
        // A thread.
        /// The care team started the conversation, not the patient.
        StartedByCareTeam => "started_by_care_team",
        /// Scheduling only, no evaluation.
        Scheduling => "non_evaluative_scheduling",
        /// A result notice only, no evaluation.
        ResultNotice => "non_evaluative_result_notice",
        /// A refill without evaluation.
        RefillWithoutEvaluation => "non_evaluative_refill",
        /// Administrative only (forms, billing questions …).
        Administrative => "non_evaluative_administrative",
        /// An E/M visit about the same problem took place in the 7 days before.
        RecentVisitSameProblem => "recent_visit_same_problem",
        /// The conversation led to a visit within 7 days: its time belongs to the visit.
        LedToVisit => "led_to_visit",
        // The period.
        /// The clinician has not attested the time yet.
        NotAttested => "not_attested",
        /// Under 5 minutes in total.
        UnderFiveMinutes => "under_five_minutes",
        /// The 7 days have not ended yet; a visit could still follow.
        PeriodOpen => "period_open",
    }
);

impl Exclusion {
    /// What the exclusion means, in plain words for the patient.
    #[must_use]
    pub const fn meaning(self, language: Language) -> &'static str {
        match language {
            Language::En => self.meaning_en(),
            Language::Es => self.meaning_es(),
        }
    }

    const fn meaning_en(self) -> &'static str {
        match self {
            Exclusion::ClinicalStaffTime => {
                "Time spent by nurses and medical assistants is not charged as an online visit."
            }
            Exclusion::NotAClinician => "Time spent by office staff is not charged.",
            Exclusion::NotEstablished => "Online visits are charged only after your first visit with us.",
            Exclusion::SurgicalGlobalPeriod => {
                "Care after your surgery is already covered, so this message is not charged."
            }
            Exclusion::NoConsent => "You have not agreed to online visit charges, so this is not charged.",
            Exclusion::ConsentWithdrawn => "You said no to online visit charges, so this is not charged.",
            Exclusion::ConsentExpired => {
                "Your agreement to online visit charges is more than a year old, so this is not charged."
            }
            Exclusion::StartedByCareTeam => "Your care team started this conversation, so it is not charged.",
            Exclusion::Scheduling => "Messages about appointments are not charged.",
            Exclusion::ResultNotice => "Messages that only tell you a test result are not charged.",
            Exclusion::RefillWithoutEvaluation => "Refill requests that need no medical review are not charged.",
            Exclusion::Administrative => "Messages about forms, bills or other office matters are not charged.",
            Exclusion::RecentVisitSameProblem => {
                "You had a visit about the same problem in the week before, so this is part of that visit."
            }
            Exclusion::LedToVisit => {
                "This conversation led to a visit within a week, so the time is part of that visit."
            }
            Exclusion::NotAttested => "Your clinician has not confirmed the time yet.",
            Exclusion::UnderFiveMinutes => "Your care team spent less than 5 minutes in total, so this is not charged.",
            Exclusion::PeriodOpen => "The 7 days for this online visit have not ended yet.",
        }
    }

    const fn meaning_es(self) -> &'static str {
        match self {
            Exclusion::ClinicalStaffTime => {
                "El tiempo de enfermeras y asistentes médicos no se cobra como consulta en línea."
            }
            Exclusion::NotAClinician => "El tiempo del personal de oficina no se cobra.",
            Exclusion::NotEstablished => {
                "Las consultas en línea se cobran solo después de su primera visita con nosotros."
            }
            Exclusion::SurgicalGlobalPeriod => {
                "La atención después de su cirugía ya está cubierta, así que este mensaje no se cobra."
            }
            Exclusion::NoConsent => "Usted no ha aceptado cargos por consultas en línea, así que esto no se cobra.",
            Exclusion::ConsentWithdrawn => {
                "Usted dijo que no a los cargos por consultas en línea, así que esto no se cobra."
            }
            Exclusion::ConsentExpired => {
                "Su aceptación de cargos por consultas en línea tiene más de un año, así que esto no se cobra."
            }
            Exclusion::StartedByCareTeam => "Su equipo de atención inició esta conversación, así que no se cobra.",
            Exclusion::Scheduling => "Los mensajes sobre citas no se cobran.",
            Exclusion::ResultNotice => "Los mensajes que solo le informan un resultado no se cobran.",
            Exclusion::RefillWithoutEvaluation => {
                "Las solicitudes de resurtido que no necesitan revisión médica no se cobran."
            }
            Exclusion::Administrative => {
                "Los mensajes sobre formularios, facturas u otros asuntos de oficina no se cobran."
            }
            Exclusion::RecentVisitSameProblem => {
                "Usted tuvo una visita por el mismo problema en la semana anterior, así que esto es parte de esa visita."
            }
            Exclusion::LedToVisit => {
                "Esta conversación llevó a una visita dentro de una semana, así que el tiempo es parte de esa visita."
            }
            Exclusion::NotAttested => "Su profesional de salud aún no ha confirmado el tiempo.",
            Exclusion::UnderFiveMinutes => {
                "Su equipo de atención dedicó menos de 5 minutos en total, así que esto no se cobra."
            }
            Exclusion::PeriodOpen => "Los 7 días de esta consulta en línea aún no han terminado.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_exclusion_has_a_stable_code_and_meanings_in_both_languages() {
        for &e in Exclusion::ALL {
            assert_eq!(Exclusion::parse(e.as_str()), Ok(e));
            assert_eq!(serde_json::to_string(&e).ok(), Some(format!("\"{}\"", e.as_str())));
            assert!(e.meaning(Language::En).ends_with('.'));
            assert_ne!(e.meaning(Language::En), e.meaning(Language::Es));
        }
        let codes: std::collections::HashSet<_> = Exclusion::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(codes.len(), Exclusion::ALL.len(), "codes are unique");
        assert_eq!(Exclusion::parse("because").map_err(|e| e.field()), Err("exclusion"));
    }
}
