//! The optional reason for a move; then its plan, shown in the email preview (a move that
//! emails the ISV) or the confirmation.

use super::{Panel, Step, centered, popup};
use crate::domain::ReviewState;
use crate::tui::app::{Action, App, Level, Pinned};
use crate::tui::input::LineInput;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::{DbRequest, PlanAsk};
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
                // A move that emails the ISV is shown in the preview (move and emails commit
                // together, or it moves without); one that does not, in the confirmation.
                // Either way the workflow plans it first, for the items pinned at the
                // versions the analyst saw.
                let email = app
                    .choices_for(&self.pinned)
                    .and_then(|c| c.into_iter().find(|c| c.to == self.to))
                    .is_some_and(|c| c.email.is_some());
                app.say(
                    Level::Info,
                    format!(
                        "planning the move of {} to {}…",
                        self.pinned.len(),
                        self.to.manager_name()
                    ),
                );
                Step::Done(vec![Action::Db(DbRequest::Plan {
                    ask: PlanAsk::Move(MoveAsk {
                        reason,
                        email,
                        ..MoveAsk::new(self.pinned.items(), self.to)
                    }),
                    again: false,
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
        let moving = app
            .choices_for(&self.pinned)
            .and_then(|c| c.into_iter().find(|c| c.to == self.to))
            .map_or(0, |c| c.applies - c.stopped.len());
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
