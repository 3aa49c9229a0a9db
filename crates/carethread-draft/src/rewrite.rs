//! Whether a reply sent from a draft still carries the draft, or the
//! clinician rewrote it. The disclosure line and the AI report follow what
//! was sent: a rewritten reply is the clinician's own, not AI-assisted.
//!
//! The rule, in words (not characters: two unrelated English replies of the
//! same length share enough letters and spaces by chance that their
//! character distance stays near two thirds of their length): a reply is a
//! rewrite when the word-level edit distance from the draft, less the words
//! the reply has beyond the draft's length, is at least [`REWRITE_SHARE`] of
//! the draft's words. Words added to a kept draft therefore never make it a
//! rewrite: the draft's text is still in what was sent. The greeting line
//! and the signature line a draft starts and ends with ("Hi Alice,", "Dr.
//! Grace Lee") are left out on both sides when the reply keeps them:
//! clinicians write those whoever wrote the rest.

/// The share of a draft's words a clinician must change or delete for the
/// reply to count as their own (a rewrite) rather than AI-assisted.
pub const REWRITE_SHARE: f64 = 0.8;

/// The words of a text, lowercased, without punctuation.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Words to insert, delete or change to turn `a` into `b` (Levenshtein on words).
#[must_use]
pub fn word_edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (words(a), words(b));
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, wa) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, wb) in b.iter().enumerate() {
            let change = previous[j] + usize::from(wa != wb);
            current[j + 1] = change.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The draft and the reply without the greeting and signature lines the
/// draft has (a draft of three lines or more) and the reply kept.
fn without_frame<'a>(draft: &'a str, sent: &'a str) -> (&'a str, &'a str) {
    let lines: Vec<&str> = draft.trim().lines().collect();
    let (Some(first), Some(last)) = (lines.first(), lines.last()) else { return (draft, sent) };
    if lines.len() < 3 {
        return (draft, sent);
    }
    let inner = |text: &'a str| {
        let text = text.trim();
        let start = text.find('\n').map_or(0, |i| i + 1);
        let end = text.rfind('\n').unwrap_or(text.len());
        text.get(start..end.max(start)).unwrap_or_default()
    };
    let sent_lines: Vec<&str> = sent.trim().lines().collect();
    let keeps_frame = sent_lines.len() >= 3
        && sent_lines.first().is_some_and(|l| l.trim() == first.trim())
        && sent_lines.last().is_some_and(|l| l.trim() == last.trim());
    (inner(draft), if keeps_frame { inner(sent) } else { sent })
}

/// Whether `sent` is a rewrite of `draft` rather than an edit of it.
#[must_use]
pub fn is_rewrite(draft: &str, sent: &str) -> bool {
    let (draft, sent) = without_frame(draft, sent);
    let drafted = words(draft).len();
    if drafted == 0 {
        return true;
    }
    let added = words(sent).len().saturating_sub(drafted);
    let changed = word_edit_distance(draft, sent).saturating_sub(added);
    changed as f64 >= REWRITE_SHARE * drafted as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const DRAFT: &str = "Hi Alice,\nThank you for telling me how you feel. I have read your message, and I will \
                         write back with next steps within two business days. If it gets worse, or you have chest \
                         pain, trouble breathing or feel faint, call 911 or go to the emergency room right away.\n\
                         Dr. Grace Lee";

    #[test]
    fn a_reply_written_from_scratch_is_a_rewrite_even_with_the_same_greeting() {
        let own = "Hi Alice,\nSorry you are feeling this way. Rest, drink plenty of fluids, and take \
                   acetaminophen if needed. Let me know if the fever is over 102 tomorrow and we can see you \
                   in clinic.\nDr. Grace Lee";
        assert!(is_rewrite(DRAFT, own));
        assert!(is_rewrite(DRAFT, "Come in today at 3."));
        let short = "Hi Alice,\nThank you for your message. I have read it, and I will write back within two \
                     business days.\nDr. Grace Lee";
        let longer = "Hi Alice,\nYes: the garage under the new building is free for patients. Take a ticket at \
                      the gate and bring it to the front desk.\nDr. Grace Lee";
        assert!(is_rewrite(short, longer), "a longer reply of the clinician's own words");
    }

    #[test]
    fn an_edited_or_extended_draft_is_still_ai_assisted() {
        assert!(!is_rewrite(DRAFT, DRAFT));
        let edited = DRAFT.replace("within two business days", "today");
        assert!(!is_rewrite(DRAFT, &edited));
        let trimmed = "Hi Alice,\nThank you for telling me how you feel. I will write back today. If it gets \
                       worse, call 911.\nDr. Grace Lee";
        assert!(!is_rewrite(DRAFT, trimmed));
        let extended = format!(
            "{DRAFT}\nAlso, please bring your inhaler, your blood pressure log and your list of medicines to \
             your next visit, and fill in the new form at the front desk when you arrive. We have moved to the \
             new building on Oak Street, and parking is free for patients on the second level."
        );
        assert!(!is_rewrite(DRAFT, &extended), "the whole draft is still in it");
    }
}
