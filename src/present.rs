//! Short text for the SLA and tests cells, shared by the CLI table and the console.

use crate::domain::sla::{compact, compact_largest};
use crate::domain::{Assessment, ClockNow, ClockStatus, Freshness, ReviewState, TestsNow};

/// The widest SLA cell: `10d 23h over`, `12d left, paused`.
pub const SLA_CELL_WIDTH: usize = 15;

/// `2d 4h left`, `5h over` once breached, `3d left, paused` with the ISV (`1d over,
/// paused` when it ran out first), `done` once published, `-` without a clock.
pub fn sla_cell(state: ReviewState, clock: Option<ClockNow>, day_length: i64) -> String {
    let left = |s: i64, short: bool| {
        let t = if short {
            compact_largest(s.abs(), day_length)
        } else {
            compact(s.abs(), day_length)
        };
        if s < 0 {
            format!("{t} over")
        } else {
            format!("{t} left")
        }
    };
    match clock {
        Some(c) if c.status == ClockStatus::Paused => {
            format!("{}, paused", left(c.left_seconds, true))
        }
        Some(c) => left(c.left_seconds, false),
        None if state == ReviewState::Published => "done".into(),
        None => "-".into(),
    }
}

/// The current clock of an assessment, as the cells read it.
pub fn clock_now(a: &Assessment) -> Option<ClockNow> {
    a.current_clock().map(ClockNow::from)
}

/// `fresh`, `exp 5h`, `expired`, `failed`, `missing`; SCIM-only items show their evidence;
/// `-` when nothing is required.
pub fn tests_cell(t: &TestsNow) -> String {
    match t.overall {
        Some(Freshness::Expiring) => {
            let hours = t.soonest_left.map_or(0, |s| s.max(0) / 3600);
            format!("exp {hours}h")
        }
        Some(f) => f.key().into(),
        None => match t.scim_complete {
            Some(true) => "scim ok".into(),
            Some(false) => "scim gap".into(),
            None => "-".into(),
        },
    }
}
