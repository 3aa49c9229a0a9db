//! Coverage while a clinician is away: they (or an administrator for them)
//! set the dates and who covers, a colleague or a pool. While the absence is
//! in force their threads are with the coverer, marked as covered for them,
//! and patients see who covers until when; when it ends, the threads still
//! with the coverer come back. Moving the threads is outbox work
//! ([`crate::jobs`]), written with the absence in one transaction, so it
//! happens at the start and the end even when nobody is signed in.

use std::collections::HashMap;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::coverage::{Absence, Coverer, covered_by};
use carethread_core::ids::{ThreadId, UserId};
use carethread_core::policy::{self, Decision, decide_new_thread};
use carethread_core::user::User;
use chrono::{DateTime, SubsecRound, Utc};

use crate::jobs::Job;
use crate::{App, AppError, AppResult, Caller};

/// An absence as people see it: its dates, who covers (by name), and whether
/// it is in force now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwayView {
    pub person: UserId,
    pub person_name: String,
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub coverer: Coverer,
    /// The colleague's name, or the pool's.
    pub coverer_name: String,
    pub in_force: bool,
}

/// Dates and coverer as a person asks for them.
#[derive(Debug, Clone, Copy)]
pub struct SetAway {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub coverer: Coverer,
}

/// Someone who may cover: an active colleague on staff, or a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CovererChoice {
    pub coverer: Coverer,
    pub name: String,
}

/// The person whose time away `caller` asks about, when the core policy
/// lets them set it: themselves (staff), or anyone on staff for an
/// administrator. Someone else's, for anyone else, is refused; an unknown
/// person, or one not on staff, is not found.
async fn person_for(app: &App, caller: &Caller, person: UserId) -> AppResult<User> {
    let user = if person == caller.user.id { Some(caller.user.clone()) } else { app.store.user(person).await? };
    let Some(user) = user else {
        return Err(if policy::may_administer(caller.user.role) {
            AppError::NotFound
        } else {
            AppError::Forbidden("only administrators set someone else's time away".to_owned())
        });
    };
    if policy::may_set_absence(caller.actor(), user.id, user.role) {
        return Ok(user);
    }
    Err(match (person == caller.user.id, policy::may_administer(caller.user.role)) {
        (true, _) => AppError::Forbidden("your role has no in-basket to hand over".to_owned()),
        (false, true) => AppError::NotFound,
        (false, false) => AppError::Forbidden("only administrators set someone else's time away".to_owned()),
    })
}

/// The name of the person whose time away `caller` may set (see [`set_away`]).
pub async fn person_name(app: &App, caller: &Caller, person: UserId) -> AppResult<String> {
    Ok(person_for(app, caller, person).await?.display_name.as_str().to_owned())
}

async fn coverer_name(app: &App, coverer: Coverer) -> AppResult<String> {
    Ok(match coverer {
        Coverer::User(id) => app.store.user(id).await?.map(|u| u.display_name.as_str().to_owned()),
        Coverer::Pool(id) => app.store.pool(id).await?.map(|p| p.name),
    }
    .unwrap_or_default())
}

async fn view(app: &App, person: &User, absence: &Absence, now: DateTime<Utc>) -> AppResult<AwayView> {
    Ok(AwayView {
        person: person.id,
        person_name: person.display_name.as_str().to_owned(),
        from: absence.from(),
        until: absence.until(),
        coverer: absence.coverer(),
        coverer_name: coverer_name(app, absence.coverer()).await?,
        in_force: absence.in_force(now),
    })
}

/// A person's time away (`None` when none is set or it has ended).
pub async fn away(app: &App, caller: &Caller, person: UserId) -> AppResult<Option<AwayView>> {
    let user = person_for(app, caller, person).await?;
    let now = Utc::now();
    match app.store.absence(user.id).await? {
        Some(absence) if absence.until() > now => Ok(Some(view(app, &user, &absence, now).await?)),
        _ => Ok(None),
    }
}

/// Who may cover: active colleagues on staff other than `person`, and the pools.
pub async fn coverer_choices(app: &App, caller: &Caller, person: UserId) -> AppResult<Vec<CovererChoice>> {
    let user = person_for(app, caller, person).await?;
    let mut choices: Vec<CovererChoice> = app
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.role.is_staff() && !u.disabled && u.id != user.id)
        .map(|u| CovererChoice { coverer: Coverer::User(u.id), name: u.display_name.as_str().to_owned() })
        .collect();
    choices.extend(
        app.store.pools().await?.into_iter().map(|p| CovererChoice { coverer: Coverer::Pool(p.id), name: p.name }),
    );
    Ok(choices)
}

/// Sets (or replaces) a person's time away: the dates must make sense
/// (core rules), the coverer be an active colleague on staff or a pool. The
/// absence, its audit entry and the jobs that move the threads at its start
/// and back at its end are written in one transaction.
pub async fn set_away(app: &App, caller: &Caller, person: UserId, input: SetAway) -> AppResult<AwayView> {
    let user = person_for(app, caller, person).await?;
    let now = Utc::now();
    // Kept to the second, as the store keeps them and people read them.
    let (from, until) = (input.from.trunc_subsecs(0), input.until.trunc_subsecs(0));
    let absence = Absence::new(user.id, from, until, input.coverer, now)?;
    match input.coverer {
        Coverer::User(id) => {
            let colleague = app.store.user(id).await?;
            if !colleague.is_some_and(|u| u.role.is_staff() && !u.disabled) {
                return Err(AppError::invalid("coverer", "names no active staff member"));
            }
        }
        Coverer::Pool(id) => {
            app.store.pool(id).await?.ok_or_else(|| AppError::invalid("coverer", "names no pool"))?;
        }
    }
    let audit = caller.audit(AuditAction::CoverageChange).detail(format!(
        "away from {} until {}",
        absence.from().to_rfc3339(),
        absence.until().to_rfc3339()
    ));
    // A replaced absence may no longer cover now: what it moved comes back
    // (the end job gives back nothing while an absence is in force).
    let jobs = vec![
        Job::CoverageEnd { person: user.id }.at(now, None),
        Job::CoverageStart { person: user.id }.at(absence.from(), None),
        Job::CoverageEnd { person: user.id }.at(absence.until(), None),
    ];
    app.store.set_absence(&absence, &audit, jobs).await?;
    tracing::info!(user.id = %user.id, "time away set");
    view(app, &user, &absence, now).await
}

/// Ends a person's time away now: their threads still with the coverer come
/// back (by a job written with the change). `false` when none was set.
pub async fn clear_away(app: &App, caller: &Caller, person: UserId) -> AppResult<bool> {
    let user = person_for(app, caller, person).await?;
    let now = Utc::now();
    let audit = caller.audit(AuditAction::CoverageChange).detail("back");
    let jobs = vec![Job::CoverageEnd { person: user.id }.at(now, None)];
    let cleared = app.store.clear_absence(user.id, &audit, jobs).await?;
    if cleared {
        tracing::info!(user.id = %user.id, "time away cleared");
    }
    Ok(cleared)
}

/// Refuses anyone but an administrator: the administrators' API sets
/// another person's time away (people set their own through theirs).
pub fn require_administrator(caller: &Caller) -> AppResult<()> {
    if policy::may_administer(caller.user.role) {
        Ok(())
    } else {
        Err(AppError::Forbidden("only administrators set someone else's time away here".to_owned()))
    }
}

fn system_audit(now: DateTime<Utc>) -> AuditEvent {
    AuditEvent::new(AuditAction::CoverageChange, None, now)
}

/// Moves `person`'s threads to whoever covers for them at `now`, if they are
/// away (following a chain of away coverers); answers the threads moved.
pub async fn hand_over_if_away(app: &App, person: UserId, now: DateTime<Utc>) -> AppResult<Vec<ThreadId>> {
    let absences = app.store.absences().await?;
    match covered_by(person, &absences, now) {
        Some(coverer) => Ok(app.store.cover_threads(person, coverer, &system_audit(now)).await?),
        None => Ok(Vec::new()),
    }
}

/// Gives `person` back their threads still with the coverer, unless they
/// are away at `now` after all (the absence was extended or replaced).
pub async fn give_back_unless_away(app: &App, person: UserId, now: DateTime<Utc>) -> AppResult<Vec<ThreadId>> {
    if app.store.absence(person).await?.is_some_and(|a| a.in_force(now)) {
        return Ok(Vec::new());
    }
    Ok(app.store.return_threads(person, now, &system_audit(now)).await?.returned)
}

/// `people`, each away one replaced by whoever covers for them at `now` (a
/// colleague, or a pool's members), each named once: a page or an overdue
/// notice never waits for someone on leave.
pub(crate) async fn present(
    app: &App,
    people: Vec<UserId>,
    now: DateTime<Utc>,
) -> Result<Vec<UserId>, carethread_store::StoreError> {
    let absences = app.store.absences().await?;
    let mut members: Option<Vec<carethread_store::PoolMember>> = None;
    let mut present = Vec::with_capacity(people.len());
    for person in people {
        let covering = match covered_by(person, &absences, now) {
            None => vec![person],
            Some(Coverer::User(colleague)) => vec![colleague],
            Some(Coverer::Pool(pool)) => {
                if members.is_none() {
                    members = Some(app.store.pool_members().await?);
                }
                let all = members.iter().flatten();
                all.filter(|m| m.pool_id == pool).map(|m| m.member.id).collect()
            }
        };
        for someone in covering {
            if !present.contains(&someone) {
                present.push(someone);
            }
        }
    }
    Ok(present)
}

/// For each of `threads` being covered, the name of the person away it is
/// covered for (staff see "covering for Dr. Lee").
pub async fn covering_for(app: &App, threads: &[ThreadId]) -> AppResult<HashMap<ThreadId, String>> {
    let covered = app.store.covered_threads(threads).await?;
    let mut names: HashMap<UserId, String> = HashMap::new();
    let mut marks = HashMap::with_capacity(covered.len());
    for c in covered {
        if let Some(name) = names.get(&c.person) {
            marks.insert(c.thread, name.clone());
            continue;
        }
        let user = app.store.user(c.person).await?;
        let name = user.map(|u| u.display_name.as_str().to_owned()).unwrap_or_default();
        names.insert(c.person, name.clone());
        marks.insert(c.thread, name);
    }
    Ok(marks)
}

/// The clinicians on `patient`'s care team who are away now, with who
/// covers and until when: what the patient (or a proxy who may write for
/// them) sees when writing. Anyone else is told nothing.
pub async fn care_team_away(app: &App, caller: &Caller, patient: UserId) -> AppResult<Vec<AwayView>> {
    let now = Utc::now();
    let facts = app.store.patient_facts(caller.actor(), patient).await?.ok_or(AppError::NotFound)?;
    if decide_new_thread(caller.actor(), &facts, now) == Decision::NotFound {
        return Err(AppError::NotFound);
    }
    let team: Vec<UserId> =
        app.store.care_teams().await?.into_iter().filter(|m| m.patient_id == patient).map(|m| m.clinician.id).collect();
    let mut away = Vec::new();
    for absence in app.store.absences().await? {
        if team.contains(&absence.person())
            && absence.in_force(now)
            && let Some(person) = app.store.user(absence.person()).await?
        {
            away.push(view(app, &person, &absence, now).await?);
        }
    }
    Ok(away)
}
