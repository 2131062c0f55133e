//! Short text for the SLA and tests cells, shared by the CLI table and the console.

use crate::domain::sla::{compact, compact_largest};
use crate::domain::{Assessment, ClockStatus, Freshness, ReviewState, Submission};

/// The widest SLA cell: `10d 23h over`, `12d left, paused`.
pub const SLA_CELL_WIDTH: usize = 15;

/// `2d 4h left`, `5h over` once breached, `3d left, paused` with the ISV (`1d over,
/// paused` when it ran out first), `done` once published, `-` without a clock.
pub fn sla_cell(sub: &Submission, a: &Assessment, day_length: i64) -> String {
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
    match a.current_clock() {
        Some(c) if c.status == ClockStatus::Paused => {
            format!("{}, paused", left(c.left_seconds, true))
        }
        Some(c) => left(c.left_seconds, false),
        None if sub.state == ReviewState::Published => "done".into(),
        None => "-".into(),
    }
}

/// The status key of the current clock, if any.
pub fn sla_status(a: &Assessment) -> Option<ClockStatus> {
    a.current_clock().map(|c| c.status)
}

/// `fresh`, `exp 5h`, `expired`, `failed`, `missing`; SCIM-only items show their evidence;
/// `-` when nothing is required.
pub fn tests_cell(a: &Assessment) -> String {
    match a.tests.overall {
        Some(Freshness::Expiring) => {
            let hours = a
                .tests
                .soonest_expiry()
                .and_then(|t| t.left_seconds)
                .map_or(0, |s| s.max(0) / 3600);
            format!("exp {hours}h")
        }
        Some(f) => f.key().into(),
        None => match &a.tests.scim {
            Some(s) if s.spec_results && s.crud_results && s.manual_plan_certified => {
                "scim ok".into()
            }
            Some(_) => "scim gap".into(),
            None => "-".into(),
        },
    }
}
