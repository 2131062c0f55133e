//! The lead's reports: SLA attainment per week as a bar chart, attainment by phase over
//! the same weeks, the open workload per analyst, and the breaches of the last 30 days.
//! The figures come from the database thread (walked from the audit history) and are read
//! again whenever the queue is.

use super::{Panel, Scroll, Step, centered, popup};
use crate::domain::report::{SlaRow, WorkloadRow};
use crate::domain::sla::compact;
use crate::text::{fit, pad, safe_line};
use crate::tui::app::App;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::workflow::reports::{BREACH_DAYS, CHART_WEEKS, Reports};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Clear, Paragraph};

/// Rows the chart takes: bars, their values and week labels, and the counts under them.
const CHART_HEIGHT: u16 = 9;
const BAR_WIDTH: u16 = 7;
const BAR_GAP: u16 = 2;

#[derive(Default)]
pub struct ReportsView {
    scroll: Scroll,
}

impl ReportsView {
    /// The box, the chart's area and the scrolled body's area.
    fn layout(area: Rect) -> (Rect, Rect, Rect) {
        let rect = centered(area, 100, area.height.saturating_sub(2));
        let inner = Rect {
            x: rect.x + 1,
            y: rect.y + 1,
            width: rect.width.saturating_sub(2),
            height: rect.height.saturating_sub(2),
        };
        let [chart, body] =
            Layout::vertical([Constraint::Length(CHART_HEIGHT + 1), Constraint::Min(0)])
                .areas(inner);
        (rect, chart, body)
    }
}

impl Panel for ReportsView {
    fn context(&self) -> Context {
        Context::Reports
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        match command {
            Some(Command::Close) => Step::Close,
            Some(Command::Reload) => Step::Act(app.read_reports()),
            c => {
                let (w, h) = app.size();
                let (_, _, body) = ReportsView::layout(Rect::new(0, 0, w, h));
                let content = app.reports().map_or(0, |r| {
                    body_lines(r, app, &Theme::plain(), body.width as usize).len()
                });
                self.scroll.apply(c, content, body.height as usize);
                Step::Stay
            }
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let (rect, chart_area, body) = ReportsView::layout(frame.area());
        let k = |c| app.key(Context::Reports, c);
        let title = format!(
            "reports ({} scrolls, {} refreshes, {} closes)",
            k(Command::Down),
            k(Command::Reload),
            k(Command::Close)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(popup(&title, theme), rect);
        let Some(reports) = app.reports() else {
            frame.render_widget(
                Paragraph::new(Span::styled(" reading the audit history…", theme.dim)),
                chart_area,
            );
            return;
        };
        draw_chart(frame, chart_area, &reports.weekly, theme);
        let lines = body_lines(reports, app, theme, body.width as usize);
        let at = self.scroll.at(lines.len(), body.height as usize);
        frame.render_widget(Paragraph::new(lines).scroll((at, 0)), body);
    }
}

/// Bars coloured by attainment: at least 90% met is good, at least 75% a warning, less a
/// breach colour; a week where nothing finished has no bar.
fn bar_style(row: &SlaRow, theme: &Theme) -> Style {
    match row.attainment_percent {
        Some(p) if p >= 90.0 => theme.ok,
        Some(p) if p >= 75.0 => theme.warn,
        Some(_) => theme.breached,
        None => theme.dim,
    }
}

fn draw_chart(frame: &mut Frame, area: Rect, weekly: &[SlaRow], theme: &Theme) {
    let [head, bars, counts] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(CHART_HEIGHT - 1),
        Constraint::Length(1),
    ])
    .areas(area);
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" SLA attainment per week", theme.header),
            Span::styled(" · % of the clocks ended that met their target", theme.dim),
        ])),
        head,
    );
    let data: Vec<Bar> = weekly
        .iter()
        .map(|w| {
            let label = w.group.rsplit('-').next().unwrap_or_default().to_string();
            let value = w.attainment_percent.map_or(0, |p| p.round() as u64);
            let text = w
                .attainment_percent
                .map_or("-".to_string(), |p| format!("{p:.0}%"));
            Bar::default()
                .value(value)
                .text_value(text)
                .label(Line::from(label))
                .style(bar_style(w, theme))
                .value_style(theme.selection)
        })
        .collect();
    let chart_rect = Rect {
        x: bars.x + 1,
        width: bars.width.saturating_sub(1),
        ..bars
    };
    frame.render_widget(
        BarChart::default()
            .data(BarGroup::default().bars(&data))
            .bar_width(BAR_WIDTH)
            .bar_gap(BAR_GAP)
            .max(100)
            .label_style(theme.dim),
        chart_rect,
    );
    let cells: String = weekly
        .iter()
        .map(|w| {
            let done = format!("{} done", w.finished);
            let n = if done.len() <= BAR_WIDTH as usize {
                done
            } else {
                w.finished.to_string()
            };
            format!(
                "{}{}",
                pad(&fit(&n, BAR_WIDTH as usize), BAR_WIDTH as usize),
                " ".repeat(BAR_GAP as usize)
            )
        })
        .collect();
    frame.render_widget(
        Paragraph::new(Span::styled(format!(" {cells}"), theme.dim)),
        counts,
    );
}

/// What scrolls under the chart, `width` columns wide: attainment by phase, the workload,
/// the recent breaches.
fn body_lines<'a>(r: &'a Reports, app: &App, theme: &Theme, width: usize) -> Vec<Line<'a>> {
    let day = app.policy().sla.calendar.day_length();
    let tz = app.policy().sla.calendar.time_zone().clone();
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " {:<24}{:>9}{:>6}{:>9}{:>12}{:>13}",
            format!("The last {CHART_WEEKS} weeks"),
            "FINISHED",
            "MET",
            "BREACHED",
            "ATTAINMENT",
            "MEDIAN USED"
        ),
        theme.dim,
    ))];
    for row in &r.by_phase {
        let name = crate::domain::Phase::from_key(&row.group)
            .map_or(row.group.clone(), |p| p.label().to_string());
        let pct = row
            .attainment_percent
            .map_or("-".to_string(), |p| format!("{p:.1}%"));
        let used = row
            .median_used_seconds
            .map_or("-".to_string(), |s| compact(s, day));
        lines.push(Line::from(vec![
            Span::styled(
                format!(
                    "   {:<22}{:>9}{:>6}{:>9}",
                    name, row.finished, row.met, row.breached
                ),
                theme.text,
            ),
            Span::styled(format!("{pct:>12}"), bar_style(row, theme)),
            Span::styled(format!("{used:>13}"), theme.text),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        " Workload: open items by state and SLA (paused: while the ISV holds it)",
        theme.header,
    )));
    let widths = crate::present::workload_widths(
        r.workload.iter().chain(std::iter::once(&r.workload_total)),
    );
    // The analyst's column takes what the counts leave (7 to 16 columns).
    let name_width = width
        .saturating_sub(1 + widths.iter().sum::<usize>())
        .clamp(7, 16);
    let mut header = format!(" {}", pad("ANALYST", name_width));
    for (h, w) in crate::present::WORKLOAD_HEADERS.iter().zip(widths) {
        header.push_str(&format!("{h:>w$}"));
    }
    lines.push(Line::from(Span::styled(header, theme.dim)));
    for w in r.workload.iter().chain(std::iter::once(&r.workload_total)) {
        lines.push(workload_line(w, &widths, name_width, theme));
    }
    idle_lines(r, app, theme, width, &mut lines);
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        format!(
            " Breaches in the last {BREACH_DAYS} days: {}",
            r.breaches.len()
        ),
        theme.header,
    )));
    if r.breaches.is_empty() {
        lines.push(Line::from(Span::styled(
            " no clock ran out in that time",
            theme.dim,
        )));
    }
    // when, id, phase, overrun and whether it ended take 62 columns; the app gets the rest.
    let app_width = width.saturating_sub(63).max(8);
    for (b, app_name) in &r.breaches {
        let when = b
            .breached_at
            .to_zoned(tz.clone())
            .strftime("%m-%d %H:%M")
            .to_string();
        lines.push(Line::from(vec![
            Span::styled(format!(" {when}  "), theme.dim),
            Span::styled(pad(&fit(&safe_line(&b.submission_id), 14), 15), theme.text),
            Span::styled(
                pad(&fit(&safe_line(app_name), app_width - 1), app_width),
                theme.text,
            ),
            Span::styled(pad(b.phase.label(), 15), theme.text),
            Span::styled(
                format!("{:>6} over", compact(b.overrun_seconds, day)),
                theme.breached,
            ),
            Span::styled(if b.ended { "  ended" } else { "  open" }, theme.dim),
        ]));
    }
    lines
}

fn workload_line<'a>(
    w: &WorkloadRow,
    widths: &[usize; 11],
    name_width: usize,
    theme: &Theme,
) -> Line<'a> {
    // The unassigned row: "(none)" where "unassigned" would be cut.
    let nobody = if name_width >= 10 {
        "unassigned"
    } else {
        "(none)"
    };
    let name = safe_line(w.group.as_deref().unwrap_or(nobody));
    let mut spans = vec![Span::styled(
        format!(" {}", pad(&fit(&name, name_width), name_width)),
        theme.text,
    )];
    let sla = [theme.on_track, theme.at_risk, theme.breached, theme.paused];
    for (i, n) in crate::present::workload_counts(w).iter().enumerate() {
        let style = match i {
            6..=9 if *n > 0 => sla[i - 6],
            6..=9 => theme.dim,
            _ => theme.text,
        };
        spans.push(Span::styled(format!("{n:>w$}", w = widths[i]), style));
    }
    Line::from(spans)
}

/// The items the ISV has held too long: stale ones first (for the lead), then the idle
/// ones with their reminder's state.
fn idle_lines<'a>(r: &Reports, app: &App, theme: &Theme, width: usize, lines: &mut Vec<Line<'a>>) {
    use crate::domain::reminders::Reminder;
    let policy = &app.policy().reminders;
    let day = app.policy().sla.calendar.day_length();
    let stale = r
        .idle
        .iter()
        .filter(|i| matches!(i.reminder, Reminder::Stale { .. }))
        .count();
    lines.push(Line::from(""));
    lines.push(Line::from(vec![
        Span::styled(
            format!(
                " Idle at the ISV ({}+ business days): {}",
                policy.isv_idle_business_days,
                r.idle.len()
            ),
            theme.header,
        ),
        Span::styled(
            format!(" · stale, for the lead: {stale}"),
            if stale > 0 { theme.breached } else { theme.dim },
        ),
    ]));
    let app_width = width.saturating_sub(58).max(8);
    let mut ordered: Vec<_> = r.idle.iter().collect();
    ordered.sort_by_key(|i| !matches!(i.reminder, Reminder::Stale { .. }));
    for i in ordered {
        let (what, style) = match i.reminder {
            Reminder::Stale { sent } => (format!("STALE, {sent} reminders"), theme.breached),
            Reminder::Due { number } => (format!("reminder {number} due"), theme.warn),
            Reminder::TooSoon { .. } => ("reminded".to_string(), theme.dim),
            Reminder::NotIdle => (String::new(), theme.dim),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {:<14} ", fit(&safe_line(&i.id), 14)), theme.text),
            Span::styled(
                pad(&fit(&safe_line(&i.app_name), app_width - 1), app_width),
                theme.text,
            ),
            Span::styled(format!("{:<13}", i.state.key()), theme.dim),
            Span::styled(
                format!("{:>7} ", compact(i.waiting_seconds, day)),
                theme.paused,
            ),
            Span::styled(what, style),
        ]));
    }
}
