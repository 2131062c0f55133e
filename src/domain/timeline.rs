//! A picture of a submission's life: one bar per run of a phase's clock on one business
//! time axis (weekends and holidays take no room), the ISV's pauses as gaps, the time
//! past the target, the due instant, the breach and the promised date marked. Pure: the
//! history, the promises and `now` are parameters; the front ends choose the glyphs.

use super::projection::business_clock;
use super::report::{ClockRecord, clock_records};
use super::sla::{Phase, SlaPolicy};
use super::submission::{PhasePromise, StateChange};
use jiff::Timestamp;
use jiff::civil::Date;

/// What one column of a bar shows, in rising order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    Empty,
    /// The ISV held the item while the phase's clock waited.
    Isv,
    /// The clock ran, within its target.
    Running,
    /// The clock ran past its target.
    Over,
    /// The date promised to the ISV for the phase (its end).
    Promised,
    /// When the clock runs (or would have run) out.
    Due,
    /// When the clock ran out.
    Breach,
}

/// One bar: a run of a phase's clock.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub record: ClockRecord,
    pub cells: Vec<Cell>,
}

/// The bars on one axis, `width` columns from `from` to `to` (business time).
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    pub bars: Vec<Bar>,
    pub from: Timestamp,
    pub to: Timestamp,
    /// Columns where a business day begins, with its date, for the axis labels.
    pub days: Vec<(usize, Date)>,
}

/// The timeline of a history at `now`, `width` columns wide (None without any clock).
pub fn timeline(
    history: &[StateChange],
    promises: &[PhasePromise],
    policy: &SlaPolicy,
    now: Timestamp,
    width: usize,
) -> Option<Timeline> {
    let records = clock_records(history, policy, now);
    let first = records.first()?.clock.started_at;
    let width = width.max(2);
    let tz = policy.calendar.time_zone();
    let promise_end = |phase: Phase| {
        promises.iter().find(|p| p.phase == phase).and_then(|p| {
            p.date
                .tomorrow()
                .ok()
                .and_then(|d| d.to_zoned(tz.clone()).ok())
                .map(|z| z.timestamp())
        })
    };
    // The axis runs to now, or further when a running clock's due or a promise lies ahead.
    let mut last = now;
    for r in &records {
        if r.clock.is_current() {
            if let Some(due) = r.clock.due {
                last = last.max(due);
            }
            if let Some(p) = promise_end(r.clock.phase) {
                last = last.max(p);
            }
        }
    }
    let b0 = business_clock(policy, first);
    let span = (business_clock(policy, last) - b0).max(1);
    let col = |t: Timestamp| -> usize {
        let x = (business_clock(policy, t) - b0).clamp(0, span);
        ((x as i128 * (width as i128 - 1)) / span as i128) as usize
    };
    // The latest run of each phase carries its promise.
    let latest =
        |i: usize, phase: Phase| records.iter().rposition(|r| r.clock.phase == phase) == Some(i);
    let bars = records
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut cells = vec![Cell::Empty; width];
            let mut put = |c: usize, cell: Cell| {
                if let Some(slot) = cells.get_mut(c)
                    && cell > *slot
                {
                    *slot = cell;
                }
            };
            let over_from = r.clock.breached_at.map(col);
            for (a, b) in &r.pauses {
                for c in col(*a)..=col(b.unwrap_or(now)) {
                    put(c, Cell::Isv);
                }
            }
            for (a, b) in &r.intervals {
                for c in col(*a)..=col(b.unwrap_or(now)) {
                    let over = over_from.is_some_and(|o| c > o);
                    put(c, if over { Cell::Over } else { Cell::Running });
                }
            }
            if latest(i, r.clock.phase)
                && let Some(p) = promise_end(r.clock.phase)
            {
                put(col(p), Cell::Promised);
            }
            match (r.clock.breached_at, r.clock.due) {
                (Some(at), _) => put(col(at), Cell::Breach),
                (None, Some(due)) if r.clock.is_current() => put(col(due), Cell::Due),
                _ => {}
            }
            let mut record = r.clone();
            if latest(i, r.clock.phase) {
                record.clock.promised = promises
                    .iter()
                    .find(|p| p.phase == r.clock.phase)
                    .map(|p| p.date);
            }
            Bar { record, cells }
        })
        .collect();
    // The first column of each business day, for labels.
    let mut days = Vec::new();
    let mut d = first.to_zoned(tz.clone()).date();
    let end = last.to_zoned(tz.clone()).date();
    while d <= end {
        if policy.calendar.is_business_day(d)
            && let Ok(z) = d.to_zoned(tz.clone())
        {
            let c = col(z.timestamp().max(first));
            if days.last().is_none_or(|(lc, _)| c > *lc) {
                days.push((c, d));
            }
        }
        match d.tomorrow() {
            Ok(n) => d = n,
            Err(_) => break,
        }
    }
    Some(Timeline {
        bars,
        from: first,
        to: last,
        days,
    })
}
