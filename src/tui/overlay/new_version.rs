//! Asking before a new version of a published integration is made: what it will be (a draft
//! linked to the published one, which stays live until the new version is published), then
//! `y` makes it.

use super::{Panel, Step, draw_said};
use crate::domain::{QueueLine, ReviewState};
use crate::text::safe_line;
use crate::tui::app::{Action, App, Level};
use crate::tui::keymap::{Command, Context};
use crate::tui::theme::Theme;
use crate::tui::worker::Write;
use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::style::Style;

pub struct ConfirmNewVersion {
    id: String,
    app_name: String,
}

impl ConfirmNewVersion {
    /// The question for the selected line, or why it has no new version to make.
    pub fn for_line(line: &QueueLine) -> Result<ConfirmNewVersion, String> {
        let id = safe_line(line.id());
        if line.state != ReviewState::Published {
            return Err(format!(
                "{id} is in {}, not published: only a published integration gets a new version",
                line.state.manager_name()
            ));
        }
        if line.superseded {
            return Err(format!(
                "{id} was replaced by a newer version: make the new version from that one (versions:{id} finds it)"
            ));
        }
        Ok(ConfirmNewVersion {
            id: line.id().to_string(),
            app_name: line.app_name().to_string(),
        })
    }
}

impl Panel for ConfirmNewVersion {
    fn context(&self) -> Context {
        Context::Confirm
    }

    fn on_key(&mut self, _key: &KeyEvent, command: Option<Command>, app: &mut App) -> Step {
        match command {
            Some(Command::Yes) if app.refuse_write("new version") => Step::Close,
            Some(Command::Yes) => {
                app.say(
                    Level::Info,
                    format!("making the new version of {}…", safe_line(&self.id)),
                );
                Step::Done(vec![Action::write(Write::NewVersion {
                    id: self.id.clone(),
                })])
            }
            Some(Command::No) => {
                app.say(Level::Info, "no new version: nothing changed");
                Step::Close
            }
            _ => Step::Stay,
        }
    }

    fn draw(&self, frame: &mut Frame, app: &App, theme: &Theme) {
        let id = safe_line(&self.id);
        let said: Vec<(String, Style)> = vec![
            (
                format!(
                    " Edit {id} ({}) as a new version?",
                    safe_line(&self.app_name)
                ),
                theme.header,
            ),
            (
                format!(
                    " It is a draft of its own ({id}-v2, or the next free number), an update linked to {id}: it needs the published version's tests too, and the update rules apply."
                ),
                theme.text,
            ),
            (
                format!(
                    " {id} stays published and live until the new version is published, which then replaces it (001)."
                ),
                theme.text,
            ),
            (
                format!(
                    " {}: make it   {}: cancel",
                    app.key(Context::Confirm, Command::Yes),
                    app.key(Context::Confirm, Command::No)
                ),
                theme.accent,
            ),
        ];
        draw_said(frame, &said, 80, "new version", theme);
    }
}
