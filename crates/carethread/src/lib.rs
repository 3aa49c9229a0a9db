//! The `carethread` program: configuration, the demo clinic, the load
//! benchmark and the command-line interface around the server.

pub mod bench;
pub mod cli;
pub mod config;
pub mod demo;
