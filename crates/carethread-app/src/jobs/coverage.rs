//! The start and end of a clinician's time away: at the start their threads
//! go to the coverer; at the end those still with the coverer come back.
//! Each job reads the absence as it is when it runs, so a job left from an
//! absence since changed or cleared does only what the absence now calls for.

use carethread_core::ids::UserId;
use carethread_store::JobEffects;
use chrono::{DateTime, Utc};

use super::runner::Outcome;
use crate::App;

pub(super) async fn start(app: &App, person: UserId, now: DateTime<Utc>) -> Outcome {
    match crate::coverage::hand_over_if_away(app, person, now).await {
        Ok(moved) => {
            if !moved.is_empty() {
                tracing::info!(user.id = %person, threads = moved.len(), "threads handed to the coverer");
            }
            Outcome::Done(JobEffects::default())
        }
        Err(err) => Outcome::Retry(format!("coverage: {err}")),
    }
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
