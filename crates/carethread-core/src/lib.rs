//! The CareThread domain, pure: identifiers, users and roles, care teams and
//! pools, threads, messages, attachments and the one access policy.
//!
//! Nothing here performs I/O, reads the clock or generates randomness: the
//! current time and fresh identifiers are passed in by the caller, so every
//! rule can be unit-tested with plain values.

pub mod after_hours;
pub mod attachment;
pub mod audit;
pub mod billing;
pub mod clinic;
pub mod contact;
pub mod coverage;
pub mod equity;
pub mod error;
pub mod guidance;
pub mod ids;
pub mod message;
pub mod paging;
pub mod policy;
pub mod profile;
pub mod role;
pub mod text;
pub mod thread;
pub mod user;

pub use error::{DomainError, Field};
