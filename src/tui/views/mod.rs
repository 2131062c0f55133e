//! Drawing the console from the app state: layout, header and footer; the queue and the
//! detail; then the open overlays, bottom one first. Only what is visible is built.

mod detail;
mod queue;

use super::app::{App, Level};
use super::keymap::Context;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Below this the console shows only a "terminal too small" notice.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Whether the layout drops secondary parts (below 80x24).
pub fn compact(area: Rect) -> bool {
    area.width < 80 || area.height < 24
}

/// Where each part of the screen goes.
pub struct Areas {
    pub header: Rect,
    pub footer: Rect,
    /// The queue, when it shows.
    pub queue: Option<Rect>,
    /// The detail (full screen or side pane), when it shows; and whether full screen.
    pub detail: Option<(Rect, bool)>,
}

pub fn areas(app: &App, area: Rect) -> Areas {
    let compact = compact(area);
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(if compact { 1 } else { 2 }),
        Constraint::Min(3),
        Constraint::Length(if compact { 1 } else { 2 }),
    ])
    .areas(area);
    let (queue, detail) = if app.full_detail() {
        (None, Some((body, true)))
    } else if app.side_pane() {
        // The queue keeps every column; the pane takes what it can spare (at least 42%).
        let queue = (body.width * 58 / 100).max(crate::tui::app::QUEUE_FULL_WIDTH);
        let [left, right] =
            Layout::horizontal([Constraint::Length(queue), Constraint::Min(0)]).areas(body);
        (Some(left), Some((right, false)))
    } else {
        (Some(body), None)
    };
    Areas {
        header,
        footer,
        queue,
        detail,
    }
}

/// The detail's extent at the current size: (wrapped lines, lines in view, section starts).
pub fn detail_extent(app: &App) -> (usize, usize, Vec<usize>) {
    let (w, h) = app.size();
    let a = areas(app, Rect::new(0, 0, w, h));
    let Some((rect, full)) = a.detail else {
        return (0, 1, Vec::new());
    };
    let inner = detail::block(app, &Theme::plain(), full).inner(rect);
    match detail::build(app, inner.width as usize, &Theme::plain()) {
        Some(d) => (
            d.lines.len(),
            inner.height as usize,
            d.sections.iter().map(|(_, s)| *s).collect(),
        ),
        None => (0, 1, Vec::new()),
    }
}

/// Whether the detail, as it is scrolled now, shows some of the Conversation section of a
/// submission read in full (only then are its replies read).
pub fn conversation_on_screen(app: &App) -> bool {
    let (w, h) = app.size();
    let a = areas(app, Rect::new(0, 0, w, h));
    let Some((rect, full)) = a.detail else {
        return false;
    };
    if !full && app.focus() != crate::tui::app::Focus::Detail {
        return false;
    }
    let Some(row) = app.selected_row() else {
        return false;
    };
    if app.opened(row.id()).is_none() {
        return false;
    }
    let inner = detail::block(app, &Theme::plain(), full).inner(rect);
    let Some(d) = detail::build(app, inner.width as usize, &Theme::plain()) else {
        return false;
    };
    let view = inner.height as usize;
    let at = app
        .detail_scroll()
        .min(d.lines.len().saturating_sub(view.max(1)));
    let Some(i) = d
        .sections
        .iter()
        .position(|(name, _)| *name == detail::CONVERSATION)
    else {
        return false;
    };
    let start = d.sections[i].1;
    let end = d.sections.get(i + 1).map_or(d.lines.len(), |s| s.1);
    start < at + view && end > at
}

pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, theme);
        return;
    }
    let a = areas(app, area);
    let compact = compact(area);
    draw_header(frame, a.header, app, theme, compact);
    if let Some(rect) = a.queue {
        queue::draw(frame, rect, app, theme);
    }
    if let Some((rect, full)) = a.detail {
        detail::draw(frame, rect, app, theme, full);
    }
    draw_footer(frame, a.footer, app, theme, compact);
    for o in app.overlays() {
        o.draw(frame, app, theme);
    }
}

fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!(
        "terminal too small: need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{}",
        area.width, area.height
    );
    let y = area.height / 2;
    let rect = Rect {
        x: area.x,
        y: area.y + y.saturating_sub(1),
        width: area.width,
        height: area.height.saturating_sub(y.saturating_sub(1)).min(3),
    };
    frame.render_widget(
        Paragraph::new(Span::styled(text, theme.warn))
            .alignment(ratatui::layout::Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

fn draw_header(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, compact: bool) {
    let [draft, oin, isv, published] = app.queue().group_counts();
    let tz = app.policy().sla.calendar.time_zone().clone();
    let clock = match app.pinned() {
        Some(at) => format!("as of {}", at.to_zoned(tz).strftime("%a %Y-%m-%d %H:%M %Z")),
        None => app.now().to_zoned(tz).strftime("%a %H:%M %Z").to_string(),
    };
    let clock_style = if app.pinned().is_some() {
        theme.warn
    } else {
        theme.header
    };
    // ~N: items the ISV has held longer than the reminder policy's idle time.
    let idle = match app.queue().idle_count() {
        0 => String::new(),
        n => format!(" (~{n} idle)"),
    };
    let counts = |idle: &str| match app.loading() {
        // The first page is on screen; the counts come with the rest.
        Some((done, total)) => (
            format!("reading the queue: {done} of {total}…"),
            format!("reading {done}/{total}…"),
        ),
        None => (
            format!(
                "Draft {draft} · OIN to review {oin} · ISV to review {isv}{idle} · Published {published}"
            ),
            format!("draft {draft} · OIN {oin} · ISV {isv}{idle} · pub {published}"),
        ),
    };
    let (long_idle, short_idle) = counts(&idle);
    let (long, short) = counts("");
    let file = std::path::Path::new(app.db_label())
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| app.db_label().to_string());
    let (pending, failed) = app
        .outbox()
        .iter()
        .fold((0, 0), |(q, f), e| match e.status {
            crate::domain::OutboxStatus::Queued | crate::domain::OutboxStatus::Sending => {
                (q + 1, f)
            }
            crate::domain::OutboxStatus::Failed | crate::domain::OutboxStatus::Bounced => {
                (q, f + 1)
            }
            crate::domain::OutboxStatus::Sent | crate::domain::OutboxStatus::Cancelled => (q, f),
        });
    // Held emails (`[mail] hold`) can still be cancelled: how many, and when the first goes.
    let now = app.now();
    let held: Vec<jiff::Timestamp> = app
        .outbox()
        .iter()
        .filter(|e| e.status == crate::domain::OutboxStatus::Queued)
        .filter_map(|e| e.held_until.filter(|&h| h > now))
        .collect();
    let pending = pending - held.len();
    let held_text = held.iter().min().map(|first| {
        let minutes = (first.duration_since(now).as_secs() + 59) / 60;
        format!(
            "✉ {} held, first goes in {minutes} min ({} then {} cancels)",
            held.len(),
            app.key(Context::Queue, crate::tui::keymap::Command::Outbox),
            app.key(Context::Outbox, crate::tui::keymap::Command::CancelEmail),
        )
    });
    let room = (area.width as usize).saturating_sub(clock.chars().count() + 2);
    // The widest header that leaves a space before the clock: the whole path, then the
    // file name, then short counts, then no counts; the banner and mail state always show.
    // The idle count goes before the file name does.
    let candidates = [
        (Some(app.db_label().to_string()), Some(&long_idle)),
        (Some(file.clone()), Some(&long_idle)),
        (Some(file.clone()), Some(&long)),
        (Some(file.clone()), Some(&short_idle)),
        (Some(file.clone()), Some(&short)),
        (None, Some(&short)),
        (None, None),
    ];
    let build = |db: &Option<String>, counts: Option<&String>| {
        let mut top = vec![Span::styled(" oin-review ", theme.title)];
        if app.read_only().is_some() {
            top.push(Span::styled("READ-ONLY ", theme.error));
        }
        if let Some(db) = db
            .as_ref()
            .filter(|_| app.read_only().is_none() || area.width >= 120)
        {
            top.push(Span::styled(crate::text::safe_line(db), theme.dim));
            top.push(Span::raw(" "));
        }
        top.push(Span::styled(
            format!("@{}", crate::text::safe_line(app.analyst())),
            theme.accent,
        ));
        if let Some(c) = counts {
            top.push(Span::raw(" "));
            top.push(Span::styled(c.clone(), theme.header));
        }
        if let Some(h) = &held_text {
            top.push(Span::raw(" "));
            top.push(Span::styled(h.clone(), theme.warn));
        }
        if pending > 0 {
            top.push(Span::raw(" "));
            top.push(Span::styled(format!("✉ {pending} queued"), theme.warn));
        }
        if failed > 0 {
            top.push(Span::raw(" "));
            top.push(Span::styled(format!("✉ {failed} failed"), theme.error));
        }
        if app.unread_count() > 0 {
            top.push(Span::raw(" "));
            top.push(Span::styled(
                format!("« {} unread", app.unread_count()),
                theme.accent,
            ));
        }
        top
    };
    let width = |spans: &[Span]| spans.iter().map(|s| s.width()).sum::<usize>();
    let mut top = candidates
        .iter()
        .map(|(db, counts)| build(db, *counts))
        .find(|t| width(t) <= room)
        .unwrap_or_else(|| build(&None, None));
    let pad = (area.width as usize).saturating_sub(width(&top) + clock.chars().count() + 1);
    top.push(Span::raw(" ".repeat(pad.max(1))));
    top.push(Span::styled(clock, clock_style));
    let mut lines = vec![Line::from(top)];
    if !compact {
        lines.push(tabs_and_chips(app, theme, area.width as usize));
    }
    frame.render_widget(Paragraph::new(lines), area);
}

fn tabs_and_chips<'a>(app: &'a App, theme: &Theme, width: usize) -> Line<'a> {
    let q = app.queue();
    let mut spans = Vec::new();
    let label = |i: usize, tab, short: bool| {
        // Saved views have no digit key (`]` reaches them) and show their count; short, a
        // tab keeps its digit, or its title's first letters.
        let label = match (q.tab_count(tab), short) {
            (Some(n), false) => format!(" {} {n} ", q.tab_title(tab)),
            (Some(n), true) => {
                let full = q.tab_title(tab);
                let title: String = full.chars().take(4).collect();
                let cut = if full.chars().count() > 4 { "…" } else { "" };
                format!(" {title}{cut} {n} ")
            }
            (None, false) => format!(" {} {} ", i + 1, q.tab_title(tab)),
            (None, true) => format!(" {} ", i + 1),
        };
        // The items the ISV has held too long are counted on its tab: `With ISV ~4`.
        match (tab, q.idle_count()) {
            (crate::tui::queue_state::Tab::WithIsv, n) if n > 0 => format!("{label}~{n} "),
            _ => label,
        }
    };
    let tabs = q.tabs();
    let tabs_width = |shrink: bool| -> usize {
        tabs.iter()
            .enumerate()
            .map(|(i, t)| crate::text::display_width(&label(i, *t, shrink && *t != q.tab())) + 1)
            .sum()
    };
    // What follows the tabs, at a level of abbreviation: 0 whole ("State: ISV needs to
    // review", "sort: time in state"), 1 the labels alone ("ISV review", "sort: age"), 2 the
    // filters as their number ("2 filters"), 3 the count as "4/33" and no sort chip (`s`
    // says the sort when it changes). The search chip is the analyst's own words: it is
    // never abbreviated.
    let (sort, reverse) = q.sort();
    let arrow = if reverse { " ↑" } else { "" };
    // Each chip with the space after it, where it has one.
    let rest = |level: u8| -> Vec<(String, Style)> {
        let count = if level < 3 {
            format!(" {} of {} ", q.len(), q.rows().len())
        } else {
            format!(" {}/{} ", q.len(), q.rows().len())
        };
        let mut chips = vec![(count, theme.dim)];
        if !q.marks().is_empty() {
            let hidden = q.hidden_marks();
            chips.push((
                if hidden > 0 {
                    format!(" {} marked ({hidden} hidden)  ", q.marks().len())
                } else {
                    format!(" {} marked  ", q.marks().len())
                },
                theme.mark,
            ));
        }
        let filters = q.filters();
        match level {
            0 => chips.extend(filters.iter().map(|f| {
                let label = crate::text::safe_line(&f.label());
                (format!(" {}: {label}  ", f.section()), theme.chip)
            })),
            1 => chips.extend(filters.iter().map(|f| {
                let label = crate::text::safe_line(&f.short_label());
                (format!(" {label}  "), theme.chip)
            })),
            _ if filters.is_empty() => {}
            _ => chips.push((
                match filters.len() {
                    1 => " 1 filter  ".to_string(),
                    n => format!(" {n} filters  "),
                },
                theme.chip,
            )),
        }
        if !q.query().is_empty() {
            chips.push((
                format!(" /{}  ", crate::text::safe_line(q.query())),
                theme.chip,
            ));
        }
        let sort = match level {
            0 => Some(sort.name()),
            1 | 2 => Some(sort.short_name()),
            _ => None,
        };
        if let Some(sort) = sort {
            chips.push((format!("sort: {sort}{arrow}"), theme.dim));
        }
        chips
    };
    let rest_width = |chips: &[(String, Style)]| -> usize {
        chips
            .iter()
            .map(|(c, _)| crate::text::display_width(c))
            .sum()
    };
    // Too much to show whole (saved views, filters, a search at 80 columns): first the tabs
    // not chosen shrink, so the chosen one is always seen; then the chips abbreviate.
    let (shrink, chips) = std::iter::once((false, rest(0)))
        .chain((0..=3).map(|level| (true, rest(level))))
        .find(|(shrink, chips)| tabs_width(*shrink) + rest_width(chips) <= width)
        .unwrap_or_else(|| (true, rest(3)));
    for (i, tab) in tabs.into_iter().enumerate() {
        let active = tab == q.tab();
        let style = if active { theme.tab_active } else { theme.tab };
        spans.push(Span::styled(label(i, tab, shrink && !active), style));
        spans.push(Span::raw(" "));
    }
    for (text, style) in chips {
        // The space after a chip is not the chip's colour.
        match text.strip_suffix(' ') {
            Some(chip) if text.ends_with("  ") => {
                spans.push(Span::styled(chip.to_string(), style));
                spans.push(Span::raw(" "));
            }
            _ => spans.push(Span::styled(text, style)),
        }
    }
    Line::from(spans)
}

fn draw_footer(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, compact: bool) {
    let message = match app.message() {
        Some(m) => {
            let style = match m.level {
                Level::Info => theme.ok,
                Level::Warn => theme.warn,
                Level::Error => theme.error,
            };
            let text = crate::text::safe_line(&m.text);
            let width = area.width as usize;
            if crate::text::display_width(&text) <= width {
                Line::from(Span::styled(text, style))
            } else {
                // Too long for its line: cut, and say where it reads whole.
                let palette = app.key(Context::Global, super::keymap::Command::Palette);
                let hint = format!(" ({palette}messages)");
                let room = width.saturating_sub(crate::text::display_width(&hint));
                Line::from(vec![
                    Span::styled(crate::text::fit(&text, room), style),
                    Span::styled(hint, theme.dim),
                ])
            }
        }
        None if !app.queue().loaded() => Line::from(Span::styled("loading the queue…", theme.dim)),
        None => Line::from(""),
    };
    let ctx = app.context();
    let mut hints = Vec::new();
    let marked = app.queue().marks().len();
    if ctx == Context::Queue && marked > 0 {
        // Batch keys (move, mail, assign) act on the marked rows, not the selected one.
        hints.push(Span::styled(
            format!("{marked} marked: keys act on them  "),
            theme.warn,
        ));
    }
    for (key, desc) in app.keymap().hints_but(ctx, app.inert_commands()) {
        hints.push(Span::styled(key, theme.accent));
        hints.push(Span::styled(format!(" {desc}  "), theme.dim));
    }
    let lines = if compact {
        if app.message().is_some() || ctx == Context::Search {
            vec![message]
        } else {
            vec![Line::from(hints)]
        }
    } else {
        vec![message, Line::from(hints)]
    };
    frame.render_widget(Paragraph::new(lines), area);
}
