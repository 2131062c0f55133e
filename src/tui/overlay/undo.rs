//! Asking before an undo runs: the batch it takes back, where each item goes, and what
//! becomes of each email the batch queued (cancelled, maybe sent, or already sent: then a
//! correction is offered after), from the undo's plan, which `y` commits.

use super::{Panel, Step, draw_said};
use crate::text::safe_line;
use crate::tui::app::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crate::workflow::UndoReport;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::style::Style;
use std::sync::Arc;

pub struct ConfirmUndo {
    plan: Arc<UndoReport>,
}

impl ConfirmUndo {
    pub fn new(plan: Arc<UndoReport>) -> ConfirmUndo {
        ConfirmUndo { plan }
    }

    pub fn plan(&self) -> &Arc<UndoReport> {
        &self.plan
    }
}

impl Panel for ConfirmUndo {
    fn context(&self) -> Context {
        Context::Confirm
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        match command {
            Some(Command::Yes) if app.refuse_write("undo") => Step::Close,
            Some(Command::Yes) => {
                app.say(Level::Info, "undoing your last batch…");
                Step::Done(vec![Action::write(Write::Undo(self.plan.clone()))])
            }
            Some(Command::No) => {
                app.say(Level::Info, "undo cancelled: nothing changed");
                Step::Close
            }
            _ => Step::Stay,
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let plan = &self.plan;
        let tz = app.policy().sla.calendar.time_zone().clone();
        let back = plan.outcomes.iter().filter(|o| o.result.is_ok()).count();
        let mut said: Vec<(String, Style)> = vec![(
            format!(
                " Undo your last batch: {back} of {} back from {}?",
                plan.outcomes.len(),
                plan.to.map(|s| s.manager_name()).unwrap_or_default()
            ),
            theme.header,
        )];
        for o in plan.outcomes.iter().take(8) {
            let id = safe_line(&o.id);
            match &o.result {
                Ok(state) => said.push((
                    format!(" {id}: back to {}", state.manager_name()),
                    theme.text,
                )),
                Err(why) => {
                    said.push((format!(" {id}: not undone: {}", safe_line(why)), theme.warn))
                }
            }
            for e in &o.emails {
                let style = match e {
                    crate::workflow::EmailUndo::Cancelled { .. } => theme.dim,
                    _ => theme.warn,
                };
                said.push((
                    format!(
                        "   {}",
                        crate::workflow::email_undo_line(e, plan.to, &tz)
                            .replace("was already sent", "was sent")
                    ),
                    style,
                ));
            }
        }
        if plan.outcomes.len() > 8 {
            said.push((format!(" and {} more", plan.outcomes.len() - 8), theme.dim));
        }
        said.push((
            format!(
                " {}: undo   {}: cancel",
                app.key(Context::Confirm, Command::Yes),
                app.key(Context::Confirm, Command::No)
            ),
            theme.accent,
        ));
        draw_said(frame, &said, 90, "undo", theme);
    }
}
