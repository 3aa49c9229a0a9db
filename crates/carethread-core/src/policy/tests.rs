use super::*;
use chrono::TimeDelta;
use proptest::prelude::*;
use uuid::Uuid;

fn uid(n: u128) -> UserId {
    UserId::from_uuid(Uuid::from_u128(n))
}
const PATIENT: u128 = 1;
const OTHER: u128 = 2;

fn now() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + TimeDelta::days(20_000)
}

fn facts() -> ThreadFacts {
    ThreadFacts { patient_id: Some(uid(PATIENT)), ..ThreadFacts::default() }
}

fn grant(scope: ProxyScope) -> ProxyGrant {
    ProxyGrant { patient_id: uid(PATIENT), proxy_id: uid(OTHER), scope, expires_at: None, revoked_at: None }
}

fn actor(role: Role, id: u128) -> Actor {
    Actor { id: uid(id), role }
}

#[test]
fn patient_reads_own_thread_but_not_another_patients() {
    let f = facts();
    assert_eq!(decide_thread(actor(Role::Patient, PATIENT), ThreadAction::Read, &f, now()), Decision::Allow);
    assert_eq!(decide_thread(actor(Role::Patient, OTHER), ThreadAction::Read, &f, now()), Decision::NotFound);
    assert_eq!(
        decide_thread(actor(Role::Patient, PATIENT), ThreadAction::InternalNotes, &f, now()),
        Decision::Forbidden
    );
}

#[test]
fn proxy_scope_limits_writing() {
    let mut f = facts();
    f.proxy_grant = Some(grant(ProxyScope::ReadOnly));
    let carol = actor(Role::Proxy, OTHER);
    assert_eq!(decide_thread(carol, ThreadAction::Read, &f, now()), Decision::Allow);
    assert_eq!(decide_thread(carol, ThreadAction::Reply, &f, now()), Decision::Forbidden);
    f.proxy_grant = Some(grant(ProxyScope::MessagesOnly));
    assert_eq!(decide_thread(carol, ThreadAction::Reply, &f, now()), Decision::Allow);
}

#[test]
fn expired_or_revoked_grants_hide_the_thread() {
    let carol = actor(Role::Proxy, OTHER);
    let mut f = facts();
    f.proxy_grant = Some(ProxyGrant { expires_at: Some(now()), ..grant(ProxyScope::Full) });
    assert_eq!(decide_thread(carol, ThreadAction::Read, &f, now()), Decision::NotFound);
    f.proxy_grant = Some(ProxyGrant { revoked_at: Some(now()), ..grant(ProxyScope::Full) });
    assert_eq!(decide_thread(carol, ThreadAction::Read, &f, now()), Decision::NotFound);
}

#[test]
fn proxy_cannot_read_confidential_thread() {
    let mut f = facts();
    f.proxy_grant = Some(grant(ProxyScope::Full));
    f.confidential = true;
    assert_eq!(decide_thread(actor(Role::Proxy, OTHER), ThreadAction::Read, &f, now()), Decision::NotFound);
}

#[test]
fn staff_see_threads_through_care_team_pool_or_assignment() {
    let nurse = actor(Role::Nurse, OTHER);
    assert_eq!(decide_thread(nurse, ThreadAction::Read, &facts(), now()), Decision::NotFound);
    for f in [
        ThreadFacts { on_care_team: true, ..facts() },
        ThreadFacts { in_thread_pool: true, ..facts() },
        ThreadFacts { is_assignee: true, ..facts() },
    ] {
        for action in ThreadAction::ALL {
            assert_eq!(decide_thread(nurse, action, &f, now()), Decision::Allow);
        }
    }
    // Front desk is not on care teams: a care-team fact alone does not open the thread.
    let desk = actor(Role::FrontDesk, OTHER);
    let f = ThreadFacts { on_care_team: true, ..facts() };
    assert_eq!(decide_thread(desk, ThreadAction::Read, &f, now()), Decision::NotFound);
}

#[test]
fn starting_a_thread_follows_the_same_relationships() {
    let pf = |on_care_team, proxy_grant| PatientFacts { patient_id: uid(PATIENT), on_care_team, proxy_grant };
    assert_eq!(decide_new_thread(actor(Role::Patient, PATIENT), &pf(false, None), now()), Decision::Allow);
    assert_eq!(decide_new_thread(actor(Role::Patient, OTHER), &pf(false, None), now()), Decision::NotFound);
    assert_eq!(
        decide_new_thread(actor(Role::Proxy, OTHER), &pf(false, Some(grant(ProxyScope::ReadOnly))), now()),
        Decision::Forbidden
    );
    assert_eq!(
        decide_new_thread(actor(Role::Proxy, OTHER), &pf(false, Some(grant(ProxyScope::Full))), now()),
        Decision::Allow
    );
    assert_eq!(decide_new_thread(actor(Role::Nurse, OTHER), &pf(false, None), now()), Decision::NotFound);
    assert_eq!(decide_new_thread(actor(Role::Nurse, OTHER), &pf(true, None), now()), Decision::Allow);
    assert_eq!(decide_new_thread(actor(Role::FrontDesk, OTHER), &pf(false, None), now()), Decision::Allow);
    assert_eq!(decide_new_thread(actor(Role::Admin, OTHER), &pf(true, None), now()), Decision::NotFound);
}

#[test]
fn people_set_their_own_notice_preferences_and_administrators_anyones() {
    for role in Role::ALL {
        assert_eq!(decide_contact_preferences(actor(role, PATIENT), uid(PATIENT)), Decision::Allow, "{role:?}");
        let expected = if role == Role::Admin { Decision::Allow } else { Decision::NotFound };
        assert_eq!(decide_contact_preferences(actor(role, OTHER), uid(PATIENT)), expected, "{role:?}");
    }
}

fn any_role() -> impl Strategy<Value = Role> {
    proptest::sample::select(Role::ALL.to_vec())
}

#[test]
fn staff_set_their_own_time_away_and_administrators_anyones_on_staff() {
    let lee = uid(OTHER);
    assert!(may_set_absence(actor(Role::Physician, OTHER), lee, Role::Physician));
    assert!(!may_set_absence(actor(Role::Nurse, PATIENT), lee, Role::Physician));
    assert!(may_set_absence(actor(Role::Admin, PATIENT), lee, Role::Physician));
    assert!(!may_set_absence(actor(Role::Admin, PATIENT), lee, Role::Patient));
    assert!(!may_set_absence(actor(Role::Patient, OTHER), lee, Role::Patient));
    assert!(!may_set_absence(actor(Role::Auditor, PATIENT), lee, Role::Physician));
}

#[test]
fn the_audit_log_and_grants_are_open_to_the_roles_that_need_them_only() {
    for role in Role::ALL {
        let audit = audit_access(role);
        let expected = match role {
            Role::Patient => AuditAccess::OwnMessages,
            Role::Auditor => AuditAccess::Everything,
            _ => AuditAccess::None,
        };
        assert_eq!(audit, expected, "{role:?}");
        let grants = grant_access(role);
        assert_eq!(grants == GrantAccess::AnyPatient, role == Role::Admin, "{role:?}");
        assert_eq!(receives_privacy_alerts(role), role == Role::Auditor);
        assert_eq!(may_break_glass(role), role.is_clinician());
    }
}

#[test]
fn administrators_and_staff_made_clinic_leads_read_the_clinics_insights() {
    for role in Role::ALL {
        assert_eq!(may_view_insights(role, false), role == Role::Admin, "{role:?}");
        assert_eq!(may_view_insights(role, true), role == Role::Admin || role.is_staff(), "{role:?}");
    }
    assert!(!may_view_insights(Role::Patient, true) && !may_view_insights(Role::Proxy, true));
    assert!(may_view_insights(Role::Nurse, true));
}

#[test]
fn broken_glass_reads_and_answers_but_never_takes_the_thread_over() {
    let facts = ThreadFacts { patient_id: Some(uid(PATIENT)), emergency_access: true, ..ThreadFacts::default() };
    let now = Utc::now();
    let doctor = Actor { id: uid(OTHER), role: Role::Physician };
    assert_eq!(decide_thread(doctor, ThreadAction::Read, &facts, now), Decision::Allow);
    assert_eq!(decide_thread(doctor, ThreadAction::Reply, &facts, now), Decision::Allow);
    assert_eq!(decide_thread(doctor, ThreadAction::Manage, &facts, now), Decision::Forbidden);
    let desk = Actor { id: uid(OTHER), role: Role::FrontDesk };
    assert_eq!(decide_thread(desk, ThreadAction::Read, &facts, now), Decision::NotFound);
}

proptest! {
    #[test]
    fn admins_and_auditors_never_read_content(
        on_care_team: bool, in_pool: bool, assignee: bool, confidential: bool,
        role in proptest::sample::select(vec![Role::Admin, Role::Auditor]),
    ) {
        let f = ThreadFacts {
            on_care_team, in_thread_pool: in_pool, is_assignee: assignee, confidential,
            proxy_grant: Some(grant(ProxyScope::Full)), ..facts()
        };
        for action in ThreadAction::ALL {
            prop_assert_eq!(decide_thread(actor(role, OTHER), action, &f, now()), Decision::NotFound);
        }
    }

    #[test]
    fn nobody_acts_on_a_thread_they_cannot_read(
        role in any_role(), on_care_team: bool, in_pool: bool, assignee: bool,
        confidential: bool, has_grant: bool, is_patient: bool,
    ) {
        let f = ThreadFacts {
            on_care_team, in_thread_pool: in_pool, is_assignee: assignee, confidential,
            proxy_grant: has_grant.then(|| grant(ProxyScope::Full)), ..facts()
        };
        let who = actor(role, if is_patient { PATIENT } else { OTHER });
        if decide_thread(who, ThreadAction::Read, &f, now()) == Decision::NotFound {
            for action in ThreadAction::ALL {
                prop_assert_eq!(decide_thread(who, action, &f, now()), Decision::NotFound);
            }
        }
    }
}

#[test]
fn only_a_patient_connects_an_app_to_her_record() {
    for role in Role::ALL {
        assert_eq!(may_connect_app(role), role == Role::Patient, "{role:?}");
    }
}
