//! The lead's reports: SLA attainment, workload, recent breaches. Every figure is walked
//! from the audit history at `now`, so a window in the past and `--as-of` are both right.

use super::{Result, Workflow, WorkflowError};
use crate::domain::QueueLine;
use crate::domain::projection::business_clock;
use crate::domain::report::{
    self, Breach, ClockRecord, GroupBy, SlaRow, WorkloadRow, clock_records, sla_report, weekly,
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
    /// Every clock of every submission up to `now`, with its life, one submission at a
    /// time (the records are not kept: the caller keeps what it needs).
    pub fn each_clock_record(
        &self,
        now: Timestamp,
        each: &mut dyn FnMut(&str, ClockRecord),
    ) -> Result<()> {
        let sla = &self.policy.sla;
        self.store.each_history(&mut |id, history| {
            for record in clock_records(history, sla, now) {
                each(id, record);
            }
        })?;
        Ok(())
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
        // Only the clocks that ended in the window are kept.
        let mut ended = Vec::new();
        self.each_clock_record(now, &mut |_, r| {
            if let Some(e) = r.ended()
                && e.ended_at < until
                && since.is_none_or(|s| e.ended_at >= s)
            {
                ended.push(e);
            }
        })?;
        let mut rows = sla_report(&ended, since, until, by, &tz);
        // The time the ISV took to answer: business time from the queue's last email to
        // each reply received in the window.
        let calendar = &self.policy.sla.calendar;
        let mut answers: Vec<i64> = self
            .store
            .answer_times()?
            .into_iter()
            .filter(|(_, replied)| *replied < until && since.is_none_or(|s| *replied >= s))
            .map(|(sent, replied)| calendar.business_seconds(sent, replied))
            .collect();
        answers.sort_unstable();
        if let Some(all) = rows.last_mut() {
            all.median_isv_answer_seconds = report::nearest_rank(&answers, 50);
        }
        Ok(rows)
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
        let since = now
            .checked_sub(jiff::SignedDuration::from_hours(24 * BREACH_DAYS))
            .unwrap_or(Timestamp::MIN);
        let chart_since = report::week_starts(now, CHART_WEEKS, &tz)
            .first()
            .map_or(since, |d| report::start_of(*d, &tz));
        // Only what the view shows is kept: clocks that ended in the chart's weeks, and
        // those that ran out in the last BREACH_DAYS days.
        let mut ended = Vec::new();
        let mut found = Vec::new();
        self.each_clock_record(now, &mut |id, r| {
            found.extend(Breach::of(id, &r, since));
            if let Some(e) = r.ended().filter(|e| e.ended_at >= chart_since) {
                ended.push(e);
            }
        })?;
        report::newest_first(&mut found);
        let breached: std::collections::HashSet<&str> =
            found.iter().map(|b| b.submission_id.as_str()).collect();
        let mut items = Vec::new();
        let mut apps: HashMap<String, String> = HashMap::new();
        self.open_lines(now, &mut |line, status| {
            items.push((
                line.state,
                line.assignee.as_deref().map(str::to_string),
                status,
            ));
            if breached.contains(line.id()) {
                apps.insert(line.id().to_string(), line.app_name().to_string());
            }
        })?;
        let (workload, workload_total) = report::workload(items);
        let weekly = weekly(&ended, now, CHART_WEEKS, &tz);
        let by_phase = sla_report(
            &ended,
            Some(chart_since),
            Timestamp::MAX,
            GroupBy::Phase,
            &tz,
        );
        let breaches = found
            .into_iter()
            .map(|b| {
                let app = apps.get(&b.submission_id).cloned().unwrap_or_default();
                (b, app)
            })
            .collect();
        Ok(Reports {
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
