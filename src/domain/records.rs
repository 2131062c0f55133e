//! The record types the rest of `domain/` builds on: what a submission carries (its test
//! runs, phases, findings and emails), as data. This module imports none of its siblings;
//! the rules about these types live beside them (`impl` blocks in freshness, sla,
//! findings, lint, outbox, notice and submission), so no import goes in a circle.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A test case of the OIN Submission Tester.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestCase {
    IdpFlow,
    SpFlow,
    JitIdp,
    JitSp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TestOutcome {
    Passed,
    Failed,
}

/// Which version of the integration an instance runs: updates of published integrations
/// need both tested (backwards compatibility).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum InstanceVersion {
    #[default]
    Current,
    Published,
}

/// One run of one test case on one app instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRun {
    pub instance: String,
    #[serde(default)]
    pub instance_version: InstanceVersion,
    pub protocol: Protocol,
    pub test_case: TestCase,
    pub result: TestOutcome,
    pub run_at: Timestamp,
}

/// A review phase that has an SLA clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    InitialReview,
    QaTesting,
    FinalReview,
}

/// A finding the analyst wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OwnFinding {
    pub id: i64,
    pub severity: Severity,
    pub text: String,
    pub included: bool,
    pub by: String,
    pub at: Timestamp,
    /// Row version: an edit based on an older one is refused.
    pub version: i64,
}

/// The analyst's decision to leave a lint finding out of the email (or put it back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleDecision {
    pub rule: String,
    pub included: bool,
    /// Why it is left out; required when `included` is false.
    pub reason: Option<String>,
    pub by: String,
    pub at: Timestamp,
}

/// A claim or an assignment: who held the submission before and after, who did it, when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assignment {
    pub from: Option<String>,
    pub to: Option<String>,
    pub at: Timestamp,
    pub by: String,
}

impl Assignment {
    /// What happened, in a few words: "claimed", "assigned to ben (from asha)", "unassigned
    /// (was ben)".
    pub fn words(&self) -> String {
        let was = |w: &str| {
            self.from
                .as_deref()
                .map(|f| format!(" ({w} {f})"))
                .unwrap_or_default()
        };
        match self.to.as_deref() {
            Some(to) if to == self.by => format!("claimed{}", was("from")),
            Some(to) => format!("assigned to {to}{}", was("from")),
            None => format!("unassigned{}", was("was")),
        }
    }
}

/// What the analyst has recorded about a submission's findings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReviewNotes {
    pub own: Vec<OwnFinding>,
    pub decisions: Vec<RuleDecision>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Blocker,
    Warning,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Waiting for delivery (also after a temporary failure, until its next attempt).
    Queued,
    /// Claimed by a sender; back to queued if the sender dies before it knows the outcome.
    Sending,
    /// Accepted by the server (or written to the file outbox).
    Sent,
    /// Refused for good (5xx): flagged for the analyst, never retried by itself.
    Failed,
    /// Taken back before it went: by `outbox cancel`, or by undoing the move it went with.
    Cancelled,
    /// Sent, then returned: a delivery status notification came back for it (the sent row
    /// is final; the bounce is recorded beside it, with its reason, in `bounce`).
    Bounced,
}

/// One email as the outbox holds it (without the message bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailRecord {
    pub id: i64,
    pub submission_id: String,
    pub kind: EmailKind,
    pub message_id: String,
    pub recipients: Vec<String>,
    pub subject: String,
    pub status: OutboxStatus,
    pub attempts: i64,
    pub queued_at: Timestamp,
    pub next_attempt_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub server_reply: Option<String>,
    pub analyst: String,
    /// While `sending`: when a process took it to deliver.
    pub claimed_at: Option<Timestamp>,
    /// When and by whom it was cancelled (also set on an email being sent when its move
    /// was undone: it is cancelled if that attempt fails).
    pub cancelled_at: Option<Timestamp>,
    pub cancelled_by: Option<String>,
    /// Not delivered before this instant (`[mail] hold`).
    pub held_until: Option<Timestamp>,
    /// Why it bounced, when a delivery status notification came back for it.
    pub bounce: Option<String>,
}

/// What a message received from the mailbox is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplyKind {
    /// Written by someone: the ISV's side of the thread.
    Reply,
    /// Sent by a machine (`Auto-Submitted`, an out-of-office): stored, not ISV activity.
    AutoReply,
    /// A delivery status notification for one of the queue's emails.
    Bounce,
}

/// How a received message was matched to its submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchedBy {
    /// `In-Reply-To`/`References` name an email the queue sent.
    Thread,
    /// The submission's id is in the subject.
    Subject,
    /// The sender is a contact of exactly one open submission.
    Sender,
    /// An analyst attached it by hand.
    Hand,
}

/// A file attached to a received message (its content stays in the queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReplyAttachment {
    pub position: i64,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    /// False when it was over the size limit and only its name, type and size were kept.
    pub kept: bool,
}

/// A message received from the ISV's side (or about the queue's mail): append-only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reply {
    pub id: i64,
    /// Null while unmatched.
    pub submission_id: Option<String>,
    pub matched_by: Option<MatchedBy>,
    pub kind: ReplyKind,
    pub sender: String,
    pub sender_name: Option<String>,
    /// The message's own Date header, when it has a readable one.
    pub sent_at: Option<Timestamp>,
    /// When the queue fetched it.
    pub received_at: Timestamp,
    pub subject: String,
    /// The plain text, with quoted history and the signature folded away.
    pub text: String,
    /// What was folded away (quoted history, signature), kept to read on demand.
    pub folded: String,
    /// What was wrong with it: stored in part, malformed MIME kept as raw text, ...
    pub warnings: Vec<String>,
    /// For a bounce: the queue's email it returns, and why.
    pub bounce_of: Option<i64>,
    pub bounce_reason: Option<String>,
    pub attachments: Vec<ReplyAttachment>,
    /// Who attached it by hand, when it was unmatched.
    pub attached_by: Option<String>,
}

/// The kinds of email a move sends (one per target state).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmailKind {
    /// Queued for initial review, with the date it is expected to finish (000).
    Received,
    /// Initial review passed (or a fix let QA continue): in QA, with the expected date.
    QaStarted,
    /// Fixes received: final review, with the expected date.
    FinalReview,
    /// The list of issues to fix (isv_review, isv_fix_bugs).
    Issues,
    /// QA or final review complete: published.
    Published,
    /// The ISV has held the item longer than the idle time: what is waiting on it
    /// (`oin-review remind`; never sent by a move).
    Reminder,
    /// A move whose email the ISV received was undone: the submission is back where it
    /// was, and the earlier email should be disregarded (`oin-review mail correct`).
    Correction,
}

/// Protocols a submission declares; `swa` and `spa` are known so the lint can refuse them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Protocol {
    Saml,
    Oidc,
    Scim,
    Workflows,
    ApiService,
    Swa,
    Spa,
    /// Header-based authentication with a custom header expression: a private integration.
    HeaderAuth,
}
