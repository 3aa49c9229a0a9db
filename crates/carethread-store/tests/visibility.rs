//! The store's list queries and the core policy agree: for every role, a
//! thread is listed exactly when opening it is allowed. Random clinics (care
//! teams, pool members, assignees, confidential threads, proxy grants that
//! are active, expired or revoked, broken glass that is current or past) are
//! built on SQLite and, when `CARETHREAD_TEST_POSTGRES` is set, PostgreSQL;
//! then every person lists their threads and tries to open every thread.

use std::collections::BTreeSet;
use std::sync::Arc;

mod support;

use carethread_core::audit::{AuditAction, AuditEvent};
use carethread_core::ids::{PoolId, ThreadId};
use carethread_core::message::MessageBody;
use carethread_core::policy::{Actor, ProxyGrant, ProxyScope, ThreadAction, decide_thread};
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency, in_basket_order};
use carethread_core::user::{DisplayName, Language, NewUser, User, Username};
use carethread_store::{
    EmergencyAccessRequest, MasterKey, Membership, NewAccount, NewGrant, NewThread, Store, ThreadCriteria,
    ThreadCursor, ThreadFilter, TriageRecord,
};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use proptest::prelude::*;

/// The people of every generated clinic: three patients, each staff role,
/// an administrator, an auditor and two proxies.
const PEOPLE: [(&str, Role); 12] = [
    ("pat.a", Role::Patient),
    ("pat.b", Role::Patient),
    ("pat.c", Role::Patient),
    ("doc", Role::Physician),
    ("nurse", Role::Nurse),
    ("pharm", Role::Pharmacist),
    ("desk", Role::FrontDesk),
    ("bill", Role::Billing),
    ("admin", Role::Admin),
    ("audit", Role::Auditor),
    ("proxy.x", Role::Proxy),
    ("proxy.y", Role::Proxy),
];
const PATIENTS: [usize; 3] = [0, 1, 2];
const STAFF: [usize; 5] = [3, 4, 5, 6, 7];
const CLINICIANS: [usize; 3] = [3, 4, 5];
const PROXIES: [usize; 2] = [10, 11];
const POOLS: usize = 2;
/// Threads take these urgencies in turn, and each status in turn every three
/// threads, so that the in-basket's order and its pages cross them all.
const URGENCIES: [Urgency; 3] = [Urgency::Routine, Urgency::Emergency, Urgency::Urgent];

/// A proxy's grant from one patient, as of the moment everyone looks.
#[derive(Debug, Clone, Copy)]
enum GrantState {
    None,
    Active(ProxyScope),
    Expired,
    Revoked,
}

/// A clinician's broken glass for one patient.
#[derive(Debug, Clone, Copy)]
enum GlassState {
    None,
    Current,
    Past,
}

#[derive(Debug, Clone)]
struct ThreadPlan {
    patient: usize,
    pool: Option<usize>,
    assignee: Option<usize>,
    confidential: bool,
}

#[derive(Debug, Clone)]
struct Clinic {
    care_team: Vec<(usize, usize)>,
    pool_members: Vec<(usize, usize)>,
    grants: Vec<(usize, usize, GrantState)>,
    glass: Vec<(usize, usize, GlassState)>,
    threads: Vec<ThreadPlan>,
}

fn grant_state() -> impl Strategy<Value = GrantState> {
    prop_oneof![
        Just(GrantState::None),
        Just(GrantState::Active(ProxyScope::Full)),
        Just(GrantState::Active(ProxyScope::MessagesOnly)),
        Just(GrantState::Active(ProxyScope::ReadOnly)),
        Just(GrantState::Expired),
        Just(GrantState::Revoked),
    ]
}

fn glass_state() -> impl Strategy<Value = GlassState> {
    prop_oneof![3 => Just(GlassState::None), 1 => Just(GlassState::Current), 1 => Just(GlassState::Past)]
}

fn clinic() -> impl Strategy<Value = Clinic> {
    let pairs = |a: &'static [usize], b: &'static [usize]| {
        let all: Vec<(usize, usize)> = a.iter().flat_map(|x| b.iter().map(move |y| (*x, *y))).collect();
        proptest::sample::subsequence(all.clone(), 0..=all.len())
    };
    let thread = (
        proptest::sample::select(PATIENTS.to_vec()),
        proptest::option::of(0..POOLS),
        proptest::option::weighted(0.3, proptest::sample::select(STAFF.to_vec())),
        proptest::bool::weighted(0.3),
    )
        .prop_map(|(patient, pool, assignee, confidential)| ThreadPlan { patient, pool, assignee, confidential });
    (
        pairs(&PATIENTS, &STAFF),
        pairs(&STAFF, &[0, 1]),
        proptest::collection::vec(grant_state(), PROXIES.len() * PATIENTS.len()),
        proptest::collection::vec(glass_state(), CLINICIANS.len() * PATIENTS.len()),
        proptest::collection::vec(thread, 1..10),
    )
        .prop_map(|(care_team, pool_members, grants, glass, threads)| Clinic {
            care_team,
            pool_members,
            grants: PROXIES
                .iter()
                .flat_map(|p| PATIENTS.iter().map(move |q| (*p, *q)))
                .zip(grants)
                .map(|((p, q), g)| (p, q, g))
                .collect(),
            glass: CLINICIANS
                .iter()
                .flat_map(|c| PATIENTS.iter().map(move |q| (*c, *q)))
                .zip(glass)
                .map(|((c, q), g)| (c, q, g))
                .collect(),
            threads,
        })
}

fn audit(at: DateTime<Utc>) -> AuditEvent {
    AuditEvent::new(AuditAction::UserCreate, None, at)
}

async fn person(store: &Arc<dyn Store>, name: &str, role: Role, at: DateTime<Utc>) -> User {
    let birth = (role == Role::Patient).then(|| NaiveDate::from_ymd_opt(1970, 1, 1)).flatten();
    let new = NewUser::new(
        Username::parse(name).expect("username"),
        DisplayName::parse(name).expect("display name"),
        role,
        birth,
        Language::En,
        at.date_naive(),
    )
    .expect("new user");
    store
        .create_user(NewAccount { user: &new, password_hash: "not-a-real-hash", now: at }, &audit(at))
        .await
        .expect("create user")
}

/// Builds `plan` in a fresh store and checks every person against every thread.
async fn check(store: Arc<dyn Store>, plan: &Clinic) -> Result<(), String> {
    let t0: DateTime<Utc> = "2026-03-02T15:00:00Z".parse().expect("time");
    // Everyone looks two hours later: an hour-long grant or glass has expired by then.
    let now = t0 + TimeDelta::hours(2);
    let mut people = Vec::new();
    for (name, role) in PEOPLE {
        people.push(person(&store, name, role, t0).await);
    }
    let mut pools: Vec<PoolId> = Vec::new();
    for n in 0..POOLS {
        pools.push(store.create_pool(&format!("pool-{n}"), &format!("Pool {n}"), &audit(t0)).await.expect("pool").id);
    }
    for &(patient, staff) in &plan.care_team {
        store
            .set_membership(
                Membership::CareTeam { patient_id: people[patient].id, staff_id: people[staff].id },
                true,
                &audit(t0),
            )
            .await
            .expect("care team");
    }
    for &(staff, pool) in &plan.pool_members {
        store
            .set_membership(Membership::Pool { pool_id: pools[pool], user_id: people[staff].id }, true, &audit(t0))
            .await
            .expect("pool member");
    }
    for &(proxy, patient, state) in &plan.grants {
        let (scope, expires_at) = match state {
            GrantState::None => continue,
            GrantState::Active(scope) => (scope, Some(t0 + TimeDelta::hours(10))),
            GrantState::Expired => (ProxyScope::Full, Some(t0 + TimeDelta::hours(1))),
            GrantState::Revoked => (ProxyScope::Full, None),
        };
        let grant = ProxyGrant {
            patient_id: people[patient].id,
            proxy_id: people[proxy].id,
            scope,
            expires_at,
            revoked_at: None,
        };
        let id = store
            .grant_proxy(&NewGrant { grant, created_by: people[patient].id, now: t0 }, &audit(t0))
            .await
            .expect("grant");
        if matches!(state, GrantState::Revoked) {
            assert!(store.revoke_grant(id, t0 + TimeDelta::minutes(5), &audit(t0)).await.expect("revoke"));
        }
    }
    for &(clinician, patient, state) in &plan.glass {
        let expires_at = match state {
            GlassState::None => continue,
            GlassState::Current => t0 + TimeDelta::hours(10),
            GlassState::Past => t0 + TimeDelta::hours(1),
        };
        store
            .open_emergency_access(
                &EmergencyAccessRequest {
                    user: people[clinician].id,
                    patient: people[patient].id,
                    reason: "unconscious, no team reachable".to_owned(),
                    now: t0,
                    expires_at,
                },
                &audit(t0),
            )
            .await
            .expect("break the glass");
    }
    let threads = create_threads(&store, plan, &people, t0).await;
    compare(&store, &people, &threads, now).await?;
    narrowed(&store, plan, &people, &pools, &threads, now).await
}

/// A staff member's in-basket narrowed to one pool, or to the threads
/// assigned to them, pages through exactly the threads they may open that
/// are in that pool or assigned to them.
async fn narrowed(
    store: &Arc<dyn Store>,
    plan: &Clinic,
    people: &[User],
    pools: &[PoolId],
    threads: &[ThreadId],
    now: DateTime<Utc>,
) -> Result<(), String> {
    for staff in STAFF {
        let actor = Actor { id: people[staff].id, role: people[staff].role };
        let mut narrowings: Vec<(ThreadCriteria, Vec<bool>)> = pools
            .iter()
            .enumerate()
            .map(|(n, pool)| {
                let criteria = ThreadCriteria { pool: Some(*pool), ..ThreadCriteria::default() };
                (criteria, plan.threads.iter().map(|t| t.pool == Some(n)).collect())
            })
            .collect();
        narrowings.push((
            ThreadCriteria { assignee: Some(actor.id), ..ThreadCriteria::default() },
            plan.threads.iter().map(|t| t.assignee == Some(staff)).collect(),
        ));
        for (criteria, matches) in narrowings {
            let mut expected = BTreeSet::new();
            for (id, matched) in threads.iter().zip(matches) {
                let facts =
                    store.thread_facts(actor, *id, now).await.expect("facts").map(|(_, f)| f).unwrap_or_default();
                if matched && decide_thread(actor, ThreadAction::Read, &facts, now).is_allowed() {
                    expected.insert(*id);
                }
            }
            let paged: BTreeSet<ThreadId> = pages_in_order(store, actor, &criteria, now).await?.into_iter().collect();
            if paged != expected {
                return Err(format!(
                    "{} narrowed to {criteria:?} pages through {} threads, not {}",
                    PEOPLE[staff].0,
                    paged.len(),
                    expected.len()
                ));
            }
        }
    }
    Ok(())
}

async fn create_threads(store: &Arc<dyn Store>, plan: &Clinic, people: &[User], t0: DateTime<Utc>) -> Vec<ThreadId> {
    let mut threads: Vec<ThreadId> = Vec::new();
    for (n, t) in plan.threads.iter().enumerate() {
        let patient = &people[t.patient];
        let written = store
            .create_thread(NewThread {
                patient_id: patient.id,
                author_id: patient.id,
                subject: Subject::parse(&format!("Thread {n}")).expect("subject"),
                body: MessageBody::parse("A question", 5000).expect("body"),
                category: Category::Other,
                urgency: URGENCIES[n % 3],
                pool_slug: t.pool.map(|p| format!("pool-{p}")),
                assignee_id: t.assignee.map(|a| people[a].id),
                status: ThreadStatus::ALL[(n / 3) % ThreadStatus::ALL.len()],
                confidential: t.confidential,
                triage: TriageRecord {
                    urgency: URGENCIES[n % 3],
                    category: Category::Other,
                    pool_slug: t.pool.map(|p| format!("pool-{p}")),
                    confidence: 1.0,
                    reasons: vec![],
                    model_id: "test".into(),
                    model_version: "1".into(),
                    needs_review: false,
                    overridden_by: None,
                },
                idempotency: None,
                now: t0 + TimeDelta::seconds(i64::try_from(n).expect("small")),
                audit: vec![AuditEvent::new(AuditAction::ThreadCreate, Some((patient.id, Role::Patient)), t0)],
                jobs: Vec::new(),
            })
            .await
            .expect("thread");
        threads.push(written.thread_id);
    }
    threads
}

/// Every person's list against what the policy lets them open.
async fn compare(
    store: &Arc<dyn Store>,
    people: &[User],
    threads: &[ThreadId],
    now: DateTime<Utc>,
) -> Result<(), String> {
    for (who, user) in people.iter().enumerate() {
        let actor = Actor { id: user.id, role: user.role };
        let filter = ThreadFilter { limit: 1000, ..ThreadFilter::default() };
        let listed: BTreeSet<ThreadId> =
            store.list_threads(actor, &filter, now).await.expect("list").iter().map(|s| s.thread.id).collect();
        let mut allowed = BTreeSet::new();
        for id in threads {
            let facts = store.thread_facts(actor, *id, now).await.expect("facts").map(|(_, f)| f).unwrap_or_default();
            if decide_thread(actor, ThreadAction::Read, &facts, now).is_allowed() {
                allowed.insert(*id);
            }
        }
        let paged = pages_in_order(store, actor, &ThreadCriteria::default(), now).await?;
        let paged_set: BTreeSet<ThreadId> = paged.iter().copied().collect();
        for (how, listed) in [("lists", &listed), ("pages through", &paged_set)] {
            if *listed != allowed {
                return Err(format!(
                    "{} ({:?}) {how} {} threads but may open {}: listed only {:?}, openable only {:?}",
                    PEOPLE[who].0,
                    user.role,
                    listed.len(),
                    allowed.len(),
                    listed.difference(&allowed).map(|id| threads.iter().position(|t| t == id)).collect::<Vec<_>>(),
                    allowed.difference(listed).map(|id| threads.iter().position(|t| t == id)).collect::<Vec<_>>(),
                ));
            }
        }
        if paged.len() != paged_set.len() {
            return Err(format!("{} saw a thread on two pages", PEOPLE[who].0));
        }
    }
    Ok(())
}

/// Every page of `actor`'s list in their own order (the in-basket's for
/// staff), two threads a page, each page read from the cursor the last one
/// ended at; checks that the pages follow that order and returns the ids.
async fn pages_in_order(
    store: &Arc<dyn Store>,
    actor: Actor,
    criteria: &ThreadCriteria,
    now: DateTime<Utc>,
) -> Result<Vec<ThreadId>, String> {
    let mut filter = ThreadFilter {
        criteria: criteria.clone(),
        limit: 2,
        emergencies_first: in_basket_order(actor.role),
        after: None,
    };
    let mut keys = Vec::new();
    loop {
        let page = store.list_threads(actor, &filter, now).await.expect("page");
        for summary in &page {
            let c = ThreadCursor::after(&summary.thread);
            let key = if filter.emergencies_first {
                (c.urgency_rank, c.wait_key, c.id.to_string())
            } else {
                (c.updated_at_ms, 0, c.id.to_string())
            };
            keys.push((key, summary.thread.id));
        }
        match page.last() {
            Some(last) if page.len() == 2 => filter.after = Some(ThreadCursor::after(&last.thread)),
            _ => break,
        }
    }
    // Staff: most urgent, longest waiting, id, ascending; others: newest first.
    let ascending = filter.emergencies_first;
    if let Some(w) = keys.windows(2).find(|w| if ascending { w[0].0 >= w[1].0 } else { w[0].0 <= w[1].0 }) {
        return Err(format!("{:?} pages out of order: {:?} before {:?}", actor.role, w[0].0, w[1].0));
    }
    Ok(keys.into_iter().map(|(_, id)| id).collect())
}

async fn sqlite() -> (Arc<dyn Store>, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("v.db").display());
    (carethread_store::open(&url, MasterKey::generate()).await.expect("open"), dir)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sqlite_lists_exactly_the_threads_the_policy_lets_each_person_open(plan in clinic()) {
        let result = runtime().block_on(async {
            let (store, _dir) = sqlite().await;
            check(store, &plan).await
        });
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, ..ProptestConfig::default() })]

    #[carethread_test_services::needs(postgres)]
    #[test]
    fn postgres_lists_exactly_the_threads_the_policy_lets_each_person_open(plan in clinic()) {
        let result = runtime().block_on(async {
            let (_database, store) = support::postgres_store("carethread_vis").await;
            check(store, &plan).await
        });
        prop_assert!(result.is_ok(), "{}", result.unwrap_err());
    }
}
