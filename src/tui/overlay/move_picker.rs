//! Choosing the state the marked (or selected) submissions move to: only the allowed ones,
//! with how many each applies to, how many a gate stops and the email the move sends.

use super::{Panel, Reason, Step, centered, move_cursor, popup};
use crate::tui::app::App;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Default)]
pub struct MovePicker {
    cursor: usize,
}

impl MovePicker {
    pub fn cursor(&self) -> usize {
        self.cursor
    }
}

impl Panel for MovePicker {
    fn context(&self) -> Context {
        Context::Picker
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let choices = app.move_choices();
        match command {
            Some(Command::Close) => Step::Close,
            Some(Command::Accept) => match choices.get(self.cursor) {
                Some(c) => Step::Open(Reason::new(c.to).into()),
                None => Step::Stay,
            },
            c => {
                move_cursor(&mut self.cursor, c, choices.len(), 5);
                Step::Stay
            }
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let choices = app.move_choices();
        let total = choices.first().map_or(0, |c| c.total);
        let rect = centered(frame.area(), 72, choices.len() as u16 * 2 + 3);
        let mut lines = vec![Line::from(Span::styled(
            format!(" Move {total} submission(s) to:"),
            theme.dim,
        ))];
        for (i, c) in choices.iter().enumerate() {
            let style = if i == self.cursor {
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
            if c.unchecked > 0 {
                if !c.stopped.is_empty() {
                    note.push(Span::styled(" · ", theme.dim));
                }
                note.push(Span::styled(
                    format!("gate: {} not read yet, checked at the move", c.unchecked),
                    theme.dim,
                ));
            }
            if let Some(kind) = c.email {
                if !c.stopped.is_empty() || c.unchecked > 0 {
                    note.push(Span::styled(" · ", theme.dim));
                }
                note.push(Span::styled(
                    format!("✉ {} email, previewed first", kind.short()),
                    theme.warn,
                ));
            }
            lines.push(Line::from(note));
        }
        let title = format!(
            "move to ({} chooses)",
            app.key(Context::Picker, Command::Accept)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
    }
}
