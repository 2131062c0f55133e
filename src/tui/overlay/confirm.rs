//! Asking before a planned move runs: the count, what stops the others (a rule, a gate, a
//! colleague's change) and the items claimed by others, all from the plan it commits.

use super::{Panel, Step, draw_said};
use crate::domain::ReviewState;
use crate::text::safe_line;
use crate::tui::app::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::{DbRequest, PlanAsk, Write};
use crate::workflow::{MoveRefused, Plan};
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::style::Style;
use std::sync::Arc;

pub struct Confirm {
    plan: Arc<Plan>,
}

impl Confirm {
    /// The confirmation of a planned move without email: it commits exactly this plan.
    pub fn new(plan: Arc<Plan>) -> Confirm {
        Confirm { plan }
    }

    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }

    /// The same overlay showing a plan made again (a reload, an override switched).
    pub fn replan(&mut self, plan: Arc<Plan>) {
        self.plan = plan;
    }

    fn to(&self) -> Option<ReviewState> {
        self.plan.move_to()
    }

    fn overriding(&self) -> bool {
        self.plan.ask().is_some_and(|a| a.force)
    }
}

/// Up to four ids, then how many more.
fn some_ids(ids: &[String]) -> String {
    let mut s = ids
        .iter()
        .take(4)
        .map(|i| safe_line(i))
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > 4 {
        s.push_str(&format!(" and {} more", ids.len() - 4));
    }
    s
}

impl Panel for Confirm {
    fn context(&self) -> Context {
        Context::Confirm
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        let to = self.to().map(|t| t.manager_name()).unwrap_or_default();
        match command {
            Some(Command::Yes) if app.refuse_write("move submissions") => Step::Close,
            Some(Command::Yes) => {
                let n = self.plan.going().count();
                if n == 0 {
                    app.say(Level::Warn, "nothing moved: no item can make this move now");
                    return Step::Close;
                }
                app.say(Level::Info, format!("moving {n} submission(s) to {to}…"));
                // Exactly the plan shown: its items at the versions planned. An override is
                // the CLI's `--force --reason`: every event records the blockers it passed.
                Step::Done(vec![Action::write(Write::Commit(self.plan.clone()))])
            }
            Some(Command::No) => {
                app.say(Level::Info, "move cancelled: nothing changed");
                Step::Close
            }
            Some(Command::Override) if self.plan.gated().is_empty() && !self.overriding() => {
                app.say(Level::Warn, "no gate stops these items: y moves them");
                Step::Stay
            }
            Some(Command::Override)
                if self
                    .plan
                    .ask()
                    .is_some_and(|a| a.checked_reason().ok().flatten().is_none()) =>
            {
                app.say(
                    Level::Warn,
                    "an override needs a reason, kept in the audit log: n, then move again and give one",
                );
                Step::Stay
            }
            Some(Command::Override) => {
                let Some(ask) = PlanAsk::again(&self.plan, Some(!self.overriding())) else {
                    return Step::Stay;
                };
                app.say(
                    Level::Info,
                    if self.overriding() {
                        "planning again without the override…"
                    } else {
                        "planning again with the gate overridden…"
                    },
                );
                Step::Act(vec![Action::Db(DbRequest::Plan { ask, again: true })])
            }
            _ => Step::Stay,
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let plan = &self.plan;
        let to = self.to().map(|t| t.manager_name()).unwrap_or_default();
        let going = plan.going().count();
        let mut said: Vec<(String, Style)> = vec![(
            format!(
                " Move {going} of {} submission(s) to {to}?",
                plan.items.len()
            ),
            theme.header,
        )];
        let mut rule = Vec::new();
        let mut gated = Vec::new();
        let mut other = Vec::new();
        for (item, why) in plan.stopped() {
            let id = safe_line(&item.item.id);
            match why {
                MoveRefused::Rule(_) => rule.push(id),
                MoveRefused::Blocked(b) => gated.push((id, b.len())),
                why => other.push(format!(" {id}: {why}; not moved.")),
            }
        }
        for line in other.iter().take(4) {
            said.push((line.clone(), theme.warn));
        }
        if other.len() > 4 {
            said.push((
                format!(
                    " {} more changed since you looked: not moved.",
                    other.len() - 4
                ),
                theme.warn,
            ));
        }
        if !rule.is_empty() {
            said.push((
                format!(
                    " {} cannot make this move from their state ({}): not moved.",
                    rule.len(),
                    some_ids(&rule)
                ),
                theme.warn,
            ));
        }
        let overrides = plan.overrides();
        if !overrides.is_empty() {
            said.push((
                " Overriding the gate (recorded with your reason, as `move --force --reason`):"
                    .to_string(),
                theme.error,
            ));
            for (id, blockers) in overrides.iter().take(6) {
                let keys: Vec<&str> = blockers.iter().map(|b| b.key.as_str()).collect();
                said.push((
                    format!("   {}: {}", safe_line(id), keys.join(", ")),
                    theme.error,
                ));
            }
        }
        if !gated.is_empty() {
            let names: Vec<String> = gated
                .iter()
                .take(4)
                .map(|(id, b)| format!("{id} ({b} blocker{})", if *b == 1 { "" } else { "s" }))
                .collect();
            said.push((
                format!(
                    " A gate stops {}, not moved: {}{} ({} shows the issue list).",
                    gated.len(),
                    names.join(", "),
                    if gated.len() > 4 { ", …" } else { "" },
                    app.key(Context::Queue, Command::Findings)
                ),
                theme.error,
            ));
        }
        for (who, ids) in plan.claimed() {
            said.push((
                format!(
                    " Claimed by {}: {} (the audit log will say you moved them).",
                    safe_line(&who),
                    some_ids(&ids)
                ),
                theme.warn,
            ));
        }
        if let Some(r) = plan.ask().and_then(|a| a.reason.as_deref()) {
            said.push((format!(" reason: {}", safe_line(r)), theme.dim));
        }
        said.push((
            format!(
                " {}: move   {}: cancel{}",
                app.key(Context::Confirm, Command::Yes),
                app.key(Context::Confirm, Command::No),
                match (gated.is_empty(), self.overriding()) {
                    (_, true) => format!(
                        "   {}: do not override",
                        app.key(Context::Confirm, Command::Override)
                    ),
                    (true, false) => String::new(),
                    (false, false) => format!(
                        "   {}: override the gate for them",
                        app.key(Context::Confirm, Command::Override)
                    ),
                }
            ),
            theme.accent,
        ));
        draw_said(frame, &said, 76, "confirm", theme);
    }
}
