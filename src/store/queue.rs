//! The queue projection's table: one slim line per submission (see
//! [`crate::domain::projection`]), kept in the transaction of every write, read top first by
//! the console and streamed by `list`. The submissions and their audit log stay the source
//! of truth: the table is rebuilt from them when the policy it was built under changes.
//!
//! Each write transaction stamps the lines it touches with a sequence number one above the
//! table's highest, so a reader that saw sequence N reads only the lines above N again.

use super::submissions::{WANTED, load, load_one};
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

const LINE_COLUMNS: &str = "id, app_name, isv, submitter_email, dev_org, state, path,
    protocols, update_of, assignee, version, in_state_since, valid_from, clock_phase,
    clock_running, clock_key, clock_risk, clock_warn, clock_paused_warn, clock_due,
    tests_required, tests_failed, tests_missing, tests_expire, scim_complete, seq";

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

/// A line as read: the line and its sequence number.
fn line_from_row(r: &Row) -> Result<(QueueLine, i64)> {
    let ctx = "reading the queue";
    let get_s = |i: usize| -> Result<String> { r.get(i).ctx(ctx) };
    let get_o = |i: usize| -> Result<Option<String>> { r.get(i).ctx(ctx) };
    let get_i = |i: usize| -> Result<Option<i64>> { r.get(i).ctx(ctx) };
    let id = get_s(0)?;
    let state: ReviewState = get_s(5)?
        .parse()
        .map_err(|e: crate::domain::state::UnknownState| corrupt(e.to_string()))?;
    let path = match get_s(6)?.as_str() {
        "manager" => SubmissionPath::Manager,
        _ => SubmissionPath::Wizard,
    };
    let protocols: Vec<Protocol> = get_s(7)?
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| Protocol::from_key(p).ok_or_else(|| corrupt(format!("{id}: protocol {p:?}"))))
        .collect::<Result<_>>()?;
    let clock = match get_o(13)? {
        None => None,
        Some(phase) => Some(ClockLine {
            phase: Phase::from_key(&phase)
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
    let app: String = get_s(1)?;
    let isv: String = get_s(2)?;
    let email = get_o(3)?;
    let org = get_o(4)?;
    let update_of = get_o(8)?;
    let assignee = get_o(9)?;
    let line = QueueLine::new(
        LineFields {
            id: &id,
            app_name: &app,
            isv: &isv,
            submitter_email: email.as_deref(),
            dev_org: org.as_deref(),
            state,
            path,
            protocols: &protocols,
            update_of: update_of.as_deref(),
            assignee: assignee.as_deref(),
            version: get_i(10)?.unwrap_or(0),
        },
        &projection,
    );
    Ok((line, get_i(25)?.unwrap_or(0)))
}

/// Writes (or replaces) the line of `sub`.
fn write_line(tx: &Connection, sub: &Submission, p: &Projection, seq: i64) -> Result<()> {
    let protocols: Vec<&str> = sub.protocols.iter().map(|p| p.key()).collect();
    let c = p.clock.as_ref();
    let (group, key) = p.clock.map_or((2, 0), |c| c.urgency());
    let runs = serde_json::to_string(&p.runs).map_err(|e| corrupt(format!("clock runs: {e}")))?;
    tx.prepare_cached(
        "INSERT OR REPLACE INTO queue (id, app_name, isv, submitter_email, dev_org, state,
            holder, path, protocols, update_of, assignee, version, in_state_since, valid_from,
            clock_phase, clock_running, clock_key, clock_risk, clock_warn, clock_paused_warn,
            clock_due, tests_required, tests_failed, tests_missing, tests_expire,
            scim_complete, urgency, urgency_key, runs, seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
    )
    .and_then(|mut s| {
        s.execute(params![
            sub.id,
            sub.app_name,
            sub.isv,
            sub.submitter_email,
            sub.dev_org,
            sub.state.key(),
            holder_key(sub.state),
            sub.path.key(),
            protocols.join(","),
            sub.update_of,
            sub.assignee,
            sub.version,
            secs(p.in_state_since),
            secs(p.valid_from),
            c.map(|c| c.phase.key()),
            c.map(|c| c.running),
            c.map(|c| c.key),
            c.map(|c| c.risk_after),
            c.map(|c| c.warn_after),
            c.map(|c| c.paused_warn),
            c.and_then(|c| secs(c.due)),
            p.tests.required,
            p.tests.failed,
            p.tests.missing,
            secs(p.tests.expires_at),
            p.tests.scim_complete,
            group,
            key,
            runs,
            seq,
        ])
    })
    .map(|_| ())
    .ctx("writing the queue projection")
}

/// What the projection of one line needs from the table to carry on at a move.
fn read_projection(tx: &Connection, id: &str) -> Result<Option<Projection>> {
    let row = tx
        .prepare_cached(&format!(
            "SELECT {LINE_COLUMNS}, runs FROM queue WHERE id = ?1"
        ))
        .and_then(|mut s| {
            s.query_row([id], |r| {
                let runs: String = r.get(26)?;
                Ok((line_from_row(r), runs))
            })
            .optional()
        })
        .ctx("reading the queue projection")?;
    let Some((line, runs)) = row else {
        return Ok(None);
    };
    let (line, _) = line?;
    let runs: ClockRuns =
        serde_json::from_str(&runs).map_err(|e| corrupt(format!("{id}: clock runs: {e}")))?;
    Ok(Some(Projection {
        clock: line.clock,
        tests: line.tests,
        in_state_since: line.in_state_since,
        valid_from: line.valid_from,
        runs,
    }))
}

/// Keeps the lines of one write transaction: projected under the policy the table was
/// built under, or, when this process has another policy (or none), taken out of the table
/// and the table marked for a rebuild by the next process that has the policy.
pub(super) struct LineWriter<'p> {
    policy: Option<&'p Policy>,
    seq: i64,
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
        let seq: i64 = tx
            .query_row("SELECT coalesce(max(seq), 0) + 1 FROM queue", [], |r| {
                r.get(0)
            })
            .ctx("reading the queue projection")?;
        Ok(LineWriter { policy, seq })
    }

    /// Without the table's policy, a changed line is dropped and the table marked stale.
    fn drop_line(&self, tx: &Connection, id: &str) -> Result<()> {
        tx.prepare_cached("DELETE FROM queue WHERE id = ?1")
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
            Some(policy) => write_line(tx, sub, &Projection::of(sub, policy), self.seq),
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

    /// A move of `id` (now at `version`), carried on from its line without reading the
    /// history, unless only the history can say.
    pub(super) fn moved(
        &self,
        tx: &Connection,
        id: &str,
        change: &StateChange,
        version: i64,
    ) -> Result<()> {
        let Some(policy) = self.policy else {
            return self.drop_line(tx, id);
        };
        let next = read_projection(tx, id)?.and_then(|p| p.after_move(change, &policy.sla));
        let Some(p) = next else {
            return self.refresh(tx, &[id.to_string()]);
        };
        let c = p.clock.as_ref();
        let (group, key) = p.clock.map_or((2, 0), |c| c.urgency());
        let runs =
            serde_json::to_string(&p.runs).map_err(|e| corrupt(format!("clock runs: {e}")))?;
        tx.prepare_cached(
            "UPDATE queue SET state = ?2, holder = ?3, version = ?4, in_state_since = ?5,
                valid_from = ?6, clock_phase = ?7, clock_running = ?8, clock_key = ?9,
                clock_risk = ?10, clock_warn = ?11, clock_paused_warn = ?12, clock_due = ?13,
                urgency = ?14, urgency_key = ?15, runs = ?16, seq = ?17
             WHERE id = ?1",
        )
        .and_then(|mut s| {
            s.execute(params![
                id,
                change.to.key(),
                holder_key(change.to),
                version,
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
                runs,
                self.seq,
            ])
        })
        .map(|_| ())
        .ctx("updating the queue projection")
    }

    /// A new assignee (the projection does not change).
    pub(super) fn assigned(
        &self,
        tx: &Connection,
        id: &str,
        assignee: Option<&str>,
        version: i64,
    ) -> Result<()> {
        tx.prepare_cached("UPDATE queue SET assignee = ?2, version = ?3, seq = ?4 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![id, assignee, version, self.seq]))
            .map(|_| ())
            .ctx("updating the queue projection")
    }

    /// Something shown in the detail changed (findings, emails): readers read it again.
    pub(super) fn touched(&self, tx: &Connection, id: &str) -> Result<()> {
        touch(tx, id, self.seq)
    }
}

fn touch(conn: &Connection, id: &str, seq: i64) -> Result<()> {
    conn.prepare_cached("UPDATE queue SET seq = ?2 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id, seq]))
        .map(|_| ())
        .ctx("updating the queue projection")
}

/// Marks the line of the submission an email belongs to as changed (outside a write
/// transaction of the store: the delivery's own statements).
pub(super) fn touch_for_email(conn: &Connection, email: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE queue SET seq = (SELECT coalesce(max(seq), 0) + 1 FROM queue)
         WHERE id = (SELECT submission_id FROM outbox WHERE id = ?1)",
    )
    .and_then(|mut s| s.execute([email]))
    .map(|_| ())
    .ctx("updating the queue projection")
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
    tx.execute("DELETE FROM queue", [])
        .ctx("rebuilding the queue projection")?;
    let total = ids.len();
    let mut done = 0;
    progress(0, total);
    for chunk in ids.chunks(CHUNK) {
        fill_wanted(tx, chunk)?;
        for sub in load(tx, Some(WANTED))? {
            write_line(tx, &sub, &Projection::of(&sub, policy), 1)?;
        }
        done += chunk.len();
        progress(done, total);
    }
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
            None => String::new(),
        };
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {LINE_COLUMNS} FROM queue {filter}
                 ORDER BY urgency, urgency_key, id LIMIT ?1"
            ))
            .ctx("reading the queue")?;
        let mut rows = stmt.query([limit as i64]).ctx("reading the queue")?;
        let mut out = Vec::with_capacity(limit);
        while let Some(r) = rows.next().ctx("reading the queue")? {
            out.push(line_from_row(r)?.0);
        }
        drop(rows);
        self.recompute_if_needed(&mut out, policy, at)?;
        Ok(out)
    }

    /// Lines, in table order, passed to `each` as they are read (`each` returns false to
    /// stop). At `at`, lines that do not hold then are recomputed from their history and
    /// passed last. Returns the highest sequence number seen.
    pub fn each_line(
        &self,
        filter: &LineFilter,
        at: Timestamp,
        each: &mut dyn FnMut(QueueLine) -> bool,
    ) -> Result<i64> {
        let policy = self.line_policy()?;
        if self.lines_in_memory {
            // A read-only queue built under another policy: project here, from the history.
            let mut seq = 0;
            for sub in self.load_submissions()? {
                if !filter.states.is_empty() && !filter.states.contains(&sub.state) {
                    continue;
                }
                seq = 1;
                if !each(line_as_of(&sub, policy, at)) {
                    break;
                }
            }
            return Ok(seq);
        }
        let mut clauses = Vec::new();
        if !filter.states.is_empty() {
            let list: Vec<String> = filter
                .states
                .iter()
                .map(|s| format!("'{}'", s.key()))
                .collect();
            clauses.push(format!("state IN ({})", list.join(",")));
        }
        if filter.after_seq.is_some() {
            clauses.push("seq > ?1".into());
        } else {
            clauses.push("?1 IS NULL".into());
        }
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("starting to read the queue")?;
        let mut seq = filter.after_seq.unwrap_or(0);
        let mut later = Vec::new();
        {
            let mut stmt = tx
                .prepare_cached(&format!(
                    "SELECT {LINE_COLUMNS} FROM queue WHERE {}",
                    clauses.join(" AND ")
                ))
                .ctx("reading the queue")?;
            let mut rows = stmt.query([filter.after_seq]).ctx("reading the queue")?;
            while let Some(r) = rows.next().ctx("reading the queue")? {
                let (line, s) = line_from_row(r)?;
                seq = seq.max(s);
                if !line.holds_at(at) {
                    later.push(line.id().to_string());
                    continue;
                }
                if !each(line) {
                    return Ok(seq);
                }
            }
        }
        for sub in self.submissions_by_ids(&later)? {
            if !each(line_as_of(&sub, policy, at)) {
                break;
            }
        }
        tx.commit().ctx("finishing reading the queue")?;
        Ok(seq)
    }

    /// The lines `filter` selects, collected.
    pub fn lines(&self, filter: &LineFilter, at: Timestamp) -> Result<Lines> {
        let mut lines = Vec::new();
        let seq = self.each_line(filter, at, &mut |l| {
            lines.push(l);
            true
        })?;
        Ok(Lines { lines, seq })
    }

    /// Replaces the lines that do not hold at `at` by their recomputation.
    fn recompute_if_needed(
        &self,
        lines: &mut [QueueLine],
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
        for sub in self.submissions_by_ids(&stale)? {
            if let Some(l) = lines.iter_mut().find(|l| l.id() == sub.id) {
                *l = line_as_of(&sub, policy, at);
            }
        }
        Ok(())
    }

    /// The highest sequence number of the table: what a reader has seen after reading all.
    pub fn queue_seq(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT coalesce(max(seq), 0) FROM queue", [], |r| r.get(0))
            .ctx("reading the queue")
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
            .query_row("SELECT count(*) FROM queue", [], |r| r.get::<_, i64>(0))
            .map(|n| n as usize)
            .ctx("counting the queue")
    }
}

/// The line of `sub` as it stood at `at`: its projection from the history and evidence up
/// to then (what `assess` at `at` counts), with today's fields and time in state.
pub fn line_as_of(sub: &Submission, policy: &Policy, at: Timestamp) -> QueueLine {
    let mut then = sub.clone();
    then.history.retain(|c| c.at <= at);
    then.test_results.retain(|r| r.run_at <= at);
    let mut p = Projection::of(&then, policy);
    p.in_state_since = crate::domain::effective_history(&sub.history)
        .last()
        .map(|e| e.at);
    QueueLine::new(LineFields::of(sub), &p)
}
