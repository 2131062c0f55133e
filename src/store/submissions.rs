//! Loading and importing submissions with their children and audit history.

use super::rows::{
    HISTORY_SELECT, NewEmail, WANTED, corrupt, event_from_row, facts_for, insert_email,
    insert_event, insert_test_run, load, load_children, load_one, place_history, read_history,
    state_of, thread_of, write_promise,
};
use super::{Context, Result, Store, StoreError, fmt_ts};
use crate::domain::lint::QueueFacts;
use crate::domain::{EventKind, PhasePromise, ReviewState, StateChange, Submission, TestRun};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, Transaction, params};
use std::collections::{HashMap, HashSet};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: usize,
    pub updated: usize,
    pub events_added: usize,
    pub test_results_added: usize,
    /// Submissions that entered initial review and were sent their "received" email.
    pub notified: Vec<String>,
    /// Submissions that entered initial review but could not get it, and why.
    pub not_notified: Vec<(String, String)>,
}

/// Composes the email of a submission as stored (history merged), given its thread.
pub type Notify<'a> = &'a dyn Fn(&Submission, Vec<String>) -> std::result::Result<NewEmail, String>;

impl Store {
    /// Up to `limit` submissions whose id starts with `prefix` (any case), by id: the id,
    /// the app's name and the state's key. For shell completion.
    pub fn ids_starting_with(
        &self,
        prefix: &str,
        limit: usize,
    ) -> Result<Vec<(String, String, String)>> {
        let c = "listing submission ids";
        let pattern = format!(
            "{}%",
            prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, app_name, state FROM submissions WHERE id LIKE ?1 ESCAPE '\\'
                 ORDER BY id LIMIT ?2",
            )
            .ctx(c)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![pattern, limit], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .ctx(c)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().ctx(c)
    }
}

impl Store {
    /// Every submission with its children and history, ordered by id, as of one commit.
    ///
    /// The audit log is about 40% of the reading: it is read on a second connection while
    /// this one reads the rest. When another process committed in between (`data_version`
    /// moved), the two halves may disagree, and everything is read again on this connection
    /// alone, in one transaction.
    pub fn load_submissions(&self) -> Result<Vec<Submission>> {
        if self.read_only.is_none() {
            let before = self.data_version()?;
            let path = self.path.clone();
            let (subs, history) = std::thread::scope(|scope| {
                let history = scope.spawn(move || read_history_apart(&path));
                let subs = self.load_without_history();
                (subs, history.join())
            });
            if let (Ok(mut subs), Ok(Ok(history))) = (subs, history)
                && self.data_version()? == before
            {
                place_history(&mut subs, history);
                return Ok(subs);
            }
        }
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("starting to read the queue")?;
        let subs = self.load(None)?;
        tx.commit().ctx("finishing reading the queue")?;
        Ok(subs)
    }

    /// Every submission with its children but no history, in one read transaction.
    fn load_without_history(&self) -> Result<Vec<Submission>> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("starting to read the queue")?;
        let subs = self.load_children(None)?;
        tx.commit().ctx("finishing reading the queue")?;
        Ok(subs)
    }

    /// Each id as the queue spells it: an id that matches no submission exactly but
    /// exactly one case-insensitively becomes that one's (`oin-2026-0142`); others stay as
    /// given (unknown, or ambiguous between spellings).
    pub fn canonical_ids(&self, ids: &[String]) -> Result<Vec<String>> {
        let ctx = "looking up submission ids";
        let mut exact = self
            .conn
            .prepare_cached("SELECT 1 FROM submissions WHERE id = ?1")
            .ctx(ctx)?;
        let mut folded = self
            .conn
            .prepare_cached("SELECT id FROM submissions WHERE id = ?1 COLLATE NOCASE LIMIT 2")
            .ctx(ctx)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if exact.exists([id]).ctx(ctx)? {
                out.push(id.clone());
                continue;
            }
            let found: Vec<String> = folded
                .query_map([id], |r| r.get(0))
                .ctx(ctx)?
                .collect::<rusqlite::Result<_>>()
                .ctx(ctx)?;
            match <[String; 1]>::try_from(found) {
                Ok([one]) => out.push(one),
                Err(_) => out.push(id.clone()),
            }
        }
        Ok(out)
    }

    /// One submission by id.
    pub fn submission(&self, id: &str) -> Result<Option<Submission>> {
        Ok(self.load(Some(id))?.pop())
    }

    /// The submissions with these ids (unknown ids are skipped), ordered by id.
    pub fn submissions_by_ids(&self, ids: &[String]) -> Result<Vec<Submission>> {
        self.conn
            .execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS wanted (id TEXT PRIMARY KEY) WITHOUT ROWID;
                 DELETE FROM temp.wanted;",
            )
            .ctx("choosing submissions")?;
        {
            let mut ins = self
                .conn
                .prepare_cached("INSERT OR IGNORE INTO temp.wanted (id) VALUES (?1)")
                .ctx("choosing submissions")?;
            for id in ids {
                ins.execute([id]).ctx("choosing submissions")?;
            }
        }
        let subs = self.load(Some(WANTED));
        let _ = self.conn.execute("DELETE FROM temp.wanted", []);
        subs
    }

    fn load(&self, only: Option<&str>) -> Result<Vec<Submission>> {
        load(&self.conn, only)
    }

    fn load_children(&self, only: Option<&str>) -> Result<Vec<Submission>> {
        load_children(&self.conn, only)
    }

    /// What the queue knows of a submission's neighbours, for the lint's comparing rules.
    /// The submissions that are new versions of `id` (their `supersedes`), oldest first, with
    /// their state.
    pub fn new_versions_of(&self, id: &str) -> Result<Vec<(String, ReviewState)>> {
        let c = "reading an integration's new versions";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, state FROM submissions WHERE supersedes = ?1 ORDER BY id")
            .ctx(c)?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .ctx(c)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx(c)?;
        rows.into_iter()
            .map(|(id, state)| Ok((id, state_of(&state)?)))
            .collect()
    }

    /// Every link between versions: (a new version, the published submission it replaces).
    pub fn version_links(&self) -> Result<Vec<(String, String)>> {
        let c = "reading the links between versions";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, supersedes FROM submissions WHERE supersedes IS NOT NULL")
            .ctx(c)?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .ctx(c)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .ctx(c)?;
        Ok(rows)
    }

    pub fn facts_for(&self, sub: &Submission) -> Result<QueueFacts> {
        facts_for(&self.conn, sub)
    }
}

impl Store {
    /// Inserts or updates submissions by id, all in one transaction: either every one is
    /// written or none is. History entries not yet in the audit log are appended; if the
    /// log's latest state then disagrees with the file's, an `import` event records the change.
    pub fn import_submissions(
        &mut self,
        subs: &[Submission],
        analyst: &str,
        now: Timestamp,
        source: &str,
    ) -> Result<ImportSummary> {
        self.import_notifying(subs, analyst, now, source, None)
    }

    /// `import_submissions`, and with `notify`, in the same transaction, an email queued for
    /// each submission the import puts into initial review (one that was elsewhere or new).
    pub fn import_notifying(
        &mut self,
        subs: &[Submission],
        analyst: &str,
        now: Timestamp,
        source: &str,
        notify: Option<Notify>,
    ) -> Result<ImportSummary> {
        let policy = self.policy.clone();
        let tx = self.begin_write("import submissions")?;
        let lines = super::queue::LineWriter::begin(&tx, policy.as_deref())?;
        let mut summary = ImportSummary::default();
        let at = fmt_ts(now);
        for sub in subs {
            let before: Option<String> = tx
                .prepare_cached("SELECT state FROM submissions WHERE id = ?1")
                .and_then(|mut s| s.query_row([&sub.id], |r| r.get(0)).optional())
                .ctx("looking up a submission")?;
            upsert_submission(&tx, sub, now, &mut summary)?;
            summary.events_added += merge_history(&tx, sub, analyst, now, source)?;
            for run in &sub.test_results {
                summary.test_results_added += insert_test_run(&tx, &sub.id, run)?;
            }
            for p in &sub.promises {
                write_promise(&tx, &sub.id, p, analyst, now)?;
            }
            let entering = sub.state == ReviewState::InitialReview
                && before.as_deref() != Some(ReviewState::InitialReview.key());
            if let (Some(compose), true) = (notify, entering) {
                let stored = load_one(&tx, &sub.id)?
                    .ok_or_else(|| corrupt(format!("{}: gone while importing", sub.id)))?;
                match compose(&stored, thread_of(&tx, &sub.id)?) {
                    Ok(email) => {
                        insert_email(&tx, &email, analyst, &at, None)?;
                        summary.notified.push(sub.id.clone());
                    }
                    Err(why) => summary.not_notified.push((sub.id.clone(), why)),
                }
            }
        }
        link_updates(&tx, subs)?;
        let ids: Vec<String> = subs.iter().map(|s| s.id.clone()).collect();
        lines.refresh(&tx, &ids)?;
        lines.finish(&tx)?;
        tx.commit().ctx("committing import")?;
        Ok(summary)
    }

    /// Each submission's audit history in time order, one submission at a time in id
    /// order (the `events_by_submission` index's order), in one read transaction: what the
    /// reports walk, without holding the whole log in memory.
    pub fn each_history(&self, each: &mut dyn FnMut(&str, &[StateChange])) -> Result<()> {
        let c = "reading the audit log";
        let tx = self.conn.unchecked_transaction().ctx(c)?;
        {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "{HISTORY_SELECT} INDEXED BY events_by_submission ORDER BY submission_id, at, id"
                ))
                .ctx(c)?;
            let mut rows = stmt.query([]).ctx(c)?;
            let mut id = String::new();
            let mut history: Vec<StateChange> = Vec::new();
            while let Some(r) = rows.next().ctx(c)? {
                let row_id = r
                    .get_ref(0)
                    .ctx(c)?
                    .as_str()
                    .map_err(|e| corrupt(format!("submission id: {e}")))?;
                if row_id != id {
                    if !history.is_empty() {
                        each(&id, &history);
                    }
                    history.clear();
                    id = row_id.to_string();
                }
                history.push(event_from_row(r)?);
            }
            if !history.is_empty() {
                each(&id, &history);
            }
        }
        tx.commit().ctx(c)?;
        Ok(())
    }

    /// How many submissions the queue holds.
    pub fn count_submissions(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT count(*) FROM submissions", [], |r| r.get(0))
            .ctx("counting submissions")
    }
}

/// The whole audit log, read on a connection of its own (for `load_submissions`).
fn read_history_apart(path: &std::path::Path) -> Result<Vec<(String, StateChange)>> {
    use rusqlite::{Connection, OpenFlags};
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ctx("opening the queue to read history")?;
    conn.busy_timeout(super::BUSY_TIMEOUT)
        .ctx("setting busy timeout")?;
    read_history(&conn, None)
}

fn to_json<T: serde::Serialize>(v: &Option<T>) -> Option<String> {
    v.as_ref().and_then(|v| serde_json::to_string(v).ok())
}

/// Links each imported update that names its app but not the published submission it
/// replaces, when the name names exactly one published submission (in one read of the
/// published names, whatever the import's size).
fn link_updates(tx: &Transaction, subs: &[Submission]) -> Result<()> {
    let unlinked: Vec<(&str, String)> = subs
        .iter()
        .filter(|s| s.supersedes.is_none() && s.state != ReviewState::Published)
        .filter_map(|s| {
            let name = s.update_of.as_deref()?.trim().to_lowercase();
            (!name.is_empty()).then_some((s.id.as_str(), name))
        })
        .collect();
    if unlinked.is_empty() {
        return Ok(());
    }
    let c = "linking updates to their published versions";
    let mut published: HashMap<String, Vec<String>> = HashMap::new();
    {
        let mut stmt = tx
            .prepare_cached("SELECT id, app_name FROM submissions WHERE state = 'published'")
            .ctx(c)?;
        let mut rows = stmt.query([]).ctx(c)?;
        while let Some(r) = rows.next().ctx(c)? {
            let id: String = r.get(0).ctx(c)?;
            let name: String = r.get(1).ctx(c)?;
            published
                .entry(name.trim().to_lowercase())
                .or_default()
                .push(id);
        }
    }
    for (id, name) in unlinked {
        if let Some([only]) = published.get(&name).map(Vec::as_slice)
            && only != id
        {
            tx.prepare_cached("UPDATE submissions SET supersedes = ?1 WHERE id = ?2")
                .and_then(|mut s| s.execute(params![only, id]))
                .ctx(c)?;
        }
    }
    Ok(())
}

fn upsert_submission(
    tx: &Transaction,
    sub: &Submission,
    now: Timestamp,
    summary: &mut ImportSummary,
) -> Result<()> {
    let existing: Option<Option<String>> = tx
        .query_row(
            "SELECT test_password FROM submissions WHERE id = ?1",
            [&sub.id],
            |r| r.get(0),
        )
        .optional()
        .ctx("looking up a submission")?;
    let acct = sub.test_account.as_ref();
    // A file without a password (an export without secrets) leaves the stored one alone.
    let password = acct.and_then(|a| {
        a.password
            .as_ref()
            .map(|p| p.expose().to_string())
            .or_else(|| existing.clone().flatten())
    });
    // An update names the published submission it replaces by id when the file does; one
    // that only names the app is linked after the whole import (`link_updates`).
    let supersedes = sub.supersedes.clone();
    let logo = sub.logo.as_ref();
    let values = params![
        sub.id,
        sub.app_name,
        sub.isv,
        sub.app_website,
        sub.submitter_email,
        sub.dev_org,
        sub.path.key(),
        sub.update_of,
        sub.change_summary,
        sub.description,
        logo.map(|l| l.file.as_str()),
        logo.map(|l| l.format.as_str()),
        logo.map(|l| l.bytes.min(i64::MAX as u64) as i64),
        sub.escalation_contact,
        acct.is_some(),
        acct.and_then(|a| a.url.as_deref()),
        acct.and_then(|a| a.username.as_deref()),
        password,
        sub.config_doc_url,
        sub.multi_tenant,
        to_json(&sub.sso),
        to_json(&sub.scim),
        sub.state.key(),
        sub.assignee,
        fmt_ts(now),
        sub.migrated_from_manager,
        supersedes,
        sub.testing_instructions,
        sub.tests_certified,
        to_json(&Some(&sub.test_instances).filter(|i| !i.is_empty())),
    ];
    if existing.is_some() {
        tx.prepare_cached(
            "UPDATE submissions SET app_name = ?2, isv = ?3, app_website = ?4,
                submitter_email = ?5, dev_org = ?6, path = ?7, update_of = ?8,
                change_summary = ?9, description = ?10, logo_file = ?11, logo_format = ?12,
                logo_bytes = ?13, escalation_contact = ?14, has_test_account = ?15,
                test_url = ?16, test_username = ?17, test_password = ?18, config_doc_url = ?19,
                multi_tenant = ?20, sso_json = ?21, scim_json = ?22, state = ?23,
                assignee = ?24, updated_at = ?25, migrated_from_manager = ?26,
                supersedes = ?27, testing_instructions = ?28, tests_certified = ?29,
                instances_json = ?30, version = version + 1
             WHERE id = ?1",
        )
        .and_then(|mut s| s.execute(values))
        .ctx("updating a submission")?;
        for table in [
            "submission_protocols",
            "submission_use_cases",
            "integration_variables",
            "support_contacts",
        ] {
            tx.prepare_cached(&format!("DELETE FROM {table} WHERE submission_id = ?1"))
                .and_then(|mut s| s.execute([&sub.id]))
                .ctx("replacing submission details")?;
        }
        summary.updated += 1;
    } else {
        tx.prepare_cached(&format!(
            "INSERT INTO submissions ({SUBMISSION_COLUMNS_NO_VERSION}, updated_at,
                migrated_from_manager, supersedes, testing_instructions, tests_certified,
                instances_json)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                     ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)"
        ))
        .and_then(|mut s| s.execute(values))
        .ctx("inserting a submission")?;
        summary.inserted += 1;
    }
    for (i, p) in sub.protocols.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO submission_protocols (submission_id, position, protocol) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![sub.id, i as i64, p.key()]))
        .ctx("writing protocols")?;
    }
    for (i, u) in sub.use_cases.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO submission_use_cases (submission_id, position, use_case) VALUES (?1, ?2, ?3)",
        )
        .and_then(|mut s| s.execute(params![sub.id, i as i64, u]))
        .ctx("writing use cases")?;
    }
    for (i, v) in sub.integration_variables.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO integration_variables (submission_id, position, label, name)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![sub.id, i as i64, v.label, v.name]))
        .ctx("writing integration variables")?;
    }
    for (i, c) in sub.support_contacts.iter().enumerate() {
        tx.prepare_cached(
            "INSERT INTO support_contacts (submission_id, position, kind, value)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![sub.id, i as i64, c.kind.key(), c.value]))
        .ctx("writing support contacts")?;
    }
    Ok(())
}

const SUBMISSION_COLUMNS_NO_VERSION: &str = "id, app_name, isv, app_website, submitter_email,
    dev_org, path, update_of, change_summary, description, logo_file, logo_format, logo_bytes,
    escalation_contact, has_test_account, test_url, test_username, test_password,
    config_doc_url, multi_tenant, sso_json, scim_json, state, assignee";

/// Appends the file's history entries that the log lacks; returns how many events were added.
fn merge_history(
    tx: &Transaction,
    sub: &Submission,
    analyst: &str,
    now: Timestamp,
    source: &str,
) -> Result<usize> {
    let mut known = HashSet::new();
    {
        let mut stmt = tx
            .prepare_cached("SELECT to_state, at FROM events WHERE submission_id = ?1")
            .ctx("reading history")?;
        let rows = stmt
            .query_map([&sub.id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
            })
            .ctx("reading history")?;
        for row in rows {
            known.insert(row.ctx("reading history")?);
        }
    }
    let mut added = 0;
    let mut previous: Option<ReviewState> = None;
    for change in &sub.history {
        let from = change.from.or(previous);
        previous = Some(change.to);
        let at = fmt_ts(change.at);
        if known.contains(&(change.to.key().to_string(), at.clone())) {
            continue;
        }
        insert_event(
            tx,
            &sub.id,
            &StateChange {
                from,
                ..change.clone()
            },
            None,
        )?;
        added += 1;
    }
    let latest: Option<String> = tx
        .query_row(
            "SELECT to_state FROM events WHERE submission_id = ?1 ORDER BY at DESC, id DESC LIMIT 1",
            [&sub.id],
            |r| r.get(0),
        )
        .optional()
        .ctx("reading history")?;
    let latest = latest.as_deref().map(state_of).transpose()?;
    if latest != Some(sub.state) {
        insert_event(
            tx,
            &sub.id,
            &StateChange {
                from: latest,
                to: sub.state,
                at: now,
                by: analyst.to_string(),
                reason: Some(format!("imported from {source}")),
                forced: false,
                kind: EventKind::Import,
                restart_clock: false,
                overrode: Vec::new(),
            },
            None,
        )?;
        added += 1;
    }
    Ok(added)
}

impl Store {
    /// Adds tester results for existing submissions, all or none; returns how many were new
    /// (a run already stored is not added twice). Unknown ids refuse the whole import.
    pub fn import_test_results(
        &mut self,
        runs: &[(String, TestRun)],
    ) -> Result<usize, ImportRefused> {
        let policy = self.policy.clone();
        let tx = self.begin_write("import test results")?;
        let lines = super::queue::LineWriter::begin(&tx, policy.as_deref())?;
        let mut added = 0;
        let mut ids: Vec<String> = Vec::new();
        for (i, (id, run)) in runs.iter().enumerate() {
            let exists: bool = tx
                .prepare_cached("SELECT 1 FROM submissions WHERE id = ?1")
                .and_then(|mut s| s.exists([id]))
                .ctx("looking up a submission")?;
            if !exists {
                return Err(ImportRefused::UnknownSubmission {
                    index: i,
                    id: id.clone(),
                });
            }
            added += insert_test_run(&tx, id, run)?;
            ids.push(id.clone());
        }
        ids.sort();
        ids.dedup();
        lines.refresh(&tx, &ids)?;
        lines.finish(&tx)?;
        tx.commit().ctx("committing test results")?;
        Ok(added)
    }

    /// Records the date Okta told the ISV a phase would finish.
    pub fn set_promise(
        &mut self,
        id: &str,
        promise: &PhasePromise,
        analyst: &str,
        at: Timestamp,
    ) -> Result<bool> {
        let policy = self.policy.clone();
        let tx = self.begin_write("record a promised date")?;
        let lines = super::queue::LineWriter::begin(&tx, policy.as_deref())?;
        let exists: bool = tx
            .prepare_cached("SELECT 1 FROM submissions WHERE id = ?1")
            .and_then(|mut s| s.exists([id]))
            .ctx("looking up a submission")?;
        if !exists {
            return Ok(false);
        }
        write_promise(&tx, id, promise, analyst, at)?;
        lines.touched(id);
        lines.finish(&tx)?;
        tx.commit().ctx("committing a promise")?;
        Ok(true)
    }
}

/// Why a results import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportRefused {
    #[error("result {index}: no submission \"{id}\" in the queue; import the submission first")]
    UnknownSubmission { index: usize, id: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}
