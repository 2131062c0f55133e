//! The outbox: every email with its kind, recipient, time and state; Enter opens one, `r`
//! retries a failed or waiting one.

use super::{Panel, Step, list_box, move_cursor, popup, short_when};
use crate::domain::OutboxStatus;
use crate::text::{fit, safe_line};
use crate::tui::app::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::{DbRequest, Write};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

#[derive(Default)]
pub struct Outbox {
    cursor: usize,
}

impl Panel for Outbox {
    fn context(&self) -> Context {
        Context::Outbox
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let list = app.outbox().clone();
        match command {
            Some(Command::Close) => Step::Close,
            Some(Command::Accept) => match list.get(self.cursor) {
                Some(e) => Step::Act(vec![Action::Db(DbRequest::ShowEmail(e.id))]),
                None => Step::Stay,
            },
            Some(Command::Retry) if app.refuse_write("retry email") => Step::Stay,
            Some(Command::Retry) => match list.get(self.cursor) {
                Some(e) if e.status == OutboxStatus::Sent => {
                    app.say(
                        Level::Warn,
                        format!("email {} was sent; it is never sent twice", e.id),
                    );
                    Step::Stay
                }
                // Sent to an address that bounced: sending it again would bounce again.
                Some(e) if e.status == OutboxStatus::Bounced => {
                    app.say(
                        Level::Warn,
                        format!(
                            "email {} bounced; correct the address (import {} with it), then `oin-review mail send {}`",
                            e.id,
                            safe_line(&e.submission_id),
                            safe_line(&e.submission_id)
                        ),
                    );
                    Step::Stay
                }
                Some(e) => Step::Act(vec![Action::write(Write::RetryEmail(e.id))]),
                None => Step::Stay,
            },
            Some(Command::CancelEmail) if app.refuse_write("cancel email") => Step::Stay,
            Some(Command::CancelEmail) => match list.get(self.cursor) {
                Some(e) if matches!(e.status, OutboxStatus::Sent | OutboxStatus::Bounced) => {
                    app.say(
                        Level::Warn,
                        format!("email {} was sent; it cannot be taken back", e.id),
                    );
                    Step::Stay
                }
                Some(e) if e.status == OutboxStatus::Cancelled => {
                    app.say(Level::Info, format!("email {} is already cancelled", e.id));
                    Step::Stay
                }
                Some(e) => Step::Act(vec![Action::write(Write::CancelEmail(e.id))]),
                None => Step::Stay,
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
        let inner_h = rect.height.saturating_sub(3) as usize;
        let when = |t: jiff::Timestamp| short_when(app, t);
        let mut lines = vec![Line::from(Span::styled(
            fit(
                " status    id     when         kind          submission      to",
                width,
            ),
            theme.dim,
        ))];
        if app.outbox().is_empty() {
            lines.push(Line::from(Span::styled(" the outbox is empty", theme.dim)));
        }
        let start = self.cursor.saturating_sub(inner_h.saturating_sub(1) / 2);
        for (i, e) in app
            .outbox()
            .iter()
            .enumerate()
            .skip(start)
            .take(inner_h / 2 + 1)
        {
            let (label, st) = match e.status {
                OutboxStatus::Sent => ("sent", theme.ok),
                OutboxStatus::Failed => ("FAILED", theme.error),
                OutboxStatus::Sending => ("sending", theme.warn),
                OutboxStatus::Queued => ("queued", theme.warn),
                OutboxStatus::Cancelled => ("cancelled", theme.dim),
                OutboxStatus::Bounced => ("BOUNCED", theme.error),
            };
            let row = if i == self.cursor {
                theme.selection
            } else {
                theme.text
            };
            let head = format!(
                "{:<6} {:<12} {:<13} {:<15} {}",
                e.id,
                when(e.sent_at.unwrap_or(e.queued_at)),
                e.kind.short(),
                safe_line(&e.submission_id),
                safe_line(&e.recipients.join(", ")),
            );
            lines.push(Line::from(vec![
                Span::styled(format!(" {label:<9} "), st),
                Span::styled(fit(&head, width.saturating_sub(11)), row),
            ]));
            let detail = match (&e.last_error, &e.server_reply) {
                _ if e.status == OutboxStatus::Bounced => format!(
                    "{} · bounced: {}",
                    e.subject,
                    safe_line(e.bounce.as_deref().unwrap_or("no reason given"))
                ),
                _ if e.status == OutboxStatus::Cancelled => format!(
                    "cancelled {} by {} · {}",
                    e.cancelled_at.map(&when).unwrap_or_default(),
                    e.cancelled_by.as_deref().unwrap_or("someone"),
                    e.subject
                ),
                (Some(err), _) if e.status != OutboxStatus::Sent => format!(
                    "{} · tries {} · next {} · {err}",
                    e.subject,
                    e.attempts,
                    when(e.next_attempt_at)
                ),
                (_, Some(reply)) => format!("{} · {reply}", e.subject),
                _ => e.subject.clone(),
            };
            lines.push(Line::from(Span::styled(
                fit(&format!("           {detail}"), width),
                theme.dim,
            )));
        }
        let k = |c| app.key(Context::Outbox, c);
        let title = format!(
            "outbox ({} opens, {} retries, {} cancels, {} closes)",
            k(Command::Accept),
            k(Command::Retry),
            k(Command::CancelEmail),
            k(Command::Close)
        );
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup(&title, theme)), rect);
    }
}
