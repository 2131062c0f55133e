//! The ISV's side of the thread: fetching replies (one fetcher at a time, by a lease in the
//! queue), threading each to its submission, storing it once; the inbox of what matched
//! nothing, attaching by hand, and what each analyst has read.

use super::{Result, Workflow, WorkflowError};
use crate::domain::inbound::{redact, subject_tokens};
use crate::domain::{MatchedBy, Reply, ReplyKind};
use crate::mail::fetch::{self, Fetched, Mailbox};
use crate::mail::inbound::{Limits, Received, read};
use crate::store::{LeaseHeld, MailboxMark, NewReply};
use crate::text::safe_line;
use jiff::{SignedDuration, Timestamp};

/// The lease's name, and how long one fetch may hold it (a fetch gives up after 10 min).
const LEASE: &str = "mail fetch";
const LEASE_TTL: SignedDuration = SignedDuration::from_mins(11);

/// The passwords of at most this many submissions of a sender are redacted from a message.
const CONTACTS_REDACTED: usize = 50;

/// Who holds the fetch lease: the analyst, the host and the process.
pub fn lease_holder(analyst: &str) -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("{analyst}@{host} pid {}", std::process::id())
}

/// What one `mail fetch` did.
#[derive(Debug, Default, Clone)]
pub struct FetchReport {
    /// The mailbox read, as the README names it.
    pub mailbox: String,
    /// Messages read from the mailbox.
    pub read: usize,
    /// Messages stored now (the rest were stored before: fetched twice, stored once).
    pub stored: Vec<StoredReply>,
    pub already: usize,
    /// A message the server listed without its body: the fetch stopped before it.
    pub held_back: Option<u32>,
}

/// One message stored by a fetch.
#[derive(Debug, Clone)]
pub struct StoredReply {
    pub id: i64,
    pub kind: ReplyKind,
    pub submission_id: Option<String>,
    pub matched_by: Option<MatchedBy>,
    pub sender: String,
    pub subject: String,
    pub bounce_of: Option<i64>,
    pub warnings: Vec<String>,
}

/// Why a fetch did not run.
#[derive(Debug, thiserror::Error)]
pub enum FetchRefused {
    #[error(
        "[inbound] in the config names no mailbox: set host (IMAP) or maildir (oin-review-config(5), Receiving replies)"
    )]
    NoMailbox,
    #[error("another fetch is running ({}, until {}); this one did nothing", .0.holder, .0.until)]
    Busy(LeaseHeld),
    #[error("{0}")]
    Mailbox(String),
}

impl Workflow {
    /// The mailbox replies are fetched from, if the config names one.
    pub fn mailbox(&self) -> Result<Option<Mailbox>> {
        Ok(Mailbox::from_config(&self.mail.inbound)?)
    }

    /// Fetches new messages and stores each once, threaded to its submission when it can
    /// be. Holds the queue's fetch lease throughout, so one fetch runs at a time however
    /// many consoles and cron jobs try. Nothing is lost when the mailbox cannot be reached:
    /// a message is marked read in the mailbox only after it is stored.
    pub async fn fetch_replies(
        &mut self,
        holder: &str,
        now: &(dyn Fn() -> Timestamp + Sync),
    ) -> Result<std::result::Result<FetchReport, FetchRefused>> {
        let Some(mailbox) = self.mailbox()? else {
            return Ok(Err(FetchRefused::NoMailbox));
        };
        let label = mailbox.label();
        let mark = self.store.mailbox_mark(&label)?;
        if let Err(held) = self.store.take_lease(LEASE, holder, now(), LEASE_TTL)? {
            return Ok(Err(FetchRefused::Busy(held)));
        }
        let limits = Limits {
            message_bytes: self.mail.inbound.max_message_bytes,
            attachments: self.mail.inbound.max_attachments,
            attachment_bytes: self.mail.inbound.max_attachment_bytes,
        };
        let mut report = FetchReport {
            mailbox: label.clone(),
            ..FetchReport::default()
        };
        let mut store_error: Option<WorkflowError> = None;
        let outcome = {
            let report = &mut report;
            let store_error = &mut store_error;
            let wf = &mut *self;
            let label = label.clone();
            let mut store = move |batch: Vec<Fetched>, mark: Option<MailboxMark>| {
                // Each chunk renews the lease: a long fetch is never overtaken by a second.
                let stored = wf
                    .store
                    .take_lease(LEASE, holder, now(), LEASE_TTL)
                    .map_err(WorkflowError::from)
                    .and_then(|_| {
                        wf.store_fetched(&batch, &limits, mark.map(|m| (label.as_str(), m)), now())
                    });
                match stored {
                    Ok((stored, already)) => {
                        report.stored.extend(stored);
                        report.already += already;
                        Ok(())
                    }
                    Err(e) => {
                        let said = e.to_string();
                        *store_error = Some(e);
                        Err(format!("storing what was fetched: {said}"))
                    }
                }
            };
            fetch::fetch(&mailbox, mark, limits.message_bytes, &mut store).await
        };
        let _ = self.store.release_lease(LEASE, holder);
        if let Some(e) = store_error {
            return Err(e);
        }
        match outcome {
            Ok(count) => {
                report.read = count.read;
                report.held_back = count.held_back;
                Ok(Ok(report))
            }
            Err(why) => Ok(Err(FetchRefused::Mailbox(why))),
        }
    }

    /// Opens the inbound mailbox and says what it reached, reading nothing.
    pub async fn try_mailbox(&self) -> Result<Option<std::result::Result<String, String>>> {
        match self.mailbox()? {
            Some(m) => Ok(Some(fetch::try_connect(&m).await)),
            None => Ok(None),
        }
    }

    /// Reads, threads and stores one batch in one transaction (with the mailbox's new
    /// position). Returns what was stored now, and how many were stored before.
    fn store_fetched(
        &mut self,
        batch: &[Fetched],
        limits: &Limits,
        mark: Option<(&str, MailboxMark)>,
        at: Timestamp,
    ) -> Result<(Vec<StoredReply>, usize)> {
        let mut rows = Vec::with_capacity(batch.len());
        for f in batch {
            let got = read(&f.raw, limits);
            rows.push(self.thread(got, &f.source)?);
        }
        let ids = self.store.store_replies(&rows, mark, at)?;
        let mut stored = Vec::new();
        let mut already = 0;
        for (row, id) in rows.into_iter().zip(ids) {
            match id {
                Some(id) => {
                    tracing::info!(
                        id,
                        kind = row.kind.key(),
                        submission = row.submission_id.as_deref().unwrap_or("(unmatched)"),
                        matched_by = row.matched_by.map_or("", MatchedBy::key),
                        "received"
                    );
                    stored.push(StoredReply {
                        id,
                        kind: row.kind,
                        submission_id: row.submission_id,
                        matched_by: row.matched_by,
                        sender: row.sender,
                        subject: row.subject,
                        bounce_of: row.bounce_of,
                        warnings: row.warnings,
                    })
                }
                None => already += 1,
            }
        }
        Ok((stored, already))
    }

    /// The submission a message belongs to: the email it answers (In-Reply-To, References;
    /// a bounce's returned message), else the one id its subject names, else the one open
    /// submission its sender is a contact of. The password of every submission it could
    /// be about is redacted from it.
    fn thread(&self, got: Received, source: &str) -> Result<NewReply> {
        let mut submission = None;
        let mut matched_by = None;
        let mut bounce_of = None;
        let answered = got
            .bounced
            .as_ref()
            .and_then(|(original, _)| original.clone())
            .into_iter()
            .chain(got.answers.iter().cloned());
        for id in answered {
            if let Some((email, sub)) = self.email_answered(&id)? {
                if got.kind == ReplyKind::Bounce && bounce_of.is_none() {
                    bounce_of = Some(email);
                }
                submission = Some(sub);
                matched_by = Some(MatchedBy::Thread);
                break;
            }
        }
        let mut candidates: Vec<String> = Vec::new();
        for token in subject_tokens(&got.subject) {
            if let Some(id) = self.store.id_named(&token)?
                && !candidates.contains(&id)
            {
                candidates.push(id);
            }
        }
        if submission.is_none() && candidates.len() == 1 {
            submission = candidates.first().cloned();
            matched_by = Some(MatchedBy::Subject);
        }
        // The sender's submissions, when nothing else placed it (a few are enough to say
        // whether there is exactly one, and whose passwords to redact).
        let contacts = if got.sender.is_empty() || submission.is_some() {
            Vec::new()
        } else {
            self.store
                .submissions_with_contact(&got.sender, CONTACTS_REDACTED + 1)?
        };
        if submission.is_none() && contacts.len() == 1 {
            submission = contacts.first().cloned();
            matched_by = Some(MatchedBy::Sender);
        }
        // Every submission it could concern: its password never reaches the queue. (A sender
        // who is a contact of very many submissions, a shared support address, names none
        // in particular: those of the one it threads to and the ids it names are redacted.)
        let mut secrets: Vec<String> = Vec::new();
        let contacts_few = if contacts.len() <= CONTACTS_REDACTED {
            contacts.as_slice()
        } else {
            &[]
        };
        for id in submission.iter().chain(&candidates).chain(contacts_few) {
            if let Some(p) = self.store.password_of(id)? {
                secrets.push(p);
            }
        }
        let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
        let (bounce_reason, kind) = match &got.bounced {
            Some((_, reason)) => (Some(reason.clone()), ReplyKind::Bounce),
            None => (None, got.kind),
        };
        // Text attachments too (a credentials file, a forwarded message).
        let attachments = got
            .attachments
            .into_iter()
            .map(|mut a| {
                if let Some(text) = a
                    .content
                    .as_deref()
                    .and_then(|c| std::str::from_utf8(c).ok())
                {
                    let clean = redact(text, &secrets);
                    if clean != text {
                        a.size = clean.len() as i64;
                        a.content = Some(clean.into_bytes());
                    }
                }
                a
            })
            .collect();
        Ok(NewReply {
            message_key: got.key,
            submission_id: submission,
            matched_by,
            kind,
            sender: got.sender,
            sender_name: got.sender_name.map(|n| redact(&n, &secrets)),
            sent_at: got.sent_at,
            subject: redact(&got.subject, &secrets),
            text: redact(&got.text, &secrets),
            folded: redact(&got.folded, &secrets),
            warnings: got.warnings,
            bounce_of,
            bounce_reason: bounce_reason.map(|r| redact(&r, &secrets)),
            source: safe_line(source),
            raw_bytes: got.raw_bytes,
            attachments,
        })
    }

    /// The queue's email with this Message-ID (with or without its angle brackets).
    fn email_answered(&self, message_id: &str) -> Result<Option<(i64, String)>> {
        let bare = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        if bare.is_empty() {
            return Ok(None);
        }
        if let Some(found) = self.store.email_by_message_id(&format!("<{bare}>"))? {
            return Ok(Some(found));
        }
        Ok(self.store.email_by_message_id(bare)?)
    }

    /// Received messages: every one, or only those that matched no submission.
    pub fn inbox(&self, unmatched_only: bool) -> Result<Vec<Reply>> {
        Ok(if unmatched_only {
            self.store.unmatched_replies()?
        } else {
            self.store.all_replies()?
        })
    }

    /// One received message.
    pub fn received(&self, id: i64) -> Result<Reply> {
        self.store.reply(id)?.ok_or_else(|| {
            WorkflowError::Refused(format!(
                "no received message {id}; `oin-review mail inbox` lists them"
            ))
        })
    }

    /// The content of a message's attachment `n` (from 1), as it came.
    pub fn attachment(&self, message: i64, n: i64) -> Result<Vec<u8>> {
        let reply = self.received(message)?;
        let Some(a) = reply.attachments.iter().find(|a| a.position + 1 == n) else {
            return Err(WorkflowError::Refused(format!(
                "message {message} has {} attachment(s); `oin-review mail read {message}` numbers them",
                reply.attachments.len()
            )));
        };
        match self.store.attachment_content(message, a.position)? {
            Some(bytes) => Ok(bytes),
            None => Err(WorkflowError::Refused(format!(
                "attachment {n} of message {message} ({}, {} bytes) was over the size limit when it came: only its name, type and size were kept",
                safe_line(&a.name),
                a.size
            ))),
        }
    }

    /// Attaches an unmatched message to a submission, by hand.
    pub fn attach_reply(
        &mut self,
        message: i64,
        submission: &str,
        analyst: &str,
        at: Timestamp,
    ) -> Result<String> {
        let canonical = self.canonical_ids(&[submission.to_string()])?;
        let id = canonical
            .first()
            .map_or(submission, String::as_str)
            .to_string();
        // Nothing knew whose it was when it came: its new submission's password is redacted
        // from it now.
        let redacted = match (self.store.password_of(&id)?, self.store.reply(message)?) {
            (Some(p), Some(r)) => {
                let secrets = [p.as_str()];
                Some((
                    redact(&r.subject, &secrets),
                    redact(&r.text, &secrets),
                    redact(&r.folded, &secrets),
                ))
            }
            _ => None,
        };
        match self
            .store
            .attach_reply(message, &id, analyst, at, redacted)?
        {
            Ok(()) => {
                tracing::info!(message, submission = id, analyst, "attached");
                Ok(id)
            }
            Err(why) => Err(WorkflowError::Refused(why)),
        }
    }

    /// Records that `analyst` has read a submission's conversation up to its newest reply.
    pub fn mark_conversation_read(
        &mut self,
        analyst: &str,
        submission: &str,
        upto: i64,
    ) -> Result<()> {
        Ok(self.store.mark_read(analyst, submission, upto)?)
    }

    /// What a query asks about replies (`replied:`, `idle:`), for `analyst`.
    pub fn replies_known(&self, analyst: &str) -> Result<crate::domain::query::RepliesKnown> {
        Ok(crate::domain::query::RepliesKnown {
            last: self.store.last_isv_replies()?,
            unread: self.unread_replies(analyst)?.into_keys().collect(),
        })
    }

    /// When the ISV last replied, by submission (their activity, for the idle reminders).
    pub fn last_isv_replies(&self) -> Result<std::collections::HashMap<String, Timestamp>> {
        Ok(self.store.last_isv_replies()?)
    }

    /// The newest reply `analyst` has read, per submission.
    pub fn read_marks(&self, analyst: &str) -> Result<std::collections::HashMap<String, i64>> {
        Ok(self.store.read_marks(analyst)?)
    }

    /// Per submission with replies, how many `analyst` has not read (by the newest reply
    /// each has and the analyst's mark: at least one when the newest is unread).
    pub fn unread_replies(&self, analyst: &str) -> Result<std::collections::HashMap<String, i64>> {
        let marks = self.store.read_marks(analyst)?;
        Ok(self
            .store
            .newest_replies()?
            .into_iter()
            .filter(|(sub, newest)| marks.get(sub).is_none_or(|m| m < newest))
            .collect())
    }
}
