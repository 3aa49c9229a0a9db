//! E-visit billing's SQL: the clinic's setup, patients' consent and facts,
//! activity pings, threads' purposes, attestations and claim decisions.
//! Threads are read for their metadata only (who started them, who wrote
//! when); no query here touches a message body.

use async_trait::async_trait;
use carethread_core::billing::{
    ActivityKind, ActivityPing, Attestation, BillingPeriod, EVisitCode, EVisitMessage, IdleCutoff, MessagePurpose,
    Payer,
};

use super::backend::Backend;
use super::prelude::*;
use crate::billing::{
    BillingPatient, BillingSetup, BillingThread, ClaimDecision, ClaimStatus, PeriodKey, RecordedVisit,
    ThreadBillingMark,
};

fn day(raw: Option<&str>) -> StoreResult<Option<NaiveDate>> {
    raw.map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| StoreError::Corrupt("billing date".into())))
        .transpose()
}

fn day_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn minutes(raw: i64) -> StoreResult<u32> {
    u32::try_from(raw).map_err(|_| StoreError::Corrupt("minutes".into()))
}

fn ping_from_row<R: DialectRow>(row: &R) -> StoreResult<ActivityPing> {
    Ok(ActivityPing {
        clinician: parse_id(row.get_v::<&str, _>("clinician_id")?)?,
        thread: parse_id(row.get_v::<&str, _>("thread_id")?)?,
        at: at(row.get_v("at")?)?,
        kind: ActivityKind::parse(row.get_v("kind")?)?,
    })
}

fn claim_from_row<R: DialectRow>(row: &R) -> StoreResult<ClaimDecision> {
    Ok(ClaimDecision {
        key: PeriodKey {
            patient: parse_id(row.get_v::<&str, _>("patient_id")?)?,
            clinician: parse_id(row.get_v::<&str, _>("clinician_id")?)?,
            period_start: at(row.get_v("period_start")?)?,
        },
        status: ClaimStatus::parse(row.get_v("status")?)?,
        reason: row.get_v("reason")?,
        code: row.get_v::<Option<&str>, _>("code")?.map(EVisitCode::parse).transpose()?,
        minutes: row.get_v::<Option<i64>, _>("minutes")?.map(minutes).transpose()?,
        decided_by: parse_id(row.get_v::<&str, _>("decided_by")?)?,
        decided_at: at(row.get_v("decided_at")?)?,
        exported_at: row.get_v::<Option<i64>, _>("exported_at")?.map(at).transpose()?,
    })
}

const PING_COLS: &str = "p.clinician_id, p.thread_id, p.at, p.kind";
const CLAIM_COLS: &str =
    "patient_id, clinician_id, period_start, status, reason, code, minutes, decided_by, decided_at, exported_at";

#[async_trait]
impl<B: Backend> crate::Billing for B {
    async fn billing_setup(&self) -> StoreResult<Option<BillingSetup>> {
        let row = sqlx::query::<B::D>(
            "SELECT enabled, notice_en, notice_es, payer, idle_cutoff_seconds, enabled_since FROM billing_settings \
             WHERE id = 1",
        )
        .fetch_optional_with(&self.sql().read)
        .await?;
        row.map(|row| {
            Ok(BillingSetup {
                enabled: row.get_v("enabled")?,
                notice_en: row.get_v("notice_en")?,
                notice_es: row.get_v("notice_es")?,
                payer: Payer::parse(row.get_v("payer")?)?,
                idle_cutoff: IdleCutoff::from_seconds(row.get_v("idle_cutoff_seconds")?)?,
                enabled_since: row.get_v::<Option<i64>, _>("enabled_since")?.map(at).transpose()?,
            })
        })
        .transpose()
    }

    async fn set_billing_setup(&self, setup: &BillingSetup, now: DateTime<Utc>, audit: &AuditEvent) -> StoreResult<()> {
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO billing_settings (id, enabled, notice_en, notice_es, payer, idle_cutoff_seconds, \
                     updated_at, enabled_since) VALUES (1, $1, $2, $3, $4, $5, $6, CASE WHEN $1 THEN $6 END) \
                     ON CONFLICT (id) DO UPDATE SET enabled = $1, notice_en = $2, notice_es = $3, payer = $4, \
                     idle_cutoff_seconds = $5, updated_at = $6, enabled_since = CASE \
                     WHEN $1 AND NOT billing_settings.enabled THEN $6 ELSE billing_settings.enabled_since END",
                )
                .bind_v(setup.enabled)
                .bind_v(&setup.notice_en)
                .bind_v(&setup.notice_es)
                .bind_v(setup.payer.as_str())
                .bind_v(setup.idle_cutoff.seconds())
                .bind_v(ms(now))
                .execute_with(&mut *conn)
                .await?;
                Ok(Audited::new((), with_target(std::slice::from_ref(audit), "billing_settings", "clinic")))
            })
            .await
    }

    async fn billing_patient(&self, patient: UserId) -> StoreResult<Option<BillingPatient>> {
        let row = sqlx::query::<B::D>(
            "SELECT consent_given_on, consent_withdrawn_on, first_visit_on, surgical_global_until \
             FROM billing_patients WHERE patient_id = $1",
        )
        .bind_v(patient.to_string())
        .fetch_optional_with(&self.sql().read)
        .await?;
        row.map(|row| {
            Ok(BillingPatient {
                patient,
                consent_given_on: day(row.get_v("consent_given_on")?)?,
                consent_withdrawn_on: day(row.get_v("consent_withdrawn_on")?)?,
                first_visit_on: day(row.get_v("first_visit_on")?)?,
                surgical_global_until: day(row.get_v("surgical_global_until")?)?,
            })
        })
        .transpose()
    }

    async fn set_billing_patient(
        &self,
        facts: &BillingPatient,
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let patient = facts.patient.to_string();
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO billing_patients (patient_id, consent_given_on, consent_withdrawn_on, \
                     first_visit_on, surgical_global_until, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (patient_id) DO UPDATE SET consent_given_on = $2, consent_withdrawn_on = $3, \
                     first_visit_on = $4, surgical_global_until = $5, updated_at = $6",
                )
                .bind_v(&patient)
                .bind_v(day_text(facts.consent_given_on))
                .bind_v(day_text(facts.consent_withdrawn_on))
                .bind_v(day_text(facts.first_visit_on))
                .bind_v(day_text(facts.surgical_global_until))
                .bind_v(ms(now))
                .execute_with(&mut *conn)
                .await?;
                let audit = audit.clone().patient(facts.patient);
                Ok(Audited::new((), with_target(std::slice::from_ref(&audit), "user", &patient)))
            })
            .await
    }

    async fn record_pings(&self, pings: &[ActivityPing]) -> StoreResult<()> {
        let sql = self.sql();
        let mut tx = sql.write.begin().await?;
        for ping in pings {
            sqlx::query::<B::D>(
                "INSERT INTO billing_pings (clinician_id, thread_id, at, kind) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (clinician_id, thread_id, at) DO NOTHING",
            )
            .bind_v(ping.clinician.to_string())
            .bind_v(ping.thread.to_string())
            .bind_v(ms(ping.at))
            .bind_v(ping.kind.as_str())
            .execute_with(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn pings_for_patient(&self, patient: UserId) -> StoreResult<Vec<ActivityPing>> {
        let rows = sqlx::query::<B::D>(&format!(
            "SELECT {PING_COLS} FROM billing_pings p JOIN threads t ON t.id = p.thread_id \
             WHERE t.patient_id = $1 ORDER BY p.at"
        ))
        .bind_v(patient.to_string())
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(ping_from_row).collect()
    }

    async fn pings_of(
        &self,
        clinician: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> StoreResult<Vec<ActivityPing>> {
        let rows = sqlx::query::<B::D>(&format!(
            "SELECT {PING_COLS} FROM billing_pings p WHERE p.clinician_id = $1 AND p.at >= $2 AND p.at < $3 \
             ORDER BY p.at"
        ))
        .bind_v(clinician.to_string())
        .bind_v(ms(from))
        .bind_v(ms(to))
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(ping_from_row).collect()
    }

    async fn patients_with_activity(&self, since: DateTime<Utc>) -> StoreResult<Vec<UserId>> {
        let rows = sqlx::query::<B::D>(
            "SELECT DISTINCT t.patient_id FROM billing_pings p JOIN threads t ON t.id = p.thread_id \
             WHERE p.at >= $1 ORDER BY t.patient_id",
        )
        .bind_v(ms(since))
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(|row| parse_id(row.get_v::<&str, _>("patient_id")?)).collect()
    }

    async fn billing_threads(&self, patient: UserId) -> StoreResult<Vec<BillingThread>> {
        let read = &self.sql().read;
        let id = patient.to_string();
        let rows = sqlx::query::<B::D>(
            "SELECT t.id, t.category, c.role AS starter_role, b.purpose, COALESCE(b.declined, FALSE) AS declined FROM threads t \
             JOIN users c ON c.id = t.created_by LEFT JOIN billing_threads b ON b.thread_id = t.id \
             WHERE t.patient_id = $1 ORDER BY t.created_at, t.id",
        )
        .bind_v(&id)
        .fetch_all_with(read)
        .await?;
        let mut threads = Vec::with_capacity(rows.len());
        for row in &rows {
            threads.push(BillingThread {
                id: parse_id(row.get_v::<&str, _>("id")?)?,
                category: Category::parse(row.get_v("category")?)?,
                started_by: row.get_v::<&str, _>("starter_role")?.parse()?,
                purpose: row.get_v::<Option<&str>, _>("purpose")?.map(MessagePurpose::parse).transpose()?,
                declined: row.get_v("declined")?,
                related_visits: Vec::new(),
                messages: Vec::new(),
            });
        }
        let find = |threads: &mut Vec<BillingThread>, raw: &str| -> StoreResult<Option<usize>> {
            let thread: ThreadId = parse_id(raw)?;
            Ok(threads.iter().position(|t| t.id == thread))
        };
        let messages = sqlx::query::<B::D>(
            "SELECT m.id, m.thread_id, m.sent_at, m.author_id, u.role, m.internal FROM messages m \
             JOIN threads t ON t.id = m.thread_id JOIN users u ON u.id = m.author_id \
             WHERE t.patient_id = $1 ORDER BY m.thread_id, m.seq",
        )
        .bind_v(&id)
        .fetch_all_with(read)
        .await?;
        for row in &messages {
            if let Some(i) = find(&mut threads, row.get_v("thread_id")?)? {
                threads[i].messages.push(EVisitMessage {
                    id: parse_id(row.get_v::<&str, _>("id")?)?,
                    sent_at: at(row.get_v("sent_at")?)?,
                    author: parse_id(row.get_v::<&str, _>("author_id")?)?,
                    author_role: row.get_v::<&str, _>("role")?.parse()?,
                    internal: row.get_v("internal")?,
                });
            }
        }
        let visits = sqlx::query::<B::D>(
            "SELECT thread_id, requested_at FROM visit_requests WHERE patient_id = $1 AND status <> 'cancelled'",
        )
        .bind_v(&id)
        .fetch_all_with(read)
        .await?;
        for row in &visits {
            if let Some(i) = find(&mut threads, row.get_v("thread_id")?)? {
                threads[i].related_visits.push(at(row.get_v("requested_at")?)?);
            }
        }
        let recorded = sqlx::query::<B::D>("SELECT thread_id, visited_at FROM recorded_visits WHERE patient_id = $1")
            .bind_v(&id)
            .fetch_all_with(read)
            .await?;
        for row in &recorded {
            if let Some(i) = find(&mut threads, row.get_v("thread_id")?)? {
                threads[i].related_visits.push(at(row.get_v("visited_at")?)?);
            }
        }
        Ok(threads)
    }

    async fn record_visit(&self, visit: &RecordedVisit, audit: &AuditEvent) -> StoreResult<()> {
        let audit = with_target(std::slice::from_ref(audit), "thread", &visit.thread.to_string());
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO recorded_visits (id, thread_id, patient_id, visited_at, source, recorded_by, \
                     recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (thread_id, visited_at) DO NOTHING",
                )
                .bind_v(Uuid::now_v7().to_string())
                .bind_v(visit.thread.to_string())
                .bind_v(visit.patient.to_string())
                .bind_v(ms(visit.visited_at))
                .bind_v(visit.source.as_str())
                .bind_v(visit.recorded_by.map(|u| u.to_string()))
                .bind_v(ms(visit.recorded_at))
                .execute_with(&mut *conn)
                .await?;
                Ok(Audited::new((), audit.clone()))
            })
            .await
    }

    async fn thread_billing_mark(&self, thread: ThreadId) -> StoreResult<ThreadBillingMark> {
        let row = sqlx::query::<B::D>("SELECT purpose, declined FROM billing_threads WHERE thread_id = $1")
            .bind_v(thread.to_string())
            .fetch_optional_with(&self.sql().read)
            .await?;
        row.map_or(Ok(ThreadBillingMark::default()), |row| {
            Ok(ThreadBillingMark {
                purpose: row.get_v::<Option<&str>, _>("purpose")?.map(MessagePurpose::parse).transpose()?,
                declined: row.get_v("declined")?,
            })
        })
    }

    async fn set_thread_billing_mark(
        &self,
        thread: ThreadId,
        mark: ThreadBillingMark,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let (now, by) = (audit.at, audit.actor_id);
        let id = thread.to_string();
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO billing_threads (thread_id, purpose, declined, updated_by, updated_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (thread_id) DO UPDATE SET purpose = $2, \
                     declined = $3, updated_by = $4, updated_at = $5",
                )
                .bind_v(&id)
                .bind_v(mark.purpose.map(MessagePurpose::as_str))
                .bind_v(mark.declined)
                .bind_v(by.map(|u| u.to_string()))
                .bind_v(ms(now))
                .execute_with(&mut *conn)
                .await?;
                Ok(Audited::new((), with_target(std::slice::from_ref(audit), "thread", &id)))
            })
            .await
    }

    async fn save_attestation(
        &self,
        attestation: &Attestation,
        period_end: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let patient = attestation.patient().to_string();
        self.sql()
            .audited(async |conn| {
                sqlx::query::<B::D>(
                    "INSERT INTO billing_attestations (patient_id, clinician_id, period_start, period_end, \
                     measured_minutes, attested_minutes, attested_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                     ON CONFLICT (patient_id, clinician_id, period_start) DO UPDATE SET period_end = $4, \
                     measured_minutes = $5, attested_minutes = $6, attested_at = $7",
                )
                .bind_v(&patient)
                .bind_v(attestation.clinician().to_string())
                .bind_v(ms(attestation.period_start()))
                .bind_v(ms(period_end))
                .bind_v(i64::from(attestation.measured_minutes()))
                .bind_v(i64::from(attestation.attested_minutes()))
                .bind_v(ms(attestation.attested_at()))
                .execute_with(&mut *conn)
                .await?;
                let audit = audit.clone().patient(attestation.patient());
                Ok(Audited::new((), with_target(std::slice::from_ref(&audit), "billing_period", &patient)))
            })
            .await
    }

    async fn attestations_for(&self, patient: UserId) -> StoreResult<Vec<(Attestation, DateTime<Utc>)>> {
        let rows = sqlx::query::<B::D>(
            "SELECT clinician_id, period_start, period_end, measured_minutes, attested_minutes, attested_at \
             FROM billing_attestations WHERE patient_id = $1 ORDER BY period_start",
        )
        .bind_v(patient.to_string())
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter()
            .map(|row| {
                let start = at(row.get_v("period_start")?)?;
                let end = at(row.get_v("period_end")?)?;
                // The period is rebuilt from its start; its stored end is
                // what the clinician saw and is answered as kept.
                let utc = "UTC".parse().map_err(|_| StoreError::Corrupt("time zone".into()))?;
                let period = BillingPeriod::starting_at(start, utc);
                let a = Attestation::from_parts(
                    patient,
                    parse_id(row.get_v::<&str, _>("clinician_id")?)?,
                    &period,
                    minutes(row.get_v("measured_minutes")?)?,
                    minutes(row.get_v("attested_minutes")?)?,
                    at(row.get_v("attested_at")?)?,
                )?;
                Ok((a, end))
            })
            .collect()
    }

    async fn decide_claim(&self, decision: &ClaimDecision, audit: &AuditEvent) -> StoreResult<bool> {
        let patient = decision.key.patient.to_string();
        self.sql()
            .audited(async |conn| {
                let done = sqlx::query::<B::D>(
                    "INSERT INTO billing_claims (patient_id, clinician_id, period_start, status, reason, code, \
                     minutes, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                     ON CONFLICT (patient_id, clinician_id, period_start) DO UPDATE SET status = $4, reason = $5, \
                     code = $6, minutes = $7, decided_by = $8, decided_at = $9 \
                     WHERE billing_claims.exported_at IS NULL",
                )
                .bind_v(&patient)
                .bind_v(decision.key.clinician.to_string())
                .bind_v(ms(decision.key.period_start))
                .bind_v(decision.status.as_str())
                .bind_v(decision.reason.clone())
                .bind_v(decision.code.map(EVisitCode::as_str))
                .bind_v(decision.minutes.map(i64::from))
                .bind_v(decision.decided_by.to_string())
                .bind_v(ms(decision.decided_at))
                .execute_with(&mut *conn)
                .await?;
                if done.rows_affected() == 0 {
                    return Ok(Audited::unchanged(false));
                }
                let audit = audit.clone().patient(decision.key.patient);
                Ok(Audited::new(true, with_target(std::slice::from_ref(&audit), "billing_period", &patient)))
            })
            .await
    }

    async fn claim_decisions(&self) -> StoreResult<Vec<ClaimDecision>> {
        let rows = sqlx::query::<B::D>(&format!(
            "SELECT {CLAIM_COLS} FROM billing_claims ORDER BY decided_at, patient_id, clinician_id"
        ))
        .fetch_all_with(&self.sql().read)
        .await?;
        rows.iter().map(claim_from_row).collect()
    }

    async fn export_approved_claims(
        &self,
        keys: &[PeriodKey],
        now: DateTime<Utc>,
        audit: &AuditEvent,
    ) -> StoreResult<Vec<PeriodKey>> {
        self.sql()
            .audited(async |conn| {
                let mut marked = Vec::new();
                for key in keys {
                    let rows = sqlx::query::<B::D>(&format!(
                        "UPDATE billing_claims SET exported_at = $1 WHERE patient_id = $2 AND clinician_id = $3 \
                         AND period_start = $4 AND status = 'approved' AND exported_at IS NULL RETURNING {CLAIM_COLS}"
                    ))
                    .bind_v(ms(now))
                    .bind_v(key.patient.to_string())
                    .bind_v(key.clinician.to_string())
                    .bind_v(ms(key.period_start))
                    .fetch_all_with(&mut *conn)
                    .await?;
                    for row in &rows {
                        marked.push(claim_from_row(row)?.key);
                    }
                }
                let mut keys = marked;
                keys.sort_unstable();
                if keys.is_empty() {
                    return Ok(Audited::unchanged(keys));
                }
                let detail = format!("{} claims", keys.len());
                let audit = audit.clone().detail(detail);
                Ok(Audited::new(keys, with_target(std::slice::from_ref(&audit), "billing_export", "claims")))
            })
            .await
    }
}
