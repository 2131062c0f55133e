//! Editing text in the analyst's editor, like `git commit`: $VISUAL, else $EDITOR, else vi.

use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::process::Command;

/// The editor command line to run.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".into())
}

/// Writes `text` to a file in a private folder of its own (0700, an unguessable name,
/// created exclusively: on a shared host nobody else can pre-create, read or replace it),
/// runs the editor on it (through `sh`, so `EDITOR="code --wait"` works) and returns what
/// was saved. The folder is removed afterwards.
pub fn edit(text: &str, name_hint: &str) -> std::io::Result<String> {
    let dir = tempfile::Builder::new().prefix("oin-review-").tempdir()?;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
    let safe = crate::text::file_safe(name_hint);
    let path = dir.path().join(format!("{safe}.txt"));
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)?;
        f.write_all(text.as_bytes())?;
    }
    let editor = editor_command();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("oin-review-editor")
        .arg(&path)
        .status();
    let result = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&path),
        Ok(s) => Err(std::io::Error::other(format!(
            "the editor ({editor}) exited with {s}; nothing was changed"
        ))),
        Err(e) => Err(std::io::Error::other(format!(
            "could not run the editor ({editor}): {e}; set $VISUAL or $EDITOR"
        ))),
    };
    drop(dir); // removes the folder and the file
    result
}
