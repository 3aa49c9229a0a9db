//! The start and end of a clinician's time away: at the start their threads
//! go to the coverer; at the end those still with the coverer come back.
//! Each job reads the absence as it is when it runs, so a job left from an
//! absence since changed or cleared does only what the absence now calls for.
//! At the start, whoever covers is told (by every channel they have, no PHI).

use carethread_core::ids::UserId;
use carethread_notify::NoticeKind;
use carethread_store::JobEffects;
use chrono::{DateTime, Utc};

use super::runner::Outcome;
use crate::App;

pub(super) async fn start(app: &App, person: UserId, now: DateTime<Utc>) -> Outcome {
    let moved = match crate::coverage::hand_over_if_away(app, person, now).await {
        Ok(moved) => moved,
        Err(err) => return Outcome::Retry(format!("coverage: {err}")),
    };
    if !moved.is_empty() {
        tracing::info!(user.id = %person, threads = moved.len(), "threads handed to the coverer");
    }
    // Whoever covers is told they do (a link to their in-basket, no names):
    // nobody, when the absence is not in force after all.
    let covering = match crate::coverage::present(app, vec![person], now).await {
        Ok(people) => people,
        Err(err) => return Outcome::Retry(format!("store: {err}")),
    };
    let mut effects = JobEffects::default();
    for coverer in covering.into_iter().filter(|c| *c != person) {
        match super::deliver::scheduled(app, coverer, NoticeKind::CoverageStarted, None, now).await {
            Ok(job) => effects.follow_ups.push(job),
            Err(err) => return Outcome::Retry(format!("store: {err}")),
        }
    }
    Outcome::Done(effects)
}

pub(super) async fn end(app: &App, person: UserId, now: DateTime<Utc>) -> Outcome {
    match crate::coverage::give_back_unless_away(app, person, now).await {
        Ok(returned) => {
            if !returned.is_empty() {
                tracing::info!(user.id = %person, threads = returned.len(), "threads given back after time away");
            }
            Outcome::Done(JobEffects::default())
        }
        Err(err) => Outcome::Retry(format!("coverage: {err}")),
    }
}

#[cfg(test)]
mod tests {
    use carethread_core::ids::UserId;
    use chrono::Utc;

    use super::super::Job;

    #[test]
    fn coverage_jobs_name_the_person_only_and_read_back() {
        let person = UserId::from_uuid(uuid::Uuid::now_v7());
        for job in [Job::CoverageStart { person }, Job::CoverageEnd { person }] {
            let row = job.at(Utc::now(), None);
            assert!(row.kind.starts_with("coverage_"), "{}", row.kind);
            assert_eq!(serde_json::from_str::<Job>(&row.payload).expect("payload"), job);
            assert!(row.payload.contains(&person.to_string()));
        }
    }
}
