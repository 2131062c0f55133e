//! The detail of one submission, for reading: sections in the order of the job (state and
//! SLA, test evidence, findings, history, emails, then the form's fields), wrapped to the
//! pane with continuation lines indented under their text, scrolling to the last line.

use crate::domain::projection::business_clock;
use crate::domain::sla::compact;
use crate::domain::{
    Assessment, ClockStatus, Freshness, IssueKey, OutboxStatus, QueueFacts, QueueLine, Severity,
    Submission, assess,
};
use crate::text::safe_line;
use crate::tui::app::{App, Focus};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthChar;

/// Where a label's value starts: two spaces and an 18-column label.
const VALUE_COL: usize = 20;

/// The detail as drawn: its wrapped lines and where each section starts.
pub struct Detail {
    pub lines: Vec<Line<'static>>,
    pub sections: Vec<(&'static str, usize)>,
}

/// The block the detail draws in, full screen or as the side pane.
pub fn block<'a>(app: &App, theme: &Theme, full: bool) -> Block<'a> {
    let focused = full || app.focus() == Focus::Detail;
    Block::default()
        .borders(if full {
            Borders::TOP
        } else {
            Borders::TOP | Borders::LEFT
        })
        .border_style(if focused { theme.accent } else { theme.border })
        .title(Span::styled(
            " detail ",
            if focused { theme.title } else { theme.dim },
        ))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, full: bool) {
    let block = block(app, theme, full);
    let inner = block.inner(area);
    let Some(detail) = build(app, inner.width as usize, theme) else {
        frame.render_widget(block, area);
        frame.render_widget(
            Paragraph::new(Span::styled("  nothing selected", theme.dim)),
            inner,
        );
        return;
    };
    let view = inner.height as usize;
    let max = detail.lines.len().saturating_sub(view.max(1));
    let at = app.detail_scroll().min(max);
    // Where the reader is: the section at the top (the heading line belongs to the first),
    // and how far down.
    let (i, name) = detail
        .sections
        .iter()
        .enumerate()
        .rev()
        .find(|(_, (_, start))| *start <= at)
        .or(detail.sections.first().map(|s| (0, s)))
        .map_or((0, ""), |(i, (name, _))| (i, *name));
    let position = format!(
        " {name} {}/{} · {}% ",
        i + 1,
        detail.sections.len(),
        (at * 100).checked_div(max).unwrap_or(100)
    );
    // "[ ] sections" read as a checkbox: the keys are named as keys.
    let section_keys = format!(
        "{} and {}: sections ",
        app.key(Context::Detail, Command::PrevSection),
        app.key(Context::Detail, Command::NextSection)
    );
    let block = block.title_top(
        Line::from(vec![
            Span::styled(position, theme.dim),
            Span::styled(section_keys, theme.accent),
        ])
        .right_aligned(),
    );
    frame.render_widget(block, area);
    let shown: Vec<Line> = detail.lines.into_iter().skip(at).take(view).collect();
    frame.render_widget(Paragraph::new(shown), inner);
}

/// The selected submission's detail at `width` columns, if one is selected.
pub fn build(app: &App, width: usize, theme: &Theme) -> Option<Detail> {
    let row = app.selected_row()?;
    let all = match app.opened(row.id()) {
        Some(o) => {
            let a = assess(&o.sub, app.policy(), app.now());
            items(&o.sub, &a, &o.facts, &o.notes, app, theme, width)
        }
        None => reading(row, app, theme),
    };
    let mut d = Detail {
        lines: Vec::new(),
        sections: Vec::new(),
    };
    for item in all {
        match item {
            Item::Section(name) => {
                // The heading above the first section belongs to it.
                let start = if d.sections.is_empty() {
                    0
                } else {
                    d.lines.len()
                };
                d.sections.push((name, start));
                d.lines
                    .push(Line::from(Span::styled(format!("── {name} "), theme.title)));
            }
            Item::Line { hang, spans } => d.lines.extend(wrap_spans(&spans, width, hang)),
        }
    }
    Some(d)
}

/// `spans` wrapped to `width`, continuation lines indented by `hang` columns.
fn wrap_spans(spans: &[Span<'static>], width: usize, hang: usize) -> Vec<Line<'static>> {
    let cells: Vec<(char, Style)> = spans
        .iter()
        .flat_map(|s| s.content.chars().map(move |c| (c, s.style)))
        .collect();
    let width = width.max(2);
    let hang = hang.min(width / 2);
    let w = |c: char| c.width().unwrap_or(0);
    let mut out = Vec::new();
    let mut start = 0;
    let mut first = true;
    while first || start < cells.len() {
        let room = if first { width } else { width - hang };
        let (mut used, mut end, mut space) = (0, start, None);
        while end < cells.len() && used + w(cells[end].0) <= room {
            // A line breaks after a space, or after a `/` of a path (a URL wraps between its
            // parts, never inside a word; not inside `//`).
            let slash = cells[end].0 == '/'
                && end > start
                && cells[end - 1].0 != '/'
                && cells.get(end + 1).is_some_and(|c| c.0 != '/' && c.0 != ' ');
            if cells[end].0 == ' ' || slash {
                space = Some(end);
            }
            used += w(cells[end].0);
            end += 1;
        }
        let cut = match space {
            Some(sp) if end < cells.len() && sp > start => sp + 1,
            _ => end.max(start + 1).min(cells.len()),
        };
        let mut line: Vec<Span<'static>> = Vec::new();
        if !first {
            line.push(Span::raw(" ".repeat(hang)));
        }
        let mut run = String::new();
        let mut style = cells.get(start).map(|c| c.1).unwrap_or_default();
        let last = (start..cut)
            .rev()
            .find(|&i| cells[i].0 != ' ')
            .map_or(start, |i| i + 1);
        for &(c, s) in &cells[start..last] {
            if s != style && !run.is_empty() {
                line.push(Span::styled(std::mem::take(&mut run), style));
            }
            style = s;
            run.push(c);
        }
        if !run.is_empty() {
            line.push(Span::styled(run, style));
        }
        out.push(Line::from(line));
        start = cut;
        while start < cells.len() && cells[start].0 == ' ' {
            start += 1;
        }
        first = false;
    }
    out
}

/// What the line says while the submission is read in full (a frame or two): the detail's
/// first lines, drawn as the full detail draws them (so that only what follows them changes
/// when it comes), then a note.
fn reading(line: &QueueLine, app: &App, theme: &Theme) -> Vec<Item> {
    let b = business_clock(&app.policy().sla, app.now());
    let day = app.policy().sla.calendar.day_length();
    vec![
        Item::Line {
            hang: 2,
            spans: vec![
                Span::styled(format!("{} ", line.id()), theme.accent),
                Span::styled(safe_line(line.app_name()), theme.header),
            ],
        },
        Item::Section("State and SLA"),
        field(
            "state",
            format!(
                "{} ({})",
                line.state.manager_name(),
                line.state.wizard_group().name()
            ),
            theme,
        ),
        field(
            "assignee",
            line.assignee.as_deref().map_or("—".to_string(), safe_line),
            theme,
        ),
        field(
            "SLA",
            crate::present::sla_cell(line.state, line.clock_at(b), day),
            theme,
        ),
        text(2, "reading the rest of the submission…", theme.dim),
    ]
}

enum Item {
    Section(&'static str),
    Line {
        /// Continuation lines start this many columns in.
        hang: usize,
        spans: Vec<Span<'static>>,
    },
}

fn field(label: &str, value: impl Into<String>, theme: &Theme) -> Item {
    styled_field(label, value, theme.text, theme)
}

fn styled_field(label: &str, value: impl Into<String>, style: Style, theme: &Theme) -> Item {
    Item::Line {
        hang: VALUE_COL,
        spans: vec![
            Span::styled(format!("  {label:<18}"), theme.dim),
            Span::styled(value.into(), style),
        ],
    }
}

fn text(indent: usize, value: impl Into<String>, style: Style) -> Item {
    Item::Line {
        hang: indent,
        spans: vec![Span::styled(
            format!("{}{}", " ".repeat(indent), value.into()),
            style,
        )],
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(safe_line).unwrap_or_else(|| "—".into())
}

fn local(t: jiff::Timestamp, app: &App) -> String {
    t.to_zoned(app.policy().sla.calendar.time_zone().clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Every line of the detail, in sections.
fn items(
    s: &Submission,
    a: &Assessment,
    facts: &QueueFacts,
    notes: &[crate::domain::notes::Note],
    app: &App,
    theme: &Theme,
    width: usize,
) -> Vec<Item> {
    let mut l = vec![Item::Line {
        hang: 2,
        spans: vec![
            Span::styled(format!("{} ", s.id), theme.accent),
            Span::styled(safe_line(&s.app_name), theme.header),
        ],
    }];
    state_and_sla(&mut l, s, a, app, theme);
    timeline(&mut l, s, app, theme, width);
    tests(&mut l, s, a, app, theme);
    findings(&mut l, s, a, facts, app, theme);
    notes_section(&mut l, notes, app, theme);
    history(&mut l, s, app, theme);
    conversation(&mut l, s, app, theme);
    form(&mut l, s, a, app, theme);
    l
}

fn state_and_sla(l: &mut Vec<Item>, s: &Submission, a: &Assessment, app: &App, theme: &Theme) {
    let day = app.policy().sla.calendar.day_length();
    l.push(Item::Section("State and SLA"));
    l.push(field(
        "state",
        format!(
            "{} ({})",
            s.state.manager_name(),
            s.state.wizard_group().name()
        ),
        theme,
    ));
    l.push(field("assignee", opt(&s.assignee), theme));
    if let Some(at) = a.tests.submitted_at {
        l.push(field("submitted", local(at, app), theme));
    }
    if a.clocks.is_empty() {
        l.push(text(
            2,
            "no clock: not yet in an OIN review phase",
            theme.dim,
        ));
    }
    for c in &a.clocks {
        let st = match c.status {
            ClockStatus::Breached => theme.breached,
            ClockStatus::AtRisk if c.warn_again => theme.warn_again,
            ClockStatus::AtRisk => theme.at_risk,
            ClockStatus::OnTrack => theme.on_track,
            ClockStatus::Paused => theme.paused,
            ClockStatus::Stopped => theme.stopped,
        };
        let left = if c.left_seconds < 0 {
            format!("overrun {}", compact(-c.left_seconds, day))
        } else {
            format!("{} left", compact(c.left_seconds, day))
        };
        l.push(Item::Line {
            hang: VALUE_COL,
            spans: vec![
                Span::styled(format!("  {:<18}", c.phase.label()), theme.text),
                Span::styled(c.status.key().to_string(), st),
                Span::styled(format!(" {:.0}% used, {left}", c.percent_used), theme.text),
            ],
        });
        if let Some(due) = c.due {
            l.push(field(
                "  due",
                app.policy().sla.calendar.due_words(due),
                theme,
            ));
        }
        if let Some(p) = c.promised {
            l.push(field("  promised", p.to_string(), theme));
        }
        if let Some(at) = c.breached_at {
            l.push(styled_field(
                "  breached",
                format!(
                    "{}, overrun {}",
                    local(at, app),
                    compact(c.overrun_seconds, day)
                ),
                theme.breached,
                theme,
            ));
        }
    }
}

/// Columns before a timeline bar: the indent and the phase's name.
const TIMELINE_LABEL: usize = 18;

/// One bar per run of a phase's clock on the business calendar (`domain::timeline`).
fn timeline(l: &mut Vec<Item>, s: &Submission, app: &App, theme: &Theme, width: usize) {
    use crate::domain::timeline::Cell;
    let policy = &app.policy().sla;
    let bar_width = width.saturating_sub(TIMELINE_LABEL + 1).max(10);
    let Some(t) =
        crate::domain::timeline::timeline(&s.history, &s.promises, policy, app.now(), bar_width)
    else {
        return;
    };
    let day = policy.calendar.day_length();
    l.push(Item::Section("Timeline (business days)"));
    l.push(text(2, crate::present::TIMELINE_LEGEND, theme.dim));
    for bar in &t.bars {
        let mut spans = vec![Span::styled(
            format!("  {:<16}", bar.record.clock.phase.label()),
            theme.text,
        )];
        let style = |c: Cell| match c {
            Cell::Empty => theme.text,
            Cell::Isv => theme.paused,
            Cell::Running => theme.on_track,
            Cell::Over | Cell::Breach => theme.breached,
            Cell::Due => theme.warn,
            Cell::Promised => theme.accent,
        };
        // Runs of one kind of cell share a span.
        let mut run = String::new();
        let mut kind = None;
        for c in &bar.cells {
            if kind.is_some_and(|k| k != *c) {
                spans.push(Span::styled(
                    std::mem::take(&mut run),
                    style(kind.unwrap_or(Cell::Empty)),
                ));
            }
            kind = Some(*c);
            run.push(crate::present::timeline_glyph(*c));
        }
        spans.push(Span::styled(run, style(kind.unwrap_or(Cell::Empty))));
        l.push(Item::Line {
            hang: TIMELINE_LABEL,
            spans,
        });
        l.push(text(
            TIMELINE_LABEL,
            crate::present::timeline_summary(&bar.record, day, policy.calendar.time_zone()),
            theme.dim,
        ));
    }
    l.push(text(
        TIMELINE_LABEL,
        crate::present::timeline_axis(&t, bar_width),
        theme.dim,
    ));
}

fn tests(l: &mut Vec<Item>, s: &Submission, a: &Assessment, app: &App, theme: &Theme) {
    l.push(Item::Section("Tests"));
    if a.tests.required.is_empty() {
        l.push(text(2, "no OIN Submission Tester run required", theme.dim));
    }
    for t in &a.tests.required {
        let st = match t.status {
            Freshness::Fresh => theme.fresh,
            Freshness::Expiring => theme.expiring,
            Freshness::Expired => theme.stale,
            Freshness::Failed => theme.failed,
            Freshness::Missing => theme.missing,
        };
        let when = match (&t.latest, t.expires_at) {
            (Some(run), Some(exp)) => format!(
                " ran {}, expires {}",
                local(run.run_at, app),
                local(exp, app)
            ),
            _ => String::new(),
        };
        l.push(Item::Line {
            hang: 4,
            spans: vec![
                Span::styled(
                    format!(
                        "  {} {:<18} {:<9} ",
                        t.protocol.badge(),
                        t.test_case.label(),
                        t.instance_version.key()
                    ),
                    theme.text,
                ),
                Span::styled(format!("{:<8}", t.status.key()), st),
                Span::styled(when, theme.dim),
            ],
        });
    }
    if let Some(valid) = a.tests.valid_at_submission {
        l.push(text(
            2,
            if valid {
                "every required test had passed within 48 h before the latest submission"
            } else {
                "NOT every required test had passed within 48 h before the latest submission"
            },
            if valid { theme.ok } else { theme.warn },
        ));
    }
    // The OIN Wizard's "I certify that I have successfully completed required tests"
    // (004:638), when the submission records it.
    if let Some(certified) = s.tests_certified {
        let (said, style) = if certified {
            ("yes", theme.ok)
        } else {
            ("no", theme.warn)
        };
        l.push(styled_field("certified", said, style, theme));
    }
    for i in &s.test_instances {
        let protocols: Vec<&str> = i.protocols.iter().map(|p| p.badge()).collect();
        let (status, style) = match (i.active, i.eligible) {
            (true, true) => ("active, eligible", theme.text),
            (false, true) => ("inactive", theme.warn),
            (_, false) => ("ineligible (generated before later edits)", theme.warn),
        };
        l.push(Item::Line {
            hang: 4,
            spans: vec![
                Span::styled(
                    format!(
                        "  instance {} ({}, {} version) ",
                        safe_line(&i.name),
                        protocols.join("+"),
                        i.version.key()
                    ),
                    theme.text,
                ),
                Span::styled(status, style),
            ],
        });
    }
    if let Some(scim) = &a.tests.scim {
        let p = |b: bool| if b { "present" } else { "missing" };
        l.push(field("SCIM spec tests", p(scim.spec_results), theme));
        l.push(field("SCIM CRUD tests", p(scim.crud_results), theme));
        l.push(field(
            "SCIM manual plan",
            if scim.manual_plan_certified {
                "certified"
            } else {
                "not certified"
            },
            theme,
        ));
    }
}

fn findings(
    l: &mut Vec<Item>,
    s: &Submission,
    a: &Assessment,
    facts: &QueueFacts,
    app: &App,
    theme: &Theme,
) {
    l.push(Item::Section("Findings"));
    let k = |c| app.key(Context::Queue, c);
    l.push(text(
        2,
        format!(
            "{}: curate · {}: add · {}: edit · {}: email",
            k(Command::Findings),
            k(Command::AddFinding),
            k(Command::EditIssues),
            k(Command::Mail)
        ),
        theme.dim,
    ));
    let issues = crate::domain::findings::issue_list(
        &crate::domain::policy::findings(s, app.policy(), a, facts),
        &s.notes,
    );
    if issues.is_empty() {
        l.push(text(
            2,
            "none: every rule the console checks passes",
            theme.ok,
        ));
    }
    for (i, f) in issues.iter().enumerate() {
        let st = match f.severity {
            Severity::Blocker => theme.error,
            Severity::Warning => theme.warn,
        };
        let key = match &f.key {
            IssueKey::Rule(r) => r.clone(),
            IssueKey::Own(id) => format!("#{id} by analyst"),
        };
        let mut spans = vec![
            Span::styled(format!("  {:>2}. ", i + 1), theme.dim),
            Span::styled(if f.included { "[x] " } else { "[ ] " }, theme.text),
            Span::styled(format!("{:<8}", f.severity.key()), st),
            Span::styled(
                safe_line(&f.text),
                if f.included { theme.text } else { theme.dim },
            ),
            Span::styled(format!("  {key}"), theme.dim),
        ];
        if let Some(r) = &f.reason {
            spans.push(Span::styled(
                format!("  left out: {}", safe_line(r)),
                theme.dim,
            ));
        }
        l.push(Item::Line { hang: 18, spans });
    }
}

/// Internal notes, newest first (only when there are some): never in any email.
fn notes_section(
    l: &mut Vec<Item>,
    notes: &[crate::domain::notes::Note],
    app: &App,
    theme: &Theme,
) {
    if notes.is_empty() {
        return;
    }
    l.push(Item::Section("Notes"));
    l.push(text(2, "internal: never emailed", theme.dim));
    for n in notes.iter().rev() {
        l.push(Item::Line {
            hang: 6,
            spans: vec![
                Span::styled(
                    format!("  {}  {:<10} ", local(n.at, app), safe_line(&n.author)),
                    theme.dim,
                ),
                Span::styled(safe_line(&n.text), theme.text),
            ],
        });
    }
}

fn history(l: &mut Vec<Item>, s: &Submission, app: &App, theme: &Theme) {
    l.push(Item::Section("History"));
    // Claims and assignments among the moves, newest first.
    let mut claims = s.assignments.iter().rev().peekable();
    let claim = |a: &crate::domain::records::Assignment| Item::Line {
        hang: 6,
        spans: vec![Span::styled(
            format!(
                "  {}  {:<10} {}",
                local(a.at, app),
                safe_line(&a.by),
                safe_line(&a.words())
            ),
            theme.dim,
        )],
    };
    for e in s.history.iter().rev() {
        while let Some(a) = claims.next_if(|a| a.at >= e.at) {
            l.push(claim(a));
        }
        let mut text = format!(
            "  {}  {:<10} {} → {}",
            local(e.at, app),
            safe_line(&e.by),
            e.from.map(|f| f.key()).unwrap_or("—"),
            e.to.key()
        );
        if e.forced {
            text.push_str(" [forced]");
        }
        if e.restart_clock {
            text.push_str(" [clock restarted]");
        }
        if !e.overrode.is_empty() {
            text.push_str(&format!(" [overrode {}]", e.overrode.join(", ")));
        }
        if e.kind != crate::domain::EventKind::Move {
            text.push_str(&format!(" [{}]", e.kind.key()));
        }
        if let Some(r) = &e.reason {
            text.push_str(&format!(" “{}”", safe_line(r)));
        }
        l.push(Item::Line {
            hang: 6,
            spans: vec![Span::styled(text, theme.text)],
        });
    }
    l.extend(claims.map(claim));
}

/// The section's name: the detail's section keys and the unread marks find it by it.
pub const CONVERSATION: &str = "Conversation";

/// The emails sent and the messages received, newest last; a reply this analyst has not
/// read is marked new (it is read once this section has been on screen); the move a reply
/// offers, through the usual plan and commit.
fn conversation(l: &mut Vec<Item>, s: &Submission, app: &App, theme: &Theme) {
    use crate::domain::ReplyKind;
    use crate::domain::inbound::{Said, conversation, offered_move};
    l.push(Item::Section(CONVERSATION));
    let all = conversation(s);
    if all.is_empty() {
        l.push(text(2, "no email sent or received yet", theme.dim));
    }
    let read_upto = app.read_mark(&s.id);
    for said in &all {
        match said {
            Said::Sent(e) => {
                let (label, st) = match e.status {
                    OutboxStatus::Sent => ("sent", theme.ok),
                    OutboxStatus::Failed => ("FAILED", theme.error),
                    OutboxStatus::Bounced => ("BOUNCED", theme.error),
                    OutboxStatus::Cancelled => ("cancelled", theme.dim),
                    _ => ("queued", theme.warn),
                };
                l.push(Item::Line {
                    hang: 13,
                    spans: vec![
                        Span::styled("  → ", theme.dim),
                        Span::styled(format!("{label:<9}"), st),
                        Span::styled(format!("{}  ", local(said.at(), app)), theme.dim),
                        Span::styled(safe_line(&e.subject), theme.text),
                    ],
                });
                if let Some(why) = &e.bounce {
                    l.push(text(
                        13,
                        format!("bounced: {}", safe_line(why)),
                        theme.error,
                    ));
                } else if let Some(err) = e.last_error.as_deref().filter(|_| label != "sent") {
                    l.push(text(13, safe_line(err), theme.dim));
                }
            }
            Said::Received(r) => {
                let (label, st) = match r.kind {
                    ReplyKind::Reply => ("reply", theme.accent),
                    ReplyKind::AutoReply => ("auto", theme.dim),
                    ReplyKind::Bounce => ("BOUNCE", theme.error),
                };
                let who = match &r.sender_name {
                    Some(n) => format!("{n} <{}>", r.sender),
                    None if r.sender.is_empty() => "(no sender)".into(),
                    None => r.sender.clone(),
                };
                let mut spans = vec![
                    Span::styled("  ← ", theme.dim),
                    Span::styled(format!("{label:<9}"), st),
                    Span::styled(format!("{}  ", local(r.received_at, app)), theme.dim),
                    Span::styled(safe_line(&who), theme.text),
                ];
                if r.is_isv_activity() && r.id > read_upto {
                    spans.push(Span::styled("  NEW", theme.warn));
                }
                l.push(Item::Line { hang: 13, spans });
                l.push(text(13, safe_line(&r.subject), theme.dim));
                for line in r.text.lines() {
                    l.push(text(13, safe_line(line), theme.text));
                }
                if !r.folded.is_empty() {
                    l.push(text(
                        13,
                        format!(
                            "┄ {} quoted or signature line(s) folded (oin-review mail read {})",
                            r.folded.lines().count(),
                            r.id
                        ),
                        theme.dim,
                    ));
                }
                for a in &r.attachments {
                    l.push(text(
                        13,
                        format!(
                            "attached {} ({}, {} bytes{})",
                            safe_line(&a.name),
                            safe_line(&a.content_type),
                            a.size,
                            if a.kept { "" } else { ", not kept" }
                        ),
                        theme.dim,
                    ));
                }
                for w in &r.warnings {
                    l.push(text(13, format!("warning: {}", safe_line(w)), theme.warn));
                }
            }
        }
    }
    if let Some(to) = offered_move(s) {
        l.push(Item::Line {
            hang: 4,
            spans: vec![
                Span::styled("  ▸ ", theme.accent),
                Span::styled(
                    format!(
                        "the ISV replied: continue QA? {} then {}: the move starts on {}",
                        app.key(Context::Detail, Command::Close),
                        app.key(Context::Queue, Command::Move),
                        to.manager_name()
                    ),
                    theme.accent,
                ),
            ],
        });
    }
}

/// The submission's form: what the ISV filled in.
fn form(l: &mut Vec<Item>, s: &Submission, a: &Assessment, app: &App, theme: &Theme) {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    l.push(Item::Section("Overview"));
    l.push(field("ISV", safe_line(&s.isv), theme));
    l.push(field("path", format!("OIN {}", s.path.key()), theme));
    match &s.update_of {
        Some(app_name) => {
            l.push(field("update of", safe_line(app_name), theme));
            l.push(field("changes", opt(&s.change_summary), theme));
            if s.migrated_from_manager {
                l.push(field("migrated", "from the OIN Manager", theme));
            }
        }
        None => l.push(field("kind", "new integration", theme)),
    }
    if let Some(old) = &s.supersedes {
        l.push(field(
            "new version of",
            format!("{} (replaces it once published)", safe_line(old)),
            theme,
        ));
    }
    if let Some(by) = &s.superseded_by {
        l.push(field(
            "replaced by",
            format!("{} (no longer the live version)", safe_line(by)),
            theme,
        ));
    }
    l.push(field(
        "protocols",
        s.protocols
            .iter()
            .map(|p| p.badge())
            .collect::<Vec<_>>()
            .join(", "),
        theme,
    ));
    l.push(Item::Section("Catalog"));
    let name_len = s.app_name.chars().count();
    l.push(styled_field(
        "display name",
        format!("{name_len} characters"),
        if name_len > 64 || name_len == 0 {
            theme.warn
        } else {
            theme.text
        },
        theme,
    ));
    l.push(field("website", opt(&s.app_website), theme));
    l.push(field("config document", opt(&s.config_doc_url), theme));
    l.push(field(
        "logo",
        match &s.logo {
            Some(logo) => format!(
                "{} ({}, {} KB)",
                safe_line(&logo.file),
                safe_line(&logo.format),
                logo.bytes.div_ceil(1024)
            ),
            None => "—".into(),
        },
        theme,
    ));
    l.push(field(
        "use cases",
        s.use_cases
            .iter()
            .map(|u| safe_line(u))
            .collect::<Vec<_>>()
            .join(", "),
        theme,
    ));
    l.push(field(
        "multi-tenant",
        s.multi_tenant.map_or("unknown", yes_no),
        theme,
    ));
    l.push(text(2, "description", theme.dim));
    for line in s.description.as_deref().unwrap_or("—").lines() {
        l.push(text(4, safe_line(line), theme.text));
    }
    l.push(Item::Section("Contacts"));
    l.push(field("submitter", opt(&s.submitter_email), theme));
    l.push(field("developer org", opt(&s.dev_org), theme));
    l.push(field("escalation", opt(&s.escalation_contact), theme));
    for c in &s.support_contacts {
        l.push(field(
            &format!("support ({})", c.kind.key()),
            safe_line(&c.value),
            theme,
        ));
    }
    l.push(Item::Section("Test account"));
    match &s.test_account {
        Some(acct) => {
            l.push(field("URL", opt(&acct.url), theme));
            l.push(field("username", opt(&acct.username), theme));
            let reveal = app.key(Context::Detail, Command::RevealPassword);
            let (pw, style) = match (&acct.password, app.password_revealed()) {
                (Some(p), true) => (safe_line(p.expose()), theme.secret),
                (Some(_), false) => (format!("••••••••  ({reveal} shows it for 5 s)"), theme.text),
                (None, _) => ("missing".to_string(), theme.warn),
            };
            l.push(styled_field("password", pw, style, theme));
        }
        None => l.push(field("", "none given", theme)),
    }
    // 004:157 "Testing instructions": what the ISV tells the analyst who runs QA.
    l.push(Item::Section("Testing instructions"));
    match s
        .testing_instructions
        .as_deref()
        .filter(|t| !t.trim().is_empty())
    {
        Some(t) => {
            for line in t.lines() {
                l.push(text(2, safe_line(line), theme.text));
            }
        }
        None => l.push(text(2, "none given", theme.dim)),
    }
    if !s.integration_variables.is_empty() {
        l.push(Item::Section("Integration variables"));
        for v in &s.integration_variables {
            l.push(field(&safe_line(&v.label), safe_line(&v.name), theme));
        }
    }
    l.push(Item::Section("Protocol settings"));
    if let Some(sso) = &s.sso {
        l.push(field(
            "SSO flows",
            format!(
                "IdP {}, SP {}, JIT {}",
                yes_no(sso.idp_flow),
                yes_no(sso.sp_flow),
                yes_no(sso.jit)
            ),
            theme,
        ));
        l.push(field("SAML signature", opt(&sso.saml_signature), theme));
        l.push(field(
            "OIDC auth server",
            sso.oidc_auth_server
                .as_deref()
                .map(safe_line)
                .unwrap_or_else(|| "org".into()),
            theme,
        ));
    } else if a.tests.scim.is_none() {
        l.push(text(2, "none given", theme.dim));
    }
    if let Some(scim) = &s.scim {
        l.push(field("SCIM version", opt(&scim.version), theme));
        l.push(field("SCIM spec link", opt(&scim.spec_results_url), theme));
        l.push(field("SCIM CRUD link", opt(&scim.crud_results_url), theme));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_lines_keep_their_indent_and_lose_nothing() {
        let spans = vec![
            Span::raw("  state             "),
            Span::raw("To be reviewed by Okta (OIN to review)"),
        ];
        let lines = wrap_spans(&spans, 40, VALUE_COL);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert_eq!(
            text,
            [
                "  state             To be reviewed by",
                "                    Okta (OIN to review)"
            ]
        );
        let long = vec![Span::raw("x".repeat(50))];
        let lines = wrap_spans(&long, 20, 4);
        let total: usize = lines.iter().map(|l| l.to_string().trim().len()).sum();
        assert_eq!(total, 50, "a word longer than the line is cut, not lost");
    }

    #[test]
    fn a_url_wraps_after_a_slash_of_its_path_never_inside_a_word_or_its_double_slash() {
        let spans = vec![
            Span::raw("  config document   "),
            Span::raw("https://harborview.example/docs/okta-setup"),
        ];
        let text: Vec<String> = wrap_spans(&spans, 48, VALUE_COL)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(
            text,
            [
                "  config document   https://harborview.example/",
                "                    docs/okta-setup"
            ]
        );
        let narrow: Vec<String> = wrap_spans(&[Span::raw("https://a.example/okta")], 10, 0)
            .iter()
            .map(|l| l.to_string())
            .collect();
        assert_eq!(narrow[0], "https://a.", "no break inside //: {narrow:?}");
    }
}
