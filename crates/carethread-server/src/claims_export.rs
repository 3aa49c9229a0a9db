//! Approved claims as they leave CareThread, for the JSON API and the
//! portal's billing queue alike: the export's format as asked, and the file
//! in it (CSV, or a FHIR `collection` Bundle of `ChargeItem`s and `Claim`s).

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use carethread_app::billing::queue::{self, ExportedClaim};
use carethread_core::role::Role;
use carethread_fhir::{ClaimFacts, Party};
use chrono::{DateTime, Utc};

use crate::error::{ApiError, ApiResult};

/// The format of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ExportFormat {
    Csv,
    Fhir,
}

impl ExportFormat {
    /// Reads `csv` (also when left out) or `fhir`; anything else is refused
    /// before a claim is marked exported.
    pub(crate) fn parse(raw: Option<&str>) -> ApiResult<Self> {
        match raw.map(str::trim) {
            None | Some("" | "csv") => Ok(Self::Csv),
            Some("fhir") => Ok(Self::Fhir),
            Some(_) => Err(ApiError::invalid("format", "must be csv or fhir")),
        }
    }
}

/// The exported claims as a download in `format`, made `now`.
pub(crate) fn download(claims: &[ExportedClaim], format: ExportFormat, now: DateTime<Utc>) -> Response {
    match format {
        ExportFormat::Csv => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
                (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"evisit-claims.csv\"")),
            ],
            queue::claims_csv(claims),
        )
            .into_response(),
        ExportFormat::Fhir => {
            let facts: Vec<ClaimFacts> = claims.iter().map(claim_facts).collect();
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(carethread_fhir::FHIR_JSON)),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_static("attachment; filename=\"evisit-claims.fhir.json\""),
                    ),
                ],
                Json(carethread_fhir::claims_bundle(&facts, now, uuid::Uuid::now_v7)),
            )
                .into_response()
        }
    }
}

fn claim_facts(claim: &ExportedClaim) -> ClaimFacts {
    let row = &claim.row;
    ClaimFacts {
        patient: Party { id: row.key.patient, role: Role::Patient, display: row.patient_name.clone() },
        clinician: Party { id: row.key.clinician, role: row.clinician_role, display: row.clinician_name.clone() },
        code: claim.code,
        minutes: claim.minutes,
        measured_minutes: row.measured_minutes,
        messages: row.messages,
        service_date: row.service_date,
        period_start: row.key.period_start,
        period_end: row.period_end,
        payer: claim.payer,
    }
}

#[cfg(test)]
mod tests {
    use super::ExportFormat;

    #[test]
    fn the_format_is_csv_unless_fhir_is_asked_and_nothing_else_is_taken() {
        assert_eq!(ExportFormat::parse(None).ok(), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse(Some("csv")).ok(), Some(ExportFormat::Csv));
        assert_eq!(ExportFormat::parse(Some("fhir")).ok(), Some(ExportFormat::Fhir));
        assert!(ExportFormat::parse(Some("xml")).is_err());
    }
}
