//! How a billing period is named in paths and forms: patient, clinician and
//! start, read back by the JSON API and the portal's billing queue alike.

use carethread_store::PeriodKey;
use chrono::DateTime;

use crate::error::{ApiError, ApiResult};
use crate::extract::path_id;

/// A period's name in paths: patient, clinician and start (milliseconds).
pub(crate) fn period_name(key: &PeriodKey) -> String {
    format!("{}_{}_{}", key.patient, key.clinician, key.period_start.timestamp_millis())
}

/// Reads a period's name back; any malformed one is no such period.
pub(crate) fn parse_period(raw: &str) -> ApiResult<PeriodKey> {
    let mut parts = raw.split('_');
    let (Some(p), Some(c), Some(ms), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ApiError::NotFound);
    };
    let start = ms.parse::<i64>().ok().and_then(DateTime::from_timestamp_millis).ok_or(ApiError::NotFound)?;
    Ok(PeriodKey { patient: path_id(p)?, clinician: path_id(c)?, period_start: start })
}
