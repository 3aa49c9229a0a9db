//! Onboarding or syncing a clinic from its EHR: the people, proxies' access
//! and care teams a FHIR `transaction` or `batch` Bundle describes (read by
//! [`carethread_fhir::read_onboarding`]), checked here as an administrator's
//! user changes are and written by the store with an audit entry for each
//! change. People are found again by how the EHR knows them, so importing
//! the same bundle twice creates each person once. A transaction is all or
//! nothing; a batch applies each entry that can be, on its own.

use carethread_core::role::Role;
use carethread_core::user::{DisplayName, Language, Mrn, NewUser, Username};
use carethread_fhir::{ImportedEntry, ImportedPerson, Onboarding, PersonKey};
use carethread_store::{ImportKey, ImportOutcome, ImportStep, Importer, StoreError};
use chrono::Utc;
use sha2::{Digest, Sha256};

use crate::passwords::new_token;
use crate::users::require_admin;
use crate::{App, AppError, AppResult, Operator};

/// What became of one entry: the role of the person it names (none for a
/// care team), and what each of its changes did.
pub type EntryResult = Result<(Option<Role>, Vec<ImportOutcome>), AppError>;

fn role_of(steps: &[ImportStep]) -> Option<Role> {
    steps.iter().find_map(|s| match s {
        ImportStep::Account { user, .. } => Some(user.role),
        _ => None,
    })
}

fn key(key: &PersonKey) -> ImportKey {
    match key {
        PersonKey::Mrn(mrn) => ImportKey::Mrn(mrn.clone()),
        PersonKey::Identifier { system, value } => {
            ImportKey::Identifier { system: system.clone(), value: value.clone() }
        }
        PersonKey::Id(id) => ImportKey::Id(*id),
    }
}

/// The username an imported person gets: from the record number for a
/// patient, else from the EHR identifier (stable across imports).
fn username(person: &ImportedPerson) -> Result<Username, AppError> {
    let raw = match &person.key {
        PersonKey::Mrn(mrn) => format!("mrn-{}", mrn.to_ascii_lowercase()),
        PersonKey::Identifier { system, value } => {
            let digest = Sha256::digest(format!("{system}|{value}").as_bytes());
            let short = crate::passwords::hex(&digest[..6]);
            format!("{}-{short}", person.role.as_str().replace('_', "-"))
        }
        PersonKey::Id(_) => return Err(AppError::invalid("identifier", "an existing person is not created again")),
    };
    Ok(Username::parse(&raw)?)
}

fn account(person: &ImportedPerson, password_hash: &str, today: chrono::NaiveDate) -> Result<ImportStep, AppError> {
    let name =
        DisplayName::parse(&person.name).map_err(|_| AppError::invalid("name", "must be 1 to 100 characters"))?;
    // The EHR's language tag (`es-MX`) by its language; one CareThread does not speak reads as English.
    let tag = person.language.as_deref().and_then(|l| l.split('-').next()).unwrap_or("en");
    let language = Language::parse(tag).unwrap_or(Language::En);
    let mrn = match &person.key {
        PersonKey::Mrn(mrn) => {
            Some(Mrn::parse(mrn).map_err(|_| AppError::invalid("identifier", "is not a record number"))?)
        }
        _ => None,
    };
    let birth = if person.role == Role::Patient { person.birth_date } else { None };
    let user = NewUser::new(username(person)?, name, person.role, birth, language, today)
        .map_err(|e| {
            AppError::invalid(if person.role == Role::Patient { "birthDate" } else { "resourceType" }, e.to_string())
        })?
        .with_mrn(mrn)?;
    Ok(ImportStep::Account { key: key(&person.key), user, password_hash: password_hash.to_owned() })
}

/// An entry's steps, and the order it is applied in (people first, then
/// proxies' access, then care teams, so references to people of the same
/// bundle resolve).
fn steps(
    entry: &ImportedEntry,
    password_hash: &str,
    today: chrono::NaiveDate,
) -> Result<(u8, Vec<ImportStep>), AppError> {
    Ok(match entry {
        ImportedEntry::Person(person) => (0, vec![account(person, password_hash, today)?]),
        ImportedEntry::Proxy(person, grant) => {
            let access = ImportStep::Grant {
                patient: key(&grant.patient),
                proxy: key(&grant.proxy),
                scope: grant.scope,
                expires_at: grant.expires_at,
            };
            (1, vec![account(person, password_hash, today)?, access])
        }
        ImportedEntry::CareTeam(team) => (
            2,
            vec![ImportStep::CareTeam { patient: key(&team.patient), members: team.members.iter().map(key).collect() }],
        ),
    })
}

/// A store refusal of an import, as the person importing reads it.
fn refused(err: StoreError) -> AppError {
    match err {
        StoreError::Missing(what) => AppError::invalid("reference", format!("names a {what} CareThread does not know")),
        StoreError::Conflict(what) => AppError::Conflict(format!("{what} conflicts with someone CareThread has")),
        other => other.into(),
    }
}

/// Names the entry an invalid field belongs to.
fn in_entry(index: usize, err: AppError) -> AppError {
    match err {
        AppError::Invalid { field, reason } => AppError::invalid(format!("entry[{index}].resource.{field}"), reason),
        other => other,
    }
}

/// Imports what a bundle describes (administrators, or the operator at the
/// command line); one result per entry, in the bundle's order. A transaction
/// with any entry refused writes nothing and answers the first refusal.
pub async fn import(app: &App, by: Operator<'_>, bundle: Onboarding) -> AppResult<Vec<EntryResult>> {
    require_admin(by)?;
    let now = Utc::now();
    let importer = match by {
        Operator::Person(caller) => {
            Importer { actor: Some((caller.user.id, caller.user.role)), client: caller.client.clone(), now }
        }
        Operator::CommandLine => Importer { actor: None, client: None, now },
    };
    // Imported accounts sign in only once the clinic sets their password.
    let password_hash = crate::passwords::hash_in_background(new_token()).await?;
    let mut planned: Vec<Result<(u8, Vec<ImportStep>), AppError>> = bundle
        .entries
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            let entry =
                entry.map_err(|e| AppError::invalid(format!("entry[{}].resource.{}", e.index, e.element), e.reason))?;
            steps(&entry, &password_hash, now.date_naive()).map_err(|e| in_entry(index, e))
        })
        .collect();
    let mut order: Vec<usize> = (0..planned.len()).collect();
    order.sort_by_key(|&i| planned[i].as_ref().map_or(0, |(rank, _)| *rank));
    let mut results: Vec<Option<EntryResult>> = planned.iter().map(|_| None).collect();
    if bundle.transaction {
        if let Some(position) = planned.iter().position(Result::is_err) {
            return Err(planned.swap_remove(position).err().unwrap_or(AppError::NotFound));
        }
        let all: Vec<ImportStep> =
            order.iter().filter_map(|&i| planned[i].as_ref().ok()).flat_map(|(_, s)| s.iter().cloned()).collect();
        let mut outcomes = app.store.import_people(&all, &importer).await.map_err(refused)?.into_iter();
        for &i in &order {
            let count = planned[i].as_ref().map_or(0, |(_, s)| s.len());
            let role = planned[i].as_ref().ok().and_then(|(_, s)| role_of(s));
            results[i] = Some(Ok((role, outcomes.by_ref().take(count).collect())));
        }
    } else {
        for &i in &order {
            if let Ok((_, steps)) = &planned[i] {
                let done = app.store.import_people(steps, &importer).await.map_err(|e| in_entry(i, refused(e)));
                results[i] = Some(done.map(|outcomes| (role_of(steps), outcomes)));
            }
        }
    }
    tracing::info!(entries = planned.len(), "people imported from the EHR");
    Ok(results
        .into_iter()
        .zip(planned)
        .map(|(done, plan)| match (done, plan) {
            (Some(result), _) => result,
            (None, Err(refusal)) => Err(refusal),
            (None, Ok(_)) => Err(AppError::NotFound),
        })
        .collect())
}
