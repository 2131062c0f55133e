//! Text to read and dismiss: what a batch refused and why, or one email as queued. Lines
//! wrap with their continuation indented; it scrolls within its content.

use super::{Panel, Scroll, Step, centered, popup};
use crate::tui::app::App;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub struct TextView {
    title: String,
    lines: Vec<String>,
    scroll: Scroll,
}

impl TextView {
    pub fn new(title: String, lines: Vec<String>) -> TextView {
        TextView {
            title,
            lines,
            scroll: Scroll::default(),
        }
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    /// The lines wrapped to the box, and the box.
    fn layout(&self, area: Rect) -> (Rect, Vec<String>) {
        let width = 100.min(area.width.saturating_sub(2)).max(12);
        let inner = width.saturating_sub(3) as usize;
        let mut wrapped = Vec::new();
        for l in &self.lines {
            let safe = crate::text::safe_line(l);
            let mut rest: &str = &safe;
            let mut first = true;
            if rest.is_empty() {
                wrapped.push(String::new());
            }
            while !rest.is_empty() {
                let room = if first {
                    inner
                } else {
                    inner.saturating_sub(4)
                }
                .max(8);
                let cut = crate::text::wrap_point(rest, room);
                let (head, tail) = rest.split_at(cut);
                wrapped.push(format!(
                    "{}{}",
                    if first { " " } else { "     " },
                    head.trim_end()
                ));
                rest = tail.trim_start();
                first = false;
            }
        }
        let rect = centered(
            area,
            width,
            (wrapped.len() as u16 + 2).min(area.height.saturating_sub(4)),
        );
        (rect, wrapped)
    }
}

impl Panel for TextView {
    fn context(&self) -> Context {
        Context::Report
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        if command == Some(Command::Close) {
            return Step::Close;
        }
        let (w, h) = app.size();
        let (rect, lines) = self.layout(Rect::new(0, 0, w, h));
        self.scroll
            .apply(command, lines.len(), rect.height.saturating_sub(2) as usize);
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, _app: &App, theme: &Theme) {
        let (rect, lines) = self.layout(frame.area());
        let at = self
            .scroll
            .at(lines.len(), rect.height.saturating_sub(2) as usize);
        let text: Vec<Line> = lines
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.text)))
            .collect();
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(text)
                .block(popup(&self.title, theme))
                .scroll((at, 0)),
            rect,
        );
    }
}
