//! What the front ends read, through the workflow: the queue's lines (the first page, all of
//! them, or those changed since a sequence number), submissions in full, the outbox and the
//! attention sets, and whether the queue changed, is current or is damaged (`listing.rs`:
//! what `list` reads). Only the read-only commands `check`, `backup` and `bench` read the
//! store themselves.

use super::{Result, Workflow};
use crate::domain::notes::Note;
use crate::domain::state::Holder;
use crate::domain::{EmailRecord, QueueFacts, QueueLine, Submission};
use crate::store::{LineFilter, Lines, OpenOptions, Store};
use jiff::Timestamp;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

/// A submission read in full: with what the lint needs of its neighbours, and its internal
/// notes (oldest first, never emailed).
#[derive(Debug, Clone)]
pub struct InFull {
    pub sub: Submission,
    pub facts: QueueFacts,
    pub notes: Vec<Note>,
}

impl Workflow {
    /// The workflow on the queue at `path`.
    pub fn open(
        path: &Path,
        options: &OpenOptions,
        policy: Arc<crate::domain::Policy>,
        mail: Arc<super::MailSetup>,
    ) -> Result<Workflow> {
        Ok(Workflow::new(Store::open(path, options)?, policy, mail))
    }

    /// A warning about who else can read the queue file, when it is too open.
    pub fn permission_warning(&self) -> Option<String> {
        self.store.permission_warning()
    }

    /// Whether the queue was opened for reading only because its disk is full.
    pub fn disk_full(&self) -> bool {
        self.store.disk_full()
    }

    /// Marks the queue (`demo`: a queue the demo made, and may replace).
    pub fn set_mark(&self, key: &str) -> Result<()> {
        Ok(self.store.set_meta(key, "1")?)
    }

    /// Whether the queue carries the mark `key`.
    pub fn has_mark(&self, key: &str) -> Result<bool> {
        Ok(self.store.meta(key)?.is_some())
    }

    /// The queue file.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// Why this analyst cannot write to the queue, when they cannot.
    pub fn read_only(&self) -> Option<&str> {
        self.store.read_only()
    }

    /// `Err` saying why, when the queue cannot be written (checked before any plan is shown).
    pub fn check_writable(&self, action: &str) -> Result<()> {
        Ok(self.store.check_writable(action)?)
    }

    /// A number that changes whenever another connection commits to the queue.
    pub fn queue_version(&self) -> Result<i64> {
        Ok(self.store.data_version()?)
    }

    /// SQLite's quick check: `Some(problems)` when the file is damaged.
    pub fn quick_check(&self) -> Result<Option<String>> {
        Ok(self.store.quick_check()?)
    }

    /// The first `limit` lines in SLA order of what `holder` holds, at `at`.
    pub fn first_lines(
        &self,
        holder: Option<Holder>,
        limit: usize,
        at: Timestamp,
    ) -> Result<Vec<QueueLine>> {
        Ok(self.store.top_lines(holder, limit, at)?)
    }

    pub fn count_lines(&self) -> Result<usize> {
        Ok(self.store.count_lines()?)
    }

    /// Every line, passed to `each` as it is read; returns the sequence number seen.
    pub fn each_line(&self, at: Timestamp, each: &mut dyn FnMut(QueueLine) -> bool) -> Result<i64> {
        Ok(self.store.each_line(&LineFilter::default(), at, each)?)
    }

    /// The lines changed after sequence number `seq`, with the newest number seen.
    pub fn lines_changed_since(&self, seq: i64, at: Timestamp) -> Result<Lines> {
        let filter = LineFilter {
            after_seq: Some(seq),
            ..LineFilter::default()
        };
        Ok(self.store.lines(&filter, at)?)
    }

    /// Whether the lines still follow this process's policy (if not, read them all again).
    pub fn lines_current(&self) -> Result<bool> {
        Ok(self.store.lines_current()?)
    }

    /// These submissions in full, with their neighbours' facts and their notes.
    pub fn in_full(&self, ids: &[String]) -> Result<Vec<InFull>> {
        let subs = if ids.len() == 1 {
            self.store.submission(&ids[0])?.into_iter().collect()
        } else {
            self.store.submissions_by_ids(ids)?
        };
        subs.into_iter()
            .filter_map(|sub| self.then(sub))
            .map(|sub| {
                let facts = self.store.facts_for(&sub)?;
                let notes = self.store.notes(&sub.id)?;
                Ok(InFull { sub, facts, notes })
            })
            .collect()
    }

    /// Every submission, in full.
    pub fn all_submissions(&self) -> Result<Vec<Submission>> {
        let all = self.store.load_submissions()?;
        Ok(all.into_iter().filter_map(|s| self.then(s)).collect())
    }

    /// The outbox, newest first.
    pub fn outbox(&self) -> Result<Vec<EmailRecord>> {
        Ok(self.store.outbox()?)
    }

    /// One email with its message as queued (RFC 5322).
    pub fn email(&self, id: i64) -> Result<Option<(EmailRecord, Vec<u8>)>> {
        Ok(self.store.email(id)?)
    }

    /// One email as the analyst reads it.
    pub fn email_text(&self, id: i64) -> Result<Option<String>> {
        Ok(self.store.email_text(id)?)
    }

    /// The submissions whose notes mention `analyst` and that they have not dealt with.
    /// What waits on `analyst`: notes that mention them, and replies they have not read on
    /// submissions they hold (or, held by nobody, whose last email they sent).
    pub fn attention_of(&self, analyst: &str) -> Result<BTreeSet<String>> {
        let mut set = self.store.attention_of(analyst)?;
        set.extend(self.store.replies_waiting_on(analyst)?);
        Ok(set)
    }

    /// The analysts a submission's notes ask for.
    pub fn attention_on(&self, id: &str) -> Result<Vec<String>> {
        Ok(self.store.attention_on(id)?)
    }
}
