//! The selected submission's issue list: what the next email says. Include or leave out a
//! finding (leaving a lint finding out asks why), add one, edit all in `$EDITOR`, email.

use super::{FindingText, Panel, Purpose, Step, centered, move_cursor, popup};
use crate::domain::findings::toggle_edit;
use crate::domain::{IssueKey, Severity};
use crate::text::safe_line;
use crate::tui::app::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

#[derive(Default)]
pub struct Findings {
    cursor: usize,
}

/// The rows `text` takes once word-wrapped at `width` columns, as the paragraph wraps it
/// (a word longer than the line is cut).
fn wrapped_rows(text: &str, width: usize) -> usize {
    let mut rows = 1;
    let mut used = 0;
    for word in text.split(' ') {
        let w = crate::text::display_width(word);
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
        } else if w <= width {
            rows += 1;
            used = w;
        } else {
            rows += (used + w).div_ceil(width) - 1;
            used = (used + w) % width;
        }
    }
    rows
}

impl Panel for Findings {
    fn context(&self) -> Context {
        Context::Findings
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let issues = app.selected_issues();
        match command {
            Some(Command::Close) => return Step::Close,
            Some(Command::AddFinding | Command::EditIssues | Command::Toggle)
                if app.refuse_write("change the issue list") => {}
            Some(Command::AddFinding) => {
                return Step::Push(FindingText::new(Purpose::new_finding()).into());
            }
            Some(Command::EditIssues) => return Step::Done(app.edit_issue_list()),
            Some(Command::Mail) => return Step::Done(app.preview_selected_issue_list()),
            Some(Command::Toggle) => {
                let Some(issue) = issues.get(self.cursor) else {
                    return Step::Stay;
                };
                if let (IssueKey::Rule(rule), true) = (&issue.key, issue.included) {
                    return Step::Push(
                        FindingText::new(Purpose::Reason { rule: rule.clone() }).into(),
                    );
                }
                let Some(row) = app.selected_opened() else {
                    return Step::Stay;
                };
                let id = row.sub.id.clone();
                match toggle_edit(issue, &row.sub.notes.own, !issue.included, None) {
                    Ok(edit) => {
                        return Step::Act(vec![Action::write(Write::EditIssues {
                            id,
                            edits: vec![edit],
                        })]);
                    }
                    Err(e) => app.say(Level::Error, e),
                }
            }
            c => {
                move_cursor(&mut self.cursor, c, issues.len(), 5);
            }
        }
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let issues = app.selected_issues();
        let id = app
            .selected_row()
            .map(|r| safe_line(r.id()))
            .unwrap_or_default();
        let rect = centered(frame.area(), 100, (issues.len() as u16 * 2 + 5).max(7));
        let inner_w = usize::from(rect.width.saturating_sub(2)).max(1);
        // Each finding's rows once wrapped, to keep the cursor's in view.
        let mut rows_before_cursor = 1usize;
        let mut cursor_rows = 0usize;
        let included = issues.iter().filter(|i| i.included).count();
        let mut lines = vec![Line::from(Span::styled(
            format!(" {included} of {} go in the next email", issues.len()),
            theme.dim,
        ))];
        if issues.is_empty() {
            lines.push(Line::from(Span::styled(
                format!(
                    " no findings: {} adds one of your own",
                    app.key(Context::Findings, Command::AddFinding)
                ),
                theme.dim,
            )));
        }
        for (i, f) in issues.iter().enumerate() {
            let sev = match f.severity {
                Severity::Blocker => theme.error,
                Severity::Warning => theme.warn,
            };
            let text_style = if i == self.cursor {
                theme.selection
            } else if f.included {
                theme.text
            } else {
                theme.dim
            };
            let key = match &f.key {
                IssueKey::Rule(r) => r.clone(),
                IssueKey::Own(n) => format!("#{n} (yours)"),
            };
            lines.push(Line::from(vec![
                Span::styled(if f.included { " [x] " } else { " [ ] " }, text_style),
                Span::styled(format!("{:<8}", f.severity.key()), sev),
                Span::styled(safe_line(&f.text), text_style),
            ]));
            let mut note = format!("          {key}");
            if let Some(r) = &f.reason {
                note.push_str(&format!("  left out: {}", safe_line(r)));
            }
            let first = format!(" [x] {:<8}{}", f.severity.key(), safe_line(&f.text));
            let rows = wrapped_rows(&first, inner_w) + wrapped_rows(&note, inner_w);
            if i < self.cursor {
                rows_before_cursor += rows;
            } else if i == self.cursor {
                cursor_rows = rows;
            }
            lines.push(Line::from(Span::styled(note, theme.dim)));
        }
        // Keep the cursor's lines in view.
        let inner_h = usize::from(rect.height.saturating_sub(2));
        let want = rows_before_cursor + cursor_rows;
        let scroll = u16::try_from(want.saturating_sub(inner_h)).unwrap_or(u16::MAX);
        let k = |c| app.key(Context::Findings, c);
        let title = format!(
            "issue list of {id} ({} toggles, {} adds, {} edits, {} emails)",
            k(Command::Toggle),
            k(Command::AddFinding),
            k(Command::EditIssues),
            k(Command::Mail)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines)
                .block(popup(&title, theme))
                .wrap(Wrap { trim: false })
                .scroll((scroll, 0)),
            rect,
        );
    }
}
