//! The queue projection's table: one slim line per submission (see
//! [`crate::domain::projection`]), kept in the transaction of every write, read top first by
//! the console and streamed by `list`. The submissions and their audit log stay the source
//! of truth: the table is rebuilt from them when the policy it was built under changes.
//!
//! A line is kept on the submission's own row (the projection's columns), so that a move
//! rewrites no other row. Every column of a line, and the search text, are also in one
//! covering index in id order (`queue_lines`, kept by SQLite): reading all lines scans it,
//! not the table. A search scores the search text inside that scan (an SQL function), so a
//! line that does not match is never decoded. Each write
//! transaction appends the ids it touched to `queue_log` under one sequence number, so a
//! reader that saw sequence N reads only those lines again.

use super::rows::{WANTED, load, load_one};
use super::{Context, Result, Store, StoreError};
use crate::domain::projection::{
    ClockLine, LineFields, Projection, QueueLine, TestsLine, fingerprint,
};
use crate::domain::sla::ClockRuns;
use crate::domain::state::Holder;
use crate::domain::{
    Phase, Policy, Protocol, ReviewState, StateChange, Submission, SubmissionPath,
};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

/// The meta key holding the fingerprint of the policy the table was built under; absent
/// (or "stale") when the table must be rebuilt.
const FINGERPRINT: &str = "queue_policy";

/// How many submissions a rebuild reads at a time.
const CHUNK: usize = 2000;

/// The line's columns of a submission row.
const LINE_COLUMNS: &str = "id, app_name, isv, submitter_email, dev_org, state, path,
    protocol_list, update_of, assignee, version, in_state_since, valid_from, clock_phase,
    clock_running, clock_key, clock_risk, clock_warn, clock_paused_warn, clock_due,
    tests_required, tests_failed, tests_missing, tests_expire, scim_complete,
    superseded_by IS NOT NULL, supersedes";

/// Entries kept in `queue_log` (a reader further behind reads everything again).
const LOG_KEPT: i64 = 10_000;

/// Rebuilding progress: (lines written, submissions in all).
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

fn holder_key(state: ReviewState) -> &'static str {
    match state.holder() {
        Holder::Oin => "oin",
        Holder::Isv => "isv",
        Holder::Nobody => "nobody",
    }
}

fn secs(t: Option<Timestamp>) -> Option<i64> {
    t.map(|t| t.as_second())
}

fn instant(s: Option<i64>) -> Result<Option<Timestamp>> {
    s.map(|s| {
        Timestamp::from_second(s).map_err(|e| StoreError::Corrupt(format!("queue instant: {e}")))
    })
    .transpose()
}

fn corrupt(what: String) -> StoreError {
    StoreError::Corrupt(what)
}

/// A line as read.
fn line_from_row(r: &Row) -> Result<QueueLine> {
    let ctx = "reading the queue";
    // Text is borrowed from SQLite's row (no allocation per column).
    let get_o = |i: usize| -> Result<Option<&str>> {
        match r.get_ref(i).ctx(ctx)? {
            rusqlite::types::ValueRef::Null => Ok(None),
            v => v
                .as_str()
                .map(Some)
                .map_err(|e| corrupt(format!("queue column {i}: {e}"))),
        }
    };
    let get_s = |i: usize| -> Result<&str> { Ok(get_o(i)?.unwrap_or_default()) };
    let get_i = |i: usize| -> Result<Option<i64>> { r.get(i).ctx(ctx) };
    let id = get_s(0)?;
    let state: ReviewState = get_s(5)?
        .parse()
        .map_err(|e: crate::domain::state::UnknownState| corrupt(e.to_string()))?;
    let path = match get_s(6)? {
        "manager" => SubmissionPath::Manager,
        _ => SubmissionPath::Wizard,
    };
    let mut protocols: Vec<Protocol> = Vec::with_capacity(2);
    for p in get_s(7)?.split(',').filter(|p| !p.is_empty()) {
        protocols
            .push(Protocol::from_key(p).ok_or_else(|| corrupt(format!("{id}: protocol {p:?}")))?);
    }
    let clock = match get_o(13)? {
        None => None,
        Some(phase) => Some(ClockLine {
            phase: Phase::from_key(phase)
                .ok_or_else(|| corrupt(format!("{id}: phase {phase:?}")))?,
            running: get_i(14)?.unwrap_or(0) != 0,
            key: get_i(15)?.unwrap_or(0),
            risk_after: get_i(16)?.unwrap_or(i64::MAX),
            warn_after: get_i(17)?.unwrap_or(i64::MAX),
            paused_warn: get_i(18)?.unwrap_or(0) != 0,
            due: instant(get_i(19)?)?,
        }),
    };
    let scim = get_i(24)?;
    let tests = TestsLine {
        required: get_i(20)?.unwrap_or(0) != 0,
        failed: get_i(21)?.unwrap_or(0) != 0,
        missing: get_i(22)?.unwrap_or(0) != 0,
        expires_at: instant(get_i(23)?)?,
        scim_complete: scim.map(|s| s != 0),
    };
    let projection = Projection {
        clock,
        tests,
        in_state_since: instant(get_i(11)?)?,
        valid_from: instant(get_i(12)?)?,
        runs: ClockRuns::default(),
    };
    let line = QueueLine::new(
        LineFields {
            id,
            app_name: get_s(1)?,
            isv: get_s(2)?,
            submitter_email: get_o(3)?,
            dev_org: get_o(4)?,
            state,
            path,
            protocols: &protocols,
            update_of: get_o(8)?,
            assignee: get_o(9)?,
            version: get_i(10)?.unwrap_or(0),
            superseded: get_i(25)?.unwrap_or(0) != 0,
            supersedes: get_o(26)?,
        },
        &projection,
    );
    Ok(line)
}

/// Writes the projection of `sub` on its row.
fn write_line(tx: &Connection, sub: &Submission, p: &Projection) -> Result<()> {
    let protocols: Vec<&str> = sub.protocols.iter().map(|p| p.key()).collect();
    tx.prepare_cached(
        "UPDATE submissions SET protocol_list = ?2, tests_required = ?3, tests_failed = ?4,
            tests_missing = ?5, tests_expire = ?6, scim_complete = ?7, search = ?8
         WHERE id = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            sub.id,
            protocols.join(","),
            p.tests.required,
            p.tests.failed,
            p.tests.missing,
            secs(p.tests.expires_at),
            p.tests.scim_complete,
            sub.search_text(),
        ])
    })
    .ctx("writing the queue projection")?;
    write_clock(tx, &sub.id, sub.state, p)
}

/// The move of one submission row to `to`, with its carried line when there is one: one
/// statement. Returns how many rows changed (0 when the version moved meanwhile).
pub(super) fn move_row(
    tx: &Connection,
    id: &str,
    to: ReviewState,
    at: &str,
    version: i64,
    p: Option<&Projection>,
) -> Result<usize> {
    let Some(p) = p else {
        return tx
            .prepare_cached(
                "UPDATE submissions SET state = ?1, version = version + 1, updated_at = ?2
                 WHERE id = ?3 AND version = ?4",
            )
            .and_then(|mut s| s.execute(params![to.key(), at, id, version]))
            .ctx("moving a submission");
    };
    let c = p.clock.as_ref();
    let (group, key) = p.clock.map_or((2, 0), |c| c.urgency());
    tx.prepare_cached(
        "UPDATE submissions SET state = ?1, version = version + 1, updated_at = ?2,
            holder = ?5, in_state_since = ?6, valid_from = ?7, clock_phase = ?8,
            clock_running = ?9, clock_key = ?10, clock_risk = ?11, clock_warn = ?12,
            clock_paused_warn = ?13, clock_due = ?14, urgency = ?15, urgency_key = ?16,
            runs = ?17
         WHERE id = ?3 AND version = ?4",
    )
    .and_then(|mut s| {
        s.execute(params![
            to.key(),
            at,
            id,
            version,
            holder_key(to),
            secs(p.in_state_since),
            secs(p.valid_from),
            c.map(|c| c.phase.key()),
            c.map(|c| c.running),
            c.map(|c| c.key),
            c.map(|c| c.risk_after),
            c.map(|c| c.warn_after),
            c.map(|c| c.paused_warn),
            c.and_then(|c| secs(c.due)),
            group,
            key,
            p.runs.encode(),
        ])
    })
    .ctx("moving a submission")
}

/// Writes the clock columns of a line.
fn write_clock(tx: &Connection, id: &str, state: ReviewState, p: &Projection) -> Result<()> {
    let c = p.clock.as_ref();
    let (group, key) = p.clock.map_or((2, 0), |c| c.urgency());
    tx.prepare_cached(
        "UPDATE submissions SET holder = ?2, in_state_since = ?3, valid_from = ?4,
            clock_phase = ?5, clock_running = ?6, clock_key = ?7, clock_risk = ?8,
            clock_warn = ?9, clock_paused_warn = ?10, clock_due = ?11, urgency = ?12,
            urgency_key = ?13, runs = ?14
         WHERE id = ?1",
    )
    .and_then(|mut s| {
        s.execute(params![
            id,
            holder_key(state),
            secs(p.in_state_since),
            secs(p.valid_from),
            c.map(|c| c.phase.key()),
            c.map(|c| c.running),
            c.map(|c| c.key),
            c.map(|c| c.risk_after),
            c.map(|c| c.warn_after),
            c.map(|c| c.paused_warn),
            c.and_then(|c| secs(c.due)),
            group,
            key,
            p.runs.encode(),
        ])
    })
    .map(|_| ())
    .ctx("writing the queue projection")
}

/// Keeps the lines of one write transaction: projected under the policy the table was
/// built under, or, when this process has another policy (or none), taken out of the table
/// and the table marked for a rebuild by the next process that has the policy. The ids it
/// touched are logged when the transaction ends (`finish`).
pub(super) struct LineWriter<'p> {
    policy: Option<&'p Policy>,
    touched: std::cell::RefCell<Vec<String>>,
}

impl<'p> LineWriter<'p> {
    pub(super) fn begin(tx: &Transaction, policy: Option<&'p Policy>) -> Result<LineWriter<'p>> {
        let built_under: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [FINGERPRINT],
                |r| r.get(0),
            )
            .optional()
            .ctx("reading the queue projection's policy")?;
        let policy = policy.filter(|p| built_under.as_deref() == Some(fingerprint(p).as_str()));
        Ok(LineWriter {
            policy,
            touched: Default::default(),
        })
    }

    fn touch(&self, id: &str) {
        self.touched.borrow_mut().push(id.to_string());
    }

    /// Logs the ids this transaction touched under a new sequence number (and forgets the
    /// oldest entries). Call before the commit.
    pub(super) fn finish(self, tx: &Connection) -> Result<()> {
        let ids = self.touched.into_inner();
        if ids.is_empty() {
            return Ok(());
        }
        log_ids(tx, &ids)
    }

    /// Without the table's policy, a changed line is unprojected and the table marked stale.
    fn drop_line(&self, tx: &Connection, id: &str) -> Result<()> {
        self.touch(id);
        tx.prepare_cached("UPDATE submissions SET holder = NULL, runs = NULL WHERE id = ?1")
            .and_then(|mut s| s.execute([id]))
            .ctx("updating the queue projection")?;
        tx.execute(
            "INSERT INTO meta (key, value) VALUES (?1, 'stale')
             ON CONFLICT (key) DO UPDATE SET value = 'stale'",
            [FINGERPRINT],
        )
        .map(|_| ())
        .ctx("updating the queue projection")
    }

    /// Projects `sub` (as stored) afresh.
    pub(super) fn project(&self, tx: &Connection, sub: &Submission) -> Result<()> {
        match self.policy {
            Some(policy) => {
                self.touch(&sub.id);
                write_line(tx, sub, &Projection::of(sub, policy))
            }
            None => self.drop_line(tx, &sub.id),
        }
    }

    /// Projects the submissions with these ids afresh, reading them in chunks.
    pub(super) fn refresh(&self, tx: &Connection, ids: &[String]) -> Result<()> {
        for chunk in ids.chunks(CHUNK) {
            if chunk.len() == 1 {
                if let Some(sub) = load_one(tx, &chunk[0])? {
                    self.project(tx, &sub)?;
                }
                continue;
            }
            fill_wanted(tx, chunk)?;
            for sub in load(tx, Some(WANTED))? {
                self.project(tx, &sub)?;
            }
        }
        Ok(())
    }

    /// The line of a submission after `change`, carried on from its stored clock runs and
    /// `valid_from` without reading the history; None when only the history can say (then
    /// `moved` projects it afresh).
    pub(super) fn carry(
        &self,
        id: &str,
        runs: Option<&str>,
        valid_from: Option<i64>,
        change: &StateChange,
    ) -> Result<Option<Projection>> {
        let (Some(policy), Some(runs)) = (self.policy, runs) else {
            return Ok(None);
        };
        let runs =
            ClockRuns::decode(runs).ok_or_else(|| corrupt(format!("{id}: clock runs {runs:?}")))?;
        let p = Projection {
            clock: None,
            tests: TestsLine::default(),
            in_state_since: None,
            valid_from: instant(valid_from)?,
            runs,
        };
        Ok(p.after_move(change, &policy.sla))
    }

    /// After a move of `id` was written (with its carried line, when `carried`).
    pub(super) fn moved(&self, tx: &Connection, id: &str, carried: bool) -> Result<()> {
        match (carried, self.policy) {
            (true, _) => {
                self.touch(id);
                Ok(())
            }
            (false, Some(_)) => self.refresh(tx, &[id.to_string()]),
            (false, None) => self.drop_line(tx, id),
        }
    }

    /// A new assignee (the projection does not change; readers read the line again).
    pub(super) fn assigned(&self, id: &str) {
        self.touch(id);
    }

    /// Something shown in the detail changed (findings, emails): readers read it again.
    pub(super) fn touched(&self, id: &str) {
        self.touch(id);
    }
}

/// The log's latest sequence number (0 when empty).
fn log_seq(conn: &Connection) -> Result<i64> {
    conn.query_row("SELECT coalesce(max(seq), 0) FROM queue_log", [], |r| {
        r.get(0)
    })
    .ctx("reading the queue's log")
}

/// The ids changed after `after`, in id order; None when the log does not reach back that
/// far or a rebuild happened since (everything must be read again).
fn changed_ids(conn: &Connection, after: i64) -> Result<Option<Vec<String>>> {
    let oldest: Option<i64> = conn
        .query_row("SELECT min(seq) FROM queue_log", [], |r| r.get(0))
        .ctx("reading the queue's log")?;
    if oldest.is_some_and(|o| o > after + 1) {
        return Ok(None);
    }
    let mut stmt = conn
        .prepare_cached("SELECT ids FROM queue_log WHERE seq > ?1 ORDER BY seq")
        .ctx("reading the queue's log")?;
    let mut rows = stmt.query([after]).ctx("reading the queue's log")?;
    let mut ids = std::collections::BTreeSet::new();
    while let Some(r) = rows.next().ctx("reading the queue's log")? {
        let text: String = r.get(0).ctx("reading the queue's log")?;
        for id in text.split('\n') {
            if id == "*" {
                return Ok(None);
            }
            ids.insert(id.to_string());
        }
    }
    Ok(Some(ids.into_iter().collect()))
}

/// Appends `ids` to the log under the next sequence number and forgets the oldest entries.
pub(super) fn log_ids(conn: &Connection, ids: &[String]) -> Result<()> {
    conn.prepare_cached("INSERT INTO queue_log (ids) VALUES (?1)")
        .and_then(|mut s| s.execute([ids.join("\n")]))
        .ctx("logging the queue's changes")?;
    conn.prepare_cached("DELETE FROM queue_log WHERE seq <= (SELECT max(seq) FROM queue_log) - ?1")
        .and_then(|mut s| s.execute([LOG_KEPT]))
        .map(|_| ())
        .ctx("logging the queue's changes")
}

/// Marks the line of the submission an email belongs to as changed (outside a write
/// transaction of the store: the delivery's own statements).
pub(super) fn touch_for_email(conn: &Connection, email: i64) -> Result<()> {
    let id: Option<String> = conn
        .prepare_cached("SELECT submission_id FROM outbox WHERE id = ?1")
        .and_then(|mut s| s.query_row([email], |r| r.get(0)).optional())
        .ctx("logging the queue's changes")?;
    match id {
        Some(id) => log_ids(conn, &[id]),
        None => Ok(()),
    }
}

fn fill_wanted(conn: &Connection, ids: &[String]) -> Result<()> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS wanted (id TEXT PRIMARY KEY) WITHOUT ROWID;
         DELETE FROM temp.wanted;",
    )
    .ctx("choosing submissions")?;
    let mut ins = conn
        .prepare_cached("INSERT OR IGNORE INTO temp.wanted (id) VALUES (?1)")
        .ctx("choosing submissions")?;
    for id in ids {
        ins.execute([id]).ctx("choosing submissions")?;
    }
    Ok(())
}

/// Whether the table was built under `policy` (and nothing has marked it stale since).
pub(super) fn is_current(conn: &Connection, policy: &Policy) -> Result<bool> {
    let built_under: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [FINGERPRINT],
            |r| r.get(0),
        )
        .optional()
        .ctx("reading the queue projection's policy")?;
    Ok(built_under.as_deref() == Some(fingerprint(policy).as_str()))
}

/// Projects every submission afresh under `policy`, inside `tx`.
pub(super) fn rebuild(tx: &Transaction, policy: &Policy, progress: Progress) -> Result<()> {
    let ids: Vec<String> = {
        let mut stmt = tx
            .prepare("SELECT id FROM submissions ORDER BY id")
            .ctx("rebuilding the queue projection")?;
        let rows = stmt
            .query_map([], |r| r.get(0))
            .ctx("rebuilding the queue projection")?;
        rows.collect::<rusqlite::Result<_>>()
            .ctx("rebuilding the queue projection")?
    };
    let total = ids.len();
    let mut done = 0;
    progress(0, total);
    for chunk in ids.chunks(CHUNK) {
        fill_wanted(tx, chunk)?;
        for sub in load(tx, Some(WANTED))? {
            write_line(tx, &sub, &Projection::of(&sub, policy))?;
        }
        done += chunk.len();
        progress(done, total);
    }
    // Every reader reads everything again.
    log_ids(tx, &["*".to_string()])?;
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![FINGERPRINT, fingerprint(policy)],
    )
    .map(|_| ())
    .ctx("rebuilding the queue projection")
}

/// Which lines to read.
#[derive(Debug, Clone, Default)]
pub struct LineFilter {
    /// Only these states (empty: all).
    pub states: Vec<ReviewState>,
    /// Only lines changed after this sequence number.
    pub after_seq: Option<i64>,
    /// Only the ids in this range (`Store::split_ids` cuts the queue into ranges that
    /// readers on their own connections read together once each).
    pub ids: IdRange,
}

/// The ids after `after` up to and including `through` (either end open when None).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IdRange {
    pub after: Option<String>,
    pub through: Option<String>,
}

impl IdRange {
    fn holds(&self, id: &str) -> bool {
        self.after.as_deref().is_none_or(|a| id > a)
            && self.through.as_deref().is_none_or(|t| id <= t)
    }
}

/// Scores a search text (None: no match). See `Store::each_scored_line`.
pub type Scorer = Box<dyn FnMut(&str) -> Option<u32> + Send>;

/// The SQL function a scored read filters with.
const SCORE_FUNCTION: &str = "queue_line_score";

/// A `Scorer` as an SQL function of a line's search text, true when it scores. The
/// scores of the lines it passed wait here, in the order SQLite scored them, for the rows
/// it returns (which it returns in that order, less any another condition turned down).
struct ScoreInSql {
    scored: std::sync::Arc<std::sync::Mutex<Scored>>,
}

/// (id, score) of the lines scored and not yet returned, oldest first.
type Scored = std::collections::VecDeque<(Box<str>, u32)>;

impl ScoreInSql {
    fn register(conn: &Connection, score: Scorer) -> Result<ScoreInSql> {
        use rusqlite::functions::FunctionFlags;
        let scored = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::new()));
        let found = scored.clone();
        let score = std::cell::RefCell::new(score);
        conn.create_scalar_function(SCORE_FUNCTION, 1, FunctionFlags::SQLITE_UTF8, move |ctx| {
            let text = match ctx.get_raw(0) {
                rusqlite::types::ValueRef::Null => return Ok(false),
                v => v
                    .as_str()
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e)))?,
            };
            let Some(s) = score.borrow_mut()(text) else {
                return Ok(false);
            };
            // The text begins with the id (`push_search_text`).
            let id = text.split(' ').next().unwrap_or_default();
            if let Ok(mut q) = found.lock() {
                q.push_back((id.into(), s));
            }
            Ok(true)
        })
        .ctx("preparing the search")?;
        Ok(ScoreInSql { scored })
    }

    /// The score of the row with this id, just returned.
    fn take(&self, id: &str) -> Result<u32> {
        let mut q = self
            .scored
            .lock()
            .map_err(|_| corrupt("search scores: a scorer panicked".into()))?;
        while let Some((scored, s)) = q.pop_front() {
            if &*scored == id {
                return Ok(s);
            }
        }
        Err(corrupt(format!("search scores: {id} returned unscored")))
    }

    fn unregister(self, conn: &Connection) -> Result<()> {
        conn.remove_function(SCORE_FUNCTION, 1)
            .ctx("finishing the search")
    }
}

/// Lines read: the lines and the highest sequence number among them (what a reader has
/// seen).
#[derive(Debug, Default)]
pub struct Lines {
    pub lines: Vec<QueueLine>,
    pub seq: i64,
}

impl Store {
    /// The policy the queue's lines are projected under, when one was given at open.
    fn line_policy(&self) -> Result<&Policy> {
        self.policy.as_deref().ok_or_else(|| {
            StoreError::Corrupt("the queue was opened without a policy to project it".into())
        })
    }

    /// The first `limit` lines in SLA order, of the items `holder` holds (all when None),
    /// read through the urgency index: what the console's first frame shows. At `at`,
    /// a line that does not hold then (an event after it) is recomputed from its history.
    pub fn top_lines(
        &self,
        holder: Option<Holder>,
        limit: usize,
        at: Timestamp,
    ) -> Result<Vec<QueueLine>> {
        let policy = self.line_policy()?;
        if self.lines_in_memory {
            let mut all = self.lines(&LineFilter::default(), at)?.lines;
            all.retain(|l| holder.is_none_or(|h| l.state.holder() == h));
            all.sort_by(|a, b| a.urgency().cmp(&b.urgency()).then(a.id().cmp(b.id())));
            all.truncate(limit);
            return Ok(all);
        }
        let filter = match holder {
            Some(h) => format!(
                "WHERE holder = '{}'",
                holder_key(match h {
                    Holder::Oin => ReviewState::InitialReview,
                    Holder::Isv => ReviewState::IsvReview,
                    Holder::Nobody => ReviewState::Published,
                })
            ),
            None => "WHERE holder IS NOT NULL".to_string(),
        };
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("starting to read the queue")?;
        let mut out = Vec::with_capacity(limit);
        {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT {LINE_COLUMNS} FROM submissions {filter}
                     ORDER BY urgency, urgency_key, id LIMIT ?1"
                ))
                .ctx("reading the queue")?;
            let mut rows = stmt.query([limit as i64]).ctx("reading the queue")?;
            while let Some(r) = rows.next().ctx("reading the queue")? {
                out.push(line_from_row(r)?);
            }
        }
        tx.commit().ctx("finishing reading the queue")?;
        self.recompute_if_needed(&mut out, policy, at)?;
        Ok(out)
    }

    /// Lines passed to `each` as they are read (`each` returns false to stop): all in id
    /// order, or those changed after `filter.after_seq` (all again when the log no longer
    /// reaches back that far). At `at`, lines that do not hold then are recomputed from
    /// their history and passed last. Returns the sequence number seen.
    pub fn each_line(
        &self,
        filter: &LineFilter,
        at: Timestamp,
        each: &mut dyn FnMut(QueueLine) -> bool,
    ) -> Result<i64> {
        self.read_lines(filter, at, None, &mut |line, _| each(line))
    }

    /// As `each_line`, but only the lines `score` scores, with their score: it sees each
    /// line's search text (`id app isv submitter org`, as `QueueLine::search_text`) inside
    /// SQLite's scan, so a line it does not score is never read past that column.
    pub fn each_scored_line(
        &self,
        filter: &LineFilter,
        at: Timestamp,
        score: Scorer,
        each: &mut dyn FnMut(QueueLine, u32) -> bool,
    ) -> Result<i64> {
        self.read_lines(filter, at, Some(score), each)
    }

    fn read_lines(
        &self,
        filter: &LineFilter,
        at: Timestamp,
        score: Option<Scorer>,
        each: &mut dyn FnMut(QueueLine, u32) -> bool,
    ) -> Result<i64> {
        let policy = self.line_policy()?;
        let wanted = |id: &str, state: ReviewState| {
            filter.ids.holds(id) && (filter.states.is_empty() || filter.states.contains(&state))
        };
        if self.lines_in_memory {
            // A read-only queue built under another policy: project here, from the history.
            let mut score = score;
            let seq = log_seq(&self.conn)?;
            for sub in self.load_submissions()? {
                if !wanted(&sub.id, sub.state) {
                    continue;
                }
                let s = match &mut score {
                    Some(f) => f(&sub.search_text()),
                    None => Some(0),
                };
                if let Some(s) = s
                    && let Some(line) = line_as_of(&sub, policy, at)
                    && !each(line, s)
                {
                    break;
                }
            }
            return Ok(seq);
        }
        let scores = match score {
            Some(f) => Some(ScoreInSql::register(&self.conn, f)?),
            None => None,
        };
        let read = self.read_projected(filter, at, scores.as_ref(), &wanted, each);
        if let Some(s) = scores {
            s.unregister(&self.conn)?;
        }
        read
    }

    /// `read_lines` on the projection's table, with `scores` registered when there are.
    fn read_projected(
        &self,
        filter: &LineFilter,
        at: Timestamp,
        scores: Option<&ScoreInSql>,
        wanted: &dyn Fn(&str, ReviewState) -> bool,
        each: &mut dyn FnMut(QueueLine, u32) -> bool,
    ) -> Result<i64> {
        let policy = self.line_policy()?;
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("starting to read the queue")?;
        let seq = log_seq(&tx)?;
        let changed = match filter.after_seq {
            Some(after) => changed_ids(&tx, after)?,
            None => None,
        };
        let scored = match scores {
            Some(_) => format!(" AND {SCORE_FUNCTION}(search)"),
            None => String::new(),
        };
        let mut later: Vec<(String, u32)> = Vec::new();
        let mut pass = |r: &Row, later: &mut Vec<(String, u32)>| -> Result<bool> {
            let line = line_from_row(r)?;
            let s = match scores {
                Some(scores) => scores.take(line.id())?,
                None => 0,
            };
            if !wanted(line.id(), line.state) {
                return Ok(true);
            }
            if !line.holds_at(at) {
                later.push((line.id().to_string(), s));
                return Ok(true);
            }
            Ok(each(line, s))
        };
        match changed {
            Some(ids) => {
                // Kept like any statement: SQLite prepares one that calls the search's
                // function again after the function is registered anew.
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT {LINE_COLUMNS} FROM submissions
                         WHERE id = ?1 AND holder IS NOT NULL{scored}"
                    ))
                    .ctx("reading the queue")?;
                for id in ids.iter().filter(|id| filter.ids.holds(id)) {
                    let mut rows = stmt.query([id]).ctx("reading the queue")?;
                    if let Some(r) = rows.next().ctx("reading the queue")?
                        && !pass(r, &mut later)?
                    {
                        return Ok(seq);
                    }
                }
            }
            None => {
                // Through the covering index, in id order: the index holds every column of
                // a line, a fifth of the table's pages.
                let mut clauses = scored;
                if !filter.states.is_empty() {
                    let states: Vec<String> = filter
                        .states
                        .iter()
                        .map(|s| format!("'{}'", s.key()))
                        .collect();
                    clauses.push_str(&format!(" AND state IN ({})", states.join(",")));
                }
                let mut bounds: Vec<&str> = Vec::with_capacity(2);
                if let Some(after) = &filter.ids.after {
                    bounds.push(after);
                    clauses.push_str(&format!(" AND id > ?{}", bounds.len()));
                }
                if let Some(through) = &filter.ids.through {
                    bounds.push(through);
                    clauses.push_str(&format!(" AND id <= ?{}", bounds.len()));
                }
                let mut stmt = tx
                    .prepare_cached(&format!(
                        "SELECT {LINE_COLUMNS} FROM submissions INDEXED BY queue_lines
                         WHERE holder IS NOT NULL{clauses} ORDER BY id"
                    ))
                    .ctx("reading the queue")?;
                let mut rows = stmt
                    .query(rusqlite::params_from_iter(bounds))
                    .ctx("reading the queue")?;
                while let Some(r) = rows.next().ctx("reading the queue")? {
                    if !pass(r, &mut later)? {
                        return Ok(seq);
                    }
                }
            }
        }
        tx.commit().ctx("finishing reading the queue")?;
        if later.is_empty() {
            return Ok(seq);
        }
        let ids: Vec<String> = later.iter().map(|(id, _)| id.clone()).collect();
        let mut subs = self.submissions_by_ids(&ids)?;
        subs.sort_by(|a, b| a.id.cmp(&b.id));
        for (id, s) in &later {
            let Ok(k) = subs.binary_search_by(|sub| sub.id.as_str().cmp(id)) else {
                continue;
            };
            if let Some(line) = line_as_of(&subs[k], policy, at)
                && !each(line, *s)
            {
                break;
            }
        }
        Ok(seq)
    }

    /// Cuts the queue's ids into `n` ranges of about as many submissions each, in order: `n`
    /// readers given one each read every line once between them (each on its own
    /// connection; a submission added meanwhile falls in exactly one range). The cuts are
    /// the quantiles of the ids of `SAMPLES` rows spread evenly over the table (a few seeks,
    /// where counting and skipping to the middle would walk half an index).
    pub fn split_ids(&self, n: usize) -> Result<Vec<IdRange>> {
        const SAMPLES: i64 = 64;
        let ctx = "dividing the queue among readers";
        let max: i64 = self
            .conn
            .query_row("SELECT coalesce(max(rowid), 0) FROM submissions", [], |r| {
                r.get(0)
            })
            .ctx(ctx)?;
        let rowids: Vec<String> = (0..SAMPLES)
            .map(|i| (max * (2 * i + 1) / (2 * SAMPLES)).max(1).to_string())
            .collect();
        let mut sample: Vec<String> = self
            .conn
            .prepare(&format!(
                "SELECT id FROM submissions WHERE rowid IN ({})",
                rowids.join(",")
            ))
            .and_then(|mut s| {
                s.query_map([], |r| r.get::<_, String>(0))?
                    .collect::<rusqlite::Result<_>>()
            })
            .ctx(ctx)?;
        sample.sort();
        sample.dedup();
        let mut cuts: Vec<String> = Vec::with_capacity(n);
        for k in 1..n.max(1) {
            if let Some(id) = sample.get(sample.len() * k / n)
                && cuts.last() != Some(id)
            {
                cuts.push(id.clone());
            }
        }
        let mut ranges = Vec::with_capacity(cuts.len() + 1);
        let mut after = None;
        for cut in cuts {
            ranges.push(IdRange {
                after: after.replace(cut.clone()),
                through: Some(cut),
            });
        }
        ranges.push(IdRange {
            after,
            through: None,
        });
        Ok(ranges)
    }

    /// The lines `filter` selects, collected.
    pub fn lines(&self, filter: &LineFilter, at: Timestamp) -> Result<Lines> {
        let mut lines = Vec::with_capacity(match filter.after_seq {
            Some(_) => 0,
            None => self.count_lines()?,
        });
        let seq = self.each_line(filter, at, &mut |l| {
            lines.push(l);
            true
        })?;
        Ok(Lines { lines, seq })
    }

    /// Replaces the lines that do not hold at `at` by their recomputation.
    fn recompute_if_needed(
        &self,
        lines: &mut Vec<QueueLine>,
        policy: &Policy,
        at: Timestamp,
    ) -> Result<()> {
        let stale: Vec<String> = lines
            .iter()
            .filter(|l| !l.holds_at(at))
            .map(|l| l.id().to_string())
            .collect();
        if stale.is_empty() {
            return Ok(());
        }
        let mut gone = std::collections::HashSet::new();
        for sub in self.submissions_by_ids(&stale)? {
            if let Some(l) = lines.iter_mut().find(|l| l.id() == sub.id) {
                match line_as_of(&sub, policy, at) {
                    Some(then) => *l = then,
                    None => {
                        gone.insert(sub.id);
                    }
                }
            }
        }
        // Made after the instant: not in the queue as it was.
        lines.retain(|l| !gone.contains(l.id()));
        Ok(())
    }

    /// The queue log's latest sequence number: what a reader has seen after reading all.
    pub fn queue_seq(&self) -> Result<i64> {
        log_seq(&self.conn)
    }

    /// Whether the lines still follow this process's policy (another process with another
    /// policy, or none, may have marked them stale): if not, read them all again.
    pub fn lines_current(&self) -> Result<bool> {
        match &self.policy {
            Some(p) if !self.lines_in_memory => is_current(&self.conn, p),
            _ => Ok(true),
        }
    }

    /// How many submissions the queue holds, from the projection's table.
    pub fn count_lines(&self) -> Result<usize> {
        if self.lines_in_memory {
            return Ok(self.count_submissions()? as usize);
        }
        self.conn
            .query_row("SELECT count(*) FROM submissions", [], |r| {
                r.get::<_, i64>(0)
            })
            .map(|n| n as usize)
            .ctx("counting the queue")
    }
}

/// The line of `sub` as it stood at `at` (`Submission::as_of`): its state, assignee,
/// clocks and evidence of then, with its time in state counted from its last move then.
pub fn line_as_of(sub: &Submission, policy: &Policy, at: Timestamp) -> Option<QueueLine> {
    let then = sub.as_of(at)?;
    let last = crate::domain::effective_history(&then.history)
        .last()
        .map(|e| e.at);
    let mut p = Projection::of(&then, policy);
    p.in_state_since = last;
    Some(QueueLine::new(LineFields::of(&then), &p))
}
