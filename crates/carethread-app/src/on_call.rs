//! Emergencies that arrive while the clinic is closed: whether whoever is on
//! call (a clinician, or a pool's members) has opened one yet. The rules are
//! core's (`carethread_core::after_hours`); this reads what they need.

use carethread_core::after_hours::{OnCallStatus, arrived_after_hours, on_call_people, on_call_status};
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::profile::OnCall;
use carethread_core::thread::Urgency;
use carethread_store::PersonRef;
use chrono::{DateTime, Utc};

use crate::clinic::Clinic;
use crate::{App, AppResult};

/// An emergency that arrived after hours, and whether on-call has seen it.
#[derive(Debug, Clone)]
pub struct AfterHoursEmergency {
    pub arrived_at: DateTime<Utc>,
    /// The clinic names someone on call.
    pub on_call_set: bool,
    /// Who on call opened it first, and when.
    pub seen: Option<(PersonRef, DateTime<Utc>)>,
}

/// Who is on call: read when an emergency first needs it, then kept for the
/// rest of a page of threads.
#[derive(Debug)]
pub struct OnCallTeam {
    /// The clinic names someone on call.
    set: bool,
    people: Vec<UserId>,
}

impl OnCallTeam {
    /// The clinic's on-call person, or its on-call pool's members.
    async fn read(app: &App, clinic: &Clinic) -> AppResult<Self> {
        let on_call = clinic.profile.on_call.as_ref();
        let members = match on_call {
            Some(OnCall::Pool(slug)) => match app.store.pool_by_slug(slug).await? {
                Some(pool) => {
                    let all = app.store.pool_members().await?;
                    all.into_iter().filter(|m| m.pool_id == pool.id).map(|m| m.member.id).collect()
                }
                None => Vec::new(),
            },
            _ => Vec::new(),
        };
        Ok(Self { set: on_call.is_some(), people: on_call_people(on_call, &members) })
    }
}

/// Whether on-call has opened an emergency that arrived (was triaged
/// emergency) at `arrived`; `None` unless it arrived while the clinic was
/// closed. Read for staff who may already see the thread. `team` is read
/// only for an emergency that arrived after hours, and kept for the next.
pub async fn after_hours_emergency(
    app: &App,
    clinic: &Clinic,
    team: &mut Option<OnCallTeam>,
    thread: ThreadId,
    urgency: Urgency,
    arrived: DateTime<Utc>,
) -> AppResult<Option<AfterHoursEmergency>> {
    if !arrived_after_hours(&clinic.hours, urgency, arrived) {
        return Ok(None);
    }
    let team = match team {
        Some(team) => team,
        None => team.insert(OnCallTeam::read(app, clinic).await?),
    };
    let first = app.store.first_read_among(thread, &team.people, arrived).await?;
    let seen = match on_call_status(arrived, first.as_ref().map(|(who, at)| (who.id, *at))) {
        OnCallStatus::Seen { .. } => first,
        OnCallStatus::NotSeen => None,
    };
    Ok(Some(AfterHoursEmergency { arrived_at: arrived, on_call_set: team.set, seen }))
}
