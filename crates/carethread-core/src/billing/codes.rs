//! Billing classes of clinicians, the payer setting, and the e-visit codes
//! with their time thresholds.
//!
//! | billing class                               | payer    | 5–10 min | 11–20 min | 21+ min |
//! |---------------------------------------------|----------|----------|-----------|---------|
//! | physician or other QHP (physician, NP, PA)   | any      | 99421    | 99422     | 99423   |
//! | qualified non-physician (pharmacist, …)      | Medicare | G2061    | G2062     | G2063   |
//! | qualified non-physician                      | other    | 98970    | 98971     | 98972   |
//! | clinical staff (RN, MA), non-clinical staff  | any      | —        | —         | —       |
//!
//! Minutes are whole minutes of cumulative time over the 7-day period,
//! rounded down ([`super::whole_minutes`]): 10 min 59 s is 10 minutes.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::ids::UserId;
use crate::role::Role;
use crate::user::Language;

/// Fewer minutes than this never bill.
pub const MIN_BILLABLE_MINUTES: u32 = 5;

code_enum!(
    /// Whose time an e-visit code can carry.
    BillingClass, "billing_class" {
        /// Physicians and other qualified health professionals (nurse
        /// practitioners, physician assistants): 99421–99423.
        PhysicianOrQhp => "physician_or_qhp",
        /// Qualified non-physician professionals (pharmacists, therapists):
        /// 98970–98972, or G2061–G2063 for Medicare.
        QualifiedNonPhysician => "qualified_non_physician",
        /// Clinical staff (registered nurses, medical assistants): their time
        /// is not counted.
        ClinicalStaff => "clinical_staff",
        /// Front desk, billing and everyone else without clinical duties.
        NonClinical => "non_clinical",
    }
);

impl BillingClass {
    /// Whether time of someone in this class can be billed at all.
    #[must_use]
    pub const fn bills(self) -> bool {
        matches!(self, BillingClass::PhysicianOrQhp | BillingClass::QualifiedNonPhysician)
    }
}

code_enum!(
    /// The clinic's payer setting, which picks the code family for
    /// non-physician professionals.
    Payer, "payer" {
        Medicare => "medicare",
        Other => "other",
    }
);

/// How the clinic maps its people to billing classes: a class per clinical
/// role, and per-person exceptions (a nurse practitioner who holds the nurse
/// role bills as a physician or other QHP; a therapist holding the
/// pharmacist role …). Roles without clinical duties are always
/// [`BillingClass::NonClinical`], whatever is configured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingClasses {
    roles: HashMap<Role, BillingClass>,
    people: HashMap<UserId, BillingClass>,
}

impl Default for BillingClasses {
    /// Physicians bill as physicians, pharmacists as qualified non-physician
    /// professionals, nurses as clinical staff.
    fn default() -> Self {
        let roles = HashMap::from([
            (Role::Physician, BillingClass::PhysicianOrQhp),
            (Role::Pharmacist, BillingClass::QualifiedNonPhysician),
            (Role::Nurse, BillingClass::ClinicalStaff),
        ]);
        Self { roles, people: HashMap::new() }
    }
}

impl BillingClasses {
    /// Sets the class of everyone holding `role`. Only clinical roles can be
    /// mapped.
    pub fn set_role(&mut self, role: Role, class: BillingClass) -> Result<(), DomainError> {
        if !role.is_clinician() {
            return Err(DomainError::invalid("role", "only clinical roles have a billing class"));
        }
        self.roles.insert(role, class);
        Ok(())
    }

    /// Sets one person's class, overriding their role's. `None` removes the
    /// exception.
    pub fn set_person(&mut self, user: UserId, class: Option<BillingClass>) {
        match class {
            Some(class) => self.people.insert(user, class),
            None => self.people.remove(&user),
        };
    }

    /// The class `user`, who holds `role`, bills under.
    #[must_use]
    pub fn class_of(&self, user: UserId, role: Role) -> BillingClass {
        if !role.is_clinician() {
            return BillingClass::NonClinical;
        }
        self.people.get(&user).or_else(|| self.roles.get(&role)).copied().unwrap_or(BillingClass::NonClinical)
    }
}

code_enum!(
    /// An online digital E/M code.
    EVisitCode, "code" {
        Cpt99421 => "99421",
        Cpt99422 => "99422",
        Cpt99423 => "99423",
        Cpt98970 => "98970",
        Cpt98971 => "98971",
        Cpt98972 => "98972",
        G2061 => "G2061",
        G2062 => "G2062",
        G2063 => "G2063",
    }
);

impl EVisitCode {
    /// 1 for 5–10 minutes, 2 for 11–20, 3 for 21 or more.
    #[must_use]
    pub const fn tier(self) -> u8 {
        match self {
            EVisitCode::Cpt99421 | EVisitCode::Cpt98970 | EVisitCode::G2061 => 1,
            EVisitCode::Cpt99422 | EVisitCode::Cpt98971 | EVisitCode::G2062 => 2,
            EVisitCode::Cpt99423 | EVisitCode::Cpt98972 | EVisitCode::G2063 => 3,
        }
    }

    /// The billing class whose time the code carries.
    #[must_use]
    pub const fn class(self) -> BillingClass {
        match self {
            EVisitCode::Cpt99421 | EVisitCode::Cpt99422 | EVisitCode::Cpt99423 => BillingClass::PhysicianOrQhp,
            _ => BillingClass::QualifiedNonPhysician,
        }
    }

    /// The cumulative minutes the code covers: from, and up to (inclusive)
    /// when bounded.
    #[must_use]
    pub const fn minutes(self) -> (u32, Option<u32>) {
        match self.tier() {
            1 => (5, Some(10)),
            2 => (11, Some(20)),
            _ => (21, None),
        }
    }

    /// What the code means, for billing staff.
    #[must_use]
    pub const fn description(self) -> &'static str {
        match self {
            EVisitCode::Cpt99421 => "Online digital E/M, physician or other QHP, 5-10 minutes over 7 days",
            EVisitCode::Cpt99422 => "Online digital E/M, physician or other QHP, 11-20 minutes over 7 days",
            EVisitCode::Cpt99423 => "Online digital E/M, physician or other QHP, 21 or more minutes over 7 days",
            EVisitCode::Cpt98970 => "Online digital assessment, qualified non-physician, 5-10 minutes over 7 days",
            EVisitCode::Cpt98971 => "Online digital assessment, qualified non-physician, 11-20 minutes over 7 days",
            EVisitCode::Cpt98972 => "Online digital assessment, qualified non-physician, 21+ minutes over 7 days",
            EVisitCode::G2061 => "Online assessment (Medicare), qualified non-physician, 5-10 minutes over 7 days",
            EVisitCode::G2062 => "Online assessment (Medicare), qualified non-physician, 11-20 minutes over 7 days",
            EVisitCode::G2063 => "Online assessment (Medicare), qualified non-physician, 21+ minutes over 7 days",
        }
    }

    /// What the code means, in plain words for the patient who sees it on a
    /// statement.
    #[must_use]
    pub const fn meaning(self, language: Language) -> &'static str {
        let physician = matches!(self.class(), BillingClass::PhysicianOrQhp);
        match (language, physician, self.tier()) {
            (Language::En, true, 1) => "Online visit with your clinician, 5–10 minutes total",
            (Language::En, true, 2) => "Online visit with your clinician, 11–20 minutes total",
            (Language::En, true, _) => "Online visit with your clinician, 21 minutes or more total",
            (Language::En, false, 1) => {
                "Online visit with a pharmacist or other care team professional, 5–10 minutes total"
            }
            (Language::En, false, 2) => {
                "Online visit with a pharmacist or other care team professional, 11–20 minutes total"
            }
            (Language::En, false, _) => {
                "Online visit with a pharmacist or other care team professional, 21 minutes or more total"
            }
            (Language::Es, true, 1) => "Consulta en línea con su médico o profesional de salud, 5–10 minutos en total",
            (Language::Es, true, 2) => "Consulta en línea con su médico o profesional de salud, 11–20 minutos en total",
            (Language::Es, true, _) => {
                "Consulta en línea con su médico o profesional de salud, 21 minutos o más en total"
            }
            (Language::Es, false, 1) => {
                "Consulta en línea con un farmacéutico u otro profesional de su equipo, 5–10 minutos en total"
            }
            (Language::Es, false, 2) => {
                "Consulta en línea con un farmacéutico u otro profesional de su equipo, 11–20 minutos en total"
            }
            (Language::Es, false, _) => {
                "Consulta en línea con un farmacéutico u otro profesional de su equipo, 21 minutos o más en total"
            }
        }
    }
}

/// The code for `minutes` of cumulative time by someone in `class`, under
/// the clinic's `payer` setting; `None` when the time does not bill (under
/// [`MIN_BILLABLE_MINUTES`], or a class whose time is not counted).
#[must_use]
pub const fn code_for(class: BillingClass, payer: Payer, minutes: u32) -> Option<EVisitCode> {
    let tier = match minutes {
        0..MIN_BILLABLE_MINUTES => return None,
        MIN_BILLABLE_MINUTES..=10 => 0,
        11..=20 => 1,
        _ => 2,
    };
    let family = match (class, payer) {
        (BillingClass::PhysicianOrQhp, _) => [EVisitCode::Cpt99421, EVisitCode::Cpt99422, EVisitCode::Cpt99423],
        (BillingClass::QualifiedNonPhysician, Payer::Medicare) => {
            [EVisitCode::G2061, EVisitCode::G2062, EVisitCode::G2063]
        }
        (BillingClass::QualifiedNonPhysician, Payer::Other) => {
            [EVisitCode::Cpt98970, EVisitCode::Cpt98971, EVisitCode::Cpt98972]
        }
        (BillingClass::ClinicalStaff | BillingClass::NonClinical, _) => return None,
    };
    Some(family[tier])
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    use BillingClass::{ClinicalStaff, NonClinical, PhysicianOrQhp, QualifiedNonPhysician};
    use EVisitCode::*;

    #[test]
    fn every_threshold_picks_the_right_code_for_every_class_and_payer() {
        let table: &[(BillingClass, Payer, u32, Option<EVisitCode>)] = &[
            (PhysicianOrQhp, Payer::Other, 0, None),
            (PhysicianOrQhp, Payer::Other, 4, None),
            (PhysicianOrQhp, Payer::Other, 5, Some(Cpt99421)),
            (PhysicianOrQhp, Payer::Other, 10, Some(Cpt99421)),
            (PhysicianOrQhp, Payer::Other, 11, Some(Cpt99422)),
            (PhysicianOrQhp, Payer::Other, 20, Some(Cpt99422)),
            (PhysicianOrQhp, Payer::Other, 21, Some(Cpt99423)),
            (PhysicianOrQhp, Payer::Other, 600, Some(Cpt99423)),
            (PhysicianOrQhp, Payer::Medicare, 5, Some(Cpt99421)),
            (PhysicianOrQhp, Payer::Medicare, 21, Some(Cpt99423)),
            (QualifiedNonPhysician, Payer::Other, 4, None),
            (QualifiedNonPhysician, Payer::Other, 5, Some(Cpt98970)),
            (QualifiedNonPhysician, Payer::Other, 10, Some(Cpt98970)),
            (QualifiedNonPhysician, Payer::Other, 11, Some(Cpt98971)),
            (QualifiedNonPhysician, Payer::Other, 20, Some(Cpt98971)),
            (QualifiedNonPhysician, Payer::Other, 21, Some(Cpt98972)),
            (QualifiedNonPhysician, Payer::Medicare, 4, None),
            (QualifiedNonPhysician, Payer::Medicare, 5, Some(G2061)),
            (QualifiedNonPhysician, Payer::Medicare, 10, Some(G2061)),
            (QualifiedNonPhysician, Payer::Medicare, 11, Some(G2062)),
            (QualifiedNonPhysician, Payer::Medicare, 20, Some(G2062)),
            (QualifiedNonPhysician, Payer::Medicare, 21, Some(G2063)),
            (ClinicalStaff, Payer::Other, 30, None),
            (ClinicalStaff, Payer::Medicare, 30, None),
            (NonClinical, Payer::Other, 30, None),
        ];
        for &(class, payer, minutes, expected) in table {
            assert_eq!(code_for(class, payer, minutes), expected, "{class} {payer} {minutes} min");
        }
    }

    #[test]
    fn every_code_covers_the_minutes_it_is_chosen_for() {
        for &code in EVisitCode::ALL {
            let (from, to) = code.minutes();
            let payer = if code.as_str().starts_with('G') { Payer::Medicare } else { Payer::Other };
            assert_eq!(code_for(code.class(), payer, from), Some(code));
            assert_eq!(code_for(code.class(), payer, to.unwrap_or(1_000)), Some(code));
            assert_eq!(EVisitCode::parse(code.as_str()), Ok(code));
        }
        assert_eq!(EVisitCode::parse("99213").map_err(|e| e.field()), Err("code"));
    }

    #[test]
    fn codes_have_plain_meanings_in_english_and_spanish() {
        assert_eq!(Cpt99421.meaning(Language::En), "Online visit with your clinician, 5–10 minutes total");
        assert!(Cpt99423.meaning(Language::Es).contains("21 minutos o más"));
        assert_eq!(G2062.meaning(Language::En), Cpt98971.meaning(Language::En));
        for &code in EVisitCode::ALL {
            assert_ne!(code.meaning(Language::En), code.meaning(Language::Es));
            assert!(!code.description().is_empty());
        }
    }

    #[test]
    fn codes_serialize_as_their_stable_strings() {
        assert_eq!(serde_json::to_string(&G2061).ok(), Some("\"G2061\"".to_owned()));
        assert_eq!(serde_json::from_str::<EVisitCode>("\"99422\"").ok(), Some(Cpt99422));
    }

    #[test]
    fn the_clinic_maps_roles_and_people_to_billing_classes() {
        let np = UserId::from_uuid(Uuid::from_u128(1));
        let rn = UserId::from_uuid(Uuid::from_u128(2));
        let mut classes = BillingClasses::default();
        assert_eq!(classes.class_of(rn, Role::Nurse), ClinicalStaff);
        assert_eq!(classes.class_of(np, Role::Physician), PhysicianOrQhp);
        assert_eq!(classes.class_of(np, Role::Pharmacist), QualifiedNonPhysician);
        classes.set_person(np, Some(PhysicianOrQhp));
        assert_eq!(classes.class_of(np, Role::Nurse), PhysicianOrQhp, "a nurse practitioner");
        assert_eq!(classes.class_of(rn, Role::Nurse), ClinicalStaff);
        classes.set_person(np, None);
        assert_eq!(classes.class_of(np, Role::Nurse), ClinicalStaff);
    }

    #[test]
    fn roles_without_clinical_duties_never_bill() {
        let someone = UserId::from_uuid(Uuid::from_u128(3));
        let mut classes = BillingClasses::default();
        assert_eq!(classes.set_role(Role::FrontDesk, PhysicianOrQhp).map_err(|e| e.field()), Err("role"));
        classes.set_person(someone, Some(PhysicianOrQhp));
        for role in [Role::FrontDesk, Role::Billing, Role::Admin, Role::Patient, Role::Proxy] {
            assert_eq!(classes.class_of(someone, role), NonClinical);
        }
        assert!(classes.set_role(Role::Nurse, QualifiedNonPhysician).is_ok());
        assert!(!ClinicalStaff.bills() && PhysicianOrQhp.bills());
    }
}
