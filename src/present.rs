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

/// The glyph of a timeline cell (the legend says them).
pub fn timeline_glyph(c: crate::domain::timeline::Cell) -> char {
    use crate::domain::timeline::Cell;
    match c {
        Cell::Empty => ' ',
        Cell::Isv => '░',
        Cell::Running => '█',
        Cell::Over => '▓',
        Cell::Promised => '◆',
        Cell::Due => '│',
        Cell::Breach => '!',
    }
}

/// What the timeline's glyphs mean.
pub const TIMELINE_LEGEND: &str =
    "█ clock runs ▓ past target ░ at the ISV │ due ! breached ◆ promised";

/// The axis under the bars: a business day's date (`11-02`) where it begins, as many as
/// fit without touching, `width` columns.
pub fn timeline_axis(t: &crate::domain::timeline::Timeline, width: usize) -> String {
    let mut axis = vec![' '; width];
    let mut next_free = 0;
    for (c, d) in &t.days {
        let label = d.strftime("%m-%d").to_string();
        if *c < next_free || c + label.len() > width {
            continue;
        }
        for (i, ch) in label.chars().enumerate() {
            axis[c + i] = ch;
        }
        next_free = c + label.len() + 2;
    }
    axis.into_iter().collect::<String>().trim_end().to_string()
}

/// One bar in words: `2d of 5d used · met · ended Tue 11-17` and the like.
pub fn timeline_summary(
    r: &crate::domain::report::ClockRecord,
    day_length: i64,
    tz: &jiff::tz::TimeZone,
) -> String {
    let c = &r.clock;
    let when = |t: jiff::Timestamp| {
        t.to_zoned(tz.clone())
            .strftime("%a %m-%d %H:%M")
            .to_string()
    };
    let mut parts = vec![format!(
        "{} of {} used",
        compact(c.used_seconds, day_length),
        compact(c.target_seconds, day_length)
    )];
    match (c.status, c.breached_at) {
        (_, Some(at)) => parts.push(format!(
            "breached {} by {}",
            when(at),
            compact(c.overrun_seconds, day_length)
        )),
        (ClockStatus::Stopped, None) => parts.push("met".into()),
        (ClockStatus::Paused, None) => parts.push(format!(
            "with the ISV, {} left",
            compact(c.left_seconds, day_length)
        )),
        (_, None) => {
            if let Some(due) = c.due {
                parts.push(format!("due {}", when(due)));
            }
        }
    }
    if let Some(p) = c.promised {
        parts.push(format!("promised {}", p.strftime("%a %m-%d")));
    }
    if r.isv_held_seconds > 0 {
        parts.push(format!(
            "ISV held {}",
            compact(r.isv_held_seconds, day_length)
        ));
    }
    if let Some(end) = c.ended_at {
        parts.push(format!("ended {}", when(end)));
    }
    parts.join(" · ")
}

/// The workload table's count columns, after the assignee: states, then SLA statuses in
/// the words queries and JSON use (`sla:on_track`), then the total.
pub const WORKLOAD_HEADERS: [&str; 11] = {
    use crate::domain::ReviewState as S;
    [
        S::Draft.column_label(),
        S::InitialReview.column_label(),
        S::IsvReview.column_label(),
        S::QaTesting.column_label(),
        S::IsvFixBugs.column_label(),
        S::FinalReview.column_label(),
        "on_track",
        "at_risk",
        "breached",
        "paused",
        "TOTAL",
    ]
};

/// A workload row's counts in column order.
pub fn workload_counts(r: &crate::domain::report::WorkloadRow) -> [usize; 11] {
    let mut c = [0; 11];
    c[..6].copy_from_slice(&r.by_state);
    c[6..10].copy_from_slice(&r.by_sla);
    c[10] = r.total;
    c
}

/// Each count column's width with its leading space: its header's, or its widest count's.
pub fn workload_widths<'a>(
    rows: impl IntoIterator<Item = &'a crate::domain::report::WorkloadRow>,
) -> [usize; 11] {
    let mut w = WORKLOAD_HEADERS.map(|h| h.len() + 1);
    for r in rows {
        for (i, n) in workload_counts(r).iter().enumerate() {
            w[i] = w[i].max(n.to_string().len() + 1);
        }
    }
    w
}

/// The head line of a conversation entry, shared by `show` and the console's detail:
/// `→ 2026-12-04 11:00  sent  issue list  "[OIN] …"` for an email the queue sent,
/// `← 2026-12-05 09:12  reply  jo@acme.example  "Re: …"` for a message received.
pub fn said_head(said: &crate::domain::inbound::Said) -> String {
    use crate::domain::ReplyKind;
    use crate::domain::inbound::Said;
    let when = |t: jiff::Timestamp| t.strftime("%Y-%m-%d %H:%M").to_string();
    match said {
        Said::Sent(e) => format!(
            "→ {}  {}  {}  {}",
            when(said.at()),
            e.status.key(),
            e.kind.short(),
            crate::text::safe_line(&e.subject)
        ),
        Said::Received(r) => {
            let kind = match r.kind {
                ReplyKind::Reply => "reply",
                ReplyKind::AutoReply => "auto-reply",
                ReplyKind::Bounce => "BOUNCE",
            };
            let who = match &r.sender_name {
                Some(n) => format!("{n} <{}>", r.sender),
                None if r.sender.is_empty() => "(no sender)".to_string(),
                None => r.sender.clone(),
            };
            format!(
                "← {}  {kind}  #{}  {}  {}",
                when(r.received_at),
                r.id,
                crate::text::safe_line(&who),
                crate::text::safe_line(&r.subject)
            )
        }
    }
}
