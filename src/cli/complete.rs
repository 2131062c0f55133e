//! Shell completion, answered by the binary itself (clap_complete's dynamic engine): the
//! shell calls `COMPLETE=<shell> oin-review -- <words>` on every TAB, so subcommands,
//! options and the values of states, sorts, formats and shells come from the same
//! definitions as `--help`, and submission ids and analysts come from the queue.
//!
//! `oin-review completions SHELL` prints the shell's side of that conversation.

use crate::config::{self, Config};
use crate::workflow::OpenOptions;
use crate::workflow::{MailSetup, Workflow};
use clap::CommandFactory;
use clap_complete::engine::CompletionCandidate;
use clap_complete::env::EnvCompleter;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;
use std::sync::Arc;

/// The shells `completions` writes a script for (clap_complete's list).
pub use clap_complete::Shell;

/// The environment variable that asks for completions (clap_complete's convention).
pub const VAR: &str = "COMPLETE";

/// At most this many ids are offered for one TAB (a queue holds 100 000).
const IDS_OFFERED: usize = 200;

/// Answers a completion request and exits, when the shell made one; else returns.
pub fn answer_if_asked() {
    clap_complete::CompleteEnv::with_factory(super::Cli::command)
        .var(VAR)
        .complete();
}

/// The registration script for `shell`: it calls back `completer` (this binary).
pub fn registration(shell: clap_complete::Shell, completer: &str) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let name = "oin-review";
    let adapter: &dyn EnvCompleter = match shell {
        clap_complete::Shell::Bash => &clap_complete::env::Bash,
        clap_complete::Shell::Zsh => &clap_complete::env::Zsh,
        clap_complete::Shell::Fish => &clap_complete::env::Fish,
        clap_complete::Shell::Elvish => &clap_complete::env::Elvish,
        clap_complete::Shell::PowerShell => &clap_complete::env::Powershell,
        _ => return Err(std::io::Error::other("no completion for this shell")),
    };
    adapter.write_registration(VAR, name, name, completer, &mut buf)?;
    Ok(buf)
}

/// What completes an argument that takes submission ids: [`ids`], from the queue.
pub fn id_values() -> clap_complete::ArgValueCompleter {
    clap_complete::ArgValueCompleter::new(ids)
}

/// What completes an argument that takes an analyst: [`analysts`].
pub fn analyst_values() -> clap_complete::ArgValueCandidates {
    clap_complete::ArgValueCandidates::new(analysts)
}

/// Submission ids that start with what is typed (any case), each with its app and state.
pub fn ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some(wf) = queue() else {
        return Vec::new();
    };
    let typed = current.to_string_lossy();
    wf.ids_starting_with(&typed, IDS_OFFERED)
        .unwrap_or_default()
        .into_iter()
        .map(|(id, app, state)| {
            let help = crate::text::safe_line(&format!("{app} ({state})"));
            CompletionCandidate::new(crate::text::safe_line(&id)).help(Some(help.into()))
        })
        .collect()
}

/// The analysts of the team (the config's, the queue group's and whoever acted), and
/// `none`, which clears an assignment.
pub fn analysts() -> Vec<CompletionCandidate> {
    let mut names: Vec<CompletionCandidate> = queue()
        .and_then(|wf| wf.team().ok())
        .unwrap_or_default()
        .into_iter()
        .map(CompletionCandidate::new)
        .collect();
    names.push(CompletionCandidate::new("none").help(Some("clear the assignment".into())));
    names
}

/// The queue the completed command line names (its `--db`), else the usual one; nothing
/// when there is none or it cannot be read (a completion never says an error).
fn queue() -> Option<Workflow> {
    let config = Config::load().ok()?;
    let words: Vec<OsString> = std::env::args_os().skip_while(|w| w != "--").collect();
    let flag = db_flag(&words);
    let path = config::resolve_db(flag.as_deref(), &config).ok()?;
    let options = OpenOptions {
        create: false,
        group: None,
        policy: None,
        progress: false,
    };
    let policy = Arc::new(config::load_policy().ok()?);
    let mail = Arc::new(MailSetup::load(config.mail.clone()));
    let wf = Workflow::open(&path, &options, policy, mail).ok()?;
    Some(wf.with_team(config.team.analysts.clone()))
}

/// `--db PATH` or `--db=PATH` among the words typed so far.
fn db_flag(words: &[OsString]) -> Option<PathBuf> {
    let mut found = None;
    let mut it = words.iter();
    while let Some(w) = it.next() {
        let w = w.to_string_lossy();
        if w == "--db" {
            found = it.next().map(PathBuf::from);
        } else if let Some(path) = w.strip_prefix("--db=") {
            found = Some(PathBuf::from(path));
        }
    }
    found
}
