//! What a team lead reads: SLA attainment over the clocks that ended in a window, the open
//! workload per analyst, and each clock's life for the timeline. Pure: the histories, the
//! window and `now` are parameters, and every figure comes from the audit history, so it
//! is right for any window and any `--as-of`.

use super::sla::{self, ClockRuns, ClockStatus, Phase, RunState, SlaClock, SlaPolicy};
use super::state::ReviewState;
use super::submission::{StateChange, effective_history};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

/// One run of a phase's clock over its whole life: the clock as `show` gives it, the
/// intervals it ran, how long the ISV held it in between, and who ended it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClockRecord {
    pub clock: SlaClock,
    /// When it ran: `(from, to)`, `to` None while it runs.
    pub intervals: Vec<(Timestamp, Option<Timestamp>)>,
    /// When the ISV held the item while the clock waited: the pauses it came back from,
    /// and the current one (`to` None). A correction's gap is not one.
    pub pauses: Vec<(Timestamp, Option<Timestamp>)>,
    /// Business seconds the ISV held the item in the middle of the phase: the pauses the
    /// clock came back from (a phase that ended with the item at the ISV ended when it
    /// went there).
    pub isv_held_seconds: i64,
    /// Who made the move that ended the phase: its last running interval (None while it is
    /// not over).
    pub ended_by: Option<String>,
}

impl ClockRecord {
    /// When it ended, if it did.
    pub fn ended_at(&self) -> Option<Timestamp> {
        self.clock.ended_at
    }

    /// Whether it ran out of time.
    pub fn breached(&self) -> bool {
        self.clock.overrun_seconds > 0
    }

    /// What the SLA report counts of it, if it ended.
    pub fn ended(&self) -> Option<Ended> {
        Some(Ended {
            phase: self.clock.phase,
            ended_at: self.ended_at()?,
            ended_by: self.ended_by.clone(),
            used_seconds: self.clock.used_seconds,
            isv_held_seconds: self.isv_held_seconds,
            breached: self.breached(),
        })
    }
}

/// A clock that ended, as the SLA report counts it (small: a report over a whole queue
/// keeps one per clock).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub phase: Phase,
    pub ended_at: Timestamp,
    /// Who made the move that ended it.
    pub ended_by: Option<String>,
    pub used_seconds: i64,
    pub isv_held_seconds: i64,
    pub breached: bool,
}

/// Every clock of a history up to `now`, oldest first: [`sla::clocks`] with the life of each.
pub fn clock_records(
    history: &[StateChange],
    policy: &SlaPolicy,
    now: Timestamp,
) -> Vec<ClockRecord> {
    let cal = &policy.calendar;
    let mut runs = ClockRuns::default();
    struct Life {
        intervals: Vec<(Timestamp, Option<Timestamp>)>,
        pauses: Vec<(Timestamp, Option<Timestamp>)>,
        held: i64,
        ended_by: Option<String>,
    }
    let mut lives: Vec<Life> = Vec::new();
    for change in effective_history(history.iter().filter(|c| c.at <= now)) {
        let before: Vec<RunState> = runs.0.iter().map(|r| r.state).collect();
        runs.apply(change, policy);
        let at = change.at;
        for (i, run) in runs.0.iter().enumerate() {
            if i == lives.len() {
                lives.push(Life {
                    intervals: Vec::new(),
                    pauses: Vec::new(),
                    held: 0,
                    ended_by: None,
                });
            }
            let life = &mut lives[i];
            let close = |life: &mut Life| {
                if let Some(last) = life.intervals.last_mut() {
                    last.1 = Some(at);
                }
            };
            match (before.get(i).copied(), run.state) {
                (None, RunState::Running) => life.intervals.push((at, None)),
                (Some(RunState::Running), RunState::Running) => {
                    // The move did not change its phase.
                }
                (Some(RunState::Running), RunState::Paused) => {
                    close(life);
                    life.pauses.push((at, None));
                    life.ended_by = Some(change.by.clone());
                }
                (Some(RunState::Running), RunState::Stopped) => {
                    close(life);
                    life.ended_by = Some(change.by.clone());
                }
                (Some(RunState::Paused), RunState::Running) => {
                    if let Some(pause) = life.pauses.last_mut().filter(|p| p.1.is_none()) {
                        life.held += cal.business_seconds(pause.0, at);
                        pause.1 = Some(at);
                    }
                    life.intervals.push((at, None));
                    life.ended_by = None;
                }
                // The phase ended when the item went to the ISV: that was no pause.
                (Some(RunState::Paused), RunState::Stopped)
                    if life.pauses.last().is_some_and(|p| p.1.is_none()) =>
                {
                    life.pauses.pop();
                }
                (Some(RunState::Stopped), RunState::Running) => {
                    life.intervals.push((at, None));
                    life.ended_by = None;
                }
                _ => {}
            }
        }
    }
    // The runs this walk left are the ones `sla::clocks` evaluates.
    runs.0
        .iter()
        .map(|run| sla::evaluate(run, policy, now))
        .zip(lives)
        .map(|(clock, life)| ClockRecord {
            ended_by: life
                .ended_by
                .filter(|_| clock.status == ClockStatus::Stopped),
            clock,
            intervals: life.intervals,
            pauses: life.pauses,
            isv_held_seconds: life.held,
        })
        .collect()
}

/// How the SLA report groups the clocks that ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupBy {
    Phase,
    /// The analyst whose move ended the phase.
    Analyst,
    /// The ISO week the phase ended in, in the team's time zone (`2026-W48`).
    Week,
    /// The month the phase ended in (`2026-11`).
    Month,
}

/// One group of the SLA report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaRow {
    pub group: String,
    pub finished: usize,
    pub met: usize,
    pub breached: usize,
    /// met / finished, to one decimal; null when nothing finished.
    pub attainment_percent: Option<f64>,
    /// Business seconds used: median and 90th percentile (nearest rank).
    pub median_used_seconds: Option<i64>,
    pub p90_used_seconds: Option<i64>,
    /// Business seconds the ISV held the item in the middle of the phase (median).
    pub median_isv_held_seconds: Option<i64>,
    /// Business seconds from an email the queue sent to the ISV's reply (median over the
    /// replies received in the window; on the row over all groups only).
    pub median_isv_answer_seconds: Option<i64>,
}

/// The name of the row over every group.
pub const ALL_GROUPS: &str = "all";

/// The SLA report over the clocks that ended in `[since, until)`: one row per group that
/// has any, in order (phases in review order, analysts by name, weeks and months by date),
/// then the row over all of them.
pub fn sla_report<'a>(
    ended: impl IntoIterator<Item = &'a Ended>,
    since: Option<Timestamp>,
    until: Timestamp,
    by: GroupBy,
    tz: &TimeZone,
) -> Vec<SlaRow> {
    let ended: Vec<&Ended> = ended
        .into_iter()
        .filter(|e| e.ended_at < until && since.is_none_or(|s| e.ended_at >= s))
        .collect();
    let mut groups: Vec<(String, Vec<&Ended>)> = Vec::new();
    for r in &ended {
        let key = group_of(r, by, tz);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => v.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    match by {
        GroupBy::Phase => groups.sort_by_key(|(k, _)| Phase::from_key(k)),
        _ => groups.sort_by(|a, b| a.0.cmp(&b.0)),
    }
    let mut rows: Vec<SlaRow> = groups.iter().map(|(k, v)| row_of(k, v)).collect();
    rows.push(row_of(ALL_GROUPS, &ended));
    rows
}

/// The group a clock that ended falls in.
pub fn group_of(r: &Ended, by: GroupBy, tz: &TimeZone) -> String {
    let date = || r.ended_at.to_zoned(tz.clone()).date();
    match by {
        GroupBy::Phase => r.phase.key().to_string(),
        GroupBy::Analyst => r.ended_by.clone().unwrap_or_default(),
        GroupBy::Week => week_of(date()),
        GroupBy::Month => format!("{:04}-{:02}", date().year(), date().month()),
    }
}

/// The ISO week of a date: `2026-W48`.
pub fn week_of(d: Date) -> String {
    let w = d.iso_week_date();
    format!("{:04}-W{:02}", w.year(), w.week())
}

/// One row of the SLA report over `records` (all of them ended).
pub fn row_of(group: &str, records: &[&Ended]) -> SlaRow {
    let finished = records.len();
    let breached = records.iter().filter(|r| r.breached).count();
    let met = finished - breached;
    let mut used: Vec<i64> = records.iter().map(|r| r.used_seconds).collect();
    let mut held: Vec<i64> = records.iter().map(|r| r.isv_held_seconds).collect();
    used.sort_unstable();
    held.sort_unstable();
    SlaRow {
        group: group.to_string(),
        finished,
        met,
        breached,
        attainment_percent: (finished > 0)
            .then(|| (met as f64 * 1000.0 / finished as f64).round() / 10.0),
        median_used_seconds: nearest_rank(&used, 50),
        p90_used_seconds: nearest_rank(&used, 90),
        median_isv_held_seconds: nearest_rank(&held, 50),
        median_isv_answer_seconds: None,
    }
}

/// The `p`th percentile of sorted values by nearest rank: the smallest value with at least
/// `p`% of the values at or below it.
pub fn nearest_rank(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

/// The states an open item can be in, in review order: every state but published.
pub const OPEN_STATES: [ReviewState; 6] = {
    let a = ReviewState::ALL;
    [a[0], a[1], a[2], a[3], a[4], a[5]]
};
const _: () = assert!(matches!(ReviewState::ALL[6], ReviewState::Published));

/// The SLA statuses an open item's clock can have.
pub const OPEN_STATUSES: [ClockStatus; 4] = [
    ClockStatus::OnTrack,
    ClockStatus::AtRisk,
    ClockStatus::Breached,
    ClockStatus::Paused,
];

/// One analyst's open items (or the unassigned ones). As JSON: `group` (null for the
/// unassigned), a count per state and per SLA status in column order, `total`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadRow {
    /// The assignee; None for the items nobody holds.
    pub group: Option<String>,
    /// Open items per state, in [`OPEN_STATES`] order.
    pub by_state: [usize; 6],
    /// Open items per SLA status of their current clock, in [`OPEN_STATUSES`] order.
    pub by_sla: [usize; 4],
    pub total: usize,
}

impl Serialize for WorkloadRow {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("WorkloadRow", 12)?;
        st.serialize_field("group", &self.group)?;
        for (k, n) in self.columns() {
            st.serialize_field(k, &n)?;
        }
        st.serialize_field("total", &self.total)?;
        st.end()
    }
}

impl WorkloadRow {
    /// The counts by key (`initial_review`, …, `on_track`, …), in column order.
    pub fn columns(&self) -> impl Iterator<Item = (&'static str, usize)> + '_ {
        OPEN_STATES
            .iter()
            .map(|s| s.key())
            .zip(self.by_state)
            .chain(OPEN_STATUSES.iter().map(|s| s.key()).zip(self.by_sla))
    }
}

/// The open workload: one row per assignee by name, then the unassigned, then the total
/// (`group` "all" is not used: the total row is returned apart).
pub fn workload(
    items: impl IntoIterator<Item = (ReviewState, Option<String>, Option<ClockStatus>)>,
) -> (Vec<WorkloadRow>, WorkloadRow) {
    let mut rows: Vec<WorkloadRow> = Vec::new();
    let mut total = WorkloadRow {
        group: Some(ALL_GROUPS.to_string()),
        by_state: [0; 6],
        by_sla: [0; 4],
        total: 0,
    };
    for (state, assignee, status) in items {
        let Some(si) = OPEN_STATES.iter().position(|s| *s == state) else {
            continue;
        };
        let row = match rows.iter().position(|r| r.group == assignee) {
            Some(i) => &mut rows[i],
            None => {
                rows.push(WorkloadRow {
                    group: assignee,
                    by_state: [0; 6],
                    by_sla: [0; 4],
                    total: 0,
                });
                let last = rows.len() - 1;
                &mut rows[last]
            }
        };
        for r in [&mut *row, &mut total] {
            r.by_state[si] += 1;
            if let Some(ci) = status.and_then(|c| OPEN_STATUSES.iter().position(|s| *s == c)) {
                r.by_sla[ci] += 1;
            }
            r.total += 1;
        }
    }
    // Analysts by name, the unassigned last.
    rows.sort_by(|a, b| match (&a.group, &b.group) {
        (Some(x), Some(y)) => x.cmp(y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    (rows, total)
}

/// A clock that ran out, for the list of recent breaches.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Breach {
    pub submission_id: String,
    pub phase: Phase,
    pub breached_at: Timestamp,
    pub overrun_seconds: i64,
    /// Whether the phase is over (else it is still running or paused, over time).
    pub ended: bool,
}

impl Breach {
    /// Submission `id`'s clock, if it ran out at or after `since`.
    pub fn of(id: &str, r: &ClockRecord, since: Timestamp) -> Option<Breach> {
        let at = r.clock.breached_at.filter(|at| *at >= since)?;
        Some(Breach {
            submission_id: id.to_string(),
            phase: r.clock.phase,
            breached_at: at,
            overrun_seconds: r.clock.overrun_seconds,
            ended: r.clock.status == ClockStatus::Stopped,
        })
    }
}

/// Breaches newest first (by id among those at the same instant).
pub fn newest_first(breaches: &mut [Breach]) {
    breaches.sort_by(|a, b| {
        b.breached_at
            .cmp(&a.breached_at)
            .then_with(|| a.submission_id.cmp(&b.submission_id))
    });
}

/// The Mondays of the `weeks` weeks ending with the one `now` is in (in the team's time
/// zone), oldest first.
pub fn week_starts(now: Timestamp, weeks: usize, tz: &TimeZone) -> Vec<Date> {
    let today = now.to_zoned(tz.clone()).date();
    let back = i64::from(today.weekday().to_monday_zero_offset());
    let monday = today
        .checked_sub(jiff::Span::new().days(back))
        .unwrap_or(today);
    (0..weeks)
        .rev()
        .filter_map(|i| monday.checked_sub(jiff::Span::new().weeks(i as i64)).ok())
        .collect()
}

/// The first instant of a date in the team's time zone.
pub fn start_of(d: Date, tz: &TimeZone) -> Timestamp {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MIN)
}

/// The weeks ending with the one `now` is in, oldest first, each with its SLA row (the
/// console's attainment chart): `weeks` of them, empty ones included.
pub fn weekly<'a>(
    ended: impl IntoIterator<Item = &'a Ended>,
    now: Timestamp,
    weeks: usize,
    tz: &TimeZone,
) -> Vec<SlaRow> {
    let records: Vec<&Ended> = ended.into_iter().collect();
    week_starts(now, weeks, tz)
        .into_iter()
        .map(|monday| {
            let a = start_of(monday, tz);
            let b = monday
                .checked_add(jiff::Span::new().weeks(1))
                .map_or(Timestamp::MAX, |d| start_of(d, tz));
            let ended: Vec<&Ended> = records
                .iter()
                .copied()
                .filter(|r| r.ended_at >= a && r.ended_at < b)
                .collect();
            row_of(&week_of(monday), &ended)
        })
        .collect()
}
