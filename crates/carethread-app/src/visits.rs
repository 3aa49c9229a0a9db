//! Turning a thread into a visit, when a question is too much for messages:
//! staff say how the patient should be seen (in person, by video or by
//! phone) and why. The patient reads, in her language, why and how to book;
//! she is told by e-mail or SMS that the clinic asks her to book (no health
//! information); the front desk gets a request to act on; billing sees it
//! (an e-visit that leads to a visit within 7 days is not billed apart);
//! and the thread closes. The request, the message, the closing, the notice
//! job and the audit entries are written in one transaction.

use carethread_core::audit::AuditAction;
use carethread_core::contact::may_send_at;
use carethread_core::ids::ThreadId;
use carethread_core::message::MessageBody;
use carethread_core::policy::ThreadAction;
use carethread_core::role::Role;
use carethread_core::thread::ThreadStatus;
use carethread_core::user::Language;
use carethread_notify::NoticeKind;
use carethread_store::{NewMessage, NewVisitRequest, VisitKind, VisitRequest, VisitRequestId, VisitStatus};
use chrono::Utc;

use crate::jobs::Job;
use crate::threads::authorize_thread;
use crate::wording::patient_language;
use crate::{App, AppError, AppResult, Caller};

/// Longest reason, in characters.
pub const REASON_MAX_CHARS: usize = 500;

/// Most requests one list shows.
pub const LIST_LIMIT: u32 = 500;

/// A thread to turn into a visit.
#[derive(Debug, Clone)]
pub struct RequestVisit {
    pub kind: VisitKind,
    /// For the patient to read: why the clinic wants to see her.
    pub reason: String,
}

/// Who works the list of visit requests: the front desk books them, billing
/// sees which e-visits led to a visit.
#[must_use]
pub const fn may_work_visit_requests(role: Role) -> bool {
    matches!(role, Role::FrontDesk | Role::Billing)
}

/// Who marks a request booked or cancelled: the front desk.
#[must_use]
pub const fn may_book_visits(role: Role) -> bool {
    matches!(role, Role::FrontDesk)
}

/// What the patient reads on her thread: why, and how to book, in plain words.
#[must_use]
pub fn booking_text(language: Language, kind: VisitKind, reason: &str, clinic: &str) -> String {
    match language {
        Language::Es => {
            let how = match kind {
                VisitKind::InPerson => "una consulta en persona",
                VisitKind::Video => "una videoconsulta",
                VisitKind::Phone => "una consulta por teléfono",
            };
            format!(
                "Su equipo de atención quiere verle en {how}.\n\nMotivo: {reason}\n\nCómo pedir la cita: llame a \
                 {clinic} en horario de atención y diga que le pidieron una cita desde sus mensajes. La recepción \
                 ya tiene su solicitud y puede llamarle antes.\n\nEsta conversación queda cerrada. Si algo cambia \
                 antes de la cita, escriba un mensaje nuevo. En una emergencia, llame al 911."
            )
        }
        Language::En => {
            let how = match kind {
                VisitKind::InPerson => "an in-person visit",
                VisitKind::Video => "a video visit",
                VisitKind::Phone => "a phone visit",
            };
            format!(
                "Your care team would like to see you for {how}.\n\nWhy: {reason}\n\nHow to book: call {clinic} \
                 during opening hours and say you were asked to book a visit from your messages. Our front desk \
                 already has your request and may call you first.\n\nThis conversation is now closed. If anything \
                 changes before your visit, send a new message. In an emergency, call 911."
            )
        }
    }
}

/// Turns thread `id` into a visit (staff who may manage and reply to it).
pub async fn request_visit(app: &App, caller: &Caller, id: ThreadId, input: RequestVisit) -> AppResult<VisitRequestId> {
    let thread = authorize_thread(app, caller, id, ThreadAction::Manage).await?;
    authorize_thread(app, caller, id, ThreadAction::Reply).await?;
    thread.accepts_message_from(caller.user.role, false)?;
    let reason = input.reason.trim();
    if reason.is_empty() || reason.chars().count() > REASON_MAX_CHARS {
        return Err(AppError::invalid("reason", "must be 1 to 500 characters"));
    }
    let now = Utc::now();
    let patient = thread.patient_id;
    let language = patient_language(app, patient).await?;
    let clinic = app.clinic.get(&*app.store).await;
    let text = booking_text(language, input.kind, reason, &app.settings.name);
    let limit = clinic.profile.message_max_chars.max(text.chars().count());
    let body = MessageBody::parse(&text, limit).map_err(|_| AppError::invalid("reason", "cannot be sent"))?;
    let kind = NoticeKind::VisitNeeded;
    let quiet = app.store.contact_preferences(patient).await?.and_then(|p| p.quiet_hours);
    let send_at =
        if kind.honours_quiet_hours() { may_send_at(quiet.as_ref(), clinic.hours.timezone(), now) } else { now };
    let notice = Job::Deliver { recipient: patient, notice: kind.as_str().to_owned(), thread: None }
        .at(send_at, Some(format!("deliver:{patient}:{kind}:{}", thread.id)));
    let request = VisitRequestId::new();
    let message = NewMessage {
        thread_id: thread.id,
        author_id: caller.user.id,
        body: Some(body),
        internal: false,
        new_status: ThreadStatus::Closed,
        triage: None,
        attachments: Vec::new(),
        idempotency: None,
        now,
        audit: vec![caller.audit(AuditAction::MessageCreate).patient(patient)],
        jobs: vec![notice],
        draft: None,
        reading_grade: None,
        answered: None,
    };
    app.store
        .request_visit(NewVisitRequest {
            id: request,
            thread_id: thread.id,
            patient_id: patient,
            kind: input.kind,
            reason: reason.to_owned(),
            requested_by: caller.user.id,
            message,
            audit: vec![caller.audit(AuditAction::VisitRequest).patient(patient).detail(input.kind.as_str())],
        })
        .await?;
    tracing::info!(thread.id = %thread.id, visit.id = %request, kind = input.kind.as_str(), "visit requested");
    Ok(request)
}

fn require_worker(caller: &Caller) -> AppResult<()> {
    if may_work_visit_requests(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("visit requests are for the front desk and billing".to_owned()))
    }
}

/// Visit requests (open ones unless `status` says otherwise), oldest first,
/// for the front desk and billing; the reading is audited.
pub async fn visit_requests(app: &App, caller: &Caller, status: Option<VisitStatus>) -> AppResult<Vec<VisitRequest>> {
    require_worker(caller)?;
    let found = app.store.visit_requests(status, LIST_LIMIT).await?;
    let audit: Vec<_> = found
        .iter()
        .map(|v| caller.audit(AuditAction::ThreadList).patient(v.patient.id).target("visit_request", v.id))
        .collect();
    if !audit.is_empty() {
        app.store.record_audit(audit).await?;
    }
    Ok(found)
}

/// The front desk marks a request booked or cancelled.
pub async fn set_visit_status(app: &App, caller: &Caller, id: VisitRequestId, status: VisitStatus) -> AppResult<()> {
    if !may_book_visits(caller.user.role) {
        return Err(AppError::Forbidden("the front desk books visits".to_owned()));
    }
    if status == VisitStatus::Open {
        return Err(AppError::invalid("status", "must be booked or cancelled"));
    }
    let request = app.store.visit_request(id).await?.ok_or(AppError::NotFound)?;
    let audit = caller.audit(AuditAction::VisitRequest).patient(request.patient.id).detail(status.as_str());
    if !app.store.set_visit_status(id, status, audit).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}
