//! References to the people of a conversation: patients as `Patient`, staff
//! as `Practitioner`, proxies (family, caregivers) as `RelatedPerson`.

use carethread_core::ids::UserId;
use carethread_core::role::Role;
use serde_json::{Value, json};

/// A person as a reference shows them: who, in which role, and their name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: UserId,
    pub role: Role,
    pub display: String,
}

impl Party {
    /// The FHIR resource type a person of this role is.
    #[must_use]
    pub const fn resource_type(&self) -> &'static str {
        resource_type_of(self.role)
    }

    /// `{"reference": "Patient/…", "display": "…"}`. A proxy is referred
    /// to by her CareThread user id (`RelatedPerson` resources are her
    /// grants, one per patient, each carrying that identifier).
    #[must_use]
    pub fn reference(&self) -> Value {
        if self.role == Role::Proxy {
            return json!({
                "type": "RelatedPerson",
                "identifier": { "system": crate::USER_ID_SYSTEM, "value": self.id.to_string() },
                "display": self.display
            });
        }
        json!({ "reference": format!("{}/{}", self.resource_type(), self.id), "display": self.display })
    }
}

/// The FHIR resource type of a person in `role`: `Patient`, `RelatedPerson`
/// for proxies, `Practitioner` for everyone on staff.
#[must_use]
pub const fn resource_type_of(role: Role) -> &'static str {
    match role {
        Role::Patient => "Patient",
        Role::Proxy => "RelatedPerson",
        _ => "Practitioner",
    }
}

/// A role's name for people: `front_desk` reads "Front desk".
#[must_use]
pub fn role_display(role: Role) -> String {
    let words = role.as_str().replace('_', " ");
    let mut chars = words.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_ids::id;

    #[test]
    fn people_are_referenced_by_the_resource_their_role_maps_to() {
        let p = |role| Party { id: id(1), role, display: "A".into() };
        assert_eq!(p(Role::Patient).reference()["reference"], format!("Patient/{}", id::<UserId>(1)));
        assert_eq!(p(Role::Proxy).reference()["identifier"]["value"], id::<UserId>(1).to_string());
        assert_eq!(p(Role::Proxy).reference()["type"], "RelatedPerson");
        assert_eq!(p(Role::Nurse).reference()["reference"], format!("Practitioner/{}", id::<UserId>(1)));
        assert_eq!(p(Role::Nurse).reference()["display"], "A");
    }

    #[test]
    fn role_names_read_as_words() {
        assert_eq!(role_display(Role::FrontDesk), "Front desk");
        assert_eq!(role_display(Role::Physician), "Physician");
    }
}
