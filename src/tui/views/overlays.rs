//! Popups over the queue: help, command palette, filter menu; and the too-small notice.

use super::{MIN_HEIGHT, MIN_WIDTH};
use crate::tui::app::App;
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2)).max(1);
    let h = height.min(area.height.saturating_sub(2)).max(1);
    Rect {
        x: area.x + (area.width.saturating_sub(w)) / 2,
        y: area.y + (area.height.saturating_sub(h)) / 2,
        width: w,
        height: h,
    }
}

pub fn too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    let text = format!(
        "terminal too small (need {MIN_WIDTH}x{MIN_HEIGHT}, have {}x{})",
        area.width, area.height
    );
    let y = area.height / 2;
    let rect = Rect {
        x: area.x,
        y: area.y + y,
        width: area.width,
        height: 1.min(area.height),
    };
    frame.render_widget(
        Paragraph::new(Span::styled(text, theme.warn))
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true }),
        rect,
    );
}

fn popup<'a>(title: &'a str, theme: &Theme) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.accent)
        .title(Span::styled(format!(" {title} "), theme.title))
}

pub fn help(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    let rect = centered(area, 76, area.height.saturating_sub(4));
    let mut lines = Vec::new();
    for ctx in [
        Context::Global,
        Context::Queue,
        Context::Detail,
        Context::Search,
        Context::Filter,
        Context::Picker,
        Context::Input,
        Context::Confirm,
        Context::Report,
        Context::Findings,
        Context::Preview,
        Context::Outbox,
        Context::Palette,
        Context::Help,
    ] {
        lines.push(Line::from(Span::styled(ctx.title(), theme.title)));
        for b in app.keymap.bindings.iter().filter(|b| b.context == ctx) {
            let keys = b
                .keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<16}"), theme.accent),
                Span::styled(b.desc, theme.text),
                Span::styled(format!("  ({})", b.command.name()), theme.dim),
            ]));
        }
        lines.push(Line::from(""));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup("help: every key (Esc closes)", theme))
            .scroll((scroll, 0)),
        rect,
    );
}

pub fn palette(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: &Theme,
    query: &str,
    selected: usize,
) {
    let rect = centered(area, 64, 16);
    let mut lines = vec![Line::from(vec![
        Span::styled(": ", theme.accent),
        Span::raw(crate::text::safe_line(query)),
        Span::styled("▏", theme.accent),
    ])];
    let height = rect.height.saturating_sub(3) as usize;
    let entries = app.palette_view();
    let start = selected.saturating_sub(height.saturating_sub(1));
    for (i, (_, text)) in entries.iter().enumerate().skip(start).take(height) {
        let style = if i == selected {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::from(Span::styled(format!(" {text}"), style)));
    }
    if entries.is_empty() {
        lines.push(Line::from(Span::styled(" no command matches", theme.dim)));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(popup("command palette", theme)),
        rect,
    );
}

pub fn filter_menu(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, cursor: usize) {
    let items = app.filter_items();
    let rect = centered(area, 44, area.height.saturating_sub(4));
    let height = rect.height.saturating_sub(2) as usize;
    let mut lines = Vec::new();
    let mut last_section = "";
    let mut cursor_line = 0;
    for (i, item) in items.iter().enumerate() {
        if item.section() != last_section {
            last_section = item.section();
            lines.push(Line::from(Span::styled(
                last_section.to_string(),
                theme.title,
            )));
        }
        if i == cursor {
            cursor_line = lines.len();
        }
        let on = app.filters.contains(item);
        let style = if i == cursor {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::from(Span::styled(
            format!("  [{}] {}", if on { "x" } else { " " }, item.label()),
            style,
        )));
    }
    let scroll = cursor_line.saturating_sub(height.saturating_sub(2)) as u16;
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup(
                "filters (Space toggles, F clears, Esc closes)",
                theme,
            ))
            .scroll((scroll, 0)),
        rect,
    );
}

pub fn move_picker(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, cursor: usize) {
    let choices = app.move_choices();
    let total = choices.first().map_or(0, |c| c.total);
    let rect = centered(area, 72, choices.len() as u16 * 2 + 3);
    let mut lines = vec![Line::from(Span::styled(
        format!(" Move {total} submission(s) to:"),
        theme.dim,
    ))];
    for (i, c) in choices.iter().enumerate() {
        let style = if i == cursor {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::from(Span::styled(
            format!(
                " {} ({})  applies to {} of {}",
                c.to.manager_name(),
                c.to.wizard_group().name(),
                c.applies,
                c.total
            ),
            style,
        )));
        let mut note = vec![Span::raw("   ")];
        if !c.stopped.is_empty() {
            note.push(Span::styled(
                format!("gate stops {} (open blockers)", c.stopped.len()),
                theme.error,
            ));
        }
        if let Some(kind) = c.email {
            if !c.stopped.is_empty() {
                note.push(Span::styled(" · ", theme.dim));
            }
            note.push(Span::styled(
                format!("✉ {} email, previewed first", kind.short()),
                theme.warn,
            ));
        }
        lines.push(Line::from(note));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(popup("move to (Enter chooses)", theme)),
        rect,
    );
}

pub fn assign_picker(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: &Theme,
    cursor: usize,
    text: &str,
) {
    let choices = app.assign_choices(text);
    let rect = centered(area, 50, (choices.len() as u16 + 4).min(20));
    let mut lines = vec![Line::from(vec![
        Span::styled(" name: ", theme.dim),
        Span::raw(crate::text::safe_line(text)),
        Span::styled("▏", theme.accent),
    ])];
    for (i, c) in choices.iter().enumerate() {
        let style = if i == cursor {
            theme.selection
        } else {
            theme.text
        };
        let label = match c {
            Some(n) if *n == app.analyst => format!(" {} (me)", crate::text::safe_line(n)),
            Some(n) => format!(" {}", crate::text::safe_line(n)),
            None => " nobody (unassign)".to_string(),
        };
        lines.push(Line::from(Span::styled(label, style)));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(popup(&format!("assign {} to", app.targets().len()), theme)),
        rect,
    );
}

pub fn reason(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: &Theme,
    to: crate::domain::ReviewState,
    text: &str,
) {
    let rect = centered(area, 72, 5);
    let lines = vec![
        Line::from(Span::styled(
            format!(
                " Reason for moving {} to {} (optional):",
                app.targets().len(),
                to.manager_name()
            ),
            theme.dim,
        )),
        Line::from(vec![
            Span::raw(" "),
            Span::raw(crate::text::safe_line(text)),
            Span::styled("▏", theme.accent),
        ]),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(popup("reason (Enter continues, Esc cancels)", theme)),
        rect,
    );
}

pub fn confirm(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    theme: &Theme,
    to: crate::domain::ReviewState,
    reason: Option<&str>,
) {
    let n = app.targets().len();
    let choice = app.move_choices().into_iter().find(|c| c.to == to);
    let applies = choice.as_ref().map_or(0, |c| c.applies);
    let stopped = choice.map(|c| c.stopped).unwrap_or_default();
    let others = app.claimed_by_others();
    let mut lines = vec![Line::from(Span::styled(
        format!(
            " Move {} submission(s) to {}?",
            applies - stopped.len(),
            to.manager_name()
        ),
        theme.header,
    ))];
    if applies < n {
        lines.push(Line::from(Span::styled(
            format!(
                " {} cannot make this move from their state and will be refused.",
                n - applies
            ),
            theme.warn,
        )));
    }
    if !stopped.is_empty() {
        let names: Vec<String> = stopped
            .iter()
            .take(4)
            .map(|(id, b)| {
                format!(
                    "{} ({b} blocker{})",
                    crate::text::safe_line(id),
                    if *b == 1 { "" } else { "s" }
                )
            })
            .collect();
        lines.push(Line::from(Span::styled(
            format!(
                " A gate stops {}: {}{} (x shows the issue list).",
                stopped.len(),
                names.join(", "),
                if stopped.len() > 4 { ", …" } else { "" }
            ),
            theme.error,
        )));
    }
    if !others.is_empty() {
        lines.push(Line::from(Span::styled(
            format!(
                " Claimed by {}: the audit log will say you moved them.",
                others.join(", ")
            ),
            theme.warn,
        )));
    }
    if let Some(r) = reason {
        lines.push(Line::from(Span::styled(
            format!(" reason: {}", crate::text::safe_line(r)),
            theme.dim,
        )));
    }
    lines.push(Line::from(Span::styled(
        " y: move   n: cancel",
        theme.accent,
    )));
    let rect = centered(area, 72, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(popup("confirm", theme)), rect);
}

pub fn report(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    title: &str,
    lines: &[String],
    scroll: u16,
) {
    let width = 90.min(area.width.saturating_sub(2)).max(10);
    // Each line wraps within the box, its continuation indented under its text.
    let inner = width.saturating_sub(3) as usize;
    let mut text: Vec<Line> = Vec::new();
    for l in lines {
        let safe = crate::text::safe_line(l);
        let mut rest: &str = &safe;
        let mut first = true;
        while !rest.is_empty() {
            let room = if first {
                inner
            } else {
                inner.saturating_sub(4)
            }
            .max(8);
            let cut = crate::text::wrap_point(rest, room);
            let (head, tail) = rest.split_at(cut);
            text.push(Line::from(Span::styled(
                format!("{}{}", if first { " " } else { "     " }, head.trim_end()),
                theme.text,
            )));
            rest = tail.trim_start();
            first = false;
        }
    }
    let rect = centered(
        area,
        width,
        (text.len() as u16 + 2).min(area.height.saturating_sub(4)),
    );
    let max_scroll = (text.len() as u16).saturating_sub(rect.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(text)
            .block(popup(title, theme))
            .scroll((scroll.min(max_scroll), 0)),
        rect,
    );
}

/// The issue list of the selected submission: what the next email says.
pub fn findings(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, cursor: usize) {
    let issues = app.selected_issues();
    let id = app
        .selected_row()
        .map(|r| crate::text::safe_line(&r.sub.id))
        .unwrap_or_default();
    let rect = centered(area, 100, (issues.len() as u16 * 2 + 5).max(7));
    let included = issues.iter().filter(|i| i.included).count();
    let mut lines = vec![Line::from(Span::styled(
        format!(" {included} of {} go in the next email", issues.len()),
        theme.dim,
    ))];
    if issues.is_empty() {
        lines.push(Line::from(Span::styled(
            " no findings: n adds one of your own",
            theme.dim,
        )));
    }
    for (i, f) in issues.iter().enumerate() {
        let sev = match f.severity {
            crate::domain::Severity::Blocker => theme.error,
            crate::domain::Severity::Warning => theme.warn,
        };
        let text_style = if i == cursor {
            theme.selection
        } else if f.included {
            theme.text
        } else {
            theme.dim
        };
        let key = match &f.key {
            crate::domain::IssueKey::Rule(r) => r.clone(),
            crate::domain::IssueKey::Own(n) => format!("#{n} (yours)"),
        };
        lines.push(Line::from(vec![
            Span::styled(if f.included { " [x] " } else { " [ ] " }, text_style),
            Span::styled(format!("{:<8}", f.severity.key()), sev),
            Span::styled(crate::text::safe_line(&f.text), text_style),
        ]));
        let mut note = format!("          {key}");
        if let Some(r) = &f.reason {
            note.push_str(&format!("  left out: {}", crate::text::safe_line(r)));
        }
        lines.push(Line::from(Span::styled(note, theme.dim)));
    }
    // Keep the cursor's lines in view.
    let inner_h = rect.height.saturating_sub(2);
    let want = 1 + cursor as u16 * 2 + 2;
    let scroll = want.saturating_sub(inner_h);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup(
                &format!("issue list of {id} (x toggles, n adds, e edits, M emails)"),
                theme,
            ))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

/// Typing a new finding or a reason to leave a lint finding out.
pub fn finding_text(
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    purpose: &crate::tui::app::FindingText,
    text: &str,
) {
    use crate::tui::app::FindingText;
    let rect = centered(area, 90, 5);
    let (title, prompt) = match purpose {
        FindingText::New { severity } => (
            "new finding (Enter saves, Tab: blocker/warning, Esc cancels)".to_string(),
            format!(" The sentence the ISV will read ({}):", severity.key()),
        ),
        FindingText::Reason { rule } => (
            "leave out of the email (Enter saves, Esc cancels)".to_string(),
            format!(" Why is {rule} left out? (kept with it)"),
        ),
    };
    let lines = vec![
        Line::from(Span::styled(prompt, theme.dim)),
        Line::from(vec![
            Span::raw(" "),
            Span::raw(crate::text::safe_line(text)),
            Span::styled("▏", theme.accent),
        ]),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
}

/// The emails about to be queued: recipients, subject, the plain text.
pub fn mail_preview(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, scroll: u16) {
    let Some(p) = &app.preview else { return };
    let rect = centered(area, 100, area.height.saturating_sub(2));
    let mut lines = Vec::new();
    match p.move_to() {
        Some(_) if p.emails.is_empty() => lines.push(Line::from(Span::styled(
            format!(
                " nothing to send · m: move {} without email (the audit log says so) · Esc: cancel",
                p.items.len()
            ),
            theme.accent,
        ))),
        Some(to) => {
            lines.push(Line::from(Span::styled(
                format!(
                    " y: queue {} email(s) and move them to {} in one transaction",
                    p.emails.len(),
                    to.manager_name()
                ),
                theme.accent,
            )));
            lines.push(Line::from(Span::styled(
                format!(
                    " m: move {} without email (the audit log says so) · Esc: cancel",
                    p.items.len()
                ),
                theme.accent,
            )));
        }
        None => lines.push(Line::from(Span::styled(
            format!(" y: queue {} email(s) · Esc: cancel", p.emails.len()),
            theme.accent,
        ))),
    }
    for (id, e) in &p.errors {
        lines.push(Line::from(Span::styled(
            format!(
                " {}: no email ({})",
                crate::text::safe_line(id),
                crate::text::safe_line(e)
            ),
            theme.warn,
        )));
    }
    for (n, c) in p.emails.iter().enumerate() {
        lines.push(Line::from(Span::styled(
            format!("── email {} of {} ", n + 1, p.emails.len()),
            theme.title,
        )));
        for (i, l) in c.preview().lines().enumerate() {
            let style = if i < 4 && l.contains(": ") {
                theme.header
            } else {
                theme.text
            };
            lines.push(Line::from(Span::styled(crate::text::safe_line(l), style)));
        }
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(popup("email preview", theme))
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

/// The outbox: every email and where it is.
pub fn outbox(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, cursor: usize) {
    let rect = centered(area, 110, area.height.saturating_sub(4));
    let inner_h = rect.height.saturating_sub(3) as usize;
    let mut lines = vec![Line::from(Span::styled(
        " status   id     submission      tries  subject / last error",
        theme.dim,
    ))];
    if app.outbox.is_empty() {
        lines.push(Line::from(Span::styled(" the outbox is empty", theme.dim)));
    }
    let start = cursor.saturating_sub(inner_h.saturating_sub(1) / 2);
    for (i, e) in app
        .outbox
        .iter()
        .enumerate()
        .skip(start)
        .take(inner_h / 2 + 1)
    {
        let (label, st) = match e.status {
            crate::domain::OutboxStatus::Sent => ("sent", theme.ok),
            crate::domain::OutboxStatus::Failed => ("FAILED", theme.error),
            crate::domain::OutboxStatus::Sending => ("sending", theme.warn),
            crate::domain::OutboxStatus::Queued => ("queued", theme.warn),
        };
        let row = if i == cursor {
            theme.selection
        } else {
            theme.text
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {label:<8} "), st),
            Span::styled(
                format!(
                    "{:<6} {:<15} {:>5}  {}",
                    e.id,
                    crate::text::safe_line(&e.submission_id),
                    e.attempts,
                    crate::text::safe_line(&e.subject)
                ),
                row,
            ),
        ]));
        let detail = match (&e.last_error, &e.server_reply) {
            (Some(err), _) if e.status != crate::domain::OutboxStatus::Sent => {
                format!("next try {} · {}", e.next_attempt_at, err)
            }
            (_, Some(reply)) => reply.clone(),
            _ => format!("queued {}", e.queued_at),
        };
        lines.push(Line::from(Span::styled(
            format!("          {}", crate::text::safe_line(&detail)),
            theme.dim,
        )));
    }
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(popup("outbox (r retries, Esc closes)", theme)),
        rect,
    );
}
