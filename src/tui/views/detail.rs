//! The detail of one submission: everything an analyst checks, in sections.

use crate::domain::sla::compact;
use crate::domain::{Assessment, ClockStatus, Freshness, Submission, assess};
use crate::text::safe_line;
use crate::tui::app::{App, Focus};
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme, full: bool) {
    let focused = full || app.focus == Focus::Detail;
    let block = Block::default()
        .borders(if full {
            Borders::TOP
        } else {
            Borders::TOP | Borders::LEFT
        })
        .border_style(if focused { theme.accent } else { theme.border })
        .title(Span::styled(
            " detail ",
            if focused { theme.title } else { theme.dim },
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(row) = app.selected_row() else {
        frame.render_widget(
            Paragraph::new(Span::styled("  nothing selected", theme.dim)),
            inner,
        );
        return;
    };
    let a = assess(&row.sub, &app.policy, app.now);
    let lines = detail_lines(&row.sub, &a, &row.facts, app, theme);
    let max_scroll = (lines.len() as u16).saturating_sub(inner.height.max(1));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((app.detail_scroll.min(max_scroll), 0)),
        inner,
    );
}

fn section(title: &str, theme: &Theme) -> Line<'static> {
    Line::from(Span::styled(format!("── {title} "), theme.title))
}

fn field(label: &str, value: impl Into<String>, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("  {label:<18}"), theme.dim),
        Span::styled(value.into(), theme.text),
    ])
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(safe_line).unwrap_or_else(|| "—".into())
}

fn local(t: jiff::Timestamp, app: &App) -> String {
    t.to_zoned(app.policy.sla.calendar.time_zone().clone())
        .strftime("%a %Y-%m-%d %H:%M %Z")
        .to_string()
}

/// The lines of the detail view, in order.
pub fn detail_lines(
    s: &Submission,
    a: &Assessment,
    facts: &crate::domain::QueueFacts,
    app: &App,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    let day = app.policy.sla.calendar.day_length();
    let mut l = vec![Line::from(vec![
        Span::styled(format!("{} ", s.id), theme.accent),
        Span::styled(safe_line(&s.app_name), theme.header),
    ])];
    l.push(section("Overview", theme));
    l.push(field("ISV", safe_line(&s.isv), theme));
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
    l.push(field("path", format!("OIN {}", s.path.key()), theme));
    match &s.update_of {
        Some(app_name) => {
            l.push(field("update of", safe_line(app_name), theme));
            l.push(field("changes", opt(&s.change_summary), theme));
        }
        None => l.push(field("kind", "new integration", theme)),
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
    if let Some(at) = a.tests.submitted_at {
        l.push(field("submitted", local(at, app), theme));
    }
    l.push(section("Catalog", theme));
    let name_len = s.app_name.chars().count();
    l.push(Line::from(vec![
        Span::styled(format!("  {:<18}", "display name"), theme.dim),
        Span::styled(
            format!("{name_len} characters"),
            if name_len > 64 || name_len == 0 {
                theme.warn
            } else {
                theme.text
            },
        ),
    ]));
    l.push(field("website", opt(&s.app_website), theme));
    l.push(field("config document", opt(&s.config_doc_url), theme));
    match &s.logo {
        Some(logo) => l.push(field(
            "logo",
            format!(
                "{} ({}, {} KB)",
                safe_line(&logo.file),
                safe_line(&logo.format),
                logo.bytes.div_ceil(1024)
            ),
            theme,
        )),
        None => l.push(field("logo", "—", theme)),
    }
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
    l.push(Line::from(Span::styled("  description", theme.dim)));
    for line in s.description.as_deref().unwrap_or("—").lines() {
        l.push(Line::from(Span::styled(
            format!("    {}", safe_line(line)),
            theme.text,
        )));
    }
    l.push(section("Contacts", theme));
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
    l.push(section("Test account", theme));
    match &s.test_account {
        Some(acct) => {
            l.push(field("URL", opt(&acct.url), theme));
            l.push(field("username", opt(&acct.username), theme));
            let revealed = app.password_revealed();
            let pw = match (&acct.password, revealed) {
                (Some(p), true) => Span::styled(safe_line(p.expose()), theme.secret),
                (Some(_), false) => Span::styled("••••••••  (p shows it for 5 s)", theme.text),
                (None, _) => Span::styled("missing", theme.warn),
            };
            l.push(Line::from(vec![
                Span::styled(format!("  {:<18}", "password"), theme.dim),
                pw,
            ]));
        }
        None => l.push(field("", "none given", theme)),
    }
    if !s.integration_variables.is_empty() {
        l.push(section("Integration variables", theme));
        for v in &s.integration_variables {
            l.push(field(&safe_line(&v.label), safe_line(&v.name), theme));
        }
    }
    l.push(section("Protocol settings", theme));
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
    l.push(section("SLA", theme));
    if a.clocks.is_empty() {
        l.push(Line::from(Span::styled(
            "  no clock: not yet in an OIN review phase",
            theme.dim,
        )));
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
        l.push(Line::from(vec![
            Span::styled(format!("  {:<15}", c.phase.label()), theme.text),
            Span::styled(format!("{:<9}", c.status.key()), st),
            Span::styled(format!(" {:.0}% used, {left}", c.percent_used), theme.text),
        ]));
        if let Some(due) = c.due {
            l.push(field("  due", local(due, app), theme));
        }
        if let Some(p) = c.promised {
            l.push(field("  promised", p.to_string(), theme));
        }
        if let Some(at) = c.breached_at {
            l.push(Line::from(vec![
                Span::styled(format!("  {:<18}", "  breached"), theme.dim),
                Span::styled(
                    format!(
                        "{}, overrun {}",
                        local(at, app),
                        compact(c.overrun_seconds, day)
                    ),
                    theme.breached,
                ),
            ]));
        }
    }
    l.push(section("Tests (OIN Submission Tester)", theme));
    if a.tests.required.is_empty() {
        l.push(Line::from(Span::styled("  none required", theme.dim)));
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
        l.push(Line::from(vec![
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
        ]));
    }
    if let Some(valid) = a.tests.valid_at_submission {
        l.push(Line::from(Span::styled(
            if valid {
                "  every required test had passed within 48 h before submission"
            } else {
                "  NOT every required test had passed within 48 h before submission"
            },
            if valid { theme.ok } else { theme.warn },
        )));
    }
    l.push(section("History", theme));
    for e in s.history.iter().rev() {
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
        l.push(Line::from(Span::styled(
            text,
            Style::default().patch(theme.text),
        )));
    }
    l.push(section(
        "Findings (x: curate · n: add · e: edit · M: email)",
        theme,
    ));
    let issues = crate::domain::findings::issue_list(
        &crate::domain::policy::findings(s, &app.policy, a, facts),
        &s.notes,
    );
    if issues.is_empty() {
        l.push(Line::from(Span::styled(
            "  none: every rule the console checks passes",
            theme.ok,
        )));
    }
    for (i, f) in issues.iter().enumerate() {
        let st = match f.severity {
            crate::domain::Severity::Blocker => theme.error,
            crate::domain::Severity::Warning => theme.warn,
        };
        let key = match &f.key {
            crate::domain::IssueKey::Rule(r) => r.clone(),
            crate::domain::IssueKey::Own(id) => format!("#{id} by analyst"),
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
        l.push(Line::from(spans));
    }
    l.push(section("Emails", theme));
    if s.emails.is_empty() {
        l.push(Line::from(Span::styled("  none yet", theme.dim)));
    }
    for e in &s.emails {
        let (label, st) = match e.status {
            crate::domain::OutboxStatus::Sent => ("sent", theme.ok),
            crate::domain::OutboxStatus::Failed => ("FAILED", theme.error),
            _ => ("queued", theme.warn),
        };
        let when = e.sent_at.unwrap_or(e.queued_at);
        l.push(Line::from(vec![
            Span::styled(format!("  {label:<7}"), st),
            Span::styled(format!("{}  ", local(when, app)), theme.dim),
            Span::styled(safe_line(&e.subject), theme.text),
        ]));
        if let Some(err) = e.last_error.as_deref().filter(|_| label != "sent") {
            l.push(Line::from(Span::styled(
                format!("         {}", safe_line(err)),
                theme.dim,
            )));
        }
    }
    l
}
