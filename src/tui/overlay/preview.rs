//! The emails a move (or `M`) is about to queue, as they will be sent: the move's items,
//! which get no email and why, and each email's headers and text. It sends, moves without
//! email, or cancels.

use super::{Panel, Scroll, Step, centered, popup, wrap};
use crate::tui::app::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crate::workflow::{MailPreview, MoveAsk};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use std::sync::Arc;

pub struct Preview {
    preview: Arc<MailPreview>,
    scroll: Scroll,
}

impl Preview {
    pub fn new(preview: Arc<MailPreview>) -> Preview {
        Preview {
            preview,
            scroll: Scroll::default(),
        }
    }

    pub fn preview(&self) -> &MailPreview {
        &self.preview
    }

    /// For an issue list without a move: each item OIN still holds, with its state now.
    fn staying(&self, app: &App) -> Vec<(String, crate::domain::ReviewState)> {
        if self.preview.ask.is_some() || self.preview.reminders {
            return Vec::new();
        }
        self.preview
            .emails
            .iter()
            .filter_map(|c| {
                let line = app.queue().line(&c.submission_id)?;
                (line.state.holder() == crate::domain::state::Holder::Oin)
                    .then(|| (crate::text::safe_line(&c.submission_id), line.state))
            })
            .collect()
    }

    /// The one move that hands every email's item to the ISV, when there is one.
    pub fn matching_move(&self, app: &App) -> Option<crate::domain::ReviewState> {
        let staying = self.staying(app);
        let first = staying.first()?.1.issue_list_move()?;
        (staying.len() == self.preview.emails.len()
            && staying
                .iter()
                .all(|(_, s)| s.issue_list_move() == Some(first)))
        .then_some(first)
    }

    fn layout(&self, app: &App, area: Rect, theme: &Theme) -> (Rect, Vec<Line<'static>>) {
        let rect = centered(area, 100, area.height.saturating_sub(2));
        let width = rect.width.saturating_sub(2) as usize;
        let p = &self.preview;
        let k = |c| app.key(Context::Preview, c);
        let mut lines = Vec::new();
        let mut say = |text: String, style| lines.extend(wrap(&text, width, style));
        // A colleague's change since the preview was written: its email and move are off.
        let written: Vec<&str> = p.emails.iter().map(|c| c.submission_id.as_str()).collect();
        let changed = app.changed_since_seen(
            p.items
                .iter()
                .filter(|i| written.contains(&i.id.as_str()))
                .map(|i| (i.id.as_str(), i.expected_version)),
        );
        let sending = p.emails.len() - changed.len();
        let movable = app.still_as_seen(p.movable_items()).len();
        match p.move_to() {
            Some(_) if p.emails.is_empty() => say(
                format!(
                    " nothing to send · {}: move {movable} without email (the audit log says so) · {}: cancel",
                    k(Command::MoveWithoutEmail),
                    k(Command::No)
                ),
                theme.accent,
            ),
            Some(to) => {
                say(
                    format!(
                        " {}: queue {sending} email(s) and move them to {} in one transaction",
                        k(Command::Yes),
                        to.manager_name()
                    ),
                    theme.accent,
                );
                say(
                    format!(
                        " {}: move {movable} without email (the audit log says so) · {}: cancel",
                        k(Command::MoveWithoutEmail),
                        k(Command::No)
                    ),
                    theme.accent,
                );
            }
            None if p.reminders => say(
                format!(
                    " {}: queue {} reminder(s) to the ISVs' escalation contacts · {}: cancel",
                    k(Command::Yes),
                    p.emails.len(),
                    k(Command::No)
                ),
                theme.accent,
            ),
            None => {
                say(
                    format!(
                        " {}: queue {} email(s) · {}: cancel",
                        k(Command::Yes),
                        p.emails.len(),
                        k(Command::No)
                    ),
                    theme.accent,
                );
                // The email tells the ISV to act while OIN's clock keeps running: say so,
                // and offer the move that hands it to them.
                for (id, state) in self.staying(app) {
                    say(
                        format!(
                            " {id} stays in {} with its clock running{}",
                            state.manager_name(),
                            match state.issue_list_move() {
                                Some(to) => format!(
                                    " · {}: move it to {} with this email instead",
                                    k(Command::MoveWithoutEmail),
                                    to.manager_name()
                                ),
                                None => String::new(),
                            }
                        ),
                        theme.warn,
                    );
                }
            }
        }
        if !p.overrides.is_empty() {
            say(
                format!(
                    " Overriding the gate for {} (recorded with your reason, as `move --force --reason`):",
                    p.overrides.len()
                ),
                theme.error,
            );
            for (id, keys) in &p.overrides {
                say(format!("   {id}: {}", keys.join(", ")), theme.error);
            }
        }
        for (id, e) in &p.errors {
            say(format!(" {id}: no email ({e})"), theme.warn);
        }
        if !p.gated.is_empty() && p.ask.as_ref().is_some_and(|a| !a.force) {
            say(
                format!(
                    " {}: override the gate for the {} a gate stops (with the reason you gave)",
                    k(Command::Override),
                    p.gated.len()
                ),
                theme.accent,
            );
        }
        for c in changed {
            say(format!(" {c}: its email will not be sent"), theme.warn);
        }
        for (n, c) in p.emails.iter().enumerate() {
            say(
                format!("── email {} of {} ", n + 1, p.emails.len()),
                theme.title,
            );
            for (i, l) in c.preview().lines().enumerate() {
                let style = if i < 4 && l.contains(": ") {
                    theme.header
                } else {
                    theme.text
                };
                say(l.to_string(), style);
            }
        }
        (rect, lines)
    }
}

impl Panel for Preview {
    fn context(&self) -> Context {
        Context::Preview
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        match command {
            Some(Command::Yes | Command::MoveWithoutEmail)
                if app.refuse_write("send email or move") =>
            {
                Step::Close
            }
            Some(Command::Yes) if self.preview.emails.is_empty() => {
                let moves = app.key(Context::Preview, Command::MoveWithoutEmail);
                let cancel = app.key(Context::Preview, Command::No);
                app.say(
                    Level::Warn,
                    format!("nothing to send: {moves} moves without email, {cancel} cancels"),
                );
                Step::Stay
            }
            Some(Command::Yes) => {
                app.say(
                    Level::Info,
                    format!("queueing {} email(s)…", self.preview.emails.len()),
                );
                Step::Done(vec![Action::write(Write::SendMail(self.preview.clone()))])
            }
            Some(Command::MoveWithoutEmail) if self.preview.ask.is_none() => {
                match self.matching_move(app) {
                    // The same emails with the move that hands the items to the ISV, written
                    // again for the analyst to see before anything is queued.
                    Some(to) => {
                        let items = self.preview.items.clone();
                        app.say(
                            Level::Info,
                            format!("writing the move to {} with its email…", to.manager_name()),
                        );
                        Step::Done(vec![Action::Db(
                            crate::tui::worker::DbRequest::PreviewMail {
                                ask: Some(MoveAsk::new(items.clone(), to)),
                                items,
                            },
                        )])
                    }
                    None => {
                        let send = app.key(Context::Preview, Command::Yes);
                        app.say(
                            Level::Warn,
                            format!("no move goes with this email: {send} sends it"),
                        );
                        Step::Stay
                    }
                }
            }
            Some(Command::MoveWithoutEmail) => {
                let Some(ask) = self.preview.ask.clone() else {
                    let send = app.key(Context::Preview, Command::Yes);
                    app.say(
                        Level::Warn,
                        format!("no move goes with this email: {send} sends it"),
                    );
                    return Step::Stay;
                };
                let items = app.still_as_seen(self.preview.movable_items());
                if items.is_empty() {
                    app.say(Level::Warn, "nothing moved: the move refuses every item");
                    return Step::Close;
                }
                app.say(
                    Level::Info,
                    format!(
                        "moving {} submission(s) to {} without email…",
                        items.len(),
                        ask.to.manager_name()
                    ),
                );
                Step::Done(vec![Action::write(Write::Move(MoveAsk { items, ..ask }))])
            }
            Some(Command::No) => {
                app.say(Level::Info, "not sent: nothing was queued or moved");
                Step::Close
            }
            Some(Command::Override) => {
                let Some(ask) = self
                    .preview
                    .ask
                    .clone()
                    .filter(|_| !self.preview.gated.is_empty())
                else {
                    app.say(Level::Warn, "no gate stops these items");
                    return Step::Stay;
                };
                if ask.force {
                    return Step::Stay;
                }
                if ask.reason.is_none() {
                    app.say(
                        Level::Warn,
                        "an override needs a reason, kept in the audit log: Esc, then move again and give one",
                    );
                    return Step::Stay;
                }
                // Written again with the override, for the analyst to see before y: only the
                // items written for and those a gate stops (a forced move could also pass
                // the transition table; that correction stays the CLI's).
                let p = &self.preview;
                let items: Vec<_> = p
                    .items
                    .iter()
                    .filter(|i| {
                        p.emails.iter().any(|c| c.submission_id == i.id)
                            || p.gated.iter().any(|(id, _)| *id == i.id)
                    })
                    .cloned()
                    .collect();
                app.say(Level::Info, "writing the emails with the gate overridden…");
                Step::Done(vec![Action::Db(
                    crate::tui::worker::DbRequest::PreviewMail {
                        ask: Some(MoveAsk { force: true, ..ask }),
                        items,
                    },
                )])
            }
            c => {
                let (w, h) = app.size();
                let (rect, lines) = self.layout(app, Rect::new(0, 0, w, h), &Theme::plain());
                self.scroll
                    .apply(c, lines.len(), rect.height.saturating_sub(2) as usize);
                Step::Stay
            }
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let (rect, lines) = self.layout(app, frame.area(), theme);
        let at = self
            .scroll
            .at(lines.len(), rect.height.saturating_sub(2) as usize);
        frame.render_widget(Clear, rect);
        frame.render_widget(
            Paragraph::new(lines)
                .block(popup(
                    if self.preview.reminders {
                        "reminders preview"
                    } else {
                        "email preview"
                    },
                    theme,
                ))
                .scroll((at, 0)),
            rect,
        );
    }
}
