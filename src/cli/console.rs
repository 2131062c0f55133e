//! `oin-review` with no subcommand: the full-screen console on the queue.

use super::Ctx;
use crate::config::StateNames;
use crate::tui::{self, keymap::Keymap, theme::Theme};
use anyhow::{Result, anyhow, bail};
use std::io::IsTerminal;
use std::process::ExitCode;

/// Whether both ends of the console are a terminal.
pub fn has_terminal() -> bool {
    std::io::stdout().is_terminal() && std::io::stdin().is_terminal()
}

/// The theme in force: `--theme`, then the config's `theme`; without either, `NO_COLOR`
/// (set and not empty) gives mono, else dark. An explicit choice beats the environment
/// (no-color.org: user-level configuration overrides it).
pub fn pick_theme(flag: Option<&str>, config: Option<&str>) -> Result<Theme> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let name = match flag.or(config) {
        Some(name) => name,
        None if no_color => "mono",
        None => "dark",
    };
    Theme::load(name).map_err(|e| anyhow!("theme: {e}"))
}

/// What would stop the console from opening: the theme and the key bindings.
pub fn settings_problems(ctx: &Ctx) -> Vec<String> {
    let mut problems = Vec::new();
    if let Err(e) = pick_theme(ctx.theme.as_deref(), ctx.config.theme.as_deref()) {
        problems.push(e.to_string());
    }
    if let Err(e) = Keymap::with_overrides(&ctx.config.keys, |k| ctx.config.line_of(k)) {
        problems.push(format!("{}: {e}", ctx.config.path.display()));
    }
    if let Err(e) = ctx.config.views() {
        problems.push(e.to_string());
    }
    problems
}

pub fn run(ctx: &Ctx, workflow: crate::workflow::Workflow) -> Result<ExitCode> {
    if !ctx.config.console_problems.is_empty() {
        bail!(
            "the console's settings need fixing first (every other command leaves them out):\n  {}",
            ctx.config.console_problems.join("\n  ")
        );
    }
    if !has_terminal() {
        bail!(
            "the console needs a terminal (stdout or stdin is not a TTY); for scripts use the \
             subcommands: list, show, move, export (see oin-review --help)"
        );
    }
    let theme = pick_theme(ctx.theme.as_deref(), ctx.config.theme.as_deref())?;
    let keymap = Keymap::with_overrides(&ctx.config.keys, |k| ctx.config.line_of(k))
        .map_err(|e| anyhow!("{}: {e}", ctx.config.path.display()))?;
    tui::run(tui::Launch {
        workflow,
        policy: ctx.policy.clone(),
        keymap,
        theme,
        analyst: ctx.analyst.clone(),
        mouse: ctx.config.mouse,
        wizard_names: ctx.config.state_names == Some(StateNames::Wizard),
        mail: ctx.config.mail.clone(),
        mail_dir: crate::config::data_dir()?.join("outbox-files"),
        as_of: ctx.as_of,
        views: ctx.config.views()?,
    })?;
    Ok(ExitCode::SUCCESS)
}
