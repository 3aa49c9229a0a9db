//! The demo clinic's year, planned before anything is written: when each
//! patient writes (more on Mondays, fewer at weekends, some in the evening,
//! more in winter and as the clinic's patients take to the portal), what
//! about, and what the care team does: who opens it and when, claims and
//! forwards, re-triage, drafts, replies mostly within the clinic's targets
//! and some late, the patient reading and answering, and closing. A fixed
//! seed makes every demo the same year, ending on the day it is seeded.

use carethread_core::profile::{ClinicHours, ClinicProfile};
use carethread_core::thread::{Category, Urgency};
use carethread_triage::TriageResult;
use chrono::{DateTime, Datelike as _, NaiveTime, TimeDelta, TimeZone as _, Utc, Weekday};

use super::topics::{TOPICS, Topic};

/// A small deterministic generator (xorshift64*): the demo needs the same
/// year every time, not secrecy.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (`0` when `n` is 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }

    /// Uniform in `[0, 1)`.
    #[expect(clippy::cast_precision_loss, reason = "53 random bits are exact in an f64")]
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1_u64 << 53) as f64
    }

    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(super) fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }

    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[usize::try_from(self.below(items.len() as u64)).unwrap_or(0)]
    }
}

/// Minutes as a time span (fractions kept to the second).
#[expect(clippy::cast_possible_truncation, reason = "spans of at most days, in seconds")]
fn minutes(m: f64) -> TimeDelta {
    TimeDelta::seconds((m * 60.0).round() as i64)
}

/// Something that happens in a thread, by whom (a demo username).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Act {
    /// The patient writes the first message.
    Start,
    /// A member of staff opens the thread (a read receipt).
    Open(&'static str),
    Claim(&'static str),
    /// To a pool, and to a colleague when `to` is set.
    Forward {
        by: &'static str,
        pool: &'static str,
        to: Option<&'static str>,
    },
    Retriage {
        by: &'static str,
        urgency: Urgency,
    },
    Draft {
        by: &'static str,
        reply_needed: bool,
    },
    /// The first answer, or (`second`) the answer to the follow-up.
    Reply {
        by: &'static str,
        second: bool,
        drafted: bool,
    },
    PatientReads,
    /// The patient's answer to "did this answer your question?".
    Answer {
        yes: bool,
    },
    FollowUp,
    Close(&'static str),
}

/// One thread's year: a patient, a topic, and what happened when.
pub(super) struct Story {
    pub patient: usize,
    pub topic: usize,
    pub spanish: bool,
    pub acts: Vec<(DateTime<Utc>, Act)>,
}

/// What planning reads: the clinic's hours and targets, and how triage
/// reads each topic (`[english, spanish]`).
pub(super) struct Clinic<'a> {
    pub profile: &'a ClinicProfile,
    pub hours: &'a ClinicHours,
    pub triage: &'a [[TriageResult; 2]],
    /// When the clinic began billing online visits: from then on its
    /// Spanish-speaking patients start fewer conversations (the fall the
    /// equity monitor is there to show), by [`QUIETER_AFTER_BILLING`].
    pub billing_on: Option<DateTime<Utc>>,
    /// How many times the demo clinic's volume of threads (1 for the demo;
    /// more for a benchmark's clinic, with as many times the patients).
    pub scale: f64,
}

/// The share of Spanish-speaking patients' conversations that are not
/// started once billing began.
pub(super) const QUIETER_AFTER_BILLING: f64 = 0.35;

/// Who answers a pool's threads (the nurse pool: nurse or physician).
fn answerer(rng: &mut Rng, pool: &str, category: Category) -> &'static str {
    match pool {
        "pharmacy-refills" => "rx.patel",
        "front-desk" => "desk.ortiz",
        "billing" => "billing.ng",
        _ if category == Category::Results => {
            if rng.chance(0.55) {
                "dr.lee"
            } else {
                "rn.kim"
            }
        }
        _ => {
            if rng.chance(0.3) {
                "dr.lee"
            } else {
                "rn.kim"
            }
        }
    }
}

/// Whether this member of staff drafts replies with the clinic's AI.
fn drafts(who: &str) -> bool {
    matches!(who, "rn.kim" | "dr.lee" | "rx.patel")
}

/// A patient's local time of writing: mostly office hours, many in the
/// evening, a few early in the morning or at night.
#[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss, reason = "0 to 86,400 seconds")]
fn time_of_day(rng: &mut Rng) -> NaiveTime {
    let hours = match rng.unit() {
        u if u < 0.7 => rng.between(8.0, 17.0),
        u if u < 0.89 => rng.between(17.0, 22.0),
        u if u < 0.96 => rng.between(6.0, 8.0),
        _ => rng.between(22.0, 30.0) % 24.0,
    };
    NaiveTime::from_num_seconds_from_midnight_opt((hours * 3600.0) as u32, 0).unwrap_or(NaiveTime::MIN)
}

/// How much of the target a first reply took: most well within it, some
/// late (more in the busy winter months).
fn share_of_target(rng: &mut Rng, winter: bool) -> f64 {
    let late = if winter { 1.4 } else { 1.0 };
    match rng.unit() {
        u if u < 0.08 * late => rng.between(1.0, 2.0),
        u if u < 0.12 * late => rng.between(2.0, 3.5),
        u if u < 0.55 => rng.between(0.02, 0.25),
        u if u < 0.80 => rng.between(0.25, 0.5),
        _ => rng.between(0.5, 1.0),
    }
}

/// Threads a day: weekday, season and the portal's growth over the year.
fn expected_threads(day: chrono::NaiveDate, progress: f64) -> f64 {
    let weekday = match day.weekday() {
        Weekday::Mon => 1.5,
        Weekday::Tue => 1.25,
        Weekday::Wed => 1.15,
        Weekday::Thu => 1.1,
        Weekday::Fri => 1.0,
        Weekday::Sat => 0.4,
        Weekday::Sun => 0.45,
    };
    let season = 1.0 + 0.2 * (2.0 * std::f64::consts::PI * (f64::from(day.ordinal()) - 15.0) / 365.0).cos();
    2.45 * weekday * season * (0.8 + 0.35 * progress)
}

fn pick_topic(rng: &mut Rng, near_now: bool) -> usize {
    let total: u32 = TOPICS.iter().map(|t| t.weight).sum();
    loop {
        let mut left = u32::try_from(rng.below(u64::from(total))).unwrap_or(0);
        for (i, t) in TOPICS.iter().enumerate() {
            if left < t.weight {
                // No emergency is left waiting at the end of the demo's year.
                if !(near_now && t.en.reply.contains("911")) {
                    return i;
                }
                break;
            }
            left -= t.weight;
        }
    }
}

/// Every thread of the year up to `now`, oldest first, for the patients
/// `spanish` lists (`spanish[i]` when patient `i` writes in Spanish).
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss,
    clippy::cast_precision_loss,
    reason = "small counts"
)]
pub(super) fn year(rng: &mut Rng, clinic: &Clinic<'_>, spanish: &[bool], now: DateTime<Utc>) -> Vec<Story> {
    let tz = clinic.hours.timezone();
    let today = now.with_timezone(&tz).date_naive();
    let first = today - TimeDelta::days(364);
    let mut stories = Vec::new();
    for (n, day) in first.iter_days().take_while(|d| *d <= today).enumerate() {
        let progress = n as f64 / 365.0;
        let expected = expected_threads(day, progress) * clinic.scale;
        let count = expected.floor() as usize + usize::from(rng.chance(expected.fract()));
        let mut arrivals: Vec<DateTime<Utc>> = (0..count)
            .filter_map(|_| tz.from_local_datetime(&day.and_time(time_of_day(rng))).earliest())
            .map(|t| t.with_timezone(&Utc))
            .filter(|t| *t < now - TimeDelta::minutes(30))
            .collect();
        arrivals.sort();
        for at in arrivals {
            // A few patients write often, most now and then.
            let patient = ((rng.unit().powf(1.7) * spanish.len() as f64) as usize).min(spanish.len().saturating_sub(1));
            if spanish[patient] && clinic.billing_on.is_some_and(|on| at >= on) && rng.chance(QUIETER_AFTER_BILLING) {
                continue;
            }
            let topic = pick_topic(rng, now - at < TimeDelta::days(3));
            let thread = Thread { topic, spanish: spanish[patient], at, progress };
            let mut acts = plan_thread(rng, clinic, &thread);
            // What has not happened yet by `now` is left undone.
            acts.retain(|(t, _)| *t < now);
            stories.push(Story { patient, topic, spanish: thread.spanish, acts });
        }
    }
    stories
}

/// A thread as it starts: its topic, language, time, and how far into the year.
struct Thread {
    topic: usize,
    spanish: bool,
    at: DateTime<Utc>,
    progress: f64,
}

/// The open time a reply is due within, for `urgency`.
fn target_work(profile: &ClinicProfile, urgency: Urgency) -> TimeDelta {
    let time = |raw: &str| NaiveTime::parse_from_str(raw, "%H:%M").unwrap_or(NaiveTime::MIN);
    let day = time(&profile.closes_at) - time(&profile.opens_at);
    match urgency {
        Urgency::Emergency => TimeDelta::minutes(i64::from(profile.emergency_reply_minutes)),
        Urgency::Urgent => TimeDelta::hours(i64::from(profile.urgent_reply_hours)),
        Urgency::Routine => day * i32::try_from(profile.routine_reply_days).unwrap_or(2),
    }
}

#[expect(clippy::cast_precision_loss, reason = "spans of days, in seconds")]
fn scaled(span: TimeDelta, share: f64) -> TimeDelta {
    minutes(span.num_seconds() as f64 / 60.0 * share)
}

/// A quarter of the way from `step` to `until`: the next thing done
/// between opening a thread and answering it.
fn advance(step: &mut DateTime<Utc>, until: DateTime<Utc>) -> DateTime<Utc> {
    *step += (until - *step) / 4;
    *step
}

/// What happens in one thread, in order.
fn plan_thread(rng: &mut Rng, clinic: &Clinic<'_>, thread: &Thread) -> Vec<(DateTime<Utc>, Act)> {
    let Thread { topic, spanish, at, progress } = *thread;
    let t: &Topic = &TOPICS[topic];
    let triage = &clinic.triage[topic][usize::from(spanish)];
    let (hours, profile) = (clinic.hours, clinic.profile);
    let mut acts = vec![(at, Act::Start)];
    let mut by = answerer(rng, &triage.pool, triage.category);
    if t.thanks_only {
        let open = hours.add_working_time(at, scaled(target_work(profile, Urgency::Routine), rng.between(0.05, 0.6)));
        acts.push((open, Act::Open(by)));
        acts.push((open + minutes(1.0), Act::Draft { by, reply_needed: false }));
        acts.push((open + minutes(rng.between(2.0, 6.0)), Act::Close(by)));
        return acts;
    }
    let mut urgency = triage.urgency;
    let emergency = urgency == Urgency::Emergency;
    let (mut looked, mut replied) = if emergency {
        // On call answers in every minute of the day, mostly well within the target.
        by = "rn.kim";
        let wait = match rng.unit() {
            u if u < 0.7 => rng.between(2.0, 25.0),
            u if u < 0.9 => rng.between(25.0, 60.0),
            _ => rng.between(60.0, 150.0),
        };
        let opened = at + minutes(wait);
        (opened, opened + minutes(rng.between(3.0, 12.0)))
    } else {
        let winter = matches!(at.month(), 12 | 1 | 2);
        let work = scaled(target_work(profile, urgency), share_of_target(rng, winter));
        let replied = hours.add_working_time(at, work).max(at + minutes(6.0));
        ((replied - minutes(rng.between(4.0, 25.0))).max(at + minutes(1.0)), replied)
    };
    acts.push((looked, Act::Open(by)));
    let mut step = looked;
    // Now and then a nurse reads more (or less) into a message than triage did.
    let clinical = matches!(triage.category, Category::Clinical | Category::Medication | Category::Results);
    let retriaged = match urgency {
        Urgency::Urgent if rng.chance(0.2) => Some(Urgency::Routine),
        Urgency::Routine if clinical && rng.chance(0.05) => Some(Urgency::Urgent),
        _ => None,
    };
    if let Some(to) = retriaged {
        urgency = to;
        acts.push((advance(&mut step, replied), Act::Retriage { by, urgency }));
    }
    if matches!(by, "rn.kim" | "dr.lee") && !emergency && rng.chance(0.3) {
        acts.push((advance(&mut step, replied), Act::Claim(by)));
    }
    let forward = match t.forward_to {
        Some(pool) if rng.chance(0.45) => Some((pool, None)),
        _ if by == "rn.kim" && !emergency && rng.chance(0.08) => Some(("nurse-triage", Some("dr.lee"))),
        _ if by == "desk.ortiz" && rng.chance(0.05) => Some(("billing", None)),
        _ => None,
    };
    if let Some((pool, to)) = forward {
        let at = advance(&mut step, replied);
        acts.push((at, Act::Forward { by, pool, to }));
        by = to.unwrap_or_else(|| answerer(rng, pool, triage.category));
        replied = hours.add_working_time(at, minutes(rng.between(20.0, 360.0)));
        looked = (replied - minutes(rng.between(2.0, 15.0))).max(at + minutes(1.0));
        acts.push((looked, Act::Open(by)));
    }
    let drafted = drafts(by) && rng.chance(0.2 + 0.4 * progress);
    if drafted {
        acts.push((looked + (replied - looked) / 2, Act::Draft { by, reply_needed: true }));
    }
    acts.push((replied, Act::Reply { by, second: false, drafted }));
    let mut last = replied;
    if rng.chance(0.88) {
        let read = replied + minutes(rng.between(10.0, 1800.0));
        acts.push((read, Act::PatientReads));
        last = read;
        if rng.chance(if emergency { 0.8 } else { 0.33 }) {
            let mut again = read + minutes(rng.between(5.0, 2880.0));
            if !hours.is_open(again) && rng.chance(0.6) {
                // Most answer during their day rather than at night.
                again = hours.next_open(again) + minutes(rng.between(5.0, 240.0));
            }
            acts.push((again, Act::FollowUp));
            if emergency {
                by = "dr.lee";
            }
            let work = scaled(target_work(profile, Urgency::Routine), rng.between(0.03, 0.7));
            let answer = hours.add_working_time(again, work).max(again + minutes(6.0));
            acts.push(((answer - minutes(rng.between(2.0, 20.0))).max(again + minutes(1.0)), Act::Open(by)));
            acts.push((answer, Act::Reply { by, second: true, drafted: false }));
            last = answer;
            if rng.chance(0.8) {
                last = answer + minutes(rng.between(10.0, 1800.0));
                acts.push((last, Act::PatientReads));
            }
        } else {
            // Some answer "did this answer your question?", most of them yes;
            // drawn apart from the year's sequence, which stays as it was.
            // Closing is planned from the reading, as before answers were kept.
            let mut own = Rng::new(read.timestamp_millis().unsigned_abs());
            if own.chance(0.45) {
                acts.push((read + minutes(own.between(1.0, 30.0)), Act::Answer { yes: own.chance(0.86) }));
            }
        }
    }
    if rng.chance(0.68) {
        acts.push((hours.add_working_time(last, minutes(rng.between(30.0, 1400.0))), Act::Close(by)));
    }
    acts.sort_by_key(|(t, _)| *t);
    acts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[expect(clippy::cast_precision_loss, reason = "counts of threads")]
    fn the_demo_year_is_the_same_every_time_and_ends_before_now() {
        let profile = ClinicProfile::default();
        let hours = profile.validate().expect("default hours");
        let triage: Vec<[TriageResult; 2]> =
            TOPICS.iter().map(|t| [&t.en, &t.es].map(|x| carethread_triage::classify(x.subject, x.body))).collect();
        let now = DateTime::parse_from_rfc3339("2026-12-06T17:00:00Z").expect("time").with_timezone(&Utc);
        let billing_on = now - TimeDelta::days(182);
        let clinic =
            Clinic { profile: &profile, hours: &hours, triage: &triage, billing_on: Some(billing_on), scale: 1.0 };
        let spanish: Vec<bool> = (0..50_u32).map(|i| i.is_multiple_of(3)).collect();
        let plan = || year(&mut Rng::new(7), &clinic, &spanish, now);
        let (one, two) = (plan(), plan());
        assert_eq!(one.len(), two.len());
        assert!(one.len() > 500, "{} threads", one.len());
        for (a, b) in one.iter().zip(&two) {
            assert_eq!((a.patient, a.topic, &a.acts), (b.patient, b.topic, &b.acts));
            assert!(a.acts.iter().all(|(t, _)| *t < now && *t > now - TimeDelta::days(366)));
            assert_eq!(a.acts.first().map(|(_, act)| *act), Some(Act::Start));
        }
        // Spanish speakers start a smaller share of conversations once billing began.
        let share = |after: bool| {
            let of: Vec<&Story> =
                one.iter().filter(|s| s.acts.first().is_some_and(|(t, _)| (*t >= billing_on) == after)).collect();
            of.iter().filter(|s| s.spanish).count() as f64 / of.len() as f64
        };
        assert!(share(true) < share(false) * 0.8, "{} after, {} before", share(true), share(false));
    }
}
