//! The command palette: any command of the queue by name, fuzzy matched.

use super::{Panel, Step, centered, move_cursor, popup};
use crate::tui::app::App;
use crate::tui::input::{Edit, LineInput};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Default)]
pub struct Palette {
    query: LineInput,
    selected: usize,
}

/// The palette's entries for `query`: (command, "keys  description"), best first.
pub fn matches(app: &App, query: &str) -> Vec<(Command, String)> {
    let mut matcher = crate::search::Matcher::default();
    let q = crate::search::Query::new(query);
    let mut scored: Vec<(u32, usize, Command, String)> = app
        .keymap()
        .palette_entries()
        .into_iter()
        .enumerate()
        .filter_map(|(i, b)| {
            let text = format!("{} {}", b.desc, b.command.name());
            let score = if query.is_empty() {
                Some(0)
            } else {
                matcher.score(&text, &q, crate::search::Pass::Best)
            };
            score.map(|s| {
                let keys = b
                    .keys
                    .iter()
                    .map(|k| k.to_string())
                    .collect::<Vec<_>>()
                    .join(" ");
                (s, i, b.command, format!("{keys:<10} {}", b.desc))
            })
        })
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, _, c, t)| (c, t)).collect()
}

impl Panel for Palette {
    fn context(&self) -> Context {
        Context::Palette
    }

    fn on_key(&mut self, key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let entries = matches(app, &self.query.text());
        match command {
            Some(Command::Close) => return Step::Close,
            Some(Command::Accept) => {
                return match entries.get(self.selected) {
                    Some((c, _)) => Step::Done(app.run(*c)),
                    None => Step::Close,
                };
            }
            c if move_cursor(&mut self.selected, c, entries.len(), 10) => return Step::Stay,
            _ => {}
        }
        if self.query.handle(key) == Edit::Changed {
            self.selected = 0;
        }
        Step::Stay
    }

    fn on_paste(&mut self, text: &str, _app: &mut App) -> Step {
        self.query.insert(text);
        self.selected = 0;
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let rect = centered(frame.area(), 64, 16);
        let mut prompt = vec![Span::styled(": ", theme.accent)];
        prompt.extend(
            self.query
                .spans(theme, rect.width.saturating_sub(5) as usize),
        );
        let mut lines = vec![Line::from(prompt)];
        let height = rect.height.saturating_sub(3) as usize;
        let entries = matches(app, &self.query.text());
        let start = self.selected.saturating_sub(height.saturating_sub(1));
        for (i, (_, text)) in entries.iter().enumerate().skip(start).take(height) {
            let style = if i == self.selected {
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
}
