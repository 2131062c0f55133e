//! The outbox's vocabulary: what state an email is in, and when a failed attempt is retried.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

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
}

impl OutboxStatus {
    pub fn key(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
        }
    }

    pub fn from_key(s: &str) -> Option<OutboxStatus> {
        [
            OutboxStatus::Queued,
            OutboxStatus::Sending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
            OutboxStatus::Cancelled,
        ]
        .into_iter()
        .find(|k| k.key() == s)
    }
}

/// One email as the outbox holds it (without the message bytes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EmailRecord {
    pub id: i64,
    pub submission_id: String,
    pub kind: super::notice::EmailKind,
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
}

/// How long to wait after the `attempts`-th failed attempt: 1 min, 2, 4, ... capped at 1 h.
pub fn retry_delay(attempts: i64) -> SignedDuration {
    let exp = attempts.clamp(1, 7) - 1;
    SignedDuration::from_mins((1i64 << exp).min(60))
}

/// When to try again after a temporary failure at `now`.
pub fn next_attempt(now: Timestamp, attempts: i64) -> Timestamp {
    now.checked_add(retry_delay(attempts)).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_caps_at_an_hour() {
        let mins: Vec<i64> = (1..=9).map(|a| retry_delay(a).as_mins()).collect();
        assert_eq!(mins, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
    }
}
