//! The clinic profile as the running server sees it; kept by the application layer.

pub use carethread_app::clinic::*;
