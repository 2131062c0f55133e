//! The optional reason for a move; then the email preview (a move that emails the ISV) or
//! the confirmation.

use super::{Confirm, Panel, Step, centered, popup};
use crate::domain::ReviewState;
use crate::tui::app::{Action, App, Level, Pinned};
use crate::tui::input::LineInput;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::DbRequest;
use crate::workflow::MoveAsk;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub struct Reason {
    to: ReviewState,
    pinned: Pinned,
    input: LineInput,
}

impl Reason {
    pub fn new(to: ReviewState, pinned: Pinned) -> Reason {
        Reason {
            to,
            pinned,
            input: LineInput::new(),
        }
    }

    pub fn pinned(&self) -> &Pinned {
        &self.pinned
    }

    pub fn to(&self) -> ReviewState {
        self.to
    }
}

impl Panel for Reason {
    fn context(&self) -> Context {
        Context::Input
    }

    fn on_key(&mut self, key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        match command {
            Some(Command::Close) => Step::Close,
            Some(Command::Accept) => {
                let text = self.input.text();
                let reason = Some(text.trim().to_string()).filter(|r| !r.is_empty());
                let Ok(kind) = app.email_switches().for_move(self.to) else {
                    return Step::Open(Confirm::new(self.to, reason, self.pinned.clone()).into());
                };
                // A move that emails the ISV goes through the preview: there the analyst
                // sends (move and emails commit together) or moves without. Only the items
                // still as the analyst saw them are written for, at the versions seen.
                let items = app.still_as_seen(self.pinned.items());
                if items.is_empty() {
                    app.say(
                        Level::Warn,
                        "nothing moved: every item changed since you looked",
                    );
                    return Step::Close;
                }
                app.say(
                    Level::Info,
                    format!("writing {} {} email(s)…", items.len(), kind.short()),
                );
                let ask = MoveAsk {
                    reason,
                    ..MoveAsk::new(items.clone(), self.to)
                };
                Step::Done(vec![Action::Db(DbRequest::PreviewMail {
                    items,
                    ask: Some(ask),
                })])
            }
            _ => {
                self.input.handle(key);
                Step::Stay
            }
        }
    }

    fn on_paste(&mut self, text: &str, _app: &mut App) -> Step {
        self.input.insert(text);
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let choice = app
            .move_choices(&self.pinned)
            .into_iter()
            .find(|c| c.to == self.to);
        let moving = choice.map_or(0, |c| c.applies - c.stopped.len());
        let rect = centered(frame.area(), 72, 5);
        let mut input = vec![Span::raw(" ")];
        input.extend(
            self.input
                .spans(theme, rect.width.saturating_sub(4) as usize),
        );
        let lines = vec![
            Line::from(Span::styled(
                format!(
                    " Reason for moving {moving} of {} to {} (optional):",
                    self.pinned.len(),
                    self.to.manager_name()
                ),
                theme.dim,
            )),
            Line::from(input),
        ];
        let title = format!(
            "reason ({} continues, {} cancels)",
            app.key(Context::Input, Command::Accept),
            app.key(Context::Input, Command::Close)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
    }
}
