//! Choosing the state the marked (or selected) submissions move to: only the allowed ones,
//! with how many each applies to, how many a gate stops and the email the move sends.

use super::{Panel, Reason, Step, centered, move_cursor, popup, wrap};
use crate::tui::app::{App, Level, Pinned};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub struct MovePicker {
    cursor: usize,
    pinned: Pinned,
    /// The target a reply offers (continue QA): the cursor starts on it once the choices
    /// are planned, until the analyst moves it.
    prefer: Option<crate::domain::ReviewState>,
}

impl MovePicker {
    /// The picker for the targets as they are now: it acts on them whatever a reload does.
    pub fn new(pinned: Pinned) -> MovePicker {
        MovePicker {
            cursor: 0,
            pinned,
            prefer: None,
        }
    }

    /// With the cursor on `to` once it is among the choices.
    pub fn preferring(mut self, to: Option<crate::domain::ReviewState>) -> MovePicker {
        self.prefer = to;
        self
    }

    /// The cursor over `choices`: on the preferred target until the analyst moves it.
    fn cursor_in(&self, choices: &[crate::workflow::MoveChoice]) -> usize {
        self.prefer
            .and_then(|p| choices.iter().position(|c| c.to == p))
            .unwrap_or(self.cursor)
    }

    pub fn pinned(&self) -> &Pinned {
        &self.pinned
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }
}

impl Panel for MovePicker {
    fn context(&self) -> Context {
        Context::Picker
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let choices = app.choices_for(&self.pinned).unwrap_or_default();
        if !choices.is_empty() {
            self.cursor = self.cursor_in(&choices);
            self.prefer = None;
        }
        match command {
            Some(Command::Close) => Step::Close,
            Some(Command::Accept) => match choices.get(self.cursor) {
                Some(c) => Step::Open(Reason::new(c.to, self.pinned.clone()).into()),
                None if app.planned_choices(&self.pinned).is_none() => {
                    app.say(
                        Level::Info,
                        "planning the moves: choose once the targets show",
                    );
                    Step::Stay
                }
                None => Step::Stay,
            },
            c => {
                move_cursor(&mut self.cursor, c, choices.len(), 5);
                Step::Stay
            }
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let planned = app.planned_choices(&self.pinned);
        let choices = planned.map(|c| c.targets.clone()).unwrap_or_default();
        // What changed, as planned (who and when), else as the queue shows it.
        let changed: Vec<String> = match planned {
            Some(c) => c
                .changed
                .iter()
                .map(|(id, why)| format!("{}: {why}", crate::text::safe_line(id)))
                .collect(),
            None => app.changed_since_seen(
                self.pinned
                    .lines()
                    .iter()
                    .map(|r| (r.id(), Some(r.version))),
            ),
        };
        let total = self.pinned.len();
        let mut lines = vec![Line::from(Span::styled(
            format!(" Move {total} submission(s) to:"),
            theme.dim,
        ))];
        let width = 72u16.min(frame.area().width.saturating_sub(2));
        for c in changed.iter().take(3) {
            lines.extend(wrap(
                &format!(" {c}"),
                width.saturating_sub(2) as usize,
                theme.warn,
            ));
        }
        if changed.len() > 3 {
            lines.push(Line::from(Span::styled(
                format!(" and {} more changed since you looked", changed.len() - 3),
                theme.warn,
            )));
        }
        if planned.is_none() {
            lines.push(Line::from(Span::styled(" planning…", theme.dim)));
        } else if choices.is_empty() {
            lines.push(Line::from(Span::styled(
                format!(
                    " {} of {total} left as you saw them: nothing to move",
                    total - changed.len()
                ),
                theme.warn,
            )));
        }
        let cursor = self.cursor_in(&choices);
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
        let rect = centered(frame.area(), width, lines.len() as u16 + 2);
        let title = format!(
            "move to ({} chooses)",
            app.key(Context::Picker, Command::Accept)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
    }
}
