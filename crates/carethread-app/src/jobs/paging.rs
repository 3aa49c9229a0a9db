//! Paging about an emergency nobody on staff has opened: each step pages
//! whom the core's paging rules name (on call, again, then down the
//! clinic's chain), each by every channel they have, and schedules the next
//! step; the first member of staff to open the thread ends it. Whoever is
//! away is paged through the colleague or pool covering for them.

use carethread_core::after_hours::on_call_people;
use carethread_core::ids::ThreadId;
use carethread_core::paging::{PageStep, page_step};
use carethread_core::profile::OnCall;
use carethread_notify::NoticeKind;
use carethread_store::JobEffects;
use chrono::{DateTime, TimeDelta, Utc};

use super::Job;
use super::runner::Outcome;
use crate::App;

pub(super) async fn page(app: &App, thread: ThreadId, step: u32, since: i64, now: DateTime<Utc>) -> Outcome {
    let store = &app.store;
    let retry = |err: carethread_store::StoreError| Outcome::Retry(format!("store: {err}"));
    let Some(since_at) = DateTime::from_timestamp_millis(since) else {
        return Outcome::Fail("the page's start time could not be read".to_owned());
    };
    match store.first_staff_read(thread, since_at).await {
        // Someone on staff opened it: the page is answered.
        Ok(Some(_)) => return Outcome::Done(JobEffects::default()),
        Ok(None) => {}
        Err(err) => return retry(err),
    }
    let clinic = app.clinic.get(store.as_ref()).await;
    let profile = &clinic.profile;
    let members = match &profile.on_call {
        Some(OnCall::Pool(slug)) => match store.pool_by_slug(slug).await {
            Ok(Some(pool)) => match store.pool_members().await {
                Ok(all) => all.into_iter().filter(|m| m.pool_id == pool.id).map(|m| m.member.id).collect(),
                Err(err) => return retry(err),
            },
            Ok(None) => Vec::new(),
            Err(err) => return retry(err),
        },
        _ => Vec::new(),
    };
    let on_call = on_call_people(profile.on_call.as_ref(), &members);
    let paged = page_step(profile, &on_call, step);
    let kind = match paged {
        PageStep::Page(_) => NoticeKind::EmergencyPage,
        PageStep::Repage(_) | PageStep::Everyone(_) => NoticeKind::EmergencyRepage,
        PageStep::Escalate(_) => NoticeKind::EmergencyEscalation,
    };
    let people = match crate::coverage::present(app, paged.people(), now).await {
        Ok(people) => people,
        Err(err) => return retry(err),
    };
    if people.is_empty() {
        tracing::error!(thread.id = %thread, "an emergency cannot be paged: the clinic names nobody on call and no escalation chain");
    }
    let mut effects = JobEffects::default();
    for person in people {
        let deliver = Job::Deliver { recipient: person, notice: kind.as_str().to_owned(), thread: Some(thread) };
        effects.follow_ups.push(deliver.at(now, None));
    }
    let next = now + TimeDelta::minutes(i64::from(profile.repage_minutes));
    let again = Job::Page { thread, step: step.saturating_add(1), since };
    effects.follow_ups.push(again.at(next, Some(format!("page:{thread}"))));
    Outcome::Done(effects)
}
