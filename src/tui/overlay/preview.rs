//! The emails a move (or `M`) is about to queue, as they will be sent: the move's items,
//! which get no email and why, and each email's headers and text. It sends, moves without
//! email, or cancels.

use super::{Panel, Scroll, Step, centered, popup, wrap};
use crate::tui::app::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::{DbRequest, PlanAsk, Write};
use crate::workflow::{MoveAsk, MoveRefused, Plan, Planned};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};
use std::sync::Arc;

pub struct Preview {
    plan: Arc<Plan>,
    scroll: Scroll,
}

impl Preview {
    pub fn new(plan: Arc<Plan>) -> Preview {
        Preview {
            plan,
            scroll: Scroll::default(),
        }
    }

    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// The same overlay showing a plan made again (a reload, an override switched).
    pub fn replan(&mut self, plan: Arc<Plan>) {
        self.plan = plan;
    }

    /// For issue lists without a move: each item OIN still holds, with its state when
    /// planned.
    fn staying(&self) -> Vec<(String, crate::domain::ReviewState)> {
        if self.plan.what != Planned::IssueLists {
            return Vec::new();
        }
        self.plan
            .going()
            .filter(|i| i.email.is_some())
            .filter_map(|i| {
                let state = i.from?;
                (state.holder() == crate::domain::state::Holder::Oin)
                    .then(|| (crate::text::safe_line(&i.item.id), state))
            })
            .collect()
    }

    /// The one move that hands every email's item to the ISV, when there is one.
    pub fn matching_move(&self) -> Option<crate::domain::ReviewState> {
        let staying = self.staying();
        let first = staying.first()?.1.issue_list_move()?;
        (staying.len() == self.plan.emails().count()
            && staying
                .iter()
                .all(|(_, s)| s.issue_list_move() == Some(first)))
        .then_some(first)
    }

    fn layout(&self, app: &App, area: Rect, theme: &Theme) -> (Rect, Vec<Line<'static>>) {
        let rect = centered(area, 100, area.height.saturating_sub(2));
        let width = rect.width.saturating_sub(2) as usize;
        let p = &self.plan;
        let k = |c| app.key(Context::Preview, c);
        let mut lines = Vec::new();
        let mut say = |text: String, style| lines.extend(wrap(&text, width, style));
        let sending = p.emails().count();
        let movable = p
            .items
            .iter()
            .filter(|i| matches!(i.result, Ok(_) | Err(MoveRefused::NoEmail(_))))
            .count();
        match p.move_to() {
            Some(_) if sending == 0 => say(
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
            None if p.is_reminders() => say(
                format!(
                    " {}: queue {sending} reminder(s) to the ISVs' escalation contacts · {}: cancel",
                    k(Command::Yes),
                    k(Command::No)
                ),
                theme.accent,
            ),
            None => {
                say(
                    format!(
                        " {}: queue {sending} email(s) · {}: cancel",
                        k(Command::Yes),
                        k(Command::No)
                    ),
                    theme.accent,
                );
                // The email tells the ISV to act while OIN's clock keeps running: say so,
                // and offer the move that hands it to them.
                for (id, state) in self.staying() {
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
        let overrides = p.overrides();
        if !overrides.is_empty() {
            say(
                format!(
                    " Overriding the gate for {} (recorded with your reason, as `move --force --reason`):",
                    overrides.len()
                ),
                theme.error,
            );
            for (id, blockers) in &overrides {
                let keys: Vec<&str> = blockers.iter().map(|b| b.key.as_str()).collect();
                say(format!("   {id}: {}", keys.join(", ")), theme.error);
            }
        }
        for (item, why) in p.stopped() {
            let id = crate::text::safe_line(&item.item.id);
            match why {
                MoveRefused::NoEmail(e) => say(format!(" {id}: no email ({e})"), theme.warn),
                MoveRefused::Conflict { .. } => say(
                    format!(" {id}: {why}; its email will not be sent"),
                    theme.warn,
                ),
                why => say(format!(" {id}: no email ({why})"), theme.warn),
            }
        }
        for (who, ids) in p.claimed() {
            say(
                format!(
                    " Claimed by {}: {} (the audit log will say you moved them).",
                    crate::text::safe_line(&who),
                    ids.join(", ")
                ),
                theme.warn,
            );
        }
        let gated = p.gated();
        if !gated.is_empty() && p.ask().is_some_and(|a| !a.force) {
            say(
                format!(
                    " {}: override the gate for the {} a gate stops (with the reason you gave)",
                    k(Command::Override),
                    gated.len()
                ),
                theme.accent,
            );
        }
        let emails: Vec<&crate::workflow::Composed> = p.emails().collect();
        for (n, c) in emails.iter().enumerate() {
            say(
                format!("── email {} of {} ", n + 1, emails.len()),
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
            Some(Command::Yes) if self.plan.emails().next().is_none() => {
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
                    format!("queueing {} email(s)…", self.plan.emails().count()),
                );
                // Exactly the plan shown, each item at the version it was written from.
                Step::Done(vec![Action::write(Write::Commit(self.plan.clone()))])
            }
            Some(Command::MoveWithoutEmail) if self.plan.ask().is_none() => {
                match self.matching_move() {
                    // The same items with the move that hands them to the ISV, planned again
                    // for the analyst to see before anything is queued.
                    Some(to) => {
                        let items = self.plan.going().map(|i| i.item.clone()).collect();
                        app.say(
                            Level::Info,
                            format!("planning the move to {} with its email…", to.manager_name()),
                        );
                        Step::Done(vec![Action::Db(DbRequest::Plan {
                            ask: PlanAsk::Move(MoveAsk {
                                email: true,
                                ..MoveAsk::new(items, to)
                            }),
                            again: false,
                        })])
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
                let Some(PlanAsk::Move(ask)) = PlanAsk::again(&self.plan, None) else {
                    return Step::Stay;
                };
                // Planned again without email, and shown in the confirmation before it runs.
                app.say(
                    Level::Info,
                    format!(
                        "planning the move to {} without email…",
                        ask.to.manager_name()
                    ),
                );
                Step::Done(vec![Action::Db(DbRequest::Plan {
                    ask: PlanAsk::Move(MoveAsk {
                        email: false,
                        ..ask
                    }),
                    again: false,
                })])
            }
            Some(Command::No) => {
                app.say(Level::Info, "not sent: nothing was queued or moved");
                Step::Close
            }
            Some(Command::Override) => {
                let Some(ask) = self.plan.ask().filter(|_| !self.plan.gated().is_empty()) else {
                    app.say(Level::Warn, "no gate stops these items");
                    return Step::Stay;
                };
                if ask.force {
                    return Step::Stay;
                }
                if ask.checked_reason().ok().flatten().is_none() {
                    app.say(
                        Level::Warn,
                        "an override needs a reason, kept in the audit log: Esc, then move again and give one",
                    );
                    return Step::Stay;
                }
                let Some(ask) = PlanAsk::again(&self.plan, Some(true)) else {
                    return Step::Stay;
                };
                app.say(Level::Info, "planning the emails with the gate overridden…");
                Step::Act(vec![Action::Db(DbRequest::Plan { ask, again: true })])
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
                    if self.plan.is_reminders() {
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
