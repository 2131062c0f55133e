//! Every operation an analyst performs, once: reviewing (assess and lint), moving with its
//! gates, undoing, assigning, promising, curating findings, and the emails that go with
//! moves. The CLI and the console only call these; they take `now` and the analyst as
//! parameters and speak to `store` and `mail`, never to SQL or SMTP themselves.

mod emails;
pub mod inbound;
pub mod listing;
mod moves;
mod notes;
mod plan;
mod reads;
pub mod reminders;
pub mod reports;
pub use moves::IssueListEdit;
pub use notes::NoteAdded;

pub use emails::MailSetup;
pub use moves::{email_undo_line, new_version_line};
pub use plan::{Choices, Committed, Going, MoveChoice, Plan, PlanItem, Planned};

// The record types the front ends read and write through the workflow.
pub use crate::domain::{MoveAsk, MoveItem};
pub use crate::mail::{Composed, DeliveryReport, STALE_CLAIM, Transport};
pub use crate::store::{
    AssignItem, AssignOutcome, CancelOutcome, EmailUndo, Hold, ImportRefused, Lines, MoveOutcome,
    MoveRefused, Moved, OpenOptions, ReminderRefused, StoreError, UndoOutcome, UndoReport,
};
pub use reads::InFull;

use crate::domain::lint::queue_facts;
use crate::domain::{Policy, Review, Submission};
use crate::mail::MailError;
use crate::store::Store;
use crate::text::safe_line;
use jiff::Timestamp;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Debug, thiserror::Error)]
pub enum WorkflowError {
    #[error("no submission \"{id}\" in {}; `oin-review list --query TEXT` finds ids", .path.display())]
    NotFound { id: String, path: PathBuf },
    /// `--as-of` an instant before the submission came into the queue.
    #[error("{id} was not in the queue yet at {at} (--as-of): its history starts later")]
    NotYet { id: String, at: String },
    /// The analyst asked for something the rules do not allow; nothing was changed.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Mail(#[from] MailError),
    /// Writing what was read (`list`'s output) failed: a closed pipe, a full disk.
    #[error("writing the output: {0}")]
    Output(#[source] std::io::Error),
    #[error("reading the queue: a reader thread stopped; run the command again")]
    ReaderStopped,
}

pub type Result<T, E = WorkflowError> = std::result::Result<T, E>;

/// The review queue with the team's policy and mail setup: what every operation needs.
pub struct Workflow {
    store: Store,
    policy: Arc<Policy>,
    mail: Arc<MailSetup>,
    /// `[team] analysts` from the config.
    team: Vec<String>,
    /// `--as-of`: submissions are read as they were then (`Submission::as_of`).
    as_of: Option<Timestamp>,
}

impl Workflow {
    pub fn new(store: Store, policy: Arc<Policy>, mail: Arc<MailSetup>) -> Workflow {
        Workflow {
            store,
            policy,
            mail,
            team: Vec::new(),
            as_of: None,
        }
    }

    /// Reads submissions as they were at `at` (`--as-of`; the read commands and a console
    /// opened at a past instant, which is read-only).
    pub fn with_as_of(mut self, at: Option<Timestamp>) -> Workflow {
        self.as_of = at;
        self
    }

    /// `sub` as this workflow reads it: as it was at `--as-of`, or as it is; `None` when it
    /// came into the queue later.
    fn then(&self, sub: Submission) -> Option<Submission> {
        match self.as_of {
            Some(at) => sub.as_of(at),
            None => Some(sub),
        }
    }

    /// A rehearsal (`--dry-run`): moves, their emails and undos are planned and checked
    /// exactly as they would be made, then rolled back.
    pub fn dry_run(&mut self) {
        self.store.set_dry_run();
    }

    /// With the analysts the config names (`[team] analysts`).
    pub fn with_team(mut self, analysts: Vec<String>) -> Workflow {
        self.team = analysts;
        self
    }

    /// The team: the analysts the config names, the members of the queue file's group, and
    /// everyone who has acted in the queue; sorted, each once.
    pub fn team(&self) -> Result<Vec<String>> {
        let mut names: Vec<String> = self.team.clone();
        names.extend(group_members(self.store.path()));
        names.extend(self.store.acting_analysts()?);
        names.retain(|n| !n.trim().is_empty());
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// `Err` with the closest names when `name` is not on the team.
    pub fn check_analyst(&self, name: &str) -> Result<()> {
        let team = self.team()?;
        if team.iter().any(|n| n == name) {
            return Ok(());
        }
        Err(WorkflowError::Refused(format!(
            "{} is not on the team{}",
            safe_line(name),
            closest_names(name, &team)
        )))
    }

    /// Delivers the emails due by `due_by` (their hold kept or skipped), marking each sent,
    /// retried or failed: every delivery, the CLI's and the console's mailer's, goes here.
    pub async fn deliver(
        &mut self,
        transport: &Transport,
        due_by: Timestamp,
        clock: crate::mail::Clock<'_>,
        hold: Hold,
    ) -> Result<DeliveryReport> {
        Ok(crate::mail::deliver_due(&mut self.store, transport, due_by, clock, hold).await?)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn mail(&self) -> &MailSetup {
        &self.mail
    }

    /// The mail setup, to share with the console's mail thread.
    pub fn mail_setup(&self) -> Arc<MailSetup> {
        self.mail.clone()
    }

    /// The ids as the queue spells them (matched case-insensitively when unambiguous).
    pub fn canonical_ids(&self, ids: &[String]) -> Result<Vec<String>> {
        Ok(self.store.canonical_ids(ids)?)
    }

    /// Up to `limit` submissions whose id starts with `prefix` (any case): id, app name and
    /// state key, by id (shell completion).
    pub fn ids_starting_with(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, String)>> {
        Ok(self.store.ids_starting_with(prefix, limit)?)
    }

    /// One submission (its id matched case-insensitively when unambiguous), or an error
    /// that says how to find ids.
    pub fn submission(&self, id: &str) -> Result<Submission> {
        let canonical = self.canonical_ids(&[id.to_string()])?;
        let id_in_queue = canonical.first().map_or(id, String::as_str);
        let sub = self
            .store
            .submission(id_in_queue)?
            .ok_or_else(|| WorkflowError::NotFound {
                id: safe_line(id),
                path: self.store.path().to_path_buf(),
            })?;
        match (self.then(sub), self.as_of) {
            (Some(then), _) => Ok(then),
            (None, at) => Err(WorkflowError::NotYet {
                id: safe_line(id),
                at: at.map(|t| t.to_string()).unwrap_or_default(),
            }),
        }
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

/// The members of the Unix group that owns the queue file (the shared database's group),
/// when it has named members.
fn group_members(db: &std::path::Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let Ok(meta) = std::fs::metadata(db) else {
        return Vec::new();
    };
    match nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(meta.gid())) {
        Ok(Some(g)) => g.mem,
        _ => Vec::new(),
    }
}

/// " (closest: a, b)" for the team's names nearest to `name`, or " (the team is: …)".
pub fn closest_names(name: &str, team: &[String]) -> String {
    let mut scored: Vec<(usize, &String)> = team
        .iter()
        .map(|n| (edit_distance(&name.to_lowercase(), &n.to_lowercase()), n))
        .collect();
    scored.sort();
    let near: Vec<&str> = scored
        .iter()
        .filter(|(d, _)| *d <= 2.max(name.chars().count() / 3))
        .take(3)
        .map(|(_, n)| n.as_str())
        .collect();
    if !near.is_empty() {
        format!(" (closest: {})", near.join(", "))
    } else if team.is_empty() {
        " (nobody has acted in this queue yet; name analysts in [team] analysts)".to_string()
    } else {
        format!(
            " (the team: {})",
            team.iter()
                .take(8)
                .map(|n| safe_line(n))
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// Edit distance by characters, a swap of two neighbours counting as one edit (the
/// commonest typo in a name: "asah" for "asha").
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
