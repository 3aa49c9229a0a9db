//! Paging whoever is on call about an emergency nobody has opened: page at
//! once, page again every few minutes, then escalate down the clinic's
//! chain, one person a step, until someone opens the thread. Pure: the
//! application layer runs each step as a job and asks what the next is.

use crate::ids::UserId;
use crate::profile::ClinicProfile;

/// Who a step pages and how the notice is worded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStep {
    /// The first page, to everyone on call.
    Page(Vec<UserId>),
    /// On call again: nobody opened it since the last page.
    Repage(Vec<UserId>),
    /// The next person in the escalation chain.
    Escalate(UserId),
    /// The chain has run out; on call and the whole chain are paged again
    /// each interval until someone opens the thread.
    Everyone(Vec<UserId>),
}

impl PageStep {
    /// Who this step pages.
    #[must_use]
    pub fn people(&self) -> Vec<UserId> {
        match self {
            PageStep::Page(people) | PageStep::Repage(people) | PageStep::Everyone(people) => people.clone(),
            PageStep::Escalate(person) => vec![*person],
        }
    }
}

/// Step `step` (0 = the first page) for a clinic whose on-call people are
/// `on_call` (the clinician, or the pool's members).
#[must_use]
pub fn page_step(profile: &ClinicProfile, on_call: &[UserId], step: u32) -> PageStep {
    let repages = profile.repages_before_escalation;
    if step == 0 {
        return if on_call.is_empty() { first_in_chain(profile, on_call) } else { PageStep::Page(on_call.to_vec()) };
    }
    if step <= repages && !on_call.is_empty() {
        return PageStep::Repage(on_call.to_vec());
    }
    // Steps after the repages walk the chain (from its start when nobody is on call).
    let offset = if on_call.is_empty() { step } else { step - repages - 1 };
    match usize::try_from(offset).ok().and_then(|i| profile.escalation.get(i)) {
        Some(next) => PageStep::Escalate(*next),
        None => everyone(profile, on_call),
    }
}

fn first_in_chain(profile: &ClinicProfile, on_call: &[UserId]) -> PageStep {
    match profile.escalation.first() {
        Some(first) => PageStep::Escalate(*first),
        None => everyone(profile, on_call),
    }
}

fn everyone(profile: &ClinicProfile, on_call: &[UserId]) -> PageStep {
    let mut people = on_call.to_vec();
    for person in &profile.escalation {
        if !people.contains(person) {
            people.push(*person);
        }
    }
    PageStep::Everyone(people)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> UserId {
        UserId::from_uuid(uuid::Uuid::from_u128(n))
    }

    fn profile(chain: &[u128], repages: u32) -> ClinicProfile {
        ClinicProfile {
            escalation: chain.iter().map(|n| id(*n)).collect(),
            repages_before_escalation: repages,
            ..ClinicProfile::default()
        }
    }

    #[test]
    fn on_call_is_paged_then_repaged_then_the_chain_in_order() {
        let p = profile(&[10, 11], 1);
        let on_call = [id(1), id(2)];
        assert_eq!(page_step(&p, &on_call, 0), PageStep::Page(on_call.to_vec()));
        assert_eq!(page_step(&p, &on_call, 1), PageStep::Repage(on_call.to_vec()));
        assert_eq!(page_step(&p, &on_call, 2), PageStep::Escalate(id(10)));
        assert_eq!(page_step(&p, &on_call, 3), PageStep::Escalate(id(11)));
        assert_eq!(page_step(&p, &on_call, 4), PageStep::Everyone(vec![id(1), id(2), id(10), id(11)]));
        assert_eq!(page_step(&p, &on_call, 40), PageStep::Everyone(vec![id(1), id(2), id(10), id(11)]));
    }

    #[test]
    fn without_repages_the_chain_starts_at_the_second_step() {
        let p = profile(&[10], 0);
        assert_eq!(page_step(&p, &[id(1)], 1), PageStep::Escalate(id(10)));
    }

    #[test]
    fn with_nobody_on_call_the_chain_is_paged_from_the_first_step() {
        let p = profile(&[10, 11], 1);
        assert_eq!(page_step(&p, &[], 0), PageStep::Escalate(id(10)));
        assert_eq!(page_step(&p, &[], 1), PageStep::Escalate(id(11)));
        assert_eq!(page_step(&p, &[], 2), PageStep::Everyone(vec![id(10), id(11)]));
    }

    #[test]
    fn with_nobody_on_call_and_no_chain_nobody_can_be_paged() {
        let p = profile(&[], 1);
        assert_eq!(page_step(&p, &[], 0).people(), Vec::<UserId>::new());
    }

    #[test]
    fn a_person_in_both_on_call_and_the_chain_is_paged_once_a_step() {
        let p = profile(&[1, 10], 0);
        assert_eq!(page_step(&p, &[id(1)], 3).people(), vec![id(1), id(10)]);
    }
}
