//! Batch state moves: one transaction, version-checked, each move written to the audit log.

use super::submissions::insert_event;
use super::{Context, Result, Store, StoreError, fmt_ts, parse_ts};
use crate::domain::{EventKind, MoveRefusal, ReviewState, StateChange, check_move};
use jiff::Timestamp;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

/// One submission to move, with the row version the analyst saw (if any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveItem {
    pub id: String,
    /// When set, the move is refused if someone changed the row since this version.
    pub expected_version: Option<i64>,
}

impl MoveItem {
    pub fn new(id: impl Into<String>) -> Self {
        MoveItem {
            id: id.into(),
            expected_version: None,
        }
    }
}

/// A batch of moves to one target state.
#[derive(Debug, Clone)]
pub struct MoveRequest<'a> {
    pub items: &'a [MoveItem],
    pub to: ReviewState,
    pub reason: Option<&'a str>,
    /// Allows corrections outside the transition table (needs a reason).
    pub force: bool,
    /// Refuse the whole batch if any item is refused.
    pub all_or_nothing: bool,
    pub analyst: &'a str,
    pub at: Timestamp,
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
    #[error("changed by {by} at {at} since you loaded it (now {state}); reload and try again")]
    Conflict {
        by: String,
        at: Timestamp,
        state: ReviewState,
    },
    #[error("not moved: the batch was all-or-nothing and {0} item(s) were refused")]
    NotApplied(usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveOutcome {
    pub id: String,
    pub result: std::result::Result<Moved, MoveRefused>,
}

impl Store {
    /// Moves every item it can to `req.to` in one transaction; refused items change nothing.
    /// With `all_or_nothing`, one refusal refuses the whole batch. Outcomes keep input order.
    pub fn move_submissions(&mut self, req: &MoveRequest) -> Result<Vec<MoveOutcome>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("starting a batch move")?;
        let at = fmt_ts(req.at);
        tx.execute(
            "INSERT INTO batches (analyst, at, to_state, reason) VALUES (?1, ?2, ?3, ?4)",
            params![req.analyst, at, req.to.key(), req.reason],
        )
        .ctx("recording the batch")?;
        let batch = tx.last_insert_rowid();
        let mut outcomes = Vec::with_capacity(req.items.len());
        for item in req.items {
            let row: Option<(String, i64)> = tx
                .prepare_cached("SELECT state, version FROM submissions WHERE id = ?1")
                .and_then(|mut s| {
                    s.query_row([&item.id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                })
                .ctx("reading a submission to move")?;
            let Some((state, version)) = row else {
                outcomes.push(MoveOutcome {
                    id: item.id.clone(),
                    result: Err(MoveRefused::UnknownId),
                });
                continue;
            };
            let from: ReviewState =
                state
                    .parse()
                    .map_err(|e: crate::domain::state::UnknownState| {
                        StoreError::Corrupt(e.to_string())
                    })?;
            if item.expected_version.is_some_and(|v| v != version) {
                let (by, when) = last_change(&tx, &item.id)?;
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
            let forced = match check_move(from, req.to, req.force, req.reason) {
                Ok(forced) => forced,
                Err(rule) => {
                    outcomes.push(MoveOutcome {
                        id: item.id.clone(),
                        result: Err(MoveRefused::Rule(rule)),
                    });
                    continue;
                }
            };
            tx.prepare_cached(
                "UPDATE submissions SET state = ?1, version = version + 1, updated_at = ?2
                 WHERE id = ?3 AND version = ?4",
            )
            .and_then(|mut s| s.execute(params![req.to.key(), at, item.id, version]))
            .ctx("moving a submission")?;
            insert_event(
                &tx,
                &item.id,
                &StateChange {
                    from: Some(from),
                    to: req.to,
                    at: req.at,
                    by: req.analyst.to_string(),
                    reason: req.reason.map(str::to_string),
                    forced,
                    kind: EventKind::Move,
                },
                Some(batch),
            )?;
            outcomes.push(MoveOutcome {
                id: item.id.clone(),
                result: Ok(Moved {
                    from,
                    to: req.to,
                    forced,
                    version: version + 1,
                }),
            });
        }
        let refused = outcomes.iter().filter(|o| o.result.is_err()).count();
        let moved = outcomes.len() - refused;
        if moved == 0 || (req.all_or_nothing && refused > 0) {
            drop(tx); // rolls back, the batch row included
            for o in &mut outcomes {
                if o.result.is_ok() {
                    o.result = Err(MoveRefused::NotApplied(refused));
                }
            }
            return Ok(outcomes);
        }
        tx.commit().ctx("committing the batch move")?;
        Ok(outcomes)
    }
}

/// Who last changed a submission and when, from the audit log.
fn last_change(tx: &rusqlite::Transaction, id: &str) -> Result<(String, Timestamp)> {
    let row: Option<(String, String)> = tx
        .query_row(
            "SELECT analyst, at FROM events WHERE submission_id = ?1 ORDER BY at DESC, id DESC LIMIT 1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .ctx("reading the audit log")?;
    match row {
        Some((by, at)) => Ok((by, parse_ts(&at)?)),
        None => Ok(("someone".to_string(), Timestamp::UNIX_EPOCH)),
    }
}
