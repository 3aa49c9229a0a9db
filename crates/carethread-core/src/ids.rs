//! Identifiers. Each is a UUID (version 7 when CareThread creates it, so ids
//! sort by creation time) wrapped in its own type so a thread id can never be
//! passed where a user id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID the caller generated or loaded.
            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            /// The underlying UUID.
            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// A user of any role.
    UserId
);
id_type!(
    /// A conversation between a patient (or their proxy) and the care team.
    ThreadId
);
id_type!(
    /// One message in a thread, including internal notes.
    MessageId
);
id_type!(
    /// A file attached to a message.
    AttachmentId
);
id_type!(
    /// A shared in-basket.
    PoolId
);
id_type!(
    /// A patient's grant letting a proxy act for them.
    GrantId
);
id_type!(
    /// A reply drafted for a clinician to review.
    DraftId
);
id_type!(
    /// A clinic-wide or personal quick reply (`.code` expansion).
    QuickReplyId
);
id_type!(
    /// A system registered for the FHIR API (its SMART `client_id`).
    ClientId
);
id_type!(
    /// A FHIR Bulk Data export a system asked for.
    ExportId
);
id_type!(
    /// A FHIR subscription a system made.
    SubscriptionId
);
id_type!(
    /// A patient-facing app registered for SMART App Launch (its `client_id`).
    AppId
);
id_type!(
    /// A patient's consent letting one app read her record.
    AppConnectionId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = ThreadId::from_uuid(Uuid::nil());
        assert_eq!(id.to_string().parse::<ThreadId>().ok(), Some(id));
        assert!("not-a-uuid".parse::<ThreadId>().is_err());
    }
}
