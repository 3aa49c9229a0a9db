//! The limits the server enforces on request fields, written into the
//! request schemas: lengths and allowed values taken from the types in
//! `carethread-core` that enforce them, so the document cannot drift from
//! what a request is refused for (422, naming the field).

use carethread_core::contact::NotifyChannel;
use carethread_core::policy::ProxyScope;
use carethread_core::profile::MESSAGE_MAX_CHARS_RANGE;
use carethread_core::role::Role;
use carethread_core::thread::{Category, Subject, ThreadStatus, Urgency};
use carethread_core::user::{Language, MIN_PASSWORD_CHARS, Mrn};
use carethread_store::{VisitKind, VisitStatus};
use serde_json::Value;
use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::{OpenApi, RefOr};

/// What a field accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// A string of `min` to `max` characters (after surrounding spaces are trimmed).
    Chars { min: Option<usize>, max: usize },
    /// One of these words.
    OneOf(Vec<&'static str>),
}

/// Longest message body any clinic may allow (each clinic sets its own
/// limit, `message_max_chars` in `GET /api/v1/clinic`, 5,000 by default).
pub const MESSAGE_BODY_MAX_CHARS: usize = *MESSAGE_MAX_CHARS_RANGE.end();
/// What a message body's schema says about its limit.
const BODY_NOTE: &str = "At most the clinic's `message_max_chars` characters (`GET /api/v1/clinic`: 5,000 unless \
                         the clinic changed it, never more than 20,000).";

/// Longest display name.
pub const DISPLAY_NAME_MAX_CHARS: usize = 100;
/// Usernames: 3 to 64 characters.
pub const USERNAME_CHARS: (usize, usize) = (3, 64);
/// Longest password.
pub const PASSWORD_MAX_CHARS: usize = 256;
/// Longest re-triage note.
pub const RETRIAGE_NOTE_MAX_CHARS: usize = 500;

fn words<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Limit {
    Limit::OneOf(all.iter().map(|v| name(*v)).collect())
}

fn languages() -> Limit {
    words(&[Language::En, Language::Es], Language::as_str)
}

fn body() -> Limit {
    Limit::Chars { min: Some(1), max: MESSAGE_BODY_MAX_CHARS }
}

/// Every limited request field: schema, field, limit.
#[must_use]
pub fn field_limits() -> Vec<(&'static str, &'static str, Limit)> {
    let scopes = [ProxyScope::Full, ProxyScope::MessagesOnly, ProxyScope::ReadOnly];
    let channels = [NotifyChannel::Email, NotifyChannel::Sms, NotifyChannel::None];
    vec![
        ("NewThreadIn", "subject", Limit::Chars { min: Some(1), max: Subject::MAX_CHARS }),
        ("NewThreadIn", "body", body()),
        ("NewThreadIn", "category", words(Category::ALL, Category::as_str)),
        ("NewMessageIn", "body", body()),
        ("AttachmentForm", "body", Limit::Chars { min: None, max: MESSAGE_BODY_MAX_CHARS }),
        ("ThreadPatchIn", "status", words(ThreadStatus::ALL, ThreadStatus::as_str)),
        ("ThreadPatchIn", "note", Limit::Chars { min: None, max: MESSAGE_BODY_MAX_CHARS }),
        ("RetriageIn", "urgency", words(Urgency::ALL, Urgency::as_str)),
        ("RetriageIn", "category", words(Category::ALL, Category::as_str)),
        ("RetriageIn", "note", Limit::Chars { min: None, max: RETRIAGE_NOTE_MAX_CHARS }),
        ("NewUserIn", "username", Limit::Chars { min: Some(USERNAME_CHARS.0), max: USERNAME_CHARS.1 }),
        ("NewUserIn", "display_name", Limit::Chars { min: Some(1), max: DISPLAY_NAME_MAX_CHARS }),
        ("NewUserIn", "role", words(&Role::ALL, Role::as_str)),
        ("NewUserIn", "language", languages()),
        ("NewUserIn", "password", Limit::Chars { min: Some(MIN_PASSWORD_CHARS), max: PASSWORD_MAX_CHARS }),
        ("NewUserIn", "mrn", Limit::Chars { min: None, max: Mrn::MAX_CHARS }),
        ("UserPatchIn", "display_name", Limit::Chars { min: Some(1), max: DISPLAY_NAME_MAX_CHARS }),
        ("UserPatchIn", "role", words(&Role::ALL, Role::as_str)),
        ("UserPatchIn", "language", languages()),
        ("UserPatchIn", "mrn", Limit::Chars { min: None, max: Mrn::MAX_CHARS }),
        ("NewGrantIn", "scope", words(&scopes, ProxyScope::as_str)),
        ("MeIn", "language", languages()),
        ("Notifications", "channel", words(&channels, NotifyChannel::as_str)),
        ("Notifications", "language", languages()),
        ("HoldIn", "body", body()),
        ("VisitIn", "kind", words(VisitKind::ALL, VisitKind::as_str)),
        ("VisitIn", "reason", Limit::Chars { min: Some(1), max: carethread_app::visits::REASON_MAX_CHARS }),
        ("VisitStatusIn", "status", words(&[VisitStatus::Booked, VisitStatus::Cancelled], VisitStatus::as_str)),
        ("ReadabilityIn", "language", languages()),
        ("WordingCheckIn", "language", languages()),
    ]
}

/// Every limited query parameter: method, path, parameter, limit.
#[must_use]
pub fn query_limits() -> Vec<(&'static str, &'static str, &'static str, Limit)> {
    vec![
        ("get", "/api/v1/threads", "status", words(ThreadStatus::ALL, ThreadStatus::as_str)),
        ("get", "/api/v1/threads", "urgency", words(Urgency::ALL, Urgency::as_str)),
    ]
}

/// Writes `limit` into a string schema; a field that may be `null` keeps `null` among its values.
fn apply(schema: &mut RefOr<Schema>, limit: &Limit) -> bool {
    let RefOr::T(Schema::Object(object)) = schema else { return false };
    let nullable = matches!(&object.schema_type, SchemaType::Array(types) if types.contains(&Type::Null));
    match limit {
        Limit::Chars { min, max } => {
            object.min_length = *min;
            object.max_length = Some(*max);
        }
        Limit::OneOf(values) => {
            let mut values: Vec<Value> = values.iter().map(|v| Value::from(*v)).collect();
            if nullable {
                values.push(Value::Null);
            }
            object.enum_values = Some(values);
        }
    }
    true
}

/// Writes every limit into the document; a schema or field that is not
/// there is left out (a test checks that each one landed).
pub fn write_limits(openapi: &mut OpenApi) {
    if let Some(components) = openapi.components.as_mut() {
        for (schema, field, limit) in field_limits() {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema)
                && let Some(property) = object.properties.get_mut(field)
            {
                apply(property, &limit);
                if let (RefOr::T(Schema::Object(property)), Limit::Chars { max: MESSAGE_BODY_MAX_CHARS, .. }) =
                    (property, &limit)
                {
                    property.description.get_or_insert_with(|| BODY_NOTE.to_owned());
                }
            }
        }
    }
    for (method, path, name, limit) in query_limits() {
        let Some(operation) = openapi.paths.paths.get_mut(path).and_then(|item| super::operation_mut(item, method))
        else {
            continue;
        };
        for parameter in operation.parameters.iter_mut().flatten() {
            if parameter.name == name
                && parameter.parameter_in == ParameterIn::Query
                && let Some(schema) = parameter.schema.as_mut()
            {
                apply(schema, &limit);
            }
        }
    }
}
