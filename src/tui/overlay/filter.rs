//! The filter menu: state, protocol, assignee, SLA, tests, path and kind, toggled.

use super::{Panel, Step, centered, move_cursor, popup};
use crate::tui::app::App;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Default)]
pub struct FilterMenu {
    cursor: usize,
}

impl Panel for FilterMenu {
    fn context(&self) -> Context {
        Context::Filter
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let items = app.queue().filter_items();
        match command {
            Some(Command::Close) => return Step::Close,
            Some(Command::Toggle) => {
                if let Some(item) = items.get(self.cursor) {
                    app.queue_mut().toggle_filter(item);
                }
            }
            Some(Command::ClearFilters) => app.queue_mut().clear_filters(),
            c => {
                move_cursor(&mut self.cursor, c, items.len(), 10);
            }
        }
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let area = frame.area();
        let items = app.queue().filter_items();
        let rect = centered(area, 50, area.height.saturating_sub(4));
        let height = rect.height.saturating_sub(2) as usize;
        let mut lines = Vec::new();
        let mut last_section = "";
        let mut cursor_line = 0;
        for (i, item) in items.iter().enumerate() {
            if item.section() != last_section {
                last_section = item.section();
                lines.push(Line::from(Span::styled(
                    last_section.to_string(),
                    theme.title,
                )));
            }
            if i == self.cursor {
                cursor_line = lines.len();
            }
            let on = app.queue().filters().contains(item);
            let style = if i == self.cursor {
                theme.selection
            } else {
                theme.text
            };
            lines.push(Line::from(Span::styled(
                format!(
                    "  [{}] {}",
                    if on { "x" } else { " " },
                    crate::text::safe_line(&item.label())
                ),
                style,
            )));
        }
        let scroll = cursor_line.saturating_sub(height.saturating_sub(2)) as u16;
        let title = format!(
            "filters ({} toggles, {} clears, {} closes)",
            app.key(Context::Filter, Command::Toggle),
            app.key(Context::Filter, Command::ClearFilters),
            app.key(Context::Filter, Command::Close)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines)
                .block(popup(&title, theme))
                .scroll((scroll, 0)),
            rect,
        );
    }
}
