//! The outbox's vocabulary: what state an email is in, and when a failed attempt is retried.

pub use super::records::{EmailRecord, OutboxStatus};
use jiff::{SignedDuration, Timestamp};

impl OutboxStatus {
    pub fn key(self) -> &'static str {
        match self {
            OutboxStatus::Queued => "queued",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
            OutboxStatus::Cancelled => "cancelled",
            OutboxStatus::Bounced => "bounced",
        }
    }

    pub fn from_key(s: &str) -> Option<OutboxStatus> {
        [
            OutboxStatus::Queued,
            OutboxStatus::Sending,
            OutboxStatus::Sent,
            OutboxStatus::Failed,
            OutboxStatus::Cancelled,
            OutboxStatus::Bounced,
        ]
        .into_iter()
        .find(|k| k.key() == s)
    }
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
