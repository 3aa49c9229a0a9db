//! Properties: no second counted twice, nothing under 5 minutes bills, and
//! more minutes never give a lower code.

use proptest::prelude::*;

use super::*;

fn base() -> DateTime<Utc> {
    review()
}

/// Up to 24 intervals of two clinicians on three threads within an hour,
/// some of them repeated (a second tab sending the same activity).
fn intervals() -> impl Strategy<Value = Vec<ActivityInterval>> {
    (prop::collection::vec((0u128..2, 0u128..3, 0i64..3_600, 0i64..900), 0..24), 0usize..8).prop_map(
        |(raw, repeats)| {
            let mut out: Vec<ActivityInterval> = raw
                .into_iter()
                .map(|(c, t, start, length)| {
                    let from = base() + TimeDelta::seconds(start);
                    ActivityInterval::new(
                        user(DOCTOR + c),
                        thread_id(THREAD + t),
                        from,
                        from + TimeDelta::seconds(length),
                    )
                    .expect("valid by construction")
                })
                .collect();
            let again: Vec<_> = out.iter().take(repeats).copied().collect();
            out.extend(again);
            out
        },
    )
}

fn of(intervals: &[ActivityInterval], who: UserId) -> Vec<ActivityInterval> {
    intervals.iter().copied().filter(|i| i.clinician() == who).collect()
}

fn total(intervals: &[ActivityInterval]) -> TimeDelta {
    intervals.iter().map(ActivityInterval::duration).sum()
}

proptest! {
    #[test]
    fn no_second_of_a_clinicians_time_is_counted_twice(activity in intervals()) {
        let disjoint = exclusive_intervals(&activity);
        let threads: Vec<_> = (0..3).map(|t| patient_thread(THREAD + t)).collect();
        let settings = BillingSettings::new(Chicago);
        let measured = measure(&settings, &threads, &activity).expect("measurable");
        for who in [user(DOCTOR), user(DOCTOR + 1)] {
            let wall_clock = union_length(&of(&activity, who));
            let mut own = of(&disjoint, who);
            prop_assert_eq!(total(&own), wall_clock);
            own.sort_by_key(ActivityInterval::start);
            prop_assert!(own.windows(2).all(|w| w[0].end() <= w[1].start()));
            let counted: TimeDelta = measured.iter().filter(|m| m.clinician == who).map(PeriodMeasure::active).sum();
            prop_assert!(counted <= wall_clock);
        }
    }

    #[test]
    fn pings_count_exactly_the_gaps_within_the_idle_cutoff(
        offsets in prop::collection::vec(0i64..7_200, 1..60),
        cutoff in 10i64..=120,
    ) {
        let cut = IdleCutoff::from_seconds(cutoff).expect("in range");
        let pings: Vec<_> = offsets
            .iter()
            .map(|&s| ActivityPing {
                clinician: user(DOCTOR),
                thread: thread_id(THREAD),
                at: base() + TimeDelta::seconds(s),
                kind: ActivityKind::Typing,
            })
            .collect();
        let mut sorted = offsets.clone();
        sorted.sort_unstable();
        sorted.dedup();
        let expected: i64 = sorted.windows(2).map(|w| w[1] - w[0]).filter(|&gap| gap <= cutoff).sum();
        let intervals = intervals_from_pings(&pings, cut);
        prop_assert_eq!(total(&intervals).num_seconds(), expected);
        prop_assert_eq!(union_length(&intervals).num_seconds(), expected);
    }

    #[test]
    fn nothing_under_five_minutes_bills(
        attested in 0u32..MIN_BILLABLE_MINUTES,
        measured in 0i64..40,
        pharmacist in any::<bool>(),
        medicare in any::<bool>(),
    ) {
        let mut case = Case::doctor_minutes(measured);
        case.roles = vec![(DOCTOR, if pharmacist { Role::Pharmacist } else { Role::Physician })];
        case.settings.payer = if medicare { Payer::Medicare } else { Payer::Other };
        case.attest = Attest::Minutes(attested);
        prop_assert_eq!(case.decision(), not_billable(&[Exclusion::UnderFiveMinutes]));
        case.attest = Attest::Measured;
        prop_assert_eq!(case.decision().is_billable(), measured >= 5);
    }

    #[test]
    fn more_minutes_never_give_a_lower_code(a in 0u32..300, b in 0u32..300) {
        let (low, high) = (a.min(b), a.max(b));
        for &class in BillingClass::ALL {
            for &payer in Payer::ALL {
                let tier = |m| code_for(class, payer, m).map_or(0, EVisitCode::tier);
                prop_assert!(tier(low) <= tier(high));
                prop_assert_eq!(code_for(class, payer, low.min(4)), None);
                prop_assert_eq!(code_for(class, payer, high).is_some(), class.bills() && high >= MIN_BILLABLE_MINUTES);
            }
        }
    }
}
