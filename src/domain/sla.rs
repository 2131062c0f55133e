//! SLA clocks on business time: the calendar arithmetic and the clocks of each review phase,
//! computed from the audit history at any instant.

pub use super::records::Phase;
use super::state::ReviewState;
use super::submission::StateChange;
use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const DAY: i64 = 86_400;

/// The part of each business day that counts, in seconds from local midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub open: i64,
    pub close: i64,
}

impl WorkingHours {
    pub const ALL_DAY: WorkingHours = WorkingHours {
        open: 0,
        close: DAY,
    };

    /// Parses `all-day` or `HH:MM-HH:MM` (opening before closing).
    pub fn parse(s: &str) -> Result<WorkingHours, String> {
        let s = s.trim();
        if s == "all-day" {
            return Ok(WorkingHours::ALL_DAY);
        }
        let parse_hm = |t: &str| -> Option<i64> {
            let (h, m) = t.trim().split_once(':')?;
            let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
            ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 24 * 60)
                .then_some(h * 3600 + m * 60)
        };
        let bad =
            || format!("working hours {s:?}: expected \"all-day\" or a range like \"09:00-17:00\"");
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let (open, close) = (parse_hm(a).ok_or_else(bad)?, parse_hm(b).ok_or_else(bad)?);
        if open >= close {
            return Err(format!(
                "working hours {s:?}: the opening time must come before the closing time"
            ));
        }
        Ok(WorkingHours { open, close })
    }
}

/// Business days (weekdays that are not holidays) and hours, in one time zone.
#[derive(Debug, Clone)]
pub struct BusinessCalendar {
    tz: TimeZone,
    holidays: BTreeSet<Date>,
    hours: WorkingHours,
}

fn weekday_index(d: Date) -> i64 {
    d.weekday().to_monday_zero_offset() as i64
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn next_day(d: Date) -> Date {
    d.tomorrow().unwrap_or(d)
}

impl BusinessCalendar {
    pub fn new(tz: TimeZone, holidays: BTreeSet<Date>, hours: WorkingHours) -> Self {
        BusinessCalendar {
            tz,
            holidays,
            hours,
        }
    }

    /// Seconds of business time in one business day.
    pub fn day_length(&self) -> i64 {
        self.hours.close - self.hours.open
    }

    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    pub fn hours(&self) -> WorkingHours {
        self.hours
    }

    pub fn holidays(&self) -> &BTreeSet<Date> {
        &self.holidays
    }

    pub fn is_business_day(&self, d: Date) -> bool {
        !is_weekend(d) && !self.holidays.contains(&d)
    }

    /// The local date of `t` and its business offset into that day (0 ..= day length).
    fn position(&self, t: Timestamp) -> (Date, i64) {
        let dt = t.to_zoned(self.tz.clone()).datetime();
        let tod = dt.hour() as i64 * 3600 + dt.minute() as i64 * 60 + dt.second() as i64;
        (
            dt.date(),
            (tod - self.hours.open).clamp(0, self.day_length()),
        )
    }

    /// The instant at `offset` business seconds into business day `d`.
    fn instant(&self, d: Date, offset: i64) -> Timestamp {
        let mut secs = self.hours.open + offset;
        let mut date = d;
        if secs >= DAY {
            secs -= DAY;
            date = next_day(date);
        }
        let dt = DateTime::from_parts(
            date,
            jiff::civil::Time::new(
                (secs / 3600) as i8,
                ((secs % 3600) / 60) as i8,
                (secs % 60) as i8,
                0,
            )
            .unwrap_or(jiff::civil::Time::midnight()),
        );
        self.tz
            .to_ambiguous_timestamp(dt)
            .compatible()
            .unwrap_or(Timestamp::MAX)
    }

    /// Business days in `[from, to)`.
    pub fn business_days_in(&self, from: Date, to: Date) -> i64 {
        if to <= from {
            return 0;
        }
        let days = to.since(from).map(|s| s.get_days() as i64).unwrap_or(0);
        let mut weekdays = days / 7 * 5;
        let start = weekday_index(from);
        for k in 0..days % 7 {
            if (start + k) % 7 < 5 {
                weekdays += 1;
            }
        }
        let holidays = self
            .holidays
            .range(from..to)
            .filter(|d| !is_weekend(**d))
            .count() as i64;
        weekdays - holidays
    }

    /// Business seconds between two instants (0 if `b` is not after `a`).
    pub fn business_seconds(&self, a: Timestamp, b: Timestamp) -> i64 {
        if b <= a {
            return 0;
        }
        let (da, oa) = self.position(a);
        let (db, ob) = self.position(b);
        if da == db {
            return if self.is_business_day(da) { ob - oa } else { 0 };
        }
        let first = if self.is_business_day(da) {
            self.day_length() - oa
        } else {
            0
        };
        let last = if self.is_business_day(db) { ob } else { 0 };
        first + self.business_days_in(next_day(da), db) * self.day_length() + last
    }

    /// The last business day a window that runs out at `due` covers, and whether the window
    /// ends at that day's close. A clock that uses up a whole business day runs out at the
    /// first moment of the next one (Mon 00:00, or Mon 09:00 with working hours), but the
    /// window ended at the close of the day before: that day is the one an ISV is promised
    /// and an analyst is shown.
    pub fn window_end(&self, due: Timestamp) -> (Date, bool) {
        let (d, offset) = self.position(due);
        if offset > 0 || !self.is_business_day(d) {
            return (d, offset >= self.day_length());
        }
        let mut prev = d.yesterday().unwrap_or(d);
        while !self.is_business_day(prev) {
            match prev.yesterday() {
                Ok(p) if p != prev => prev = p,
                _ => return (d, false),
            }
        }
        (prev, true)
    }

    /// The due as an analyst reads it: "end of Fri 2026-12-18" when the window ends at a
    /// day's close, else the instant ("Mon 2026-12-21 15:00 UTC").
    pub fn due_words(&self, due: Timestamp) -> String {
        match self.window_end(due) {
            (day, true) => format!("end of {}", day.strftime("%a %Y-%m-%d")),
            _ => due
                .to_zoned(self.tz.clone())
                .strftime("%a %Y-%m-%d %H:%M %Z")
                .to_string(),
        }
    }

    /// The last instant at which no more than `amount` business seconds have passed since
    /// `start`: the moment a clock with `amount` left runs out. With `amount` 0 this is the
    /// next business moment at or after `start`.
    pub fn add_business(&self, start: Timestamp, amount: i64) -> Timestamp {
        let amount = amount.max(0);
        let (mut d, offset) = self.position(start);
        let mut remaining = amount;
        if self.is_business_day(d) {
            let available = self.day_length() - offset;
            if remaining < available {
                return self.instant(d, offset + remaining);
            }
            remaining -= available;
        }
        // Whole business days first, then the part of the last one.
        d = next_day(d);
        loop {
            while !self.is_business_day(d) {
                let n = next_day(d);
                if n == d {
                    return Timestamp::MAX;
                }
                d = n;
            }
            if remaining < self.day_length() {
                return self.instant(d, remaining);
            }
            remaining -= self.day_length();
            d = next_day(d);
        }
    }
}

impl Phase {
    pub const ALL: [Phase; 3] = [Phase::InitialReview, Phase::QaTesting, Phase::FinalReview];

    pub fn of(state: ReviewState) -> Option<Phase> {
        match state {
            ReviewState::InitialReview => Some(Phase::InitialReview),
            ReviewState::QaTesting => Some(Phase::QaTesting),
            ReviewState::FinalReview => Some(Phase::FinalReview),
            _ => None,
        }
    }

    pub fn state(self) -> ReviewState {
        match self {
            Phase::InitialReview => ReviewState::InitialReview,
            Phase::QaTesting => ReviewState::QaTesting,
            Phase::FinalReview => ReviewState::FinalReview,
        }
    }

    pub fn key(self) -> &'static str {
        self.state().key()
    }

    pub fn from_key(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.key() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::InitialReview => "initial review",
            Phase::QaTesting => "QA testing",
            Phase::FinalReview => "final review",
        }
    }
}

/// What happens to a phase's clock when the ISV hands the item back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnReturn {
    Resume,
    Restart,
}

/// The SLA part of the review policy.
#[derive(Debug, Clone)]
pub struct SlaPolicy {
    /// Business seconds allowed per phase.
    pub initial_review: i64,
    pub qa_testing: i64,
    pub final_review: i64,
    pub calendar: BusinessCalendar,
    pub on_return: OnReturn,
    pub at_risk_percent: u32,
    pub warn_again_percent: u32,
}

impl SlaPolicy {
    pub fn target(&self, phase: Phase) -> i64 {
        match phase {
            Phase::InitialReview => self.initial_review,
            Phase::QaTesting => self.qa_testing,
            Phase::FinalReview => self.final_review,
        }
    }

    /// Parses a target such as "5 business days", "1 business day" or "8 business hours".
    pub fn parse_target(s: &str, day_length: i64) -> Result<i64, String> {
        let words: Vec<&str> = s.split_whitespace().collect();
        let bad = || format!("target {s:?}: expected \"N business days\" or \"N business hours\"");
        let [n, "business", unit] = words[..] else {
            return Err(bad());
        };
        let n: f64 = n.parse().map_err(|_| bad())?;
        if !(n.is_finite() && n > 0.0) {
            return Err(bad());
        }
        let secs = match unit {
            "day" | "days" => n * day_length as f64,
            "hour" | "hours" => n * 3600.0,
            _ => return Err(bad()),
        };
        Ok(secs.round() as i64)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockStatus {
    Breached,
    AtRisk,
    OnTrack,
    Paused,
    Stopped,
}

impl ClockStatus {
    pub fn key(self) -> &'static str {
        match self {
            ClockStatus::OnTrack => "on_track",
            ClockStatus::AtRisk => "at_risk",
            ClockStatus::Breached => "breached",
            ClockStatus::Paused => "paused",
            ClockStatus::Stopped => "stopped",
        }
    }
}

/// One run of a phase's clock, evaluated at an instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaClock {
    pub phase: Phase,
    /// When the item entered the phase.
    pub entered_at: Timestamp,
    /// The first business moment at or after entry: when the clock began to run.
    pub started_at: Timestamp,
    /// Business seconds used, allowed, and left (negative once breached).
    pub used_seconds: i64,
    pub target_seconds: i64,
    pub left_seconds: i64,
    pub percent_used: f64,
    pub status: ClockStatus,
    /// At or past the second warning threshold (75% by default) and not breached.
    pub warn_again: bool,
    /// When the clock runs out, for a running clock or one that ran out; null while paused.
    pub due: Option<Timestamp>,
    /// When the phase ended, for a stopped clock.
    pub ended_at: Option<Timestamp>,
    /// When the clock ran out, if it did: kept after the phase ends, so a breach stays on
    /// record.
    pub breached_at: Option<Timestamp>,
    /// Business seconds used beyond the target (0 when it did not run out).
    pub overrun_seconds: i64,
    /// The date Okta told the ISV this phase would finish, if recorded.
    pub promised: Option<Date>,
}

impl SlaClock {
    pub fn is_current(&self) -> bool {
        self.status != ClockStatus::Stopped
    }
}

/// Whether a run of a phase's clock is counting, waiting for the ISV, or over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Running,
    Paused,
    Stopped,
}

/// A run of a phase's clock, as the history walk leaves it: enough to evaluate it at any
/// later instant and to carry on walking when a new move comes (the queue projection keeps
/// the latest run of each phase in the database for that).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    pub phase: Phase,
    pub entered_at: Timestamp,
    pub state: RunState,
    /// Business seconds of the intervals that ended.
    pub used_closed: i64,
    /// When the clock ran out, if it did in an interval that ended.
    pub ran_out: Option<Timestamp>,
    /// The start of the interval counting now (while running).
    pub running_since: Option<Timestamp>,
    /// When the last interval ended.
    pub closed_at: Option<Timestamp>,
}

impl Run {
    /// Ends the running interval at `at`.
    fn close(&mut self, at: Timestamp, policy: &SlaPolicy) {
        if let Some(start) = self.running_since.take() {
            let cal = &policy.calendar;
            let len = cal.business_seconds(start, at);
            let remaining = policy.target(self.phase) - self.used_closed;
            if self.ran_out.is_none() && len > remaining {
                self.ran_out = Some(cal.add_business(start, remaining));
            }
            self.used_closed += len;
            self.closed_at = Some(at);
        }
    }

    /// When the clock runs (or ran) out: null while paused unless it ran out before.
    pub fn due(&self, policy: &SlaPolicy) -> Option<Timestamp> {
        self.ran_out.or_else(|| {
            self.running_since.map(|s| {
                policy
                    .calendar
                    .add_business(s, policy.target(self.phase) - self.used_closed)
            })
        })
    }
}

/// The clock runs of one submission while its history is walked, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockRuns(pub Vec<Run>);

impl ClockRuns {
    /// The runs after walking `history` (undone moves left out) up to `now`.
    pub fn walk<'a>(
        history: impl IntoIterator<Item = &'a StateChange>,
        policy: &SlaPolicy,
        now: Timestamp,
    ) -> ClockRuns {
        let mut runs = ClockRuns::default();
        let effective =
            super::submission::effective_history(history.into_iter().filter(|c| c.at <= now));
        for change in effective {
            runs.apply(change, policy);
        }
        runs
    }

    /// One move of the (effective) history. The rules (README, "SLA clocks"):
    /// - entering a phase starts its clock at the next business moment;
    /// - a move to the ISV (isv_review, isv_fix_bugs) pauses the running clock; coming back
    ///   to the same phase resumes it (policy `on_return = "resume"`) or starts a new one;
    /// - a move to another phase, to draft or to published stops the running or paused clock;
    /// - a correction (a forced move outside the transition table) back into a phase
    ///   continues that phase's latest clock, unless it says `restart_clock`;
    /// - `restart_clock` always starts a fresh clock.
    pub fn apply(&mut self, change: &StateChange, policy: &SlaPolicy) {
        let runs = &mut self.0;
        let at = change.at;
        let entering = Phase::of(change.to);
        let to_isv = change.to.is_with_isv_for_fixes();
        if let Some(run) = runs.iter_mut().find(|r| r.state == RunState::Running) {
            if entering == Some(run.phase) && !change.restart_clock {
                return; // not a change of phase
            }
            run.close(at, policy);
            run.state = if to_isv {
                RunState::Paused
            } else {
                RunState::Stopped
            };
        }
        if to_isv {
            return; // paused clocks wait for the ISV
        }
        let mut continued = None;
        if let (Some(phase), false) = (entering, change.restart_clock)
            && let Some(i) = runs.iter().rposition(|r| r.phase == phase)
        {
            let resume = match runs[i].state {
                RunState::Paused => policy.on_return == OnReturn::Resume,
                RunState::Stopped => change.is_correction(),
                RunState::Running => false,
            };
            if resume {
                runs[i].state = RunState::Running;
                runs[i].running_since = Some(at);
                continued = Some(i);
            }
        }
        // The item left the ISV for good: every other paused clock is over.
        for (i, run) in runs.iter_mut().enumerate() {
            if run.state == RunState::Paused && Some(i) != continued {
                run.state = RunState::Stopped;
            }
        }
        if let (Some(phase), None) = (entering, continued) {
            runs.push(Run {
                phase,
                entered_at: at,
                state: RunState::Running,
                used_closed: 0,
                ran_out: None,
                running_since: Some(at),
                closed_at: None,
            });
        }
    }

    /// The latest run of each phase: all that later moves can change (an older run of a
    /// phase is stopped for good, and only the latest is ever resumed).
    pub fn latest_per_phase(&self) -> ClockRuns {
        let mut out: Vec<Run> = Vec::new();
        for run in self.0.iter().rev() {
            if !out.iter().any(|r| r.phase == run.phase) {
                out.push(run.clone());
            }
        }
        out.reverse();
        ClockRuns(out)
    }

    /// The run counting or waiting for the ISV, if any.
    pub fn current(&self) -> Option<&Run> {
        self.0.iter().rev().find(|r| r.state != RunState::Stopped)
    }

    /// A compact text form, for the queue projection's table: runs separated by `;`, each
    /// `phase,entered,state,used,ran_out,running_since,closed` with instants in Unix seconds
    /// (empty when absent).
    pub fn encode(&self) -> String {
        let t = |t: Option<Timestamp>| t.map(encode_instant).unwrap_or_default();
        self.0
            .iter()
            .map(|r| {
                format!(
                    "{},{},{},{},{},{},{}",
                    match r.phase {
                        Phase::InitialReview => 'i',
                        Phase::QaTesting => 'q',
                        Phase::FinalReview => 'f',
                    },
                    encode_instant(r.entered_at),
                    match r.state {
                        RunState::Running => 'r',
                        RunState::Paused => 'p',
                        RunState::Stopped => 's',
                    },
                    r.used_closed,
                    t(r.ran_out),
                    t(r.running_since),
                    t(r.closed_at),
                )
            })
            .collect::<Vec<_>>()
            .join(";")
    }

    /// Reads what [`ClockRuns::encode`] wrote; None when it is not that.
    pub fn decode(s: &str) -> Option<ClockRuns> {
        if s.is_empty() {
            return Some(ClockRuns::default());
        }
        let opt = |f: &str| -> Option<Option<Timestamp>> {
            if f.is_empty() {
                Some(None)
            } else {
                decode_instant(f).map(Some)
            }
        };
        s.split(';')
            .map(|run| {
                let f: Vec<&str> = run.split(',').collect();
                let [phase, entered, state, used, ran_out, since, closed] = f[..] else {
                    return None;
                };
                Some(Run {
                    phase: match phase {
                        "i" => Phase::InitialReview,
                        "q" => Phase::QaTesting,
                        "f" => Phase::FinalReview,
                        _ => return None,
                    },
                    entered_at: decode_instant(entered)?,
                    state: match state {
                        "r" => RunState::Running,
                        "p" => RunState::Paused,
                        "s" => RunState::Stopped,
                        _ => return None,
                    },
                    used_closed: used.parse().ok()?,
                    ran_out: opt(ran_out)?,
                    running_since: opt(since)?,
                    closed_at: opt(closed)?,
                })
            })
            .collect::<Option<Vec<Run>>>()
            .map(ClockRuns)
    }
}

/// Unix seconds, with `.nanoseconds` when there are any.
fn encode_instant(t: Timestamp) -> String {
    match t.subsec_nanosecond() {
        0 => t.as_second().to_string(),
        n => format!("{}.{:09}", t.as_second(), n),
    }
}

fn decode_instant(s: &str) -> Option<Timestamp> {
    let (secs, nanos) = match s.split_once('.') {
        Some((a, b)) => (a.parse().ok()?, b.parse().ok()?),
        None => (s.parse().ok()?, 0),
    };
    Timestamp::new(secs, nanos).ok()
}

/// Every clock of a submission, oldest first, from its history up to `now` (the rules are
/// those of [`ClockRuns::apply`]; an undone move counts as never made, so an undo restores
/// the clock as it was).
pub fn clocks(history: &[StateChange], policy: &SlaPolicy, now: Timestamp) -> Vec<SlaClock> {
    ClockRuns::walk(history, policy, now)
        .0
        .iter()
        .map(|r| evaluate(r, policy, now))
        .collect()
}

/// Percent of `target` that `used` business seconds are (100 for a zero target).
pub fn percent_used(used: i64, target: i64) -> f64 {
    if target > 0 {
        used as f64 * 100.0 / target as f64
    } else {
        100.0
    }
}

/// A run of a clock as it stands at `now`.
pub fn evaluate(run: &Run, policy: &SlaPolicy, now: Timestamp) -> SlaClock {
    let cal = &policy.calendar;
    let target = policy.target(run.phase);
    let used = run.used_closed
        + run
            .running_since
            .map_or(0, |s| cal.business_seconds(s, now));
    let percent = percent_used(used, target);
    let status = match run.state {
        RunState::Stopped => ClockStatus::Stopped,
        RunState::Paused => ClockStatus::Paused,
        RunState::Running if used > target => ClockStatus::Breached,
        RunState::Running if percent >= policy.at_risk_percent as f64 => ClockStatus::AtRisk,
        RunState::Running => ClockStatus::OnTrack,
    };
    let breached = used > target;
    let due = run.due(policy);
    SlaClock {
        phase: run.phase,
        entered_at: run.entered_at,
        started_at: cal.add_business(run.entered_at, 0),
        used_seconds: used,
        target_seconds: target,
        left_seconds: target - used,
        percent_used: (percent * 10.0).round() / 10.0,
        status,
        warn_again: status != ClockStatus::Breached
            && !breached
            && percent >= policy.warn_again_percent as f64,
        // Null while paused (no interval ran out), else when it runs or ran out.
        due,
        ended_at: if run.state == RunState::Stopped {
            run.closed_at
        } else {
            None
        },
        breached_at: if breached { due } else { None },
        overrun_seconds: (used - target).max(0),
        promised: None,
    }
}

/// The clock that matters now: running or paused, if any.
pub fn current(clocks: &[SlaClock]) -> Option<&SlaClock> {
    clocks.iter().rev().find(|c| c.is_current())
}

/// Business seconds as `2d 4h`, `5h`, `45m`; negative with a leading `-`.
pub fn compact(seconds: i64, day_length: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs() as i64;
    let day = day_length.max(1);
    let (d, rest) = (s / day, s % day);
    let (h, m) = (rest / 3600, rest % 3600 / 60);
    match (d, h) {
        (0, 0) => format!("{sign}{m}m"),
        (0, _) => format!("{sign}{h}h"),
        (_, 0) => format!("{sign}{d}d"),
        _ => format!("{sign}{d}d {h}h"),
    }
}

/// Only the largest unit: `3d`, `5h`, `45m`.
pub fn compact_largest(seconds: i64, day_length: i64) -> String {
    let full = compact(seconds, day_length);
    full.split(' ').next().unwrap_or_default().to_string()
}
