//! The review policy as a whole, and the assessment of a submission under it at an instant.

use super::freshness::{self, FreshnessPolicy, TestReport};
use super::lint::{self, Finding, LintContext, LintPolicy, QueueFacts};
use super::sla::{self, ClockStatus, SlaClock, SlaPolicy};
use super::submission::Submission;
use jiff::Timestamp;

#[derive(Debug, Clone)]
pub struct Policy {
    pub sla: SlaPolicy,
    pub freshness: FreshnessPolicy,
    pub lint: LintPolicy,
    pub reminders: super::reminders::ReminderPolicy,
}

impl Policy {
    /// When an item the ISV holds counts as idle, under this policy.
    pub fn idle_rule(&self) -> super::reminders::IdleRule<'_> {
        super::reminders::IdleRule::new(&self.sla.calendar, &self.reminders)
    }
}

/// A submission's SLA clocks and test evidence at one instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub clocks: Vec<SlaClock>,
    pub tests: TestReport,
}

/// Where a submission sorts by urgency: breached first (most overdue first), then running
/// clocks by time left, then paused ones, then items without a clock.
pub type Urgency = (u8, i64);

impl Assessment {
    pub fn current_clock(&self) -> Option<&SlaClock> {
        sla::current(&self.clocks)
    }

    pub fn urgency(&self) -> Urgency {
        match self.current_clock() {
            Some(c) => match c.status {
                ClockStatus::Breached | ClockStatus::AtRisk | ClockStatus::OnTrack => {
                    (0, c.left_seconds)
                }
                ClockStatus::Paused => (1, c.left_seconds),
                ClockStatus::Stopped => (2, 0),
            },
            None => (2, 0),
        }
    }
}

/// Assesses `sub` at `now`: every clock (with promised dates) and the test freshness.
pub fn assess(sub: &Submission, policy: &Policy, now: Timestamp) -> Assessment {
    let mut clocks = sla::clocks(&sub.history, &policy.sla, now);
    for clock in &mut clocks {
        clock.promised = sub
            .promises
            .iter()
            .rev()
            .find(|p| p.phase == clock.phase)
            .map(|p| p.date);
    }
    Assessment {
        clocks,
        tests: freshness::assess(sub, &policy.freshness, now),
    }
}

/// The lint's findings for `sub` under `policy`, given its assessment and what the queue
/// knows of its neighbours.
pub fn findings(
    sub: &Submission,
    policy: &Policy,
    assessment: &Assessment,
    facts: &QueueFacts,
) -> Vec<Finding> {
    lint::lint(
        sub,
        &LintContext {
            policy: &policy.lint,
            tests: &assessment.tests,
            facts,
        },
    )
}
