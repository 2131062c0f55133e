//! ISV reminders (`domain::reminders`): which items the ISV has held too long, the reminder
//! each is due, and queueing them, at most one per idle period, through the outbox.

use super::{Going, Plan, PlanItem, Planned, Result, Workflow};
use crate::domain::MoveItem;
use crate::domain::notice::EmailKind;
use crate::domain::reminders::Reminder;
use crate::domain::{QueueLine, ReviewState};
use crate::mail::Composed;
use crate::store::{LineFilter, MoveRefused, ReminderGuard, ReminderRefused};
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};

/// An item the ISV has held longer than the idle time, and what the rule says of it.
#[derive(Debug, Clone, PartialEq)]
pub struct IdleItem {
    pub id: String,
    pub app_name: String,
    pub state: ReviewState,
    /// When it went to the ISV, and the business seconds since.
    pub since: Timestamp,
    pub waiting_seconds: i64,
    pub reminder: Reminder,
    pub version: i64,
    /// Reminders the outbox holds for it (any stay), when this was read.
    pub reminders_seen: usize,
}

/// What `remind` did (or, with `--dry-run`, would do).
#[derive(Debug, Clone)]
pub struct RemindReport {
    pub dry_run: bool,
    /// Reminders queued (or due, on a dry run): id, which reminder of the stay, recipients,
    /// and the outbox id once queued.
    pub queued: Vec<(IdleItem, Vec<String>, Option<i64>)>,
    /// Idle items that get no reminder now, and why (no escalation address, a template
    /// error, a colleague was faster).
    pub refused: Vec<(String, String)>,
    /// Idle items reminded less than one idle period ago.
    pub waiting: Vec<IdleItem>,
    /// Items reminded as often as the policy allows: for the lead.
    pub stale: Vec<IdleItem>,
}

impl Workflow {
    /// Every idle item at `now`, longest waiting first, with its reminder verdict.
    pub fn idle_items(&self, now: Timestamp) -> Result<Vec<IdleItem>> {
        let rule = self.policy.idle_rule();
        let sent = self.store.reminders_sent()?;
        // A reply is the ISV's activity: the idle time runs from it when it is later.
        let replied = self.store.last_isv_replies()?;
        let filter = LineFilter {
            states: vec![ReviewState::IsvReview, ReviewState::IsvFixBugs],
            ..LineFilter::default()
        };
        let mut out = Vec::new();
        self.store.each_line(&filter, now, &mut |line: QueueLine| {
            let since = match (line.in_state_since, replied.get(line.id())) {
                (Some(s), Some(&r)) => Some(s.max(r)),
                (s, _) => s,
            };
            if let Some(since) = since
                && rule.is_idle(line.state, Some(since), now)
            {
                let times = sent.get(line.id()).map(Vec::as_slice).unwrap_or_default();
                out.push(IdleItem {
                    id: line.id().to_string(),
                    app_name: line.app_name().to_string(),
                    state: line.state,
                    since,
                    waiting_seconds: rule.calendar.business_seconds(since, now),
                    reminder: rule.reminder(line.state, Some(since), times, now),
                    version: line.version,
                    reminders_seen: times.len(),
                });
            }
            true
        })?;
        out.sort_by(|a, b| a.since.cmp(&b.since).then_with(|| a.id.cmp(&b.id)));
        Ok(out)
    }

    /// The reminders due at `now`, planned for the analyst to read (the console's
    /// `:remind`): each pinned to the item's version and the reminders seen, with the idle
    /// items that get none and why; and the idle items.
    pub fn plan_reminders(&self, now: Timestamp) -> Result<(Plan, Vec<IdleItem>)> {
        let idle = self.idle_items(now)?;
        let mut plan = Plan {
            what: Planned::Reminders,
            items: Vec::new(),
            kind: Some(EmailKind::Reminder),
            at: now,
        };
        let enabled = self.mail.config.emails.enabled(EmailKind::Reminder);
        for item in &idle {
            let mut planned = PlanItem {
                item: MoveItem {
                    expected_version: Some(item.version),
                    ..MoveItem::new(item.id.clone())
                },
                from: Some(item.state),
                result: Ok(Going::default()),
                email: None,
                claimed_by: None,
                guard: Some(ReminderGuard {
                    expected_version: item.version,
                    reminders_seen: item.reminders_seen,
                }),
            };
            match item.reminder {
                Reminder::Due { .. } if !enabled => {
                    planned.result = Err(MoveRefused::NoEmail(
                        "reminder emails are switched off in the config ([mail.emails] reminder = false)"
                            .into(),
                    ))
                }
                Reminder::Due { .. } => match self.compose_reminder(item, now) {
                    Ok(c) => planned.email = Some(c),
                    Err(e) => planned.result = Err(MoveRefused::NoEmail(e)),
                },
                Reminder::Stale { sent } => {
                    planned.result = Err(MoveRefused::NoEmail(format!(
                        "stale: {sent} reminders sent since it went to the ISV; no more are sent (for the lead to decide)"
                    )))
                }
                Reminder::TooSoon { .. } | Reminder::NotIdle => continue,
            }
            plan.items.push(planned);
        }
        Ok((plan, idle))
    }

    fn compose_reminder(
        &self,
        item: &IdleItem,
        now: Timestamp,
    ) -> std::result::Result<Composed, String> {
        let sub = self.to_email(&item.id)?;
        if sub.version != item.version {
            return Err("changed while the reminders were written; run remind again".into());
        }
        self.compose_for(&sub, EmailKind::Reminder, now)
    }

    /// `remind`: the reminders due at `now`, queued unless `dry_run`.
    pub fn remind(&mut self, dry_run: bool, analyst: &str, now: Timestamp) -> Result<RemindReport> {
        let (plan, idle) = self.plan_reminders(now)?;
        let mut report = RemindReport {
            dry_run,
            queued: Vec::new(),
            refused: Vec::new(),
            waiting: Vec::new(),
            stale: Vec::new(),
        };
        for item in &idle {
            match item.reminder {
                Reminder::Stale { .. } => report.stale.push(item.clone()),
                Reminder::TooSoon { .. } => report.waiting.push(item.clone()),
                _ => {}
            }
        }
        let stale: HashSet<&str> = report.stale.iter().map(|i| i.id.as_str()).collect();
        report.refused = plan
            .stopped()
            .filter(|(i, _)| !stale.contains(i.item.id.as_str()))
            .map(|(i, why)| (i.item.id.clone(), no_email(why)))
            .collect();
        let outcomes = if dry_run {
            plan.emails()
                .map(|c| (c.submission_id.clone(), Ok(None)))
                .collect::<Vec<_>>()
        } else {
            self.commit(&plan, analyst, now)?
                .reminded
                .into_iter()
                .map(|(id, r)| (id, r.map(Some)))
                .collect()
        };
        let items: HashMap<&str, &IdleItem> = idle.iter().map(|i| (i.id.as_str(), i)).collect();
        let emails: HashMap<&str, &Composed> = plan
            .emails()
            .map(|c| (c.submission_id.as_str(), c))
            .collect();
        for (id, result) in outcomes {
            let Some(item) = items.get(id.as_str()).copied() else {
                continue;
            };
            match result {
                Ok(outbox_id) => {
                    let to = emails
                        .get(id.as_str())
                        .map(|c| c.to.iter().chain(&c.cc).cloned().collect())
                        .unwrap_or_default();
                    report.queued.push((item.clone(), to, outbox_id));
                }
                // A colleague's run reminded it first: that is the one reminder.
                Err(ReminderRefused::AlreadyReminded { .. }) => report.waiting.push(item.clone()),
                Err(why) => report.refused.push((id, why.to_string())),
            }
        }
        Ok(report)
    }
}

/// Why a planned reminder does not go, as the analyst reads it.
pub fn no_email(why: &MoveRefused) -> String {
    match why {
        MoveRefused::NoEmail(why) => why.clone(),
        other => other.to_string(),
    }
}
