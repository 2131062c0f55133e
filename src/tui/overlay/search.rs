//! Typing a search: the query narrows the queue as it is typed; the line shows at the
//! bottom with the match count and how long the search took.

use super::{Panel, Step};
use crate::tui::app::{Action, App};
use crate::tui::input::{Edit, LineInput};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub struct Search {
    input: LineInput,
}

impl Search {
    pub fn new(query: &str) -> Search {
        Search {
            input: LineInput::with_text(query),
        }
    }

    fn changed(&self, app: &mut App) -> Step {
        match app.queue_mut().set_query(self.input.text()) {
            Some((g, q, c)) => Step::Act(vec![Action::Search(g, q, c)]),
            None => Step::Stay,
        }
    }
}

impl Panel for Search {
    fn context(&self) -> Context {
        Context::Search
    }

    fn on_key(&mut self, key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        match command {
            Some(Command::Accept) => return Step::Close,
            Some(Command::ClearSearch) => {
                app.queue_mut().set_query(String::new());
                return Step::Close;
            }
            Some(Command::Down) => {
                app.queue_mut().move_by(1);
                return Step::Stay;
            }
            Some(Command::Up) => {
                app.queue_mut().move_by(-1);
                return Step::Stay;
            }
            _ => {}
        }
        match self.input.handle(key) {
            Edit::Changed => self.changed(app),
            Edit::Moved | Edit::Ignored => Step::Stay,
        }
    }

    fn on_paste(&mut self, text: &str, app: &mut App) -> Step {
        self.input.insert(text);
        self.changed(app)
    }

    /// The input line, where the footer's message line is.
    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let area = frame.area();
        let compact = crate::tui::views::compact(area);
        let y = area.bottom().saturating_sub(if compact { 1 } else { 2 });
        let row = Rect {
            x: area.x,
            y,
            width: area.width,
            height: 1,
        };
        let q = app.queue();
        if let Some(e) = q.query_error() {
            let room = (area.width as usize).saturating_sub(1);
            let mut spans = vec![Span::styled("/", theme.accent)];
            let typed = self.input.text().chars().count();
            spans.extend(self.input.spans(theme, room.min(typed + 1)));
            spans.push(Span::styled(format!("   {e}"), theme.error));
            frame.render_widget(Clear, row);
            frame.render_widget(Paragraph::new(Line::from(spans)), row);
            return;
        }
        // The parsed field terms, as chips after the count.
        let chips: String = q
            .query_terms()
            .iter()
            .map(|t| format!(" [{}]", t.typed))
            .collect();
        let stats = if q.query().is_empty() {
            String::new()
        } else if q.searching() && q.has_ranking() {
            format!("   {} so far, searching…", q.len())
        } else if q.searching() {
            "   searching…".to_string()
        } else {
            q.last_search_ms()
                .map(|ms| format!("   {} match(es), {ms:.1} ms", q.len()))
                .unwrap_or_default()
        };
        // The query comes first: the chips (its terms again), then the count, give way
        // before the typed text is scrolled out of view.
        let typed = self.input.text().chars().count() + 1;
        let width = area.width as usize;
        let (stats, chips) = if 1 + typed + stats.chars().count() + chips.chars().count() <= width {
            (stats, chips)
        } else if 1 + typed + stats.chars().count() <= width {
            (stats, String::new())
        } else {
            (String::new(), String::new())
        };
        let room = width.saturating_sub(1 + stats.chars().count() + chips.chars().count());
        let marked: Vec<std::ops::Range<usize>> =
            q.query_terms().iter().map(|t| t.at.clone()).collect();
        let mut spans = vec![Span::styled("/", theme.accent)];
        spans.extend(self.input.spans_marked(theme, room, &marked));
        spans.push(Span::styled(stats, theme.dim));
        spans.push(Span::styled(chips, theme.accent));
        frame.render_widget(Clear, row);
        frame.render_widget(Paragraph::new(Line::from(spans)), row);
    }
}
