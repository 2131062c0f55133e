//! Typing a finding of the analyst's own, or the reason a lint finding is left out; back to
//! the issue list when it was opened from there.

use super::{Panel, Step, centered, popup};
use crate::domain::Severity;
use crate::domain::findings::IssueEdit;
use crate::tui::app::{Action, App, Level};
use crate::tui::input::LineInput;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

/// What the text is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    New {
        severity: Severity,
    },
    Reason {
        rule: String,
    },
    /// An internal note on the submission (never emailed).
    Note,
}

impl Purpose {
    pub fn new_finding() -> Purpose {
        Purpose::New {
            severity: Severity::Warning,
        }
    }
}

pub struct FindingText {
    purpose: Purpose,
    input: LineInput,
    /// Esc was pressed once over typed text: the next Esc discards it.
    discard_asked: bool,
}

impl FindingText {
    pub fn new(purpose: Purpose) -> FindingText {
        FindingText {
            purpose,
            input: LineInput::new(),
            discard_asked: false,
        }
    }

    pub fn purpose(&self) -> &Purpose {
        &self.purpose
    }
}

impl Panel for FindingText {
    fn context(&self) -> Context {
        Context::Input
    }

    fn on_key(&mut self, key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let asked = std::mem::take(&mut self.discard_asked);
        match command {
            // Typed text is not thrown away on one key: Esc asks, a second Esc discards.
            Some(Command::Close) if !asked && !self.input.text().trim().is_empty() => {
                self.discard_asked = true;
                app.say(
                    Level::Warn,
                    format!(
                        "discard what you typed? {} again discards it, {} saves it",
                        app.key(Context::Input, Command::Close),
                        app.key(Context::Input, Command::Accept)
                    ),
                );
                Step::Stay
            }
            Some(Command::Close) => {
                app.say(Level::Info, "cancelled: nothing changed");
                Step::Close
            }
            Some(Command::Accept) => {
                let text = self.input.text().trim().to_string();
                let cancel = app.key(Context::Input, Command::Close);
                if text.is_empty() {
                    app.say(
                        Level::Warn,
                        match self.purpose {
                            Purpose::New { .. } => {
                                format!("type the finding first ({cancel} cancels)")
                            }
                            Purpose::Reason { .. } => format!(
                                "leaving a lint finding out needs a reason ({cancel} cancels)"
                            ),
                            Purpose::Note => format!("type the note first ({cancel} cancels)"),
                        },
                    );
                    return Step::Stay;
                }
                let Some(id) = app.selected_row().map(|r| r.id().to_string()) else {
                    return Step::Close;
                };
                if self.purpose == Purpose::Note {
                    return Step::Done(vec![Action::write(Write::Note { id, text })]);
                }
                let edit = match &self.purpose {
                    Purpose::New { severity } => IssueEdit::Add {
                        severity: *severity,
                        text,
                        included: true,
                    },
                    Purpose::Reason { rule } => IssueEdit::Decide {
                        rule: rule.clone(),
                        included: false,
                        reason: Some(text),
                    },
                    Purpose::Note => return Step::Close,
                };
                Step::Done(vec![Action::write(Write::EditIssues {
                    id,
                    edits: vec![edit],
                })])
            }
            _ => {
                if let (KeyCode::Tab, Purpose::New { severity }) = (key.code, &mut self.purpose) {
                    *severity = match severity {
                        Severity::Warning => Severity::Blocker,
                        Severity::Blocker => Severity::Warning,
                    };
                } else {
                    self.input.handle(key);
                }
                Step::Stay
            }
        }
    }

    fn on_paste(&mut self, text: &str, _app: &mut App) -> Step {
        self.input.insert(text);
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let rect = centered(frame.area(), 90, 5);
        let (save, cancel) = (
            app.key(Context::Input, Command::Accept),
            app.key(Context::Input, Command::Close),
        );
        let (title, prompt) = match &self.purpose {
            Purpose::New { severity } => (
                format!("new finding ({save} saves, Tab: blocker/warning, {cancel} cancels)"),
                format!(" The sentence the ISV will read ({}):", severity.key()),
            ),
            Purpose::Reason { rule } => (
                format!("leave out of the email ({save} saves, {cancel} cancels)"),
                format!(" Why is {rule} left out? (kept with it)"),
            ),
            Purpose::Note => (
                format!("internal note ({save} saves, {cancel} cancels)"),
                " For colleagues only, never emailed; @name puts it in their Mine tab:".to_string(),
            ),
        };
        let mut input = vec![Span::raw(" ")];
        input.extend(
            self.input
                .spans(theme, rect.width.saturating_sub(4) as usize),
        );
        let lines = vec![
            Line::from(Span::styled(prompt, theme.dim)),
            Line::from(input),
        ];
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
    }
}
