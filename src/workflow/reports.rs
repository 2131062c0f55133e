//! The lead's reports: SLA attainment, workload, recent breaches. Every figure is walked
//! from the audit history at `now`, so a window in the past and `--as-of` are both right.

use super::{Result, Workflow, WorkflowError};
use crate::domain::QueueLine;
use crate::domain::projection::business_clock;
use crate::domain::report::{
    self, Breach, ClockRecord, GroupBy, SlaRow, WorkloadRow, breaches, clock_records, sla_report,
    weekly,
};
use crate::domain::sla::ClockStatus;
use crate::store::LineFilter;
use jiff::Timestamp;
use jiff::civil::Date;
use std::collections::HashMap;

/// How many weeks the console's attainment chart shows.
pub const CHART_WEEKS: usize = 8;
/// How far back the console lists breaches, in days.
pub const BREACH_DAYS: i64 = 30;

/// What the console's reports view shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Reports {
    /// When the figures were computed (the console's `now`).
    pub at: Timestamp,
    /// Attainment per week, oldest first, [`CHART_WEEKS`] of them.
    pub weekly: Vec<SlaRow>,
    /// The SLA report by phase over the same weeks.
    pub by_phase: Vec<SlaRow>,
    pub workload: Vec<WorkloadRow>,
    pub workload_total: WorkloadRow,
    /// Clocks that ran out in the last [`BREACH_DAYS`] days, newest first, with the app.
    pub breaches: Vec<(Breach, String)>,
    /// Items the ISV has held longer than the idle time, longest first (stale ones are
    /// for the lead).
    pub idle: Vec<super::reminders::IdleItem>,
}

impl Workflow {
    /// Every clock of every submission up to `now`, with its life.
    pub fn clock_records(&self, now: Timestamp) -> Result<Vec<(String, Vec<ClockRecord>)>> {
        let sla = &self.policy.sla;
        Ok(self
            .store
            .histories()?
            .into_iter()
            .map(|(id, history)| {
                let records = clock_records(&history, sla, now);
                (id, records)
            })
            .collect())
    }

    /// The SLA report over the clocks that ended from the start of `since` to the end of
    /// `until` (dates in the team's time zone; both optional), grouped `by`.
    pub fn sla_report(
        &self,
        since: Option<Date>,
        until: Option<Date>,
        by: GroupBy,
        now: Timestamp,
    ) -> Result<Vec<SlaRow>> {
        if let (Some(a), Some(b)) = (since, until)
            && a > b
        {
            return Err(WorkflowError::Refused(format!(
                "--since {a} is after --until {b}: the window would be empty; give --since on or before --until"
            )));
        }
        let tz = self.policy.sla.calendar.time_zone().clone();
        let since = since.map(|d| report::start_of(d, &tz));
        let until = until
            .and_then(|d| d.tomorrow().ok())
            .map_or(Timestamp::MAX, |d| report::start_of(d, &tz));
        let records = self.clock_records(now)?;
        Ok(sla_report(
            records.iter().flat_map(|(_, r)| r),
            since,
            until,
            by,
            &tz,
        ))
    }

    /// The open workload at `now`: one row per assignee, the unassigned, and the total.
    pub fn workload(&self, now: Timestamp) -> Result<(Vec<WorkloadRow>, WorkloadRow)> {
        let mut items = Vec::new();
        self.open_lines(now, &mut |line, status| {
            items.push((
                line.state,
                line.assignee.as_deref().map(str::to_string),
                status,
            ));
        })?;
        Ok(report::workload(items))
    }

    /// What the console's reports view shows at `now`.
    pub fn reports(&self, now: Timestamp) -> Result<Reports> {
        let tz = self.policy.sla.calendar.time_zone().clone();
        let mut items = Vec::new();
        let mut apps: HashMap<String, String> = HashMap::new();
        self.open_lines(now, &mut |line, status| {
            items.push((
                line.state,
                line.assignee.as_deref().map(str::to_string),
                status,
            ));
            apps.insert(line.id().to_string(), line.app_name().to_string());
        })?;
        let (workload, workload_total) = report::workload(items);
        let records = self.clock_records(now)?;
        let weekly = weekly(records.iter().flat_map(|(_, r)| r), now, CHART_WEEKS, &tz);
        let since = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * BREACH_DAYS))
            .unwrap_or(Timestamp::MIN);
        let chart_since = report::week_starts(now, CHART_WEEKS, &tz)
            .first()
            .map(|d| report::start_of(*d, &tz));
        let by_phase = sla_report(
            records.iter().flat_map(|(_, r)| r),
            chart_since,
            Timestamp::MAX,
            GroupBy::Phase,
            &tz,
        );
        let found = breaches(
            records
                .iter()
                .flat_map(|(id, rs)| rs.iter().map(move |r| (id.as_str(), r))),
            since,
            Timestamp::MAX,
        );
        let breaches = found
            .into_iter()
            .map(|b| {
                let app = apps.get(&b.submission_id).cloned().unwrap_or_default();
                (b, app)
            })
            .collect();
        Ok(Reports {
            at: now,
            weekly,
            by_phase,
            workload,
            workload_total,
            breaches,
            idle: self.idle_items(now)?,
        })
    }

    /// Each line at `now` (open or not) with its current clock's status.
    fn open_lines(
        &self,
        now: Timestamp,
        each: &mut dyn FnMut(&QueueLine, Option<ClockStatus>),
    ) -> Result<()> {
        let b = business_clock(&self.policy.sla, now);
        self.store
            .each_line(&LineFilter::default(), now, &mut |line| {
                each(&line, line.clock_at(b).map(|c| c.status));
                true
            })
            .map(|_| ())
            .map_err(WorkflowError::from)
    }
}
