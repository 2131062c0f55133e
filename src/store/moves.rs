//! Batch state moves: one transaction, version-checked, each move written to the audit log.

use super::queue::{LineWriter, move_row};
use super::rows::{attention_in, cancel_in, clear_attention, insert_event, last_change};
use super::{Context, Result, Store, StoreError, fmt_ts, parse_ts};
use crate::domain::{Blocker, EventKind, MoveRefusal, Phase, ReviewState, StateChange, check_move};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, params};

pub use crate::domain::{MoveAsk, MoveItem};

/// A planned batch move, as the store makes it: the ask (its items pinned at the versions
/// the plan read), who and when, and the gate blockers the plan overrides per item. The
/// gates are the workflow's; the store checks versions and the transition table only.
#[derive(Clone)]
pub struct MoveRequest<'a> {
    pub ask: MoveAsk,
    pub analyst: &'a str,
    pub at: Timestamp,
    /// Items whose gate the plan overrides (`ask.force` with a reason), with the blockers'
    /// keys: the event records them.
    pub overrides: Vec<(String, Vec<String>)>,
}

impl<'a> MoveRequest<'a> {
    pub fn new(ask: MoveAsk, analyst: &'a str, at: Timestamp) -> MoveRequest<'a> {
        MoveRequest {
            ask,
            analyst,
            at,
            overrides: Vec::new(),
        }
    }
}

/// A submission as a plan reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveRow {
    pub state: ReviewState,
    pub version: i64,
    pub assignee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    pub from: ReviewState,
    pub to: ReviewState,
    pub forced: bool,
    /// The row version after the move.
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoveRefused {
    #[error("no submission with this id")]
    UnknownId,
    #[error("{0}")]
    Rule(MoveRefusal),
    #[error("changed by {by} at {at} since you looked (now {state})")]
    Conflict {
        by: String,
        at: Timestamp,
        state: ReviewState,
    },
    #[error("not moved: the batch was all-or-nothing and {0} item(s) were refused")]
    NotApplied(usize),
    #[error(
        "stopped by {} open blocker(s): {}; fix them, or leave a lint finding out with a reason; overriding is a correction: `oin-review move --force --reason TEXT`",
        .0.len(),
        .0.iter().map(|b| b.key.as_str()).collect::<Vec<_>>().join(", ")
    )]
    Blocked(Vec<Blocker>),
    /// The move was to go with an email, and this item's cannot be written.
    #[error("no email, not moved: {0}")]
    NoEmail(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveOutcome {
    pub id: String,
    pub result: std::result::Result<Moved, MoveRefused>,
}

impl Store {
    /// Where each submission is now, for a plan: its state, row version and assignee (None
    /// for an id the queue does not hold), in the order asked.
    pub fn move_rows(&self, ids: &[&str]) -> Result<Vec<Option<MoveRow>>> {
        let c = "reading the submissions to plan for";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT state, version, assignee FROM submissions WHERE id = ?1")
            .ctx(c)?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            let row: Option<(String, i64, Option<String>)> = stmt
                .query_row([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                .optional()
                .ctx(c)?;
            out.push(match row {
                None => None,
                Some((state, version, assignee)) => Some(MoveRow {
                    state: state
                        .parse()
                        .map_err(|e: crate::domain::state::UnknownState| {
                            StoreError::Corrupt(e.to_string())
                        })?,
                    version,
                    assignee,
                }),
            });
        }
        Ok(out)
    }

    /// Who last changed a submission and when, from the audit log.
    pub fn last_change_of(&self, id: &str) -> Result<(String, Timestamp)> {
        last_change(&self.conn, id)
    }

    /// Moves every item it can to `req.to` in one transaction; refused items change nothing.
    /// With `all_or_nothing`, one refusal refuses the whole batch. Outcomes keep input order.
    pub fn move_submissions(&mut self, req: &MoveRequest) -> Result<Vec<MoveOutcome>> {
        let policy = self.policy.clone();
        let dry_run = self.dry_run;
        let tx = self.begin_write("move submissions")?;
        let lines = LineWriter::begin(&tx, policy.as_deref())?;
        let (outcomes, apply, _) = move_in(&tx, req, &lines)?;
        if apply {
            lines.finish(&tx)?;
            Store::finish_write(dry_run, tx, "committing the batch move")?;
        }
        Ok(outcomes)
    }
}

/// Runs a batch move inside `tx`. Returns the outcomes, whether to commit (false when
/// nothing moved, or the batch was all-or-nothing and something was refused: then the
/// moved outcomes say NotApplied) and the batch's id.
pub(super) fn move_in(
    tx: &rusqlite::Transaction,
    req: &MoveRequest,
    lines: &LineWriter,
) -> Result<(Vec<MoveOutcome>, bool, i64)> {
    let at = fmt_ts(req.at);
    let ask = &req.ask;
    let reason = ask.reason.as_deref();
    tx.execute(
        "INSERT INTO batches (analyst, at, to_state, reason) VALUES (?1, ?2, ?3, ?4)",
        params![req.analyst, at, ask.to.key(), reason],
    )
    .ctx("recording the batch")?;
    let batch = tx.last_insert_rowid();
    // Read once: a batch of 10 000 does not look for attention entries item by item.
    let attention = attention_in(tx, req.analyst)?;
    let mut outcomes = Vec::with_capacity(ask.items.len());
    for item in &ask.items {
        type Row = (String, i64, Option<String>, Option<String>, Option<i64>);
        let row: Option<Row> = tx
            .prepare_cached(
                "SELECT state, version, assignee, runs, valid_from FROM submissions WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.query_row([&item.id], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .optional()
            })
            .ctx("reading a submission to move")?;
        let Some((state, version, assignee, runs, valid_from)) = row else {
            outcomes.push(MoveOutcome {
                id: item.id.clone(),
                result: Err(MoveRefused::UnknownId),
            });
            continue;
        };
        let from: ReviewState = state
            .parse()
            .map_err(|e: crate::domain::state::UnknownState| StoreError::Corrupt(e.to_string()))?;
        if item.expected_version.is_some_and(|v| v != version) {
            let (by, when) = last_change(tx, &item.id)?;
            outcomes.push(MoveOutcome {
                id: item.id.clone(),
                result: Err(MoveRefused::Conflict {
                    by,
                    at: when,
                    state: from,
                }),
            });
            continue;
        }
        let mut forced = match check_move(from, ask.to, ask.force, reason) {
            Ok(forced) => forced,
            Err(rule) => {
                outcomes.push(MoveOutcome {
                    id: item.id.clone(),
                    result: Err(MoveRefused::Rule(rule)),
                });
                continue;
            }
        };
        // The gate was decided by the plan, on this very version.
        let overrode = req
            .overrides
            .iter()
            .find(|(id, _)| *id == item.id)
            .map(|(_, keys)| keys.clone())
            .unwrap_or_default();
        forced |= !overrode.is_empty();
        let change = StateChange {
            from: Some(from),
            to: ask.to,
            // As stored: at whole seconds.
            at: parse_ts(&at)?,
            by: req.analyst.to_string(),
            reason: claimed_note(reason, assignee.as_deref(), req.analyst),
            forced,
            kind: EventKind::Move,
            restart_clock: ask.restart_clock && Phase::of(ask.to).is_some(),
            overrode,
        };
        let carried = lines.carry(&item.id, runs.as_deref(), valid_from, &change)?;
        move_row(tx, &item.id, ask.to, &at, version, carried.as_ref())?;
        insert_event(tx, &item.id, &change, Some(batch))?;
        if attention.contains(&item.id) {
            clear_attention(tx, &item.id, req.analyst)?;
        }
        lines.moved(tx, &item.id, carried.is_some())?;
        if ask.to == ReviewState::Published {
            supersede(tx, &item.id, &at, lines)?;
        }
        outcomes.push(MoveOutcome {
            id: item.id.clone(),
            result: Ok(Moved {
                from,
                to: ask.to,
                forced,
                version: version + 1,
            }),
        });
    }
    let refused = outcomes.iter().filter(|o| o.result.is_err()).count();
    let moved = outcomes.len() - refused;
    if moved == 0 || (ask.all_or_nothing && refused > 0) {
        for o in &mut outcomes {
            if o.result.is_ok() {
                o.result = Err(MoveRefused::NotApplied(refused));
            }
        }
        return Ok((outcomes, false, batch));
    }
    Ok((outcomes, true, batch))
}

/// A published update replaces the published submission it links to (001: "The new version
/// replaces the old one in the OIN catalog"): that one records the id that replaced it.
fn supersede(tx: &rusqlite::Transaction, id: &str, at: &str, lines: &LineWriter) -> Result<()> {
    let old: Option<String> = tx
        .prepare_cached("SELECT supersedes FROM submissions WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |r| r.get(0)))
        .ctx("reading what an update replaces")?;
    if let Some(old) = old {
        let n = tx
            .prepare_cached(
                "UPDATE submissions SET superseded_by = ?1, version = version + 1, updated_at = ?2
                 WHERE id = ?3 AND state = 'published' AND superseded_by IS NULL",
            )
            .and_then(|mut s| s.execute(params![id, at, old]))
            .ctx("recording the version replaced")?;
        if n > 0 {
            lines.touched(&old);
        }
    }
    Ok(())
}

/// The event's reason; moving an item another analyst claimed is noted in it.
fn claimed_note(reason: Option<&str>, assignee: Option<&str>, analyst: &str) -> Option<String> {
    match (reason, assignee.filter(|a| *a != analyst)) {
        (r, None) => r.map(str::to_string),
        (Some(r), Some(a)) => Some(format!("{r} [claimed by {a}]")),
        (None, Some(a)) => Some(format!("[claimed by {a}]")),
    }
}

/// Who last changed a submission and when, from the audit log.
/// Cancels, inside the undo's transaction, the emails `batch` queued for `id` that have not
/// gone, and says what became of each.
fn undo_emails(
    tx: &rusqlite::Transaction,
    batch: i64,
    id: &str,
    analyst: &str,
    when: &str,
) -> Result<Vec<EmailUndo>> {
    let c = "cancelling the undone move's emails";
    type Row = (i64, String, String, Option<String>, String);
    let rows: Vec<Row> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT id, subject, status, sent_at, kind FROM outbox
                 WHERE batch_id = ?1 AND submission_id = ?2 AND status != 'cancelled'
                 ORDER BY id",
            )
            .ctx(c)?;
        let rows = stmt
            .query_map(params![batch, id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .ctx(c)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().ctx(c)?
    };
    let mut out = Vec::with_capacity(rows.len());
    for (email, subject, status, sent_at, kind) in rows {
        match (status.as_str(), sent_at) {
            ("sent", Some(sent)) => out.push(EmailUndo::AlreadySent {
                email,
                subject,
                sent_at: parse_ts(&sent)?,
                kind: crate::domain::EmailKind::from_key(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("outbox kind {kind:?}")))?,
            }),
            ("sending", _) => {
                cancel_in(tx, email, analyst, when)?;
                out.push(EmailUndo::MayHaveBeenSent { email, subject });
            }
            _ => {
                cancel_in(tx, email, analyst, when)?;
                out.push(EmailUndo::Cancelled { email, subject });
            }
        }
    }
    Ok(out)
}

/// One submission to assign, with the row version the analyst saw (if any).
pub type AssignItem = MoveItem;

/// What an assignment did to one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssignOutcome {
    pub id: String,
    /// The previous assignee, or why it was refused.
    pub result: std::result::Result<Option<String>, MoveRefused>,
}

/// What undoing a batch did to one submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoOutcome {
    pub id: String,
    /// The state it went back to, or why it could not.
    pub result: std::result::Result<ReviewState, String>,
    /// The emails the undone move had queued for it, and what became of them.
    pub emails: Vec<EmailUndo>,
}

/// An email of an undone move: cancelled with it, or already on its way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EmailUndo {
    /// It had not gone: cancelled in the undo's transaction, never delivered.
    Cancelled { email: i64, subject: String },
    /// A sender was handing it to the server at that moment: it may have been sent. If
    /// that attempt fails, it is cancelled rather than tried again.
    MayHaveBeenSent { email: i64, subject: String },
    /// It was delivered: the ISV was told.
    AlreadySent {
        email: i64,
        subject: String,
        sent_at: Timestamp,
        kind: crate::domain::EmailKind,
    },
}

/// The result of `undo_last_batch`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndoReport {
    /// The batch that was undone (None: the analyst has nothing to undo).
    pub batch: Option<i64>,
    pub to: Option<ReviewState>,
    pub outcomes: Vec<UndoOutcome>,
    /// The analyst's last batch when it is not the one the undo was planned for: then
    /// nothing was undone.
    pub newer: Option<i64>,
}

impl Store {
    /// Sets (or clears) the assignee of many submissions in one transaction; each change is
    /// version-checked, bumps the version and is kept in the `assignments` audit table.
    pub fn assign_submissions(
        &mut self,
        items: &[AssignItem],
        to: Option<&str>,
        analyst: &str,
        at: Timestamp,
    ) -> Result<Vec<AssignOutcome>> {
        let policy = self.policy.clone();
        let tx = self.begin_write("assign submissions")?;
        let lines = LineWriter::begin(&tx, policy.as_deref())?;
        let when = fmt_ts(at);
        let attention = attention_in(&tx, analyst)?;
        let mut outcomes = Vec::with_capacity(items.len());
        for item in items {
            let row: Option<(Option<String>, i64, String)> = tx
                .prepare_cached("SELECT assignee, version, state FROM submissions WHERE id = ?1")
                .and_then(|mut s| {
                    s.query_row([&item.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
                        .optional()
                })
                .ctx("reading a submission to assign")?;
            let Some((before, version, state)) = row else {
                outcomes.push(AssignOutcome {
                    id: item.id.clone(),
                    result: Err(MoveRefused::UnknownId),
                });
                continue;
            };
            if item.expected_version.is_some_and(|v| v != version) {
                let (by, when) = last_change(&tx, &item.id)?;
                outcomes.push(AssignOutcome {
                    id: item.id.clone(),
                    result: Err(MoveRefused::Conflict {
                        by,
                        at: when,
                        state: state
                            .parse()
                            .map_err(|e: crate::domain::state::UnknownState| {
                                StoreError::Corrupt(e.to_string())
                            })?,
                    }),
                });
                continue;
            }
            if before.as_deref() != to {
                tx.prepare_cached(
                    "UPDATE submissions SET assignee = ?1, version = version + 1, updated_at = ?2
                     WHERE id = ?3",
                )
                .and_then(|mut s| s.execute(params![to, when, item.id]))
                .ctx("assigning a submission")?;
                tx.prepare_cached(
                    "INSERT INTO assignments (submission_id, from_assignee, to_assignee, at, analyst)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .and_then(|mut s| s.execute(params![item.id, before, to, when, analyst]))
                .ctx("writing the assignment log")?;
                lines.assigned(&item.id);
            }
            // Claiming (or assigning) is acting on it.
            if attention.contains(&item.id) {
                clear_attention(&tx, &item.id, analyst)?;
            }
            outcomes.push(AssignOutcome {
                id: item.id.clone(),
                result: Ok(before),
            });
        }
        lines.finish(&tx)?;
        tx.commit().ctx("committing the assignment")?;
        Ok(outcomes)
    }

    /// Everyone who appears in the audit log or as an assignee, for the assign picker.
    /// Everyone who has acted in the queue (moved a batch, assigned or claimed, queued an
    /// email or written a note) or holds a submission now (an assignee, imported or not:
    /// the field only ever names analysts). Never the `by` of imported history, which holds
    /// ISV addresses.
    pub fn acting_analysts(&self) -> Result<Vec<String>> {
        let c = "listing the analysts who acted";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT analyst FROM batches UNION SELECT analyst FROM assignments
                 UNION SELECT author FROM notes UNION SELECT analyst FROM outbox
                 UNION SELECT assignee FROM submissions WHERE assignee IS NOT NULL
                 ORDER BY 1",
            )
            .ctx(c)?;
        let rows = stmt.query_map([], |r| r.get(0)).ctx(c)?;
        rows.collect::<rusqlite::Result<Vec<String>>>().ctx(c)
    }

    pub fn known_analysts(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT analyst FROM batches UNION SELECT analyst FROM assignments
                 UNION SELECT assignee FROM submissions WHERE assignee IS NOT NULL
                 ORDER BY 1",
            )
            .ctx("listing analysts")?;
        let rows = stmt.query_map([], |r| r.get(0)).ctx("listing analysts")?;
        rows.collect::<rusqlite::Result<Vec<String>>>()
            .ctx("listing analysts")
    }

    /// Undoes `analyst`'s latest batch of moves that is not undone yet: each item goes back
    /// to the state it came from, as a new `undo` event, unless someone changed its state
    /// since. History is never deleted. One transaction.
    pub fn undo_last_batch(&mut self, analyst: &str, at: Timestamp) -> Result<UndoReport> {
        self.undo_batch(analyst, at, None, false)
    }

    /// Undoes the analyst's last batch, only if it is still `expected` (the batch an undo
    /// plan was made for; else nothing is done and `newer` names the batch that is last
    /// now). With `rehearse`, everything is done and rolled back: the plan of the undo.
    pub fn undo_batch(
        &mut self,
        analyst: &str,
        at: Timestamp,
        expected: Option<i64>,
        rehearse: bool,
    ) -> Result<UndoReport> {
        let policy = self.policy.clone();
        let dry_run = self.dry_run || rehearse;
        let tx = self.begin_write("undo a batch")?;
        let lines = LineWriter::begin(&tx, policy.as_deref())?;
        let batch: Option<(i64, String)> = tx
            .query_row(
                "SELECT b.id, b.to_state FROM batches b
                 WHERE b.analyst = ?1 AND b.undoes IS NULL
                   AND NOT EXISTS (SELECT 1 FROM batches u WHERE u.undoes = b.id)
                   AND EXISTS (SELECT 1 FROM events e WHERE e.batch_id = b.id)
                 ORDER BY b.id DESC LIMIT 1",
                [analyst],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .ctx("finding the last batch")?;
        let Some((batch, to)) = batch else {
            return Ok(UndoReport {
                batch: None,
                to: None,
                outcomes: Vec::new(),
                newer: None,
            });
        };
        if expected.is_some_and(|e| e != batch) {
            return Ok(UndoReport {
                batch: None,
                to: None,
                outcomes: Vec::new(),
                newer: Some(batch),
            });
        }
        let when = fmt_ts(at);
        tx.execute(
            "INSERT INTO batches (analyst, at, to_state, reason, undoes) VALUES (?1, ?2, ?3, 'undo', ?4)",
            params![analyst, when, to, batch],
        )
        .ctx("recording the undo")?;
        let undo_batch = tx.last_insert_rowid();
        let moved: Vec<(i64, String, Option<String>, String)> = {
            let mut stmt = tx
                .prepare_cached(
                    "SELECT id, submission_id, from_state, to_state FROM events WHERE batch_id = ?1 ORDER BY id",
                )
                .ctx("reading the batch")?;
            let rows = stmt
                .query_map([batch], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .ctx("reading the batch")?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .ctx("reading the batch")?
        };
        let parse = |s: &str| -> Result<ReviewState> {
            s.parse()
                .map_err(|e: crate::domain::state::UnknownState| StoreError::Corrupt(e.to_string()))
        };
        let mut outcomes = Vec::with_capacity(moved.len());
        for (event_id, id, from, to_state) in moved {
            let latest: (i64, String, String) = tx
                .query_row(
                    "SELECT id, analyst, at FROM events WHERE submission_id = ?1 ORDER BY at DESC, id DESC LIMIT 1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .ctx("reading the audit log")?;
            let Some(from) = from else {
                outcomes.push(UndoOutcome {
                    id,
                    result: Err("it had no earlier state".into()),
                    emails: Vec::new(),
                });
                continue;
            };
            if latest.0 != event_id {
                outcomes.push(UndoOutcome {
                    id,
                    result: Err(format!("changed by {} at {} since", latest.1, latest.2)),
                    emails: Vec::new(),
                });
                continue;
            }
            let back = parse(&from)?;
            tx.prepare_cached(
                "UPDATE submissions SET state = ?1, version = version + 1, updated_at = ?2 WHERE id = ?3",
            )
            .and_then(|mut s| s.execute(params![from, when, id]))
            .ctx("undoing a move")?;
            insert_event(
                &tx,
                &id,
                &StateChange {
                    from: Some(parse(&to_state)?),
                    to: back,
                    at,
                    by: analyst.to_string(),
                    reason: Some("undo".into()),
                    forced: false,
                    kind: EventKind::Undo,
                    restart_clock: false,
                    overrode: Vec::new(),
                },
                Some(undo_batch),
            )?;
            if to_state == ReviewState::Published.key() {
                // The published version it had replaced is the live one again.
                let replaced: Vec<String> = tx
                    .prepare_cached("SELECT id FROM submissions WHERE superseded_by = ?1")
                    .and_then(|mut s| {
                        s.query_map([&id], |r| r.get(0))?
                            .collect::<rusqlite::Result<Vec<String>>>()
                    })
                    .ctx("reading the version an undone publish replaced")?;
                for old in replaced {
                    tx.prepare_cached(
                        "UPDATE submissions SET superseded_by = NULL, version = version + 1, updated_at = ?1 WHERE id = ?2",
                    )
                    .and_then(|mut s| s.execute(params![when, old]))
                    .ctx("making the replaced version live again")?;
                    lines.touched(&old);
                }
            }
            let emails = undo_emails(&tx, batch, &id, analyst, &when)?;
            outcomes.push(UndoOutcome {
                id,
                result: Ok(back),
                emails,
            });
        }
        // Only the history says what an undo restores.
        let undone: Vec<String> = outcomes
            .iter()
            .filter(|o| o.result.is_ok())
            .map(|o| o.id.clone())
            .collect();
        lines.refresh(&tx, &undone)?;
        lines.finish(&tx)?;
        Store::finish_write(dry_run, tx, "committing the undo")?;
        Ok(UndoReport {
            batch: Some(batch),
            to: Some(parse(&to)?),
            outcomes,
            newer: None,
        })
    }
}
