//! FHIR Bulk Data export for registered systems: a system asks for every
//! patient it may see (or a pool's patients), their messages, and the
//! clinic's staff; an outbox job writes the NDJSON files; the system polls
//! for the manifest and downloads the files within a day. What goes in is
//! read through the same functions as the FHIR API, as the system's
//! account, so the core policy decides and the audit log records each read.

use carethread_core::audit::AuditAction;
use carethread_core::ids::{ExportId, PoolId, ThreadId};
use carethread_store::{BulkExport, ExportStatus};
use chrono::{DateTime, TimeDelta, Utc};

use crate::fhir_reads::{MessageQuery, search_messages};
use crate::threads::require_messaging;
use crate::{App, AppError, AppResult, Caller};

/// The resource types an export writes.
pub const EXPORT_TYPES: [&str; 4] = ["Patient", "Communication", "Practitioner", "Group"];

/// How long an export's files are kept.
pub const FILES_KEPT: TimeDelta = TimeDelta::hours(24);

/// Lines in one file; a type with more is split into parts.
pub const LINES_PER_FILE: usize = 5_000;

/// What a system asks to export.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    /// A pool's patients (`Group/{id}/$export`); `None` for every patient the system may see.
    pub pool: Option<PoolId>,
    /// `_type`; `None` for every type.
    pub types: Option<Vec<String>>,
    /// `_since`: only messages sent since then.
    pub since: Option<DateTime<Utc>>,
    /// The kick-off request's address, as the manifest repeats it.
    pub request: String,
}

/// Asks for an export (registered systems only); a job does the work.
pub async fn start_export(app: &App, caller: &Caller, by_system: bool, input: ExportRequest) -> AppResult<BulkExport> {
    if !by_system {
        return Err(AppError::Forbidden("bulk export is for registered systems (SMART Backend Services)".into()));
    }
    require_messaging(caller)?;
    let types = match input.types {
        // A Patient-level export has no group to write.
        None => {
            EXPORT_TYPES.iter().filter(|t| input.pool.is_some() || **t != "Group").map(|t| (*t).to_owned()).collect()
        }
        Some(types) => {
            if types.iter().any(|t| !EXPORT_TYPES.contains(&t.as_str())) {
                return Err(AppError::invalid("_type", "may name Patient, Communication, Practitioner and Group"));
            }
            types
        }
    };
    if let Some(pool) = input.pool {
        crate::fhir_tasks::read_group(app, caller, pool).await?;
    }
    let now = Utc::now();
    let export = BulkExport {
        id: ExportId::from_uuid(uuid::Uuid::now_v7()),
        requested_by: caller.user.id,
        pool: input.pool,
        types,
        since: input.since,
        request: input.request,
        status: ExportStatus::InProgress,
        created_at: now,
        completed_at: None,
        expires_at: now + FILES_KEPT,
        files: Vec::new(),
    };
    let job = crate::jobs::Job::BulkExport { export: export.id }.at(now, None);
    let audit = caller.audit(AuditAction::BulkExport).detail(export.types.join(","));
    app.store.start_bulk_export(&export, job, &audit).await?;
    tracing::info!(export.id = %export.id, "bulk export asked for");
    Ok(export)
}

/// An export the caller asked for and that has not expired; any other answers `NotFound`.
pub async fn export_status(app: &App, caller: &Caller, id: ExportId) -> AppResult<BulkExport> {
    let export = app.store.bulk_export(id).await?.ok_or(AppError::NotFound)?;
    if export.requested_by != caller.user.id || export.expires_at <= Utc::now() {
        return Err(AppError::NotFound);
    }
    Ok(export)
}

/// One file of a completed export the caller asked for.
pub async fn export_file(
    app: &App,
    caller: &Caller,
    id: ExportId,
    resource_type: &str,
    part: u32,
) -> AppResult<String> {
    let export = export_status(app, caller, id).await?;
    if export.status != ExportStatus::Completed {
        return Err(AppError::NotFound);
    }
    app.store.bulk_export_file(id, resource_type, part).await?.ok_or(AppError::NotFound)
}

/// Cancels an export (or deletes a finished one and its files).
pub async fn cancel_export(app: &App, caller: &Caller, id: ExportId) -> AppResult<()> {
    export_status(app, caller, id).await?;
    app.store.delete_bulk_export(id).await?;
    Ok(())
}

/// The lines of each type, written as files of at most [`LINES_PER_FILE`].
async fn write(app: &App, id: ExportId, resource_type: &str, lines: &[String]) -> AppResult<()> {
    for (part, chunk) in lines.chunks(LINES_PER_FILE).enumerate() {
        let part = u32::try_from(part).unwrap_or(u32::MAX);
        let mut ndjson = chunk.join("\n");
        ndjson.push('\n');
        app.store.add_bulk_export_file(id, resource_type, part, &ndjson).await?;
    }
    Ok(())
}

/// The patients an export covers: those the system may see, or a pool's
/// (patients with a conversation in it) among them.
async fn patients(app: &App, caller: &Caller, pool: Option<PoolId>) -> AppResult<Vec<carethread_core::user::User>> {
    let mut found = Vec::new();
    let mut after = None;
    loop {
        let search = crate::fhir_people::PeopleSearch { after, limit: 100, ..Default::default() };
        let page = crate::fhir_people::search_patients(app, caller, search).await?;
        found.extend(page.people);
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    if let Some(pool) = pool {
        let in_pool = threads_in_pool(app, caller, pool).await?;
        let mut ids: Vec<_> = in_pool.iter().map(|(_, patient)| *patient).collect();
        ids.sort_unstable();
        found.retain(|p| ids.binary_search(&p.id).is_ok());
    }
    Ok(found)
}

/// The pool's conversations the caller may see, with their patients.
async fn threads_in_pool(
    app: &App,
    caller: &Caller,
    pool: PoolId,
) -> AppResult<Vec<(ThreadId, carethread_core::ids::UserId)>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let criteria = crate::threads::ThreadCriteria { pool: Some(pool), ..Default::default() };
        let page =
            crate::threads::list_threads(app, caller, crate::threads::ListThreads { criteria, after, page_size: 100 })
                .await?;
        out.extend(page.threads.iter().map(|s| (s.thread.id, s.thread.patient_id)));
        match page.next_cursor.as_deref().and_then(carethread_store::ThreadCursor::decode) {
            Some(cursor) => after = Some(cursor),
            None => return Ok(out),
        }
    }
}

/// Every message of the patient's the caller may see (since `since`), as
/// `Communication` JSON lines; in a pool's export, only its conversations.
async fn communications(
    app: &App,
    caller: &Caller,
    patient: carethread_core::ids::UserId,
    export: &BulkExport,
    origin: &str,
) -> AppResult<Vec<String>> {
    let mut lines = Vec::new();
    let mut before = None;
    loop {
        let query =
            MessageQuery { patient: Some(patient), since: export.since, page_size: 100, before, ..Default::default() };
        let page = search_messages(app, caller, query).await?;
        for &(t, m) in &page.matches {
            let Some(thread) = page.threads.get(t) else { continue };
            if export.pool.is_some_and(|pool| thread.view.summary.pool.as_ref().is_none_or(|p| p.id != pool)) {
                continue;
            }
            let facts = crate::fhir_facts::communication_facts(thread, m, origin);
            lines.push(carethread_fhir::communication(&facts).to_string());
        }
        match page.next {
            Some(next) => before = Some(next),
            None => return Ok(lines),
        }
    }
}

/// Does the export's work as the system's account; its failure (never PHI)
/// is kept for the system to read. Answers when the export expires (its
/// files are deleted then), or `None` when there is nothing to do.
pub(crate) async fn run_export(app: &App, id: ExportId, now: DateTime<Utc>) -> AppResult<Option<DateTime<Utc>>> {
    let Some(export) = app.store.bulk_export(id).await? else { return Ok(None) };
    if export.status != ExportStatus::InProgress {
        return Ok(Some(export.expires_at));
    }
    let user = app.store.user(export.requested_by).await?.filter(|u| !u.disabled);
    let Some(user) = user else {
        app.store.finish_bulk_export(id, Some("the system's registration was revoked"), now).await?;
        return Ok(Some(export.expires_at));
    };
    let caller = Caller { user, client: None };
    let origin = export.request.split("/fhir/r4").next().unwrap_or_default().to_owned();
    let wants = |t: &str| export.types.iter().any(|x| x == t);
    let result: AppResult<()> = async {
        let people = patients(app, &caller, export.pool).await?;
        if wants("Patient") {
            let lines: Vec<String> = people
                .iter()
                .map(|u| carethread_fhir::patient(&crate::fhir_facts::patient_facts(u)).to_string())
                .collect();
            write(app, id, "Patient", &lines).await?;
        }
        if wants("Communication") {
            let mut lines = Vec::new();
            for person in &people {
                lines.extend(communications(app, &caller, person.id, &export, &origin).await?);
            }
            write(app, id, "Communication", &lines).await?;
        }
        if wants("Practitioner") {
            let search = crate::fhir_people::PeopleSearch { limit: 100, ..Default::default() };
            let mut staff = Vec::new();
            let mut page = crate::fhir_people::search_practitioners(app, &caller, search.clone()).await?;
            loop {
                staff.extend(
                    page.people
                        .iter()
                        .map(|u| carethread_fhir::practitioner(&crate::fhir_facts::practitioner_facts(u)).to_string()),
                );
                let Some(next) = page.next else { break };
                page = crate::fhir_people::search_practitioners(
                    app,
                    &caller,
                    crate::fhir_people::PeopleSearch { after: Some(next), ..search.clone() },
                )
                .await?;
            }
            write(app, id, "Practitioner", &staff).await?;
        }
        if let (true, Some(pool)) = (wants("Group"), export.pool) {
            let (found, members) = crate::fhir_tasks::read_group(app, &caller, pool).await?;
            let members: Vec<_> = members.iter().map(crate::fhir_facts::party).collect();
            let pool = carethread_fhir::PoolFacts { id: found.id, slug: found.slug.clone(), name: found.name.clone() };
            write(app, id, "Group", &[carethread_fhir::group(&pool, &members).to_string()]).await?;
        }
        Ok(())
    }
    .await;
    match result {
        Ok(()) => app.store.finish_bulk_export(id, None, Utc::now()).await?,
        Err(err @ (AppError::Unavailable | AppError::StorageFull | AppError::Internal(_))) => return Err(err),
        Err(err) => app.store.finish_bulk_export(id, Some(&err.to_string()), Utc::now()).await?,
    }
    tracing::info!(export.id = %id, "bulk export finished");
    Ok(Some(export.expires_at))
}

/// Deletes an export and its files once they expire.
pub(crate) async fn expire_export(app: &App, id: ExportId) -> AppResult<()> {
    app.store.delete_bulk_export(id).await?;
    Ok(())
}
