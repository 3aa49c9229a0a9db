//! Releasing a scheduled reply at its time.

use carethread_store::{HeldReplyId, JobEffects};
use chrono::{DateTime, Utc};

use super::runner::Outcome;
use crate::{App, AppError};

/// Releases `held`; done (with nothing to do) when it was released or
/// cancelled already. A store failure is retried; a thread that no longer
/// takes replies sets the job aside for staff to see.
pub(super) async fn release_reply(app: &App, held: HeldReplyId, now: DateTime<Utc>) -> Outcome {
    match crate::release::release_scheduled(app, held, now).await {
        Ok(_) => Outcome::Done(JobEffects::default()),
        Err(err @ (AppError::Internal(_) | AppError::Unavailable | AppError::StorageFull)) => {
            Outcome::Retry(format!("store: {err}"))
        }
        Err(err) => Outcome::Fail(format!("the held reply cannot be released: {err}")),
    }
}
