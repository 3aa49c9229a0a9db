//! What a notification may say, built so that it cannot carry health
//! information: a kind from a fixed list, the clinic's configured name, a
//! link into the portal whose path is made of ids only, and the reader's
//! language. There is no field for free text, so no caller can put a
//! message's subject or body, a name or a diagnosis into one.
//!
//! ```compile_fail
//! # use carethread_notify::*;
//! # fn f(link: PortalLink) {
//! // A clinic name is made from the clinic's settings, never from a string.
//! let _ = Notice::new(NoticeKind::NewMessage, "Your biopsy is back", link, carethread_core::user::Language::En);
//! # }
//! ```
//!
//! ```compile_fail
//! # use carethread_notify::*;
//! # fn f(portal: &PortalUrl) {
//! // A link's path comes from `LinkPath`, whose parts are ids.
//! let _ = portal.link("/threads/your-hiv-test-results");
//! # }
//! ```
//!
//! ```compile_fail
//! # use carethread_notify::*;
//! // Nor can a notice be written field by field.
//! let _ = Notice { kind: NoticeKind::NewMessage, text: "Your biopsy is back".into() };
//! ```

use std::fmt;

use carethread_core::clinic::ClinicSettings;
use carethread_core::ids::ThreadId;
use carethread_core::text;
use carethread_core::user::Language;
use reqwest::Url;

use crate::SettingsError;

/// Why a notification is sent. Each kind has its own fixed wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeKind {
    /// A patient or proxy has a new reply from the care team.
    NewMessage,
    /// A reply has been waiting unread for a while.
    UnreadReminder,
    /// On-call staff: an emergency message needs review now.
    EmergencyPage,
    /// On-call staff: the emergency page went unanswered; again.
    EmergencyRepage,
    /// The next person in the escalation chain: nobody on call answered.
    EmergencyEscalation,
    /// Staff: a thread is past its reply-time target.
    OverdueThread,
    /// A patient or proxy: the care team asks them to book a visit.
    VisitNeeded,
    /// Staff: they now cover a colleague's messages.
    CoverageStarted,
}

impl NoticeKind {
    /// Every kind, for tests and for listing templates.
    pub const ALL: [NoticeKind; 8] = [
        NoticeKind::NewMessage,
        NoticeKind::UnreadReminder,
        NoticeKind::EmergencyPage,
        NoticeKind::EmergencyRepage,
        NoticeKind::EmergencyEscalation,
        NoticeKind::OverdueThread,
        NoticeKind::VisitNeeded,
        NoticeKind::CoverageStarted,
    ];

    /// A stable name for storage and logs.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            NoticeKind::NewMessage => "new_message",
            NoticeKind::UnreadReminder => "unread_reminder",
            NoticeKind::EmergencyPage => "emergency_page",
            NoticeKind::EmergencyRepage => "emergency_repage",
            NoticeKind::EmergencyEscalation => "emergency_escalation",
            NoticeKind::OverdueThread => "overdue_thread",
            NoticeKind::VisitNeeded => "visit_needed",
            NoticeKind::CoverageStarted => "coverage_started",
        }
    }

    /// Whether the notice goes to staff (clinical wording, always sent by
    /// CareThread itself) rather than to a patient or proxy.
    #[must_use]
    pub const fn is_for_staff(self) -> bool {
        !matches!(self, NoticeKind::NewMessage | NoticeKind::UnreadReminder | NoticeKind::VisitNeeded)
    }

    /// Whether the notice waits for the end of the recipient's quiet hours.
    /// Emergency pages and escalations never wait.
    #[must_use]
    pub const fn honours_quiet_hours(self) -> bool {
        !matches!(self, NoticeKind::EmergencyPage | NoticeKind::EmergencyRepage | NoticeKind::EmergencyEscalation)
    }
}

impl fmt::Display for NoticeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The clinic's name as its administrators configured it: the only words a
/// notice carries that are not CareThread's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicName(String);

impl ClinicName {
    /// Longest name shown in a notice.
    pub const MAX_CHARS: usize = 100;

    /// The name from the clinic's settings: one line, 1–100 characters.
    pub fn from_settings(settings: &ClinicSettings) -> Result<Self, SettingsError> {
        let name = settings.name.trim();
        let count = name.chars().count();
        if count == 0 || count > Self::MAX_CHARS || text::single_line("clinic.name", name).is_err() {
            return Err(SettingsError::ClinicName);
        }
        Ok(Self(name.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The portal's public address (`https://portal.example.org` or with a path
/// prefix), from configuration. Links in notices start with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalUrl(Url);

impl PortalUrl {
    /// An `http` or `https` URL without credentials, query or fragment.
    pub fn parse(raw: &str) -> Result<Self, SettingsError> {
        let url = Url::parse(raw.trim()).map_err(|_| SettingsError::PortalUrl)?;
        let plain = matches!(url.scheme(), "http" | "https")
            && url.host_str().is_some()
            && url.username().is_empty()
            && url.password().is_none()
            && url.query().is_none()
            && url.fragment().is_none();
        if !plain {
            return Err(SettingsError::PortalUrl);
        }
        Ok(Self(url))
    }

    /// The link to `path` in the portal.
    #[must_use]
    pub fn link(&self, path: LinkPath) -> PortalLink {
        let base = self.0.as_str().trim_end_matches('/');
        PortalLink(format!("{base}{}", path.render()))
    }
}

/// A page of the portal, named by ids only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkPath {
    /// The portal's front page (sign-in when signed out).
    Home,
    /// A patient's or proxy's messages.
    Inbox,
    /// A clinician's in-basket.
    Inbasket,
    /// One thread (the portal asks the reader to sign in first).
    Thread(ThreadId),
    /// The one-click unsubscribe page for this recipient and kind of notice.
    Unsubscribe(UnsubscribeToken),
}

impl LinkPath {
    fn render(self) -> String {
        match self {
            LinkPath::Home => "/".to_owned(),
            LinkPath::Inbox => "/inbox".to_owned(),
            LinkPath::Inbasket => "/inbasket".to_owned(),
            LinkPath::Thread(id) => format!("/threads/{id}"),
            LinkPath::Unsubscribe(token) => format!("/unsubscribe/{}", token.0),
        }
    }
}

/// A random token naming one recipient's subscription: 16–128 characters
/// of `A–Z a–z 0–9 _ -` (URL-safe base64 of random bytes, say). It cannot
/// hold words with spaces, so it cannot smuggle a sentence into a link.
#[derive(Clone, PartialEq, Eq)]
pub struct UnsubscribeToken(String);

impl UnsubscribeToken {
    pub fn parse(raw: &str) -> Result<Self, SettingsError> {
        let ok =
            (16..=128).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-".contains(&b));
        if ok { Ok(Self(raw.to_owned())) } else { Err(SettingsError::UnsubscribeToken) }
    }
}

impl fmt::Debug for UnsubscribeToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("UnsubscribeToken(***)")
    }
}

/// An absolute link into the portal, made by [`PortalUrl::link`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalLink(String);

impl PortalLink {
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PortalLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One notification, ready to be worded in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    kind: NoticeKind,
    clinic: ClinicName,
    link: PortalLink,
    language: Language,
    unsubscribe: Option<PortalLink>,
}

impl Notice {
    #[must_use]
    pub fn new(kind: NoticeKind, clinic: ClinicName, link: PortalLink, language: Language) -> Self {
        Self { kind, clinic, link, language, unsubscribe: None }
    }

    /// Adds the link that stops this kind of notice (shown in e-mails and
    /// sent as `List-Unsubscribe`).
    #[must_use]
    pub fn with_unsubscribe(mut self, link: PortalLink) -> Self {
        self.unsubscribe = Some(link);
        self
    }

    #[must_use]
    pub const fn kind(&self) -> NoticeKind {
        self.kind
    }

    #[must_use]
    pub fn clinic(&self) -> &ClinicName {
        &self.clinic
    }

    #[must_use]
    pub fn link(&self) -> &PortalLink {
        &self.link
    }

    #[must_use]
    pub const fn language(&self) -> Language {
        self.language
    }

    #[must_use]
    pub fn unsubscribe(&self) -> Option<&PortalLink> {
        self.unsubscribe.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use carethread_core::ids::ThreadId;

    use super::*;

    fn settings(name: &str) -> ClinicSettings {
        ClinicSettings { name: name.to_owned(), ..ClinicSettings::default() }
    }

    #[test]
    fn links_are_the_portal_address_and_a_path_of_ids() {
        let id: ThreadId = "0190a3c4-0000-7000-8000-000000000001".parse().expect("uuid");
        let portal = PortalUrl::parse("https://portal.example.org/care/").expect("valid");
        assert_eq!(
            portal.link(LinkPath::Thread(id)).as_str(),
            "https://portal.example.org/care/threads/0190a3c4-0000-7000-8000-000000000001"
        );
        let bare = PortalUrl::parse("https://portal.example.org").expect("valid");
        assert_eq!(bare.link(LinkPath::Inbox).as_str(), "https://portal.example.org/inbox");
        let token = UnsubscribeToken::parse("abcdefghijklmnop_-12").expect("valid");
        assert_eq!(
            bare.link(LinkPath::Unsubscribe(token)).as_str(),
            "https://portal.example.org/unsubscribe/abcdefghijklmnop_-12"
        );
    }

    #[test]
    fn portal_addresses_with_credentials_queries_or_other_schemes_are_refused() {
        for raw in [
            "",
            "portal.example.org",
            "ftp://portal.example.org",
            "https://u:p@portal.example.org",
            "https://portal.example.org/?x=1",
            "https://portal.example.org/#x",
        ] {
            assert_eq!(PortalUrl::parse(raw), Err(SettingsError::PortalUrl), "{raw}");
        }
    }

    #[test]
    fn unsubscribe_tokens_cannot_hold_sentences() {
        for raw in ["short", "your test results are positive", "abcdefghijklmnop/../x", &"a".repeat(129)] {
            assert!(UnsubscribeToken::parse(raw).is_err(), "{raw}");
        }
        assert_eq!(
            format!("{:?}", UnsubscribeToken::parse("abcdefghijklmnopqrst").expect("valid")),
            "UnsubscribeToken(***)"
        );
    }

    #[test]
    fn the_clinic_name_is_one_line_from_the_settings() {
        assert_eq!(
            ClinicName::from_settings(&settings(" Riverside Clinic ")).expect("valid").as_str(),
            "Riverside Clinic"
        );
        assert_eq!(ClinicName::from_settings(&settings("")), Err(SettingsError::ClinicName));
        assert_eq!(ClinicName::from_settings(&settings("Riverside\nClinic")), Err(SettingsError::ClinicName));
        assert_eq!(ClinicName::from_settings(&settings(&"x".repeat(101))), Err(SettingsError::ClinicName));
    }

    #[test]
    fn emergencies_go_to_staff_at_any_hour() {
        for kind in NoticeKind::ALL {
            if !kind.honours_quiet_hours() {
                assert!(kind.is_for_staff(), "{kind}");
            }
        }
        assert!(!NoticeKind::EmergencyPage.honours_quiet_hours());
        assert!(NoticeKind::NewMessage.honours_quiet_hours());
        assert!(!NoticeKind::NewMessage.is_for_staff());
    }
}
