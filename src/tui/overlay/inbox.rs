//! The unmatched mail: messages fetched that no submission claimed. Enter reads one; `a`
//! attaches it to the submission that was selected in the queue when the inbox opened
//! (pinned: a reload or a colleague's change never retargets it).

use super::{Panel, Step, TextView, list_box, move_cursor, popup, short_when};
use crate::text::{fit, safe_line};
use crate::tui::app::{Action, App};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

pub struct Inbox {
    cursor: usize,
    /// The submission `a` attaches to: the one selected when the inbox opened.
    target: Option<(String, String)>,
}

impl Inbox {
    pub fn new(app: &App) -> Inbox {
        Inbox {
            cursor: 0,
            target: app
                .selected_row()
                .map(|r| (r.id().to_string(), r.app_name().to_string())),
        }
    }
}

impl Panel for Inbox {
    fn context(&self) -> Context {
        Context::Inbox
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let list = app.unmatched().clone();
        match command {
            Some(Command::Close) => Step::Close,
            Some(Command::Accept) => match list.get(self.cursor) {
                Some(r) => {
                    let mut text = vec![
                        format!("from     {}", safe_line(&r.sender)),
                        format!("subject  {}", safe_line(&r.subject)),
                        format!("received {}", r.received_at),
                        String::new(),
                    ];
                    text.extend(r.text.lines().map(safe_line));
                    if !r.folded.is_empty() {
                        text.push("┄ folded ┄".into());
                        text.extend(r.folded.lines().map(safe_line));
                    }
                    text.extend(
                        r.warnings
                            .iter()
                            .map(|w| format!("warning: {}", safe_line(w))),
                    );
                    Step::Push(TextView::new(format!("message {}", r.id), text).into())
                }
                None => Step::Stay,
            },
            Some(Command::Attach) if app.refuse_write("attach a message") => Step::Stay,
            Some(Command::Attach) => match (list.get(self.cursor), &self.target) {
                (Some(r), Some((id, _))) => Step::Act(vec![Action::write(Write::AttachReply {
                    message: r.id,
                    id: id.clone(),
                })]),
                (Some(_), None) => {
                    app.say(
                        crate::tui::app::Level::Warn,
                        "select the submission in the queue first, then open the inbox",
                    );
                    Step::Stay
                }
                (None, _) => Step::Stay,
            },
            c => {
                move_cursor(&mut self.cursor, c, list.len(), 10);
                Step::Stay
            }
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let area = frame.area();
        let rect = list_box(area);
        let width = rect.width.saturating_sub(2) as usize;
        let when = |t: jiff::Timestamp| short_when(app, t);
        let to = match &self.target {
            Some((id, name)) => format!(
                " {} attaches the highlighted message to {} {}",
                app.key(Context::Inbox, Command::Attach),
                safe_line(id),
                safe_line(name)
            ),
            None => " select a submission in the queue first to attach to it".to_string(),
        };
        let mut lines = vec![Line::from(Span::styled(fit(&to, width), theme.accent))];
        if let Some(how) = app.fetching() {
            lines.push(Line::from(Span::styled(
                fit(&format!(" replies: {}", safe_line(how)), width),
                theme.dim,
            )));
        }
        // What the border and the lines above leave for the messages, two lines each.
        let inner_h = (rect.height.saturating_sub(2) as usize).saturating_sub(lines.len());
        if app.unmatched().is_empty() {
            lines.push(Line::from(Span::styled(
                " no unmatched messages",
                theme.dim,
            )));
        }
        let start = self.cursor.saturating_sub(inner_h.saturating_sub(1) / 2);
        for (i, r) in app
            .unmatched()
            .iter()
            .enumerate()
            .skip(start)
            .take(inner_h / 2 + 1)
        {
            let row = if i == self.cursor {
                theme.selection
            } else {
                theme.text
            };
            let head = format!(
                " {:<6} {:<12} {:<10} {}  {}",
                r.id,
                when(r.received_at),
                r.kind.key(),
                safe_line(&r.sender),
                safe_line(&r.subject)
            );
            lines.push(Line::from(Span::styled(fit(&head, width), row)));
            let first = r.text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            lines.push(Line::from(Span::styled(
                fit(&format!("        {}", safe_line(first)), width),
                theme.dim,
            )));
        }
        let k = |c| app.key(Context::Inbox, c);
        let title = format!(
            "unmatched mail: {} ({} reads, {} attaches, {} closes)",
            app.unmatched().len(),
            k(Command::Accept),
            k(Command::Attach),
            k(Command::Close)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
    }
}
