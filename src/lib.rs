//! oin-review: a terminal console for reviewing Okta Integration Network submissions.

pub mod cli;
pub mod clock;
pub mod config;
pub mod demo;
pub mod domain;
pub mod editor;
pub mod exchange;
pub mod identity;
pub mod log;
pub mod mail;
pub mod present;
pub mod search;
pub mod store;
pub mod text;
pub mod tui;
pub mod workflow;
