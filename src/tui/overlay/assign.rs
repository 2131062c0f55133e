//! Choosing (or typing) the analyst to assign the marked (or selected) submissions to.

use super::{Panel, Step, centered, move_cursor, popup};
use crate::text::safe_line;
use crate::tui::app::{Action, App, Level, Pinned};
use crate::tui::input::{Edit, LineInput};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub struct AssignPicker {
    cursor: usize,
    name: LineInput,
    /// The rows to assign, as the analyst saw them when the picker opened.
    pinned: Pinned,
    /// A name not on the team, chosen once: Enter again assigns to it.
    confirming: Option<String>,
}

impl AssignPicker {
    pub fn new(pinned: Pinned) -> AssignPicker {
        AssignPicker {
            cursor: 0,
            name: LineInput::new(),
            pinned,
            confirming: None,
        }
    }

    pub fn pinned(&self) -> &Pinned {
        &self.pinned
    }
}

/// Whether `name` is someone the queue knows: the team, or the analyst themself.
fn known(app: &App, name: &str) -> bool {
    name == app.analyst() || app.analysts().iter().any(|n| n == name)
}

/// The picker's entries for the typed text: `Some(name)`, or `None` for nobody.
pub fn choices(app: &App, text: &str) -> Vec<Option<String>> {
    let text = text.trim();
    let mut names: Vec<String> = app.analysts().to_vec();
    if !names.iter().any(|n| n == app.analyst()) {
        names.insert(0, app.analyst().to_string());
    }
    let mut out: Vec<Option<String>> = names
        .into_iter()
        .filter(|n| text.is_empty() || n.to_lowercase().contains(&text.to_lowercase()))
        .map(Some)
        .collect();
    if !text.is_empty() && !out.iter().any(|n| n.as_deref() == Some(text)) {
        out.insert(0, Some(text.to_string()));
    }
    if text.is_empty() {
        out.push(None);
    }
    out
}

impl Panel for AssignPicker {
    fn context(&self) -> Context {
        Context::Picker
    }

    fn on_key(&mut self, key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        // Letters filter the names, but j and k move (as the arrows do): a name with those
        // letters is found by its others.
        let moves = matches!(key.code, KeyCode::Char('j' | 'k'))
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let typing = matches!(key.code, KeyCode::Char(_))
            && !moves
            && !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let list = choices(app, &self.name.text());
        match command {
            Some(Command::Close) => return Step::Close,
            Some(Command::Accept) => {
                let Some(to) = list.get(self.cursor) else {
                    return Step::Stay;
                };
                if let Some(name) = to.as_deref().filter(|n| !known(app, n))
                    && self.confirming.as_deref() != Some(name)
                {
                    app.say(
                        Level::Warn,
                        format!(
                            "{} is not on the team (nobody by that name has acted in this queue or is in [team] analysts): Enter again assigns anyway, Esc cancels",
                            safe_line(name)
                        ),
                    );
                    self.confirming = Some(name.to_string());
                    return Step::Stay;
                }
                // The items as seen: one a colleague changed since is refused by version.
                let items = self.pinned.items();
                return Step::Done(vec![Action::write(Write::Assign {
                    items,
                    to: to.clone(),
                })]);
            }
            c if !typing && move_cursor(&mut self.cursor, c, list.len(), 5) => return Step::Stay,
            _ => {}
        }
        if (typing || !moves) && self.name.handle(key) == Edit::Changed {
            self.cursor = 0;
            self.confirming = None;
        }
        Step::Stay
    }

    fn on_paste(&mut self, text: &str, _app: &mut App) -> Step {
        self.name.insert(text);
        self.cursor = 0;
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let list = choices(app, &self.name.text());
        let rect = centered(frame.area(), 50, (list.len() as u16 + 4).min(20));
        let mut prompt = vec![Span::styled(" name: ", theme.dim)];
        prompt.extend(
            self.name
                .spans(theme, rect.width.saturating_sub(10) as usize),
        );
        let mut lines = vec![Line::from(prompt)];
        for (i, c) in list.iter().enumerate() {
            let style = if i == self.cursor {
                theme.selection
            } else {
                theme.text
            };
            let label = match c {
                Some(n) if n == app.analyst() => format!(" {} (me)", safe_line(n)),
                Some(n) if !known(app, n) => format!(" {} (not on the team)", safe_line(n)),
                Some(n) => format!(" {}", safe_line(n)),
                None => " nobody (unassign)".to_string(),
            };
            lines.push(Line::from(Span::styled(label, style)));
        }
        let title = format!("assign {} to (type to filter, j/k move)", self.pinned.len());
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
    }
}
