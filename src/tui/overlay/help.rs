//! Every key, generated from the keymap, by context (with the ids `[keys]` uses).

use super::{Panel, Scroll, Step, centered, popup};
use crate::tui::app::App;
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Default)]
pub struct Help {
    scroll: Scroll,
}

fn rect(app: &App) -> Rect {
    let (w, h) = app.size();
    centered(Rect::new(0, 0, w, h), 80, h.saturating_sub(4))
}

fn lines(app: &App, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for ctx in Context::ALL {
        lines.push(Line::from(vec![
            Span::styled(ctx.title(), theme.title),
            Span::styled(format!("  [keys] \"{}.…\"", ctx.id()), theme.dim),
        ]));
        for b in app.keymap().bindings.iter().filter(|b| b.context == ctx) {
            let keys = b
                .keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
                .join(" ");
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<16}"), theme.accent),
                Span::styled(b.desc, theme.text),
                Span::styled(format!("  ({})", b.command.name()), theme.dim),
            ]));
        }
        lines.push(Line::from(""));
    }
    lines
}

impl Panel for Help {
    fn context(&self) -> Context {
        Context::Help
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        if command == Some(Command::Close) {
            return Step::Close;
        }
        let view = rect(app).height.saturating_sub(2) as usize;
        let content = lines(app, &Theme::plain()).len();
        self.scroll.apply(command, content, view);
        Step::Stay
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let rect = rect(app);
        let lines = lines(app, theme);
        let at = self
            .scroll
            .at(lines.len(), rect.height.saturating_sub(2) as usize);
        let close = app.key(Context::Help, Command::Close);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines)
                .block(popup(&format!("help: every key ({close} closes)"), theme))
                .scroll((at, 0)),
            rect,
        );
    }
}
