//! Copying text for the analyst: OSC 52 to the terminal, and inside tmux also into tmux's
//! paste buffer (tmux's default `set-clipboard external` drops an application's OSC 52).
//! It says only what was actually done.

use super::app::Level;
use std::io::Write;
use std::process::{Command, Stdio};

/// Copies `text`; returns what to tell the analyst.
pub fn copy(text: &str) -> (Level, String) {
    let osc = super::terminal::copy_osc52(text).is_ok();
    let shown = crate::text::safe_line(text);
    if std::env::var_os("TMUX").is_some_and(|v| !v.is_empty()) {
        return match tmux_load_buffer(text) {
            Ok(()) => (
                Level::Info,
                format!(
                    "copied {shown} to tmux's paste buffer (prefix ] pastes it; tmux passes it to the system clipboard when set-clipboard is on)"
                ),
            ),
            Err(why) => (
                Level::Warn,
                format!(
                    "could not copy {shown} into tmux ({why}); `tmux set -g set-clipboard on` lets the terminal's clipboard take it"
                ),
            ),
        };
    }
    if osc {
        (
            Level::Info,
            format!(
                "sent {shown} to the terminal's clipboard (OSC 52); if it does not arrive, allow clipboard access in the terminal's settings"
            ),
        )
    } else {
        (
            Level::Warn,
            format!("could not copy {shown}: the terminal could not be written to"),
        )
    }
}

/// `tmux load-buffer -w -` (also to the outer clipboard), falling back to a plain
/// `load-buffer -` for tmux before 3.2.
fn tmux_load_buffer(text: &str) -> Result<(), String> {
    let run = |args: &[&str]| -> Result<(), String> {
        let mut child = Command::new("tmux")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("tmux: {e}"))?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(text.as_bytes())
                .map_err(|e| format!("tmux: {e}"))?;
        }
        let out = child.wait_with_output().map_err(|e| format!("tmux: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
        }
    };
    run(&["load-buffer", "-w", "-"]).or_else(|_| run(&["load-buffer", "-"]))
}
