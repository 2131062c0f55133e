//! The ISV's side of the thread: how a received message's text is folded, which ids its
//! subject may name, what it must never show, and what a reply offers. Pure: the parsing
//! is `mail::inbound`'s, the threading's lookups the workflow's.

use super::records::{EmailRecord, OutboxStatus};
pub use super::records::{MatchedBy, Reply, ReplyAttachment, ReplyKind};
use super::state::ReviewState;
use super::submission::Submission;
use jiff::Timestamp;

impl ReplyKind {
    pub fn key(self) -> &'static str {
        match self {
            ReplyKind::Reply => "reply",
            ReplyKind::AutoReply => "auto_reply",
            ReplyKind::Bounce => "bounce",
        }
    }

    pub fn from_key(s: &str) -> Option<ReplyKind> {
        [ReplyKind::Reply, ReplyKind::AutoReply, ReplyKind::Bounce]
            .into_iter()
            .find(|k| k.key() == s)
    }
}

impl MatchedBy {
    pub fn key(self) -> &'static str {
        match self {
            MatchedBy::Thread => "thread",
            MatchedBy::Subject => "subject",
            MatchedBy::Sender => "sender",
            MatchedBy::Hand => "hand",
        }
    }

    pub fn from_key(s: &str) -> Option<MatchedBy> {
        [
            MatchedBy::Thread,
            MatchedBy::Subject,
            MatchedBy::Sender,
            MatchedBy::Hand,
        ]
        .into_iter()
        .find(|k| k.key() == s)
    }
}

impl Reply {
    /// Whether it counts as the ISV's activity (idle reminders, unread, time to answer):
    /// a message someone wrote, not an auto-reply or a bounce.
    pub fn is_isv_activity(&self) -> bool {
        self.kind == ReplyKind::Reply
    }
}

/// The text of a message split into what it says and what is folded away: quoted history
/// (`> ` lines, "On … wrote:", an "Original Message" or Outlook header block) and the
/// signature (after a `-- ` line). A message that is nothing but quotes keeps them.
pub fn fold(text: &str) -> (String, String) {
    let lines: Vec<&str> = text.lines().collect();
    let cut = lines
        .iter()
        .enumerate()
        .position(|(i, l)| starts_fold(l, lines.get(i + 1).copied()))
        .unwrap_or(lines.len());
    let kept = lines[..cut].join("\n").trim_end().to_string();
    let folded = lines[cut..].join("\n").trim().to_string();
    if kept.trim().is_empty() {
        return (text.trim().to_string(), String::new());
    }
    (kept, folded)
}

/// Whether `line` starts the quoted history or the signature.
fn starts_fold(line: &str, next: Option<&str>) -> bool {
    let t = line.trim();
    if line == "-- " || t == "--" || t.starts_with('>') {
        return true;
    }
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("-----original message-----")
        || lower.starts_with("________________________________")
        || lower.starts_with("---------- forwarded message")
    {
        return true;
    }
    // "On Fri, 4 Dec 2026 at 11:00, Okta <…> wrote:" (one line, or wrapped onto two).
    let wrote = |s: &str| s.trim_end().ends_with("wrote:");
    (lower.starts_with("on ") && (wrote(t) || next.is_some_and(wrote)))
        || (lower.starts_with("from:")
            && next.is_some_and(|n| {
                let n = n.trim_start().to_ascii_lowercase();
                n.starts_with("sent:") || n.starts_with("date:")
            }))
}

/// The words of a subject that could be a submission's id (the queue's subjects carry it,
/// "[OIN] Acme (OIN-2026-0142): …"): letters, digits, `-`, `_` and `.`, with a digit.
pub fn subject_tokens(subject: &str) -> Vec<String> {
    let mut tokens: Vec<String> = subject
        .split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .map(|t| t.trim_matches(['.', '-', '_']))
        .filter(|t| t.len() >= 3 && t.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .collect();
    tokens.dedup();
    tokens
}

/// `text` with every secret replaced by `[redacted]` (the test account's password, when an
/// ISV sends it back; as in outgoing mail, it is never shown or stored).
pub fn redact(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| s.chars().count() >= 4) {
        out = out.replace(s, "[redacted]");
    }
    out
}

/// One entry of a submission's conversation: an email the queue sent, or a message that
/// came back, in the order they happened.
#[derive(Debug, Clone, Copy)]
pub enum Said<'a> {
    Sent(&'a EmailRecord),
    Received(&'a Reply),
}

impl Said<'_> {
    pub fn at(&self) -> Timestamp {
        match self {
            Said::Sent(e) => e.sent_at.unwrap_or(e.queued_at),
            Said::Received(r) => r.received_at,
        }
    }
}

/// The emails sent (or on their way) and the messages received, newest last. Cancelled
/// emails never reached the ISV and are left out.
pub fn conversation(sub: &Submission) -> Vec<Said<'_>> {
    let mut all: Vec<Said> = sub
        .emails
        .iter()
        .filter(|e| e.status != OutboxStatus::Cancelled)
        .map(Said::Sent)
        .chain(sub.replies.iter().map(Said::Received))
        .collect();
    all.sort_by_key(|s| s.at());
    all
}

/// The ISV's replies an analyst has not read: those after `read_upto` (the newest reply
/// they had when they last opened the conversation).
pub fn unread(sub: &Submission, read_upto: i64) -> usize {
    sub.replies
        .iter()
        .filter(|r| r.is_isv_activity() && r.id > read_upto)
        .count()
}

/// The move a reply asks for, offered in the detail (never made by itself): a reply in
/// `isv_fix_bugs` since the ISV was sent back asks to continue QA, the fix that needed no
/// Wizard edits (004: "inform the OIN team of your fix so that they can continue QA
/// testing"). The text is not classified.
pub fn offered_move(sub: &Submission) -> Option<ReviewState> {
    if sub.state != ReviewState::IsvFixBugs {
        return None;
    }
    let since = sub.in_state_since()?;
    sub.replies
        .iter()
        .any(|r| r.is_isv_activity() && r.received_at >= since)
        .then_some(ReviewState::QaTesting)
}

/// The last time the ISV wrote, if ever (ISV activity for the idle reminders).
pub fn last_isv_reply(sub: &Submission) -> Option<Timestamp> {
    sub.replies
        .iter()
        .filter(|r| r.is_isv_activity())
        .map(|r| r.received_at)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_history_and_the_signature_fold_away() {
        let text = "Fixed the ACS URL, no Wizard edits needed.\n\nThanks,\nJo\n-- \nJo Smith | Acme\n\nOn Fri, 4 Dec 2026 at 11:00, OIN <oin@okta.example> wrote:\n> Issues found";
        let (kept, folded) = fold(text);
        assert_eq!(
            kept,
            "Fixed the ACS URL, no Wizard edits needed.\n\nThanks,\nJo"
        );
        assert!(folded.starts_with("-- \nJo Smith") && folded.ends_with("> Issues found"));
        let outlook =
            "Done.\n\nFrom: OIN <oin@okta.example>\nSent: Friday, December 4, 2026\nSubject: x";
        assert_eq!(fold(outlook).0, "Done.");
        let wrapped =
            "Yes.\nOn Fri, 4 Dec 2026 at 11:00, a very long name\n<oin@okta.example> wrote:\n> q";
        assert_eq!(fold(wrapped).0, "Yes.");
        assert_eq!(fold("> only a quote").0, "> only a quote");
    }

    #[test]
    fn subject_tokens_find_ids_in_the_queue_s_subjects() {
        assert_eq!(
            subject_tokens("Re: [OIN] Acme Expense (OIN-2026-0142): issues found"),
            ["OIN-2026-0142"]
        );
        assert_eq!(subject_tokens("RE: AW: hello"), Vec::<String>::new());
    }

    #[test]
    fn a_password_is_redacted_wherever_it_appears() {
        assert_eq!(
            redact("the password is Hunter2!x, again Hunter2!x", &["Hunter2!x"]),
            "the password is [redacted], again [redacted]"
        );
    }
}
