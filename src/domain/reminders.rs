//! ISV reminders: an item the ISV has held (ISV needs to review, ISV needs to fix bugs) for
//! longer than the policy's idle time is *idle*; each idle period of that length may bring
//! one reminder email to the escalation contact, and after the policy's number of
//! reminders the item is *stale*: listed for the lead, never closed. Pure: `now`, the
//! item's state and the reminders already sent are parameters.
//!
//! The seeds say nothing of reminders: the team's policy (README, "ISV reminders").

use super::sla::BusinessCalendar;
use super::state::ReviewState;
use jiff::Timestamp;
use serde::Deserialize;

/// `[reminders]` of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReminderPolicy {
    /// Business days the ISV may hold an item before it is idle, and between reminders.
    pub isv_idle_business_days: u32,
    /// After this many reminders in one stay with the ISV, the item is stale: no more
    /// reminders, listed for the lead.
    pub stale_after_reminders: u32,
}

impl Default for ReminderPolicy {
    fn default() -> Self {
        ReminderPolicy {
            isv_idle_business_days: 10,
            stale_after_reminders: 3,
        }
    }
}

/// Whether the ISV holds the item with changes to make (the states whose clock is paused).
pub fn waiting_on_isv(state: ReviewState) -> bool {
    state.is_with_isv_for_fixes()
}

/// When an item counts as idle: the calendar and the idle time in business seconds.
#[derive(Debug, Clone, Copy)]
pub struct IdleRule<'a> {
    pub calendar: &'a BusinessCalendar,
    pub after_seconds: i64,
    pub stale_after: u32,
}

impl<'a> IdleRule<'a> {
    pub fn new(calendar: &'a BusinessCalendar, policy: &ReminderPolicy) -> IdleRule<'a> {
        IdleRule {
            calendar,
            after_seconds: i64::from(policy.isv_idle_business_days) * calendar.day_length(),
            stale_after: policy.stale_after_reminders,
        }
    }

    /// Business seconds the ISV has held an item in `state` since `since` (None when the
    /// ISV is not holding it for changes).
    pub fn waiting(
        &self,
        state: ReviewState,
        since: Option<Timestamp>,
        now: Timestamp,
    ) -> Option<i64> {
        let since = since.filter(|_| waiting_on_isv(state))?;
        Some(self.calendar.business_seconds(since, now))
    }

    /// Whether the ISV has held it longer than the idle time.
    pub fn is_idle(&self, state: ReviewState, since: Option<Timestamp>, now: Timestamp) -> bool {
        self.waiting(state, since, now)
            .is_some_and(|w| w >= self.after_seconds)
    }

    /// What to do about an item: `sent` are the times reminders were queued for it (any
    /// order); only those of this stay (at or after `since`) count.
    pub fn reminder(
        &self,
        state: ReviewState,
        since: Option<Timestamp>,
        sent: &[Timestamp],
        now: Timestamp,
    ) -> Reminder {
        let Some(since) = since.filter(|_| self.is_idle(state, since, now)) else {
            return Reminder::NotIdle;
        };
        let this_stay: Vec<Timestamp> = sent.iter().copied().filter(|t| *t >= since).collect();
        let count = this_stay.len() as u32;
        if count >= self.stale_after {
            return Reminder::Stale { sent: count };
        }
        match this_stay.iter().max() {
            Some(last) if self.calendar.business_seconds(*last, now) < self.after_seconds => {
                Reminder::TooSoon { last: *last }
            }
            _ => Reminder::Due { number: count + 1 },
        }
    }
}

/// What the reminder rule says of one item at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    /// Not held by the ISV, or not for longer than the idle time.
    NotIdle,
    /// Idle, and its last reminder was less than one idle period ago.
    TooSoon { last: Timestamp },
    /// Idle: reminder `number` (1-based) is due.
    Due { number: u32 },
    /// Reminded as often as the policy allows in this stay: for the lead to decide.
    Stale { sent: u32 },
}
