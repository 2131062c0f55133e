//! The durable outbox: issue-list emails wait here until a server accepts them.
//!
//! queued -> sending (claimed by one sender) -> sent | queued (temporary failure, retried
//! later) | failed (permanent). A sender that dies leaves its claim; a claim older than
//! `stale_after` goes back to queued. A sent row never changes (a trigger guards it).

use super::moves::move_in;
use super::rows::{
    EMAIL_COLUMNS, NewEmail, cancel_in, email_from_row, insert_email, last_change, outbox_select,
    split_recipients, thread_of,
};
use super::{Context, Result, Store, StoreError, fmt_ts, parse_ts};
use crate::domain::EmailRecord;
use crate::store::{MoveItem, MoveOutcome, MoveRefused, MoveRequest};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, params};

/// What must still hold when a reminder is queued: the submission is as the reminder was
/// written from (same version, so still with the ISV), and it has as many reminders as
/// when the reminder was found due (nobody reminded it since).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReminderGuard {
    pub expected_version: i64,
    pub reminders_seen: usize,
}

/// Why a reminder was not queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReminderRefused {
    #[error("changed since the reminder was written (by {by} at {at}); run remind again")]
    Changed { by: String, at: String },
    #[error("already reminded at {at} by {by}")]
    AlreadyReminded { by: String, at: String },
    #[error("no longer in the queue")]
    Gone,
}

/// An email a sender has claimed.
#[derive(Debug, Clone)]
pub struct ClaimedEmail {
    pub id: i64,
    pub submission_id: String,
    pub message_id: String,
    pub recipients: Vec<String>,
    pub message: Vec<u8>,
    pub attempts: i64,
}

/// Whether a delivery round keeps the hold (`[mail] hold`) or skips it (`outbox flush
/// --now`, a retry the analyst asked for).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hold {
    Keep,
    Skip,
}

/// What `cancel_email` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelOutcome {
    Cancelled,
    /// A sender is handing it to the server now: it may go; cancelled if that attempt fails.
    BeingSent,
    AlreadySent(Timestamp),
    AlreadyCancelled {
        at: Timestamp,
        by: String,
    },
    NotFound,
}

/// How many emails are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    pub queued: usize,
    pub sending: usize,
    pub sent: usize,
    pub failed: usize,
}

/// What queueing emails did: the move's outcomes (or the refusals), and each queued email
/// as (submission, outbox id).
pub type Queued = (Vec<MoveOutcome>, Vec<(String, i64)>);

impl Store {
    /// The Message-IDs of a submission's earlier emails, oldest first (for threading).
    pub fn thread_message_ids(&self, submission: &str) -> Result<Vec<String>> {
        thread_of(&self.conn, submission)
    }

    /// Queues emails, and when `mv` is given, makes the move in the same transaction: an
    /// email is queued only for a submission that moved, and nothing at all if no item moved.
    /// Without a move, each email's submission must still be at its version in `pinned`
    /// (else it is refused as changed). Returns the move's outcomes (or the refusals) and
    /// the queued emails as (submission, outbox id).
    pub fn queue_emails(
        &mut self,
        emails: &[NewEmail],
        mv: Option<&MoveRequest>,
        pinned: &[MoveItem],
        analyst: &str,
        at: Timestamp,
    ) -> Result<Queued> {
        let policy = self.policy.clone();
        let dry_run = self.dry_run;
        let tx = self.begin_write("queue an email")?;
        let lines = super::queue::LineWriter::begin(&tx, policy.as_deref())?;
        let (mut outcomes, batch) = match mv {
            Some(req) => {
                let (outcomes, apply, batch) = move_in(&tx, req, &lines)?;
                if !apply {
                    return Ok((outcomes, Vec::new()));
                }
                (outcomes, Some(batch))
            }
            None => (Vec::new(), None),
        };
        if mv.is_none() {
            for item in pinned {
                let row: Option<(i64, String)> = tx
                    .prepare_cached("SELECT version, state FROM submissions WHERE id = ?1")
                    .and_then(|mut s| {
                        s.query_row([&item.id], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()
                    })
                    .ctx("reading a submission to email")?;
                let refused = match row {
                    None => Some(MoveRefused::UnknownId),
                    Some((v, state)) if item.expected_version.is_some_and(|e| e != v) => {
                        let (by, at) = last_change(&tx, &item.id)?;
                        Some(MoveRefused::Conflict {
                            by,
                            at,
                            state: state.parse().map_err(
                                |e: crate::domain::state::UnknownState| {
                                    StoreError::Corrupt(e.to_string())
                                },
                            )?,
                        })
                    }
                    Some(_) => None,
                };
                if let Some(why) = refused {
                    outcomes.push(MoveOutcome {
                        id: item.id.clone(),
                        result: Err(why),
                    });
                }
            }
        }
        let at = fmt_ts(at);
        let mut ids = Vec::new();
        for email in emails {
            let goes = match mv {
                Some(_) => outcomes
                    .iter()
                    .any(|o| o.id == email.submission_id && o.result.is_ok()),
                None => !outcomes.iter().any(|o| o.id == email.submission_id),
            };
            if goes {
                let id = insert_email(&tx, email, analyst, &at, batch)?;
                ids.push((email.submission_id.clone(), id));
                lines.touched(&email.submission_id);
            }
        }
        if ids.is_empty() {
            return Ok((outcomes, ids));
        }
        lines.finish(&tx)?;
        Store::finish_write(dry_run, tx, "committing the queued email")?;
        Ok((outcomes, ids))
    }

    /// The sent email of `submission` whose move was undone since and that no correction has
    /// followed (a correction queued after the undo, not cancelled): what `mail correct`
    /// corrects.
    pub fn uncorrected_email(&self, submission: &str) -> Result<Option<i64>> {
        self.conn
            .query_row(
                "SELECT o.id FROM outbox o JOIN batches u ON u.undoes = o.batch_id
                 WHERE o.submission_id = ?1 AND o.status = 'sent' AND o.kind != 'correction'
                   AND NOT EXISTS (SELECT 1 FROM outbox c
                       WHERE c.submission_id = o.submission_id AND c.kind = 'correction'
                         AND c.status != 'cancelled' AND c.queued_at >= u.at)
                 ORDER BY o.id DESC LIMIT 1",
                [submission],
                |r| r.get(0),
            )
            .optional()
            .ctx("reading the outbox")
    }

    /// When reminders were queued, per submission (oldest first): what the reminder rule
    /// counts.
    pub fn reminders_sent(&self) -> Result<std::collections::HashMap<String, Vec<Timestamp>>> {
        let c = "reading the reminders sent";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT submission_id, queued_at FROM outbox WHERE kind = 'reminder'
                 ORDER BY submission_id, queued_at",
            )
            .ctx(c)?;
        let mut rows = stmt.query([]).ctx(c)?;
        let mut out: std::collections::HashMap<String, Vec<Timestamp>> = Default::default();
        while let Some(r) = rows.next().ctx(c)? {
            let id: String = r.get(0).ctx(c)?;
            let at: String = r.get(1).ctx(c)?;
            out.entry(id).or_default().push(parse_ts(&at)?);
        }
        Ok(out)
    }

    /// Queues reminders in one transaction, each only if its guard still holds (else it is
    /// refused and the others still go): a colleague's reminder or a move since the
    /// reminder was written wins. Returns each one's outbox id or why it was refused.
    pub fn queue_reminders(
        &mut self,
        reminders: &[(NewEmail, ReminderGuard)],
        analyst: &str,
        at: Timestamp,
    ) -> Result<Vec<(String, std::result::Result<i64, ReminderRefused>)>> {
        let policy = self.policy.clone();
        let tx = self.begin_write("queue reminders")?;
        let lines = super::queue::LineWriter::begin(&tx, policy.as_deref())?;
        let when = fmt_ts(at);
        let mut out = Vec::with_capacity(reminders.len());
        for (email, guard) in reminders {
            let id = email.submission_id.clone();
            let version: Option<i64> = tx
                .prepare_cached("SELECT version FROM submissions WHERE id = ?1")
                .and_then(|mut st| st.query_row([&id], |r| r.get(0)).optional())
                .ctx("reading a submission to remind")?;
            let refused = match version {
                None => Some(ReminderRefused::Gone),
                Some(v) if v != guard.expected_version => {
                    let (by, at) = last_change(&tx, &id)?;
                    Some(ReminderRefused::Changed {
                        by,
                        at: at.to_string(),
                    })
                }
                Some(_) => {
                    let c = "reading the reminders sent";
                    let mut st = tx
                        .prepare_cached(
                            "SELECT analyst, queued_at FROM outbox
                             WHERE submission_id = ?1 AND kind = 'reminder' ORDER BY id",
                        )
                        .ctx(c)?;
                    let sent: Vec<(String, String)> = st
                        .query_map([&id], |r| Ok((r.get(0)?, r.get(1)?)))
                        .ctx(c)?
                        .collect::<rusqlite::Result<_>>()
                        .ctx(c)?;
                    match sent.last() {
                        Some((by, at)) if sent.len() != guard.reminders_seen => {
                            Some(ReminderRefused::AlreadyReminded {
                                by: by.clone(),
                                at: at.clone(),
                            })
                        }
                        _ => None,
                    }
                }
            };
            match refused {
                Some(why) => out.push((id, Err(why))),
                None => {
                    let outbox_id = insert_email(&tx, email, analyst, &when, None)?;
                    lines.touched(&id);
                    out.push((id, Ok(outbox_id)));
                }
            }
        }
        lines.finish(&tx)?;
        tx.commit().ctx("committing the reminders")?;
        Ok(out)
    }

    /// Claims the next email due by `due_by` for sending, skipping the ids in `skip`
    /// (atomically, so two senders never take the same one). Claims older than
    /// `stale_after` are first returned to the queue.
    pub fn claim_due_email(
        &mut self,
        now: Timestamp,
        due_by: Timestamp,
        stale_after: SignedDuration,
        skip: &[i64],
        hold: Hold,
    ) -> Result<Option<ClaimedEmail>> {
        let tx = self.begin_write("claim an email for delivery")?;
        let stale = fmt_ts(now.checked_sub(stale_after).unwrap_or(now));
        let now_s = fmt_ts(now);
        let due_s = fmt_ts(due_by);
        let skip = serde_json::to_string(skip).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "UPDATE outbox SET claimed_at = NULL,
             status = CASE WHEN cancelled_at IS NULL THEN 'queued' ELSE 'cancelled' END,
             last_error = 'the sender stopped before it knew the outcome; sending again'
             WHERE status = 'sending' AND claimed_at <= ?1",
            [&stale],
        )
        .ctx("returning stale claims")?;
        let next: Option<ClaimedEmail> = tx
            .query_row(
                "SELECT id, submission_id, message_id, recipients, message, attempts FROM outbox
                 WHERE status = 'queued' AND next_attempt_at <= ?1
                   AND id NOT IN (SELECT value FROM json_each(?2))
                   AND (?3 OR held_until IS NULL OR held_until <= ?4)
                 ORDER BY next_attempt_at, id LIMIT 1",
                params![due_s, skip, hold == Hold::Skip, now_s],
                |r| {
                    Ok(ClaimedEmail {
                        id: r.get(0)?,
                        submission_id: r.get(1)?,
                        message_id: r.get(2)?,
                        recipients: split_recipients(&r.get::<_, String>(3)?),
                        message: r.get(4)?,
                        attempts: r.get::<_, i64>(5)? + 1,
                    })
                },
            )
            .optional()
            .ctx("reading the outbox")?;
        if let Some(c) = &next {
            tx.execute(
                "UPDATE outbox SET status = 'sending', claimed_at = ?1, attempts = ?2 WHERE id = ?3",
                params![now_s, c.attempts, c.id],
            )
            .ctx("claiming an email")?;
        }
        tx.commit().ctx("claiming an email")?;
        Ok(next)
    }

    /// The server accepted the email: it is sent, for good.
    pub fn mark_email_sent(&self, id: i64, reply: &str, at: Timestamp) -> Result<()> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("marking an email sent")?;
        tx.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?1, server_reply = ?2,
                 last_error = NULL, claimed_at = NULL WHERE id = ?3 AND status = 'sending'",
            params![fmt_ts(at), reply, id],
        )
        .ctx("marking an email sent")?;
        super::queue::touch_for_email(&tx, id)?;
        tx.commit().ctx("marking an email sent")?;
        Ok(())
    }

    /// A temporary failure: back to the queue until `next_at`.
    pub fn mark_email_retry(&self, id: i64, error: &str, next_at: Timestamp) -> Result<()> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("putting an email back in the queue")?;
        tx.execute(
            "UPDATE outbox SET last_error = ?1, next_attempt_at = ?2, claimed_at = NULL,
                 status = CASE WHEN cancelled_at IS NULL THEN 'queued' ELSE 'cancelled' END
                 WHERE id = ?3 AND status = 'sending'",
            params![error, fmt_ts(next_at), id],
        )
        .ctx("putting an email back in the queue")?;
        super::queue::touch_for_email(&tx, id)?;
        tx.commit().ctx("putting an email back in the queue")?;
        Ok(())
    }

    /// A permanent failure: flagged for the analyst, not retried until they say so.
    pub fn mark_email_failed(&self, id: i64, error: &str) -> Result<()> {
        let tx = self
            .conn
            .unchecked_transaction()
            .ctx("marking an email failed")?;
        tx.execute(
            "UPDATE outbox SET last_error = ?1, claimed_at = NULL,
                 status = CASE WHEN cancelled_at IS NULL THEN 'failed' ELSE 'cancelled' END
                 WHERE id = ?2 AND status = 'sending'",
            params![error, id],
        )
        .ctx("marking an email failed")?;
        super::queue::touch_for_email(&tx, id)?;
        tx.commit().ctx("marking an email failed")?;
        Ok(())
    }

    /// The queued emails still held at `now` (`[mail] hold`), with when each is released.
    pub fn held_emails(&self, now: Timestamp) -> Result<Vec<(i64, Timestamp)>> {
        let c = "reading the held emails";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, held_until FROM outbox
                 WHERE status = 'queued' AND held_until > ?1 ORDER BY id",
            )
            .ctx(c)?;
        let rows = stmt
            .query_map([fmt_ts(now)], |r| Ok((r.get(0)?, r.get::<_, String>(1)?)))
            .ctx(c)?;
        let mut out = Vec::new();
        for row in rows {
            let (id, until) = row.ctx(c)?;
            out.push((id, parse_ts(&until)?));
        }
        Ok(out)
    }

    /// Cancels an email that has not gone: it stays in the outbox as cancelled, with who and
    /// when, and is never delivered. One being sent at that moment is marked so that it is
    /// cancelled if that attempt fails.
    pub fn cancel_email(&mut self, id: i64, analyst: &str, at: Timestamp) -> Result<CancelOutcome> {
        let tx = self.begin_write("cancel an email")?;
        let c = "cancelling an email";
        type Row = (String, Option<String>, Option<String>, Option<String>);
        let row: Option<Row> = tx
            .query_row(
                "SELECT status, sent_at, cancelled_at, cancelled_by FROM outbox WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .ctx(c)?;
        let Some((status, sent_at, cancelled_at, cancelled_by)) = row else {
            return Ok(CancelOutcome::NotFound);
        };
        let when = fmt_ts(at);
        let outcome = match status.as_str() {
            "sent" => CancelOutcome::AlreadySent(
                sent_at.as_deref().map(parse_ts).transpose()?.unwrap_or(at),
            ),
            "cancelled" => CancelOutcome::AlreadyCancelled {
                at: cancelled_at
                    .as_deref()
                    .map(parse_ts)
                    .transpose()?
                    .unwrap_or(at),
                by: cancelled_by.unwrap_or_else(|| "someone".into()),
            },
            "sending" => {
                cancel_in(&tx, id, analyst, &when)?;
                CancelOutcome::BeingSent
            }
            _ => {
                cancel_in(&tx, id, analyst, &when)?;
                CancelOutcome::Cancelled
            }
        };
        super::queue::touch_for_email(&tx, id)?;
        tx.commit().ctx(c)?;
        Ok(outcome)
    }

    /// Puts a failed (or waiting) email back in the queue, due now. False if there is no
    /// such email or it was already sent.
    pub fn retry_email(&self, id: i64, now: Timestamp) -> Result<bool> {
        self.check_writable("retry an email")?;
        let n = self
            .conn
            .execute(
                "UPDATE outbox SET status = 'queued', next_attempt_at = ?1, held_until = NULL
                 WHERE id = ?2 AND status IN ('failed', 'queued')",
                params![fmt_ts(now), id],
            )
            .ctx("retrying an email")?;
        super::queue::touch_for_email(&self.conn, id)?;
        Ok(n == 1)
    }

    /// Every email, newest first.
    pub fn outbox(&self) -> Result<Vec<EmailRecord>> {
        let mut stmt = self
            .conn
            .prepare_cached(&outbox_select("ORDER BY id DESC"))
            .ctx("reading the outbox")?;
        let mut rows = stmt.query([]).ctx("reading the outbox")?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().ctx("reading the outbox")? {
            out.push(email_from_row(r)?);
        }
        Ok(out)
    }

    /// One email by its outbox id.
    pub fn email(&self, id: i64) -> Result<Option<(EmailRecord, Vec<u8>)>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {EMAIL_COLUMNS}, message FROM outbox WHERE id = ?1"
            ))
            .ctx("reading the outbox")?;
        let mut rows = stmt.query([id]).ctx("reading the outbox")?;
        match rows.next().ctx("reading the outbox")? {
            Some(r) => Ok(Some((
                email_from_row(r)?,
                r.get("message").ctx("reading the outbox")?,
            ))),
            None => Ok(None),
        }
    }

    /// One email as the analyst reads it: what was previewed, else the message as queued.
    pub fn email_text(&self, id: i64) -> Result<Option<String>> {
        self.conn
            .query_row(
                "SELECT preview, message FROM outbox WHERE id = ?1",
                [id],
                |r| {
                    let preview: Option<String> = r.get(0)?;
                    let message: Vec<u8> = r.get(1)?;
                    Ok(preview.unwrap_or_else(|| String::from_utf8_lossy(&message).into_owned()))
                },
            )
            .optional()
            .ctx("reading the outbox")
    }

    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, count(*) FROM outbox GROUP BY status")
            .ctx("counting the outbox")?;
        let mut rows = stmt.query([]).ctx("counting the outbox")?;
        let mut c = OutboxCounts::default();
        while let Some(r) = rows.next().ctx("counting the outbox")? {
            let status: String = r.get(0).ctx("counting the outbox")?;
            let n: i64 = r.get(1).ctx("counting the outbox")?;
            let n = usize::try_from(n).unwrap_or(0);
            match status.as_str() {
                "queued" => c.queued = n,
                "sending" => c.sending = n,
                "sent" => c.sent = n,
                "failed" => c.failed = n,
                _ => {}
            }
        }
        Ok(c)
    }
}
