//! Every operation an analyst performs, once: reviewing (assess and lint), moving with its
//! gates, undoing, assigning, promising, curating findings, and the emails that go with
//! moves. The CLI and the console only call these; they take `now` and the analyst as
//! parameters and speak to `store` and `mail`, never to SQL or SMTP themselves.

mod emails;
mod moves;
mod notes;
pub mod reminders;
pub mod reports;
pub use moves::IssueListEdit;
pub use notes::NoteAdded;

pub use emails::{MailPreview, MailSetup};
pub use moves::{MoveAsk, email_undo_line};

use crate::domain::lint::queue_facts;
use crate::domain::{Policy, Review, Submission};
use crate::mail::MailError;
use crate::store::{Store, StoreError};
use crate::text::safe_line;
use jiff::Timestamp;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("no submission \"{id}\" in {}; `oin-review list --query TEXT` finds ids", .path.display())]
    NotFound { id: String, path: PathBuf },
    /// The analyst asked for something the rules do not allow; nothing was changed.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// The review queue with the team's policy and mail setup: what every operation needs.
pub struct Workflow {
    store: Store,
    policy: Arc<Policy>,
    mail: Arc<MailSetup>,
}

impl Workflow {
    pub fn new(store: Store, policy: Arc<Policy>, mail: Arc<MailSetup>) -> Workflow {
        Workflow {
            store,
            policy,
            mail,
        }
    }

    /// The queue, for reads that need no rule (listing, exporting, the outbox).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The queue, for delivery rounds (the mail module marks emails sent).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn mail(&self) -> &MailSetup {
        &self.mail
    }

    /// The ids as the queue spells them (matched case-insensitively when unambiguous).
    pub fn canonical_ids(&self, ids: &[String]) -> Result<Vec<String>> {
        Ok(self.store.canonical_ids(ids)?)
    }

    /// One submission (its id matched case-insensitively when unambiguous), or an error
    /// that says how to find ids.
    pub fn submission(&self, id: &str) -> Result<Submission> {
        let canonical = self.canonical_ids(&[id.to_string()])?;
        let id_in_queue = canonical.first().map_or(id, String::as_str);
        self.store
            .submission(id_in_queue)?
            .ok_or_else(|| WorkflowError::NotFound {
                id: safe_line(id),
                path: self.store.path().to_path_buf(),
            })
    }

    /// The review of one submission at `now`: clocks, evidence, lint and issue list, with
    /// what the queue knows of its neighbours.
    pub fn review(&self, sub: &Submission, now: Timestamp) -> Result<Review> {
        let facts = self.store.facts_for(sub)?;
        Ok(Review::of(sub, &self.policy, &facts, now))
    }

    /// The reviews of many submissions at `now`, their neighbours taken from `subs` (the
    /// whole queue, for `lint --all`).
    pub fn reviews(&self, subs: &[Submission], now: Timestamp) -> Vec<Review> {
        let refs: Vec<&Submission> = subs.iter().collect();
        queue_facts(&refs)
            .iter()
            .zip(subs)
            .map(|(facts, sub)| Review::of(sub, &self.policy, facts, now))
            .collect()
    }
}
