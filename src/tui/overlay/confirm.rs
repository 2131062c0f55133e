//! Asking before a batch runs: the count, the items a gate stops and those claimed by others.

use super::{Panel, Step, centered, popup, wrap};
use crate::domain::ReviewState;
use crate::text::safe_line;
use crate::tui::app::{Action, App, Level, Pinned};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crate::workflow::MoveAsk;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::style::Style;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

pub struct Confirm {
    to: ReviewState,
    reason: Option<String>,
    pinned: Pinned,
    /// The analyst chose to override the gate for the items it stops (`o`).
    overriding: bool,
}

impl Confirm {
    pub fn new(to: ReviewState, reason: Option<String>, pinned: Pinned) -> Confirm {
        Confirm {
            to,
            reason,
            pinned,
            overriding: false,
        }
    }

    /// The items a gate stops, with the open blockers each has (as the console read them).
    fn stopped(&self, app: &App) -> Vec<(String, Vec<crate::domain::Blocker>)> {
        let ids: Vec<String> = app
            .move_choices(&self.pinned)
            .into_iter()
            .find(|c| c.to == self.to)
            .map(|c| c.stopped.into_iter().map(|(id, _)| id).collect())
            .unwrap_or_default();
        ids.into_iter()
            .map(|id| {
                let blockers = app
                    .opened(&id)
                    .map(|o| {
                        crate::domain::open_blockers(&o.review(app.policy(), app.now()).issues)
                    })
                    .unwrap_or_default();
                (id, blockers)
            })
            .collect()
    }

    pub fn pinned(&self) -> &Pinned {
        &self.pinned
    }

    /// The items the move is for, as shown: pinned, still as the analyst saw them, able to
    /// make this move and not stopped by a gate (one not read yet is checked at the move).
    fn planned(&self, app: &App) -> Vec<crate::store::MoveItem> {
        let stopped: Vec<String> = app
            .move_choices(&self.pinned)
            .into_iter()
            .find(|c| c.to == self.to)
            .map(|c| c.stopped.into_iter().map(|(id, _)| id).collect())
            .unwrap_or_default();
        self.pinned
            .lines()
            .iter()
            .filter(|r| app.unchanged(r.id(), Some(r.version)))
            .filter(|r| r.state.can_move_to(self.to))
            .filter(|r| self.overriding || !stopped.iter().any(|s| s == r.id()))
            .map(crate::tui::queue_state::seen_item)
            .collect()
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
        match command {
            Some(Command::Yes) => {
                let items = self.planned(app);
                if items.is_empty() {
                    app.say(Level::Warn, "nothing moved: no item can make this move now");
                    return Step::Close;
                }
                app.say(
                    Level::Info,
                    format!(
                        "moving {} submission(s) to {}…",
                        items.len(),
                        self.to.manager_name()
                    ),
                );
                // An override is the CLI's `--force --reason`: every event records the
                // blockers it passed. Only items the transition table allows are here.
                Step::Done(vec![Action::write(Write::Move(MoveAsk {
                    reason: self.reason.clone(),
                    force: self.overriding,
                    ..MoveAsk::new(items, self.to)
                }))])
            }
            Some(Command::No) => {
                app.say(Level::Info, "move cancelled: nothing changed");
                Step::Close
            }
            Some(Command::Override) if self.stopped(app).is_empty() => {
                app.say(Level::Warn, "no gate stops these items: y moves them");
                Step::Stay
            }
            Some(Command::Override) if self.reason.is_none() => {
                app.say(
                    Level::Warn,
                    "an override needs a reason, kept in the audit log: n, then move again and give one",
                );
                Step::Stay
            }
            Some(Command::Override) => {
                self.overriding = !self.overriding;
                Step::Stay
            }
            _ => Step::Stay,
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let changed = app.changed_since_seen(
            self.pinned
                .lines()
                .iter()
                .map(|r| (r.id(), Some(r.version))),
        );
        let n = self.pinned.len() - changed.len();
        let choice = app
            .move_choices(&self.pinned)
            .into_iter()
            .find(|c| c.to == self.to);
        let applies = choice.as_ref().map_or(0, |c| c.applies);
        let stopped = choice.map(|c| c.stopped).unwrap_or_default();
        let moving = if self.overriding {
            applies
        } else {
            applies - stopped.len()
        };
        let mut said: Vec<(String, Style)> = vec![(
            format!(
                " Move {moving} of {} submission(s) to {}?",
                self.pinned.len(),
                self.to.manager_name()
            ),
            theme.header,
        )];
        for c in changed.iter().take(4) {
            said.push((format!(" {c}: not moved."), theme.warn));
        }
        if changed.len() > 4 {
            said.push((
                format!(
                    " {} more changed since you looked: not moved.",
                    changed.len() - 4
                ),
                theme.warn,
            ));
        }
        if applies < n {
            said.push((
                format!(
                    " {} cannot make this move from their state: not moved.",
                    n - applies
                ),
                theme.warn,
            ));
        }
        if self.overriding {
            said.push((
                " Overriding the gate (recorded with your reason, as `move --force --reason`):"
                    .to_string(),
                theme.error,
            ));
            for (id, blockers) in self.stopped(app).iter().take(6) {
                let keys: Vec<&str> = blockers.iter().map(|b| b.key.as_str()).collect();
                said.push((
                    format!("   {}: {}", safe_line(id), keys.join(", ")),
                    theme.error,
                ));
            }
        } else if !stopped.is_empty() {
            let names: Vec<String> = stopped
                .iter()
                .take(4)
                .map(|(id, b)| {
                    format!(
                        "{} ({b} blocker{})",
                        safe_line(id),
                        if *b == 1 { "" } else { "s" }
                    )
                })
                .collect();
            said.push((
                format!(
                    " A gate stops {}, not moved: {}{} ({} shows the issue list).",
                    stopped.len(),
                    names.join(", "),
                    if stopped.len() > 4 { ", …" } else { "" },
                    app.key(Context::Queue, Command::Findings)
                ),
                theme.error,
            ));
        }
        for (who, ids) in app.claimed_by_others(&self.pinned) {
            said.push((
                format!(
                    " Claimed by {}: {} (the audit log will say you moved them).",
                    safe_line(&who),
                    some_ids(&ids)
                ),
                theme.warn,
            ));
        }
        if let Some(r) = &self.reason {
            said.push((format!(" reason: {}", safe_line(r)), theme.dim));
        }
        said.push((
            format!(
                " {}: move   {}: cancel{}",
                app.key(Context::Confirm, Command::Yes),
                app.key(Context::Confirm, Command::No),
                match (stopped.is_empty(), self.overriding) {
                    (true, _) => String::new(),
                    (false, false) => format!(
                        "   {}: override the gate for them",
                        app.key(Context::Confirm, Command::Override)
                    ),
                    (false, true) => format!(
                        "   {}: do not override",
                        app.key(Context::Confirm, Command::Override)
                    ),
                }
            ),
            theme.accent,
        ));
        let width = 76u16.min(frame.area().width.saturating_sub(2));
        let inner = width.saturating_sub(2) as usize;
        let lines: Vec<Line> = said
            .iter()
            .flat_map(|(text, style)| wrap(text, inner, *style))
            .collect();
        let rect = centered(frame.area(), width, lines.len() as u16 + 2);
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines).block(popup("confirm", theme)), rect);
    }
}
