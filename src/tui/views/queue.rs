//! The queue table: only the visible rows are built; search matches are highlighted.

use crate::domain::projection::business_clock;
use crate::domain::{ClockStatus, Freshness};
use crate::present::{sla_cell, tests_cell};
use crate::search::{Matcher, Query};
use crate::text::placeholder;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthChar;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    App,
    Isv,
    Protocols,
    State,
    Assignee,
    Sla,
    Tests,
    Age,
}

impl Col {
    fn title(self) -> &'static str {
        match self {
            Col::Id => "ID",
            Col::App => "APP",
            Col::Isv => "ISV",
            Col::Protocols => "PROTO",
            Col::State => "STATE",
            Col::Assignee => "WHO",
            Col::Sla => "SLA",
            Col::Tests => "TESTS",
            Col::Age => "IN STATE",
        }
    }
}

/// Columns and widths for an inner width: the narrowest keep what says why an item is
/// urgent; optional columns come in while APP keeps 14 columns (and ISV 10).
/// The columns that fit `width`; `id_w` is the widest id on screen (at least 13: a new
/// version's id, `OIN-2026-0136-v2`, must not be cut to its original's).
fn columns(width: usize, wizard: bool, id_w: usize) -> Vec<(Col, usize)> {
    let id_w = id_w.clamp(13, 24);
    // The OIN Manager's names in full where every column fits with them (from 119 columns
    // with the usual ids: `QUEUE_FULL_WIDTH`), else their short forms.
    let state_w = if wizard {
        13
    } else if width >= full_width(id_w) {
        STATE_FULL
    } else {
        12
    };
    let mut cols = vec![
        (Col::Id, id_w),
        (Col::App, 0),
        (Col::Sla, crate::present::SLA_CELL_WIDTH),
        (Col::Tests, 8),
    ];
    let optional = [
        (Col::State, state_w),
        (Col::Isv, 0),
        (Col::Age, 8),
        (Col::Assignee, 8),
        (Col::Protocols, 9),
    ];
    // The "▶ " selection gutter and one space after each column.
    let fixed = |cols: &[(Col, usize)]| cols.iter().map(|(_, w)| w + 1).sum::<usize>() + 2;
    let flex_need = |cols: &[(Col, usize)]| {
        14 + if cols.iter().any(|(c, _)| *c == Col::Isv) {
            10
        } else {
            0
        }
    };
    for (c, w) in optional {
        let mut tried = cols.clone();
        tried.push((c, w));
        if fixed(&tried) + flex_need(&tried) <= width {
            cols = tried;
        }
    }
    // Time in state beside the state it counts; the SLA's time left apart from it.
    let order = [
        Col::Id,
        Col::App,
        Col::Isv,
        Col::Protocols,
        Col::State,
        Col::Age,
        Col::Assignee,
        Col::Sla,
        Col::Tests,
    ];
    cols.sort_by_key(|(c, _)| order.iter().position(|o| o == c));
    // Share what is left between APP and ISV (3:2).
    let left = width.saturating_sub(fixed(&cols));
    let has_isv = cols.iter().any(|(c, _)| *c == Col::Isv);
    for (c, w) in cols.iter_mut() {
        match c {
            Col::App => *w = if has_isv { left * 3 / 5 } else { left },
            Col::Isv => *w = left - left * 3 / 5,
            _ => {}
        }
    }
    cols
}

/// The STATE column with the OIN Manager's longest name, "To be QA tested by Okta".
const STATE_FULL: usize = 23;

/// The width that holds every column with the OIN Manager's state names in full, for ids
/// `id_w` wide: the gutter, the fixed columns and a space after each, and 14 + 10 for APP
/// and ISV.
fn full_width(id_w: usize) -> usize {
    let fixed = [
        id_w,
        crate::present::SLA_CELL_WIDTH,
        8,
        STATE_FULL,
        8,
        8,
        9,
        0,
        0,
    ];
    2 + fixed.iter().map(|w| w + 1).sum::<usize>() + 14 + 10
}

/// Adds `text` as spans cut to `width` columns, highlighting chars at `hits` (char indices),
/// with controls shown as placeholders; pads to `width`.
fn push_cell(
    spans: &mut Vec<Span<'static>>,
    text: &str,
    width: usize,
    base: Style,
    hit: Style,
    hits: &[usize],
) {
    let mut used = 0;
    let mut run = String::new();
    let mut run_hit = false;
    let total: usize = text
        .chars()
        .map(|c| placeholder(c).unwrap_or(c).width().unwrap_or(0))
        .sum();
    let cut = total > width;
    for (i, c) in text.chars().enumerate() {
        let c = placeholder(c).unwrap_or(c);
        let w = c.width().unwrap_or(0);
        if used + w + usize::from(cut) > width {
            break;
        }
        let is_hit = hits.contains(&i);
        if is_hit != run_hit && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                if run_hit { base.patch(hit) } else { base },
            ));
        }
        run_hit = is_hit;
        run.push(c);
        used += w;
    }
    if cut && width > 0 {
        if run_hit && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), base.patch(hit)));
        }
        run.push('…');
        run_hit = false;
        used += 1;
    }
    run.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    spans.push(Span::styled(
        run,
        if run_hit { base.patch(hit) } else { base },
    ));
}

fn age(since: Option<jiff::Timestamp>, now: jiff::Timestamp) -> String {
    let Some(since) = since else {
        return "-".into();
    };
    let secs = now.duration_since(since).as_secs().max(0);
    match secs {
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let focused = app.focus() == Focus::Queue;
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(if focused { theme.accent } else { theme.border });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 || inner.width == 0 {
        return;
    }
    let q = app.queue();
    let height = inner.height.saturating_sub(1) as usize;
    let id_w = q
        .visible(q.offset(), height)
        .map(|(_, s)| crate::text::display_width(&crate::text::safe_line(s.id())))
        .max()
        .unwrap_or(0);
    let cols = columns(inner.width as usize, app.wizard_names(), id_w);
    let mut lines = Vec::with_capacity(inner.height as usize);
    let mut head = vec![Span::raw("  ")];
    for (c, w) in &cols {
        push_cell(&mut head, c.title(), *w, theme.header, theme.header, &[]);
        head.push(Span::raw(" "));
    }
    lines.push(Line::from(head));
    if q.loaded() && q.is_empty() {
        let why = if q.rows().is_empty() {
            "The queue is empty: import submissions with `oin-review import FILE`.".to_string()
        } else {
            let k = |c| app.key(crate::tui::keymap::Context::Queue, c);
            use crate::tui::keymap::Command;
            format!(
                "Nothing matches: {} clears the search, {} clears filters, {} shows all tabs.",
                k(Command::ClearSearch),
                k(Command::ClearFilters),
                k(Command::TabAll)
            )
        };
        lines.push(Line::from(Span::styled(format!("  {why}"), theme.dim)));
    }
    let mut matcher = Matcher::default();
    let day = app.policy().sla.calendar.day_length();
    let query = Query::new(q.query());
    // Clocks move on between loads: the visible rows' statuses at the current instant.
    let b = business_clock(&app.policy().sla, app.now());
    for (pos, s) in q.visible(q.offset(), height) {
        let clock = s.clock_at(b);
        let tests = s.tests_at(app.now(), &app.policy().freshness);
        let selected = pos == q.selected();
        let base = if selected {
            theme.selection
        } else {
            theme.text
        };
        // Highlight where the query matches each shown field by itself; otherwise where it
        // matched the combined text ("id app isv submitter org"), mapped onto the fields.
        let offsets = s.char_offsets();
        let fields = [
            (s.id(), offsets[0]),
            (s.app_name(), offsets[1]),
            (s.isv(), offsets[2]),
        ];
        let mut field_hits: [Vec<usize>; 3] = Default::default();
        if !query.is_empty() {
            for (k, (text, _)) in fields.iter().enumerate() {
                if let Some(p) = matcher.positions(text, &query) {
                    field_hits[k] = p;
                }
            }
            if field_hits.iter().all(Vec::is_empty) {
                let combined = matcher
                    .positions(s.search_text(), &query)
                    .unwrap_or_default();
                for (k, (text, start)) in fields.iter().enumerate() {
                    let len = text.chars().count();
                    field_hits[k] = combined
                        .iter()
                        .filter(|&&h| h >= *start && h < start + len)
                        .map(|h| h - start)
                        .collect();
                }
            }
        }
        let marked = q.is_marked(s.id());
        // ● marked for a batch; « a reply from the ISV you have not read; @ a note mentions
        // you (or a reply waits on you) and you have not acted on it yet; ~ idle: the ISV
        // has held it longer than the reminder policy's idle time.
        let mark = if marked {
            "●"
        } else if app.has_unread(s.id()) {
            "«"
        } else if q.wants_attention(s.id()) {
            "@"
        } else if q.is_idle(s) {
            "~"
        } else {
            " "
        };
        let mut spans: Vec<Span<'static>> = vec![
            Span::styled(if selected { "▶" } else { " " }, base),
            Span::styled(mark, base.patch(theme.mark)),
        ];
        for (c, w) in &cols {
            let (text, style, cell_hits): (String, Style, Vec<usize>) = match c {
                Col::Id => (s.id().to_string(), base, field_hits[0].clone()),
                Col::App => (s.app_name().to_string(), base, field_hits[1].clone()),
                Col::Isv => (s.isv().to_string(), base, field_hits[2].clone()),
                Col::Protocols => (
                    s.protocols
                        .iter()
                        .map(|p| p.badge())
                        .collect::<Vec<_>>()
                        .join(","),
                    base,
                    Vec::new(),
                ),
                Col::State => (
                    if s.superseded {
                        "replaced".to_string()
                    } else if app.wizard_names() {
                        s.state.wizard_group().name().to_string()
                    } else if *w >= STATE_FULL {
                        s.state.manager_name().to_string()
                    } else {
                        s.state.short_label().to_string()
                    },
                    base,
                    Vec::new(),
                ),
                Col::Assignee => (
                    s.assignee.as_deref().unwrap_or("-").to_string(),
                    base,
                    Vec::new(),
                ),
                Col::Sla => {
                    let status = clock.map(|c| (c.status, c.warn_again));
                    let st = match status {
                        Some((ClockStatus::Breached, _)) => theme.breached,
                        Some((ClockStatus::AtRisk, true)) => theme.warn_again,
                        Some((ClockStatus::AtRisk, false)) => theme.at_risk,
                        Some((ClockStatus::OnTrack, _)) => theme.on_track,
                        Some((ClockStatus::Paused, _)) => theme.paused,
                        _ => theme.stopped,
                    };
                    (sla_cell(s.state, clock, day), base.patch(st), Vec::new())
                }
                Col::Tests => {
                    let st = match tests.overall {
                        Some(Freshness::Fresh) => theme.fresh,
                        Some(Freshness::Expiring) => theme.expiring,
                        Some(Freshness::Expired) => theme.stale,
                        Some(Freshness::Failed) => theme.failed,
                        Some(Freshness::Missing) => theme.missing,
                        None => theme.dim,
                    };
                    (tests_cell(&tests), base.patch(st), Vec::new())
                }
                Col::Age => (age(s.in_state_since, app.now()), base, Vec::new()),
            };
            push_cell(&mut spans, &text, *w, style, theme.matched, &cell_hits);
            spans.push(Span::styled(" ", base));
        }
        lines.push(Line::from(spans));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_width_holds_every_column_with_full_state_names() {
        assert_eq!(full_width(13), crate::tui::app::QUEUE_FULL_WIDTH as usize);
        let cols = columns(full_width(13), false, 13);
        assert_eq!(cols.len(), 9);
        assert!(cols.contains(&(Col::State, STATE_FULL)));
        assert!(cols.iter().any(|(c, w)| *c == Col::App && *w >= 14));
        // Wider ids keep every column, with the short state names.
        assert_eq!(columns(full_width(13), false, 16).len(), 9);
    }
}
