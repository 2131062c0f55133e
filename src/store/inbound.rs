//! Messages received from the mailbox: stored once each (by Message-ID, else a digest),
//! append-only, with their attachments; what each analyst has read; where the mailbox
//! was read up to; and the lease that keeps to one fetcher at a time.

use super::queue::log_ids;
use super::rows::{REPLY_COLUMNS, place_attachments, reply_from_row};
use super::{Context, Result, Store, fmt_ts, parse_ts};
use crate::domain::{MatchedBy, Reply, ReplyKind};
use jiff::{SignedDuration, Timestamp};
use rusqlite::{OptionalExtension, params};

/// A message to store: parsed, threaded (or not) and redacted.
#[derive(Debug, Clone)]
pub struct NewReply {
    /// The Message-ID, else `sha256:` and a digest of the bytes.
    pub message_key: String,
    pub submission_id: Option<String>,
    pub matched_by: Option<MatchedBy>,
    pub kind: ReplyKind,
    pub sender: String,
    pub sender_name: Option<String>,
    pub sent_at: Option<Timestamp>,
    pub subject: String,
    pub text: String,
    pub folded: String,
    pub warnings: Vec<String>,
    pub bounce_of: Option<i64>,
    pub bounce_reason: Option<String>,
    /// Where it was read: `imap://…;UIDVALIDITY=…;UID=…` or the Maildir file.
    pub source: String,
    pub raw_bytes: i64,
    pub attachments: Vec<NewAttachment>,
}

#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// None when over the size limit.
    pub content: Option<Vec<u8>>,
}

/// A mailbox's position: read up to `last_uid` under `uid_validity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxMark {
    pub uid_validity: u32,
    pub last_uid: u32,
}

/// Who holds a lease, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseHeld {
    pub holder: String,
    pub until: Timestamp,
}

impl Store {
    /// Stores `messages` in one transaction, each once: a message whose key is already
    /// stored is skipped. With `mark`, the mailbox's position moves in the same
    /// transaction, so a message is read once even when the process dies after it.
    /// Returns the new rows' ids (None for a message already stored), in order.
    pub fn store_replies(
        &mut self,
        messages: &[NewReply],
        mark: Option<(&str, MailboxMark)>,
        at: Timestamp,
    ) -> Result<Vec<Option<i64>>> {
        let tx = self.begin_write("store received mail")?;
        let c = "storing received mail";
        let when = fmt_ts(at);
        let mut ids = Vec::with_capacity(messages.len());
        let mut touched: Vec<String> = Vec::new();
        for m in messages {
            let inserted = tx
                .execute(
                    "INSERT INTO inbound (message_key, submission_id, matched_by, kind,
                     sender, sender_name, sent_at, received_at, subject, body, folded, warnings,
                     bounce_of, bounce_reason, source, raw_bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)
                     ON CONFLICT (message_key) DO NOTHING",
                    params![
                        m.message_key,
                        m.submission_id,
                        m.matched_by.map(MatchedBy::key),
                        m.kind.key(),
                        m.sender,
                        m.sender_name,
                        m.sent_at.map(fmt_ts),
                        when,
                        m.subject,
                        m.text,
                        m.folded,
                        m.warnings.join("\n"),
                        m.bounce_of,
                        m.bounce_reason,
                        m.source,
                        m.raw_bytes,
                    ],
                )
                .ctx(c)?;
            if inserted == 0 {
                ids.push(None);
                continue;
            }
            let id = tx.last_insert_rowid();
            for (i, a) in m.attachments.iter().enumerate() {
                tx.execute(
                    "INSERT INTO inbound_attachments (inbound_id, position, name, content_type,
                     size, content) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![id, i as i64, a.name, a.content_type, a.size, a.content],
                )
                .ctx(c)?;
            }
            if let Some(s) = &m.submission_id {
                touched.push(s.clone());
            }
            ids.push(Some(id));
        }
        if let Some((mailbox, mark)) = mark {
            tx.execute(
                "INSERT INTO mailbox_state (mailbox, uid_validity, last_uid) VALUES (?1, ?2, ?3)
                 ON CONFLICT (mailbox) DO UPDATE SET uid_validity = ?2, last_uid = ?3",
                params![mailbox, mark.uid_validity, mark.last_uid],
            )
            .ctx(c)?;
        }
        if !touched.is_empty() {
            touched.sort();
            touched.dedup();
            log_ids(&tx, &touched)?;
        }
        tx.commit().ctx(c)?;
        Ok(ids)
    }

    /// Where the mailbox was read up to.
    pub fn mailbox_mark(&self, mailbox: &str) -> Result<Option<MailboxMark>> {
        self.conn
            .prepare_cached("SELECT uid_validity, last_uid FROM mailbox_state WHERE mailbox = ?1")
            .and_then(|mut s| {
                s.query_row([mailbox], |r| {
                    Ok(MailboxMark {
                        uid_validity: r.get(0)?,
                        last_uid: r.get(1)?,
                    })
                })
                .optional()
            })
            .ctx("reading the mailbox's position")
    }

    /// The submission whose id is `token` exactly, or in capitals (a subject's id token):
    /// index lookups only, however large the queue.
    pub fn id_named(&self, token: &str) -> Result<Option<String>> {
        let c = "finding a submission by id";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM submissions WHERE id = ?1")
            .ctx(c)?;
        for t in [token.to_string(), token.to_uppercase()] {
            if let Some(id) = stmt.query_row([&t], |r| r.get(0)).optional().ctx(c)? {
                return Ok(Some(id));
            }
        }
        Ok(None)
    }

    /// The test account password of a submission, if it has one (to redact it from mail).
    pub fn password_of(&self, id: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT test_password FROM submissions WHERE id = ?1")
            .and_then(|mut s| s.query_row([id], |r| r.get(0)).optional())
            .map(Option::flatten)
            .ctx("reading a submission")
    }

    /// Whether a message with this key is stored already.
    pub fn has_reply(&self, key: &str) -> Result<bool> {
        self.conn
            .prepare_cached("SELECT 1 FROM inbound WHERE message_key = ?1")
            .and_then(|mut s| s.exists([key]))
            .ctx("reading received mail")
    }

    /// Takes the lease `name` for `ttl` as `holder`, unless someone else holds it and it has
    /// not expired: then says who, until when.
    pub fn take_lease(
        &mut self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: SignedDuration,
    ) -> Result<std::result::Result<(), LeaseHeld>> {
        let tx = self.begin_write("take the fetch lease")?;
        let c = "taking a lease";
        let held: Option<(String, String)> = tx
            .query_row(
                "SELECT holder, expires_at FROM leases WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .ctx(c)?;
        if let Some((by, until)) = held {
            let until = parse_ts(&until)?;
            if by != holder && until > now {
                return Ok(Err(LeaseHeld { holder: by, until }));
            }
        }
        let until = now.checked_add(ttl).unwrap_or(now);
        tx.execute(
            "INSERT INTO leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (name) DO UPDATE SET holder = ?2, expires_at = ?3",
            params![name, holder, fmt_ts(until)],
        )
        .ctx(c)?;
        tx.commit().ctx(c)?;
        Ok(Ok(()))
    }

    /// Gives the lease back (only if `holder` still holds it).
    pub fn release_lease(&mut self, name: &str, holder: &str) -> Result<()> {
        let tx = self.begin_write("release the fetch lease")?;
        tx.execute(
            "DELETE FROM leases WHERE name = ?1 AND holder = ?2",
            params![name, holder],
        )
        .ctx("releasing a lease")?;
        tx.commit().ctx("releasing a lease")
    }

    /// Received messages that matched no submission, oldest first.
    pub fn unmatched_replies(&self) -> Result<Vec<Reply>> {
        self.replies_where("WHERE submission_id IS NULL ORDER BY id", [])
    }

    /// Every received message (the inbox), oldest first.
    pub fn all_replies(&self) -> Result<Vec<Reply>> {
        self.replies_where("ORDER BY id", [])
    }

    /// One received message.
    pub fn reply(&self, id: i64) -> Result<Option<Reply>> {
        Ok(self.replies_where("WHERE id = ?1", [id])?.pop())
    }

    fn replies_where<P: rusqlite::Params>(&self, filter: &str, p: P) -> Result<Vec<Reply>> {
        let c = "reading received mail";
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {REPLY_COLUMNS} FROM inbound {filter}"))
            .ctx(c)?;
        let mut rows = stmt.query(p).ctx(c)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().ctx(c)? {
            out.push(reply_from_row(r)?);
        }
        place_attachments(&self.conn, &mut out)?;
        Ok(out)
    }

    /// Attaches an unmatched message to a submission, by hand. Refused when it is matched
    /// already (a received message is never moved) or unknown.
    pub fn attach_reply(
        &mut self,
        id: i64,
        submission: &str,
        analyst: &str,
        at: Timestamp,
        redacted: Option<(String, String, String)>,
    ) -> Result<std::result::Result<(), String>> {
        let tx = self.begin_write("attach a received message")?;
        let c = "attaching a received message";
        type Holder = (
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let now: Option<Holder> = tx
            .query_row(
                "SELECT submission_id, matched_by, attached_by, attached_at FROM inbound WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()
            .ctx(c)?;
        match now {
            None => return Ok(Err(format!("no received message {id}"))),
            Some((Some(s), matched_by, by, when)) => {
                // Who put it there: a colleague's hand (and when), or the fetch's threading.
                let how = match (by, when) {
                    (Some(by), Some(when)) => format!("attached by {by} at {when}"),
                    (Some(by), None) => format!("attached by {by}"),
                    _ => format!(
                        "matched by {} when fetched",
                        matched_by.as_deref().unwrap_or("thread")
                    ),
                };
                return Ok(Err(format!(
                    "message {id} belongs to {} already ({}); a received message is never moved",
                    crate::text::safe_line(&s),
                    crate::text::safe_line(&how)
                )));
            }
            Some((None, ..)) => {}
        }
        let exists = tx
            .query_row(
                "SELECT 1 FROM submissions WHERE id = ?1",
                [submission],
                |_| Ok(()),
            )
            .optional()
            .ctx(c)?
            .is_some();
        if !exists {
            return Ok(Err(format!(
                "no submission {}",
                crate::text::safe_line(submission)
            )));
        }
        // One statement: once matched, a received message never changes again.
        let (subject, body, folded) = match redacted {
            Some((s, b, f)) => (Some(s), Some(b), Some(f)),
            None => (None, None, None),
        };
        tx.execute(
            "UPDATE inbound SET submission_id = ?1, matched_by = 'hand', attached_by = ?2,
             attached_at = ?3, subject = coalesce(?5, subject), body = coalesce(?6, body),
             folded = coalesce(?7, folded)
             WHERE id = ?4",
            params![submission, analyst, fmt_ts(at), id, subject, body, folded],
        )
        .ctx(c)?;
        log_ids(&tx, &[submission.to_string()])?;
        tx.commit().ctx(c)?;
        Ok(Ok(()))
    }

    /// The newest reply `analyst` has read, per submission they have opened the
    /// conversation of.
    pub fn read_marks(&self, analyst: &str) -> Result<std::collections::HashMap<String, i64>> {
        let c = "reading what was read";
        let mut stmt = self
            .conn
            .prepare_cached("SELECT submission_id, read_upto FROM inbound_reads WHERE analyst = ?1")
            .ctx(c)?;
        let rows = stmt
            .query_map([analyst], |r| Ok((r.get(0)?, r.get(1)?)))
            .ctx(c)?;
        rows.collect::<rusqlite::Result<_>>().ctx(c)
    }

    /// Records that `analyst` has read a submission's conversation up to reply `upto`.
    pub fn mark_read(&mut self, analyst: &str, submission: &str, upto: i64) -> Result<()> {
        let tx = self.begin_write("mark replies read")?;
        tx.execute(
            "INSERT INTO inbound_reads (analyst, submission_id, read_upto) VALUES (?1, ?2, ?3)
             ON CONFLICT (analyst, submission_id) DO UPDATE SET read_upto = max(read_upto, ?3)",
            params![analyst, submission, upto],
        )
        .ctx("marking replies read")?;
        tx.commit().ctx("marking replies read")
    }

    /// For each submission with replies: the newest reply's id (what "unread" compares
    /// with an analyst's read mark).
    pub fn newest_replies(&self) -> Result<std::collections::HashMap<String, i64>> {
        let c = "reading received mail";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT submission_id, max(id) FROM inbound
                 WHERE submission_id IS NOT NULL AND kind = 'reply' GROUP BY submission_id",
            )
            .ctx(c)?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).ctx(c)?;
        rows.collect::<rusqlite::Result<_>>().ctx(c)
    }

    /// The submissions with a reply `analyst` has not read and must answer: they hold the
    /// submission, or nobody does and they sent its last email (the attention set's second
    /// source, beside note mentions).
    pub fn replies_waiting_on(&self, analyst: &str) -> Result<Vec<String>> {
        let c = "finding replies that wait on an analyst";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT s.id FROM submissions s
                 JOIN (SELECT submission_id, max(id) AS newest FROM inbound
                       WHERE submission_id IS NOT NULL AND kind = 'reply'
                       GROUP BY submission_id) i ON i.submission_id = s.id
                 WHERE i.newest > coalesce((SELECT read_upto FROM inbound_reads r
                                            WHERE r.analyst = ?1 AND r.submission_id = s.id), 0)
                   AND (s.assignee = ?1
                        OR (s.assignee IS NULL AND (SELECT o.analyst FROM outbox o
                            WHERE o.submission_id = s.id ORDER BY o.id DESC LIMIT 1) = ?1))
                 ORDER BY s.id",
            )
            .ctx(c)?;
        let rows = stmt.query_map([analyst], |r| r.get(0)).ctx(c)?;
        rows.collect::<rusqlite::Result<_>>().ctx(c)
    }

    /// When the ISV last wrote about each submission (its newest reply, auto-replies and
    /// bounces aside): ISV activity, which restarts the idle time of the reminders.
    pub fn last_isv_replies(&self) -> Result<std::collections::HashMap<String, Timestamp>> {
        let c = "reading received mail";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT submission_id, max(received_at) FROM inbound
                 WHERE submission_id IS NOT NULL AND kind = 'reply' GROUP BY submission_id",
            )
            .ctx(c)?;
        let mut rows = stmt.query([]).ctx(c)?;
        let mut out = std::collections::HashMap::new();
        while let Some(r) = rows.next().ctx(c)? {
            let at: String = r.get(1).ctx(c)?;
            out.insert(r.get(0).ctx(c)?, parse_ts(&at)?);
        }
        Ok(out)
    }

    /// Each reply with the last email the queue had sent on its submission before it:
    /// (sent at, replied at), for the time the ISV took to answer.
    pub fn answer_times(&self) -> Result<Vec<(Timestamp, Timestamp)>> {
        let c = "reading received mail";
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT (SELECT max(o.sent_at) FROM outbox o WHERE o.submission_id = i.submission_id
                         AND o.sent_at IS NOT NULL AND o.sent_at <= i.received_at),
                        i.received_at
                 FROM inbound i WHERE i.kind = 'reply' AND i.submission_id IS NOT NULL",
            )
            .ctx(c)?;
        let mut rows = stmt.query([]).ctx(c)?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().ctx(c)? {
            let sent: Option<String> = r.get(0).ctx(c)?;
            let replied: String = r.get(1).ctx(c)?;
            if let Some(sent) = sent {
                out.push((parse_ts(&sent)?, parse_ts(&replied)?));
            }
        }
        Ok(out)
    }

    /// The email the queue sent with this Message-ID: its id and submission.
    pub fn email_by_message_id(&self, message_id: &str) -> Result<Option<(i64, String)>> {
        self.conn
            .prepare_cached("SELECT id, submission_id FROM outbox WHERE message_id = ?1")
            .and_then(|mut s| {
                s.query_row([message_id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()
            })
            .ctx("reading the outbox")
    }

    /// The open submissions (not published, not drafts) one of whose contacts is `address`
    /// (any case): the submitter, the escalation contact, a support contact.
    pub fn submissions_with_contact(&self, address: &str, limit: usize) -> Result<Vec<String>> {
        let c = "finding a sender's submissions";
        let address = address.trim().to_lowercase();
        let limit_sql = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut ids: Vec<String> = Vec::new();
        // Each by its own index, each stopping at `limit`: a shared address (a support
        // desk) is a contact of thousands, and a few are enough to know it is not one.
        for sql in [
            "SELECT id FROM submissions WHERE lower(trim(submitter_email)) = ?1
               AND state NOT IN ('published', 'draft') LIMIT ?2",
            "SELECT id FROM submissions WHERE lower(trim(escalation_contact)) = ?1
               AND state NOT IN ('published', 'draft') LIMIT ?2",
            "SELECT s.id FROM support_contacts k JOIN submissions s ON s.id = k.submission_id
               WHERE lower(trim(k.value)) = ?1 AND s.state NOT IN ('published', 'draft')
               LIMIT ?2",
        ] {
            let mut stmt = self.conn.prepare_cached(sql).ctx(c)?;
            let rows = stmt
                .query_map(params![address, limit_sql], |r| r.get::<_, String>(0))
                .ctx(c)?;
            for id in rows {
                ids.push(id.ctx(c)?);
            }
        }
        ids.sort();
        ids.dedup();
        ids.truncate(limit);
        Ok(ids)
    }

    /// The content of a received message's attachment.
    pub fn attachment_content(&self, reply: i64, position: i64) -> Result<Option<Vec<u8>>> {
        self.conn
            .prepare_cached(
                "SELECT content FROM inbound_attachments WHERE inbound_id = ?1 AND position = ?2",
            )
            .and_then(|mut s| {
                s.query_row(params![reply, position], |r| r.get(0))
                    .optional()
            })
            .map(Option::flatten)
            .ctx("reading an attachment")
    }
}
