//! Drawing the console from the app state: layout, header and footer. Only what is visible
//! is built.

mod detail;
mod overlays;
mod queue;

pub use detail::detail_lines;

use super::app::{App, Level, Mode, Tab};
use super::keymap::Context;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Below this the console shows only a "terminal too small" notice.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Whether the layout drops secondary parts (below 80x24).
pub fn compact(area: Rect) -> bool {
    area.width < 80 || area.height < 24
}

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        overlays::too_small(frame, area, theme);
        return;
    }
    let compact = compact(area);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(if compact { 1 } else { 2 }),
        Constraint::Min(3),
        Constraint::Length(if compact { 1 } else { 2 }),
    ])
    .areas(area);
    draw_header(frame, header, app, theme, compact);
    if app.mode == Mode::DetailFull {
        detail::draw(frame, body, app, theme, true);
    } else if app.side_pane() {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)])
                .areas(body);
        queue::draw(frame, left, app, theme);
        detail::draw(frame, right, app, theme, false);
    } else {
        queue::draw(frame, body, app, theme);
    }
    draw_footer(frame, footer, app, theme, compact);
    match &app.mode {
        Mode::Help { scroll } => overlays::help(frame, area, app, theme, *scroll),
        Mode::Palette { query, selected } => {
            overlays::palette(frame, area, app, theme, query, *selected)
        }
        Mode::Filter { cursor } => overlays::filter_menu(frame, area, app, theme, *cursor),
        Mode::Picker { cursor } => overlays::move_picker(frame, area, app, theme, *cursor),
        Mode::AssignPicker { cursor, text } => {
            overlays::assign_picker(frame, area, app, theme, *cursor, text)
        }
        Mode::Reason { to, text } => overlays::reason(frame, area, app, theme, *to, text),
        Mode::Confirm { to, reason } => {
            overlays::confirm(frame, area, app, theme, *to, reason.as_deref())
        }
        Mode::Report {
            title,
            lines,
            scroll,
        } => overlays::report(frame, area, theme, title, lines, *scroll),
        Mode::Findings { cursor } => overlays::findings(frame, area, app, theme, *cursor),
        Mode::FindingText { purpose, text } => {
            overlays::finding_text(frame, area, theme, purpose, text)
        }
        Mode::MailPreview { scroll } => overlays::mail_preview(frame, area, app, theme, *scroll),
        Mode::Outbox { cursor } => overlays::outbox(frame, area, app, theme, *cursor),
        _ => {}
    }
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, compact: bool) {
    let [draft, oin, isv, published] = app.group_counts();
    let tz = app.policy.sla.calendar.time_zone().clone();
    let clock = app.now.to_zoned(tz).strftime("%a %H:%M %Z").to_string();
    let wide = area.width >= 120;
    let counts = if wide {
        format!("Draft {draft} · OIN to review {oin} · ISV to review {isv} · Published {published}")
    } else {
        format!("draft {draft} · OIN {oin} · ISV {isv} · pub {published}")
    };
    // The database's file name, or its whole path when there is room.
    let db = if wide {
        app.db_label.clone()
    } else {
        std::path::Path::new(&app.db_label)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| app.db_label.clone())
    };
    let mut top = vec![
        Span::styled(" oin-review ", theme.title),
        Span::styled(crate::text::safe_line(&db), theme.dim),
        Span::raw(" "),
        Span::styled(
            format!("@{}", crate::text::safe_line(&app.analyst)),
            theme.accent,
        ),
        Span::raw(" "),
        Span::styled(counts, theme.header),
    ];
    if app.read_only.is_some() {
        let banner = Span::styled(" READ-ONLY ", theme.error);
        if wide {
            top.insert(1, banner);
        } else {
            // No room for both at 80 columns: the banner matters more than the file name.
            top[1] = banner;
        }
    }
    let (pending, failed) = app.outbox_pending();
    if pending > 0 {
        top.push(Span::raw(" "));
        top.push(Span::styled(format!("✉ {pending} queued"), theme.warn));
    }
    if failed > 0 {
        top.push(Span::raw(" "));
        top.push(Span::styled(format!("✉ {failed} failed"), theme.error));
    }
    let used: usize = top.iter().map(|s| s.width()).sum();
    let pad = (area.width as usize).saturating_sub(used + clock.chars().count() + 1);
    top.push(Span::raw(" ".repeat(pad)));
    top.push(Span::styled(clock, theme.header));
    let mut lines = vec![Line::from(top)];
    if !compact {
        lines.push(tabs_and_chips(app, theme));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn tabs_and_chips<'a>(app: &'a App, theme: &Theme) -> Line<'a> {
    let mut spans = Vec::new();
    for (i, tab) in Tab::ALL.iter().enumerate() {
        let style = if *tab == app.tab {
            theme.tab_active
        } else {
            theme.tab
        };
        spans.push(Span::styled(format!(" {} {} ", i + 1, tab.title()), style));
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(
        format!(" {} of {} ", app.view.len(), app.rows.len()),
        theme.dim,
    ));
    let sort = format!(
        "sort: {}{}",
        app.sort.name(),
        if app.reverse { " ↑" } else { "" }
    );
    spans.push(Span::styled(sort, theme.dim));
    if !app.marks.is_empty() {
        let hidden = app.hidden_marks();
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            if hidden > 0 {
                format!(" {} marked ({hidden} hidden) ", app.marks.len())
            } else {
                format!(" {} marked ", app.marks.len())
            },
            theme.mark,
        ));
    }
    for f in &app.filters {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" {}: {} ", f.section(), f.label()),
            theme.chip,
        ));
    }
    if !app.query.is_empty() {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            format!(" /{} ", crate::text::safe_line(&app.query)),
            theme.chip,
        ));
    }
    Line::from(spans)
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, compact: bool) {
    let message = match (&app.mode, &app.message) {
        (Mode::Search, _) => Line::from(vec![
            Span::styled("/", theme.accent),
            Span::raw(crate::text::safe_line(&app.query)),
            Span::styled("▏", theme.accent),
            Span::styled(
                app.last_search_ms
                    .map(|ms| format!("   {} match(es), {ms:.1} ms", app.view.len()))
                    .unwrap_or_default(),
                theme.dim,
            ),
        ]),
        (_, Some(m)) => {
            let style = match m.level {
                Level::Info => theme.ok,
                Level::Warn => theme.warn,
                Level::Error => theme.error,
            };
            Line::from(Span::styled(crate::text::safe_line(&m.text), style))
        }
        (_, None) if !app.loaded => Line::from(Span::styled("loading the queue…", theme.dim)),
        (_, None) => Line::from(""),
    };
    let ctx = app.context();
    let mut hints = Vec::new();
    for (key, desc) in app.keymap.hints(ctx) {
        hints.push(Span::styled(key, theme.accent));
        hints.push(Span::styled(format!(" {desc}  "), theme.dim));
    }
    let lines = if compact {
        if app.message.is_some() || ctx == Context::Search {
            vec![message]
        } else {
            vec![Line::from(hints)]
        }
    } else {
        vec![message, Line::from(hints)]
    };
    frame.render_widget(Paragraph::new(lines).style(Style::default()), area);
}
