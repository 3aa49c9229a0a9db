//! SMART on FHIR resource scopes: for systems (`system/…`) and for a
//! patient's apps (`patient/…`). Version 2's `system/Communication.cruds`
//! and version 1's `system/Communication.read`, `.write` and `.*`, with `*`
//! for every resource type. A token carries the scopes granted to it; the
//! FHIR API checks each interaction against them after (never instead of)
//! the core policy.

use std::fmt;

/// What a scope permits on a resource type: create, read, update, delete,
/// search (SMART v2's `c`, `r`, `u`, `d`, `s`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    Create,
    Read,
    Update,
    Delete,
    Search,
}

impl Permission {
    const ORDER: [(Permission, char); 5] = [
        (Permission::Create, 'c'),
        (Permission::Read, 'r'),
        (Permission::Update, 'u'),
        (Permission::Delete, 'd'),
        (Permission::Search, 's'),
    ];

    /// The interaction's name, for messages.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Permission::Create => "create",
            Permission::Read => "read",
            Permission::Update => "update",
            Permission::Delete => "delete",
            Permission::Search => "search",
        }
    }

    const fn bit(self) -> u8 {
        match self {
            Permission::Create => 1,
            Permission::Read => 2,
            Permission::Update => 4,
            Permission::Delete => 8,
            Permission::Search => 16,
        }
    }
}

/// Whose data a scope reaches: a system's (`system/`, everything the
/// system's account may reach) or a patient's app's (`patient/`, the record
/// of the patient in context).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    System,
    Patient,
}

impl Context {
    const fn prefix(self) -> &'static str {
        match self {
            Context::System => "system/",
            Context::Patient => "patient/",
        }
    }
}

/// One scope: a resource type (or every one) and what it permits on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    context: Context,
    /// `None`: every resource type (`system/*.…`).
    resource: Option<String>,
    permissions: u8,
}

impl Scope {
    fn covers_type(&self, resource_type: &str) -> bool {
        self.resource.as_deref().is_none_or(|r| r == resource_type)
    }

    fn permits(&self, permission: Permission) -> bool {
        self.permissions & permission.bit() != 0
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let letters: String = Permission::ORDER.iter().filter(|(p, _)| self.permits(*p)).map(|(_, c)| c).collect();
        write!(f, "{}{}.{letters}", self.context.prefix(), self.resource.as_deref().unwrap_or("*"))
    }
}

/// A scope that could not be read, named as it was written (scopes are no secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{scope}: {reason}")]
pub struct ScopeError {
    pub scope: String,
    pub reason: &'static str,
}

/// A set of resource scopes, as a token or a registered client holds them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scopes(Vec<Scope>);

impl Scopes {
    /// Reads space-separated scopes. Every one must be a system or patient
    /// scope on a resource type (or `*`) with v2 letters in order (`cruds`,
    /// `rs`) or a v1 `read`, `write` or `*`; anything else is refused by name.
    pub fn parse(raw: &str) -> Result<Self, ScopeError> {
        raw.split_ascii_whitespace().map(parse_one).collect::<Result<Vec<_>, _>>().map(Self)
    }

    /// Whether any scope permits `permission` on `resource_type`.
    #[must_use]
    pub fn allows(&self, resource_type: &str, permission: Permission) -> bool {
        self.0.iter().any(|s| s.covers_type(resource_type) && s.permits(permission))
    }

    /// What of these (requested) scopes `registered` permits: each requested
    /// scope keeps the permissions the registered scopes of its context give
    /// on its resource type, and is dropped when none remain. A requested
    /// `*` becomes what the registration names (every type for a registered
    /// `*`, else each registered type): never more than was registered.
    #[must_use]
    pub fn within(&self, registered: &Scopes) -> Scopes {
        let mut granted: Vec<Scope> = Vec::new();
        let mut grant = |context: Context, resource: Option<String>, permissions: u8| {
            if permissions == 0 {
                return;
            }
            match granted.iter_mut().find(|g| g.context == context && g.resource == resource) {
                Some(same) => same.permissions |= permissions,
                None => granted.push(Scope { context, resource, permissions }),
            }
        };
        for wanted in &self.0 {
            let alike = registered.0.iter().filter(|r| r.context == wanted.context);
            if wanted.resource.is_none() {
                for r in alike {
                    grant(wanted.context, r.resource.clone(), wanted.permissions & r.permissions);
                }
            } else {
                let allowed = alike
                    .filter(|r| r.resource.is_none() || r.resource == wanted.resource)
                    .fold(0, |b, r| b | r.permissions);
                grant(wanted.context, wanted.resource.clone(), wanted.permissions & allowed);
            }
        }
        Scopes(granted)
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether there are scopes and every one is of `context`: what a
    /// system is registered with (`system/` only), an app (`patient/` only),
    /// and what tells a system's token from an app's.
    #[must_use]
    pub fn only_in(&self, context: Context) -> bool {
        !self.0.is_empty() && self.0.iter().all(|s| s.context == context)
    }

    /// Each scope's resource type (`None`: every type) and whether it lets
    /// the holder write: what an app's consent screen lists.
    #[must_use]
    pub fn resource_types(&self) -> Vec<(Option<&str>, bool)> {
        self.0
            .iter()
            .map(|s| {
                let writes =
                    s.permits(Permission::Create) || s.permits(Permission::Update) || s.permits(Permission::Delete);
                (s.resource.as_deref(), writes)
            })
            .collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, scope) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{scope}")?;
        }
        Ok(())
    }
}

fn parse_one(raw: &str) -> Result<Scope, ScopeError> {
    let refused = |reason| ScopeError { scope: raw.chars().take(80).collect(), reason };
    let (context, rest) = if let Some(rest) = raw.strip_prefix("system/") {
        (Context::System, rest)
    } else if let Some(rest) = raw.strip_prefix("patient/") {
        (Context::Patient, rest)
    } else {
        return Err(refused("only system/ and patient/ resource scopes are granted"));
    };
    if rest.contains('?') {
        return Err(refused("scopes with search parameters are not supported"));
    }
    let (resource, permissions) =
        rest.split_once('.').ok_or_else(|| refused("must be {context}/{Type}.{permissions}"))?;
    let resource = match resource {
        "*" => None,
        name if !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphabetic()) => {
            Some(name.to_owned())
        }
        _ => return Err(refused("names no resource type")),
    };
    let all = Permission::ORDER.iter().fold(0, |bits, (p, _)| bits | p.bit());
    let permissions = match permissions {
        "read" => Permission::Read.bit() | Permission::Search.bit(),
        "write" => Permission::Create.bit() | Permission::Update.bit() | Permission::Delete.bit(),
        "*" => all,
        letters => v2_letters(letters).ok_or_else(|| refused("permissions must be letters of cruds, in that order"))?,
    };
    Ok(Scope { context, resource, permissions })
}

/// `cruds`, `rs`, `c`…: letters of `cruds` in that order, each at most once.
fn v2_letters(letters: &str) -> Option<u8> {
    let mut order = Permission::ORDER.iter();
    let mut bits = 0;
    for letter in letters.chars() {
        let (permission, _) = order.find(|(_, c)| *c == letter)?;
        bits |= permission.bit();
    }
    (bits != 0).then_some(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scopes(raw: &str) -> Scopes {
        Scopes::parse(raw).expect("scopes read")
    }

    #[test]
    fn v2_and_v1_scopes_permit_what_they_name() {
        let s = scopes("system/Communication.cruds system/Patient.rs system/Task.read");
        assert!(s.allows("Communication", Permission::Create));
        assert!(s.allows("Patient", Permission::Search));
        assert!(!s.allows("Patient", Permission::Create));
        assert!(s.allows("Task", Permission::Read) && s.allows("Task", Permission::Search));
        assert!(!s.allows("Task", Permission::Update));
        assert!(!s.allows("AuditEvent", Permission::Read));
        let every = scopes("system/*.rs");
        assert!(every.allows("AuditEvent", Permission::Read) && !every.allows("Task", Permission::Update));
        assert_eq!(scopes("system/Task.write").to_string(), "system/Task.cud");
    }

    #[test]
    fn scopes_outside_the_grammar_are_refused_by_name() {
        for bad in [
            "user/Communication.rs",
            "system/Communication",
            "system/Communication.sr",
            "system/Communication.rr",
            "system/Communication.x",
            "system/.rs",
            "system/Comm-unication.rs",
            "system/Communication.rs?category=x",
            "openid",
        ] {
            let err = Scopes::parse(&format!("system/Patient.rs {bad}")).expect_err(bad);
            assert_eq!(err.scope, bad);
        }
        assert!(scopes("").is_empty());
    }

    #[test]
    fn patient_scopes_are_granted_only_within_patient_scopes() {
        let registered = scopes("patient/Communication.rs patient/Patient.r");
        assert!(registered.only_in(Context::Patient) && !registered.only_in(Context::System));
        let granted = scopes("patient/*.rs system/Communication.rs patient/Communication.cruds").within(&registered);
        assert_eq!(granted.to_string(), "patient/Communication.rs patient/Patient.r");
        assert_eq!(
            scopes("patient/*.read").within(&registered).to_string(),
            "patient/Communication.rs patient/Patient.r"
        );
        assert!(scopes("system/Communication.rs").within(&registered).is_empty());
        assert!(scopes("patient/*.rs").within(&scopes("system/*.rs")).is_empty());
        assert_eq!(scopes("patient/*.cruds").within(&scopes("patient/*.rs")).to_string(), "patient/*.rs");
    }

    #[test]
    fn a_request_is_granted_only_what_the_client_was_registered_for() {
        let registered = scopes("system/Communication.crs system/Patient.rs");
        let granted = scopes("system/Communication.cruds system/Task.rs system/Patient.r").within(&registered);
        assert_eq!(granted.to_string(), "system/Communication.crs system/Patient.r");
        assert_eq!(
            scopes("system/*.rs").within(&registered).to_string(),
            "system/Communication.rs system/Patient.rs",
            "a wildcard becomes the registered types"
        );
        let wide = scopes("system/*.rs");
        assert_eq!(scopes("system/Task.cruds system/*.s").within(&wide).to_string(), "system/Task.rs system/*.s");
    }
}
