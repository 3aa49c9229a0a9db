//! What the safety rules report for one message: the red flags that fired
//! and the mentions that were not counted, with why.

/// Why a red-flag mention was not counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    Negated,
    History,
    Family,
    Hypothetical,
    Benign,
}

impl Suppression {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Negated => "negated",
            Self::History => "past history",
            Self::Family => "family history",
            Self::Hypothetical => "hypothetical or a question",
            Self::Benign => "a harmless use of the words",
        }
    }
}

/// A red flag that fired, with the words that fired it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedFlag {
    pub family: &'static str,
    pub phrase: String,
}

/// What the safety rules found in one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SafetyCheck {
    /// Red flags that fired: any one makes the message an emergency.
    pub flags: Vec<RedFlag>,
    /// Red-flag families mentioned only in a suppressing scope.
    pub suppressed: Vec<(&'static str, Suppression)>,
}

impl SafetyCheck {
    #[must_use]
    pub fn is_emergency(&self) -> bool {
        !self.flags.is_empty()
    }
}
