//! The emails of each phase: composing (minijinja templates) and delivering (lettre)
//! through the durable outbox in the store. lettre and minijinja live here only.

pub mod compose;
pub mod deliver;
pub mod fetch;
pub mod inbound;

pub use compose::{Composed, Templates, compose};
pub use deliver::{Clock, DeliveryReport, STALE_CLAIM, Transport, deliver_due, deliver_round};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("{0}")]
    Template(String),
    #[error("{0}")]
    Address(String),
    #[error("building the message: {0}")]
    Build(String),
    #[error("[mail] in the config: {0}")]
    Config(String),
    /// `[inbound]` (the message names the table and the key).
    #[error("{0}")]
    Inbound(String),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
