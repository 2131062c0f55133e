//! `oin-review finding ...`: the issue list of a submission, curated by the analyst.

use super::Ctx;
use super::lint::LintFormat;
use crate::domain::findings::{IssueEdit, toggle_edit};
use crate::domain::{Issue, IssueKey, Severity};
use crate::text::safe_line;
use crate::workflow::IssueListEdit;
use anyhow::{Result, bail};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    #[command(subcommand)]
    pub command: FindingCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum FindingCommand {
    /// The issue list: the lint's findings and your own, and which go in the next email.
    List {
        /// The submission's id.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
        #[arg(long, value_enum, default_value = "text")]
        format: LintFormat,
    },
    /// Add your own finding (the sentence the ISV will read).
    Add {
        /// The submission's id.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
        #[arg(long, value_enum, default_value = "warning")]
        severity: SeverityArg,
        /// The text; several words are joined with spaces.
        #[arg(required = true)]
        text: Vec<String>,
    },
    /// Leave a finding out of the next email (a lint finding needs --reason).
    LeaveOut {
        /// The submission's id.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
        /// A rule id (e.g. catalog.display_name_length) or #N for your own finding.
        key: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Put a finding back in the next email.
    Include {
        /// The submission's id.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
        /// A rule id (e.g. catalog.display_name_length) or #N for your own finding.
        #[arg(value_name = "KEY")]
        key: String,
    },
    /// Edit the whole issue list in $VISUAL / $EDITOR.
    Edit {
        /// The submission's id.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SeverityArg {
    Blocker,
    Warning,
}

impl From<SeverityArg> for Severity {
    fn from(s: SeverityArg) -> Severity {
        match s {
            SeverityArg::Blocker => Severity::Blocker,
            SeverityArg::Warning => Severity::Warning,
        }
    }
}

fn key_text(k: &IssueKey) -> String {
    match k {
        IssueKey::Rule(r) => r.clone(),
        IssueKey::Own(id) => format!("#{id}"),
    }
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    let id = match &args.command {
        FindingCommand::List { id, .. }
        | FindingCommand::Add { id, .. }
        | FindingCommand::LeaveOut { id, .. }
        | FindingCommand::Include { id, .. }
        | FindingCommand::Edit { id } => id.clone(),
    };
    let sub = wf
        .submission(&id)
        .map_err(|e| anyhow::anyhow!("finding: {e}"))?;
    let issues: Vec<Issue> = wf.review(&sub, ctx.now)?.issues;
    let find = |key: &str| -> Result<&Issue> {
        issues
            .iter()
            .find(|i| key_text(&i.key) == key)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "finding: {} has no finding \"{}\"; `oin-review finding list {}` shows the keys",
                    safe_line(&id),
                    safe_line(key),
                    safe_line(&id)
                )
            })
    };
    let edits: Vec<IssueEdit> = match args.command {
        FindingCommand::List { format, .. } => {
            let mut out = super::stdout();
            match format {
                LintFormat::Json => {
                    serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &issues)?;
                    writeln!(out)?;
                }
                LintFormat::Text => {
                    if issues.is_empty() {
                        writeln!(out, "{}: no findings", safe_line(&id))?;
                    }
                    for i in &issues {
                        write!(
                            out,
                            "{} {:<7} {:<32} {}",
                            if i.included { "[x]" } else { "[ ]" },
                            i.severity.key(),
                            key_text(&i.key),
                            safe_line(&i.text)
                        )?;
                        if let Some(r) = &i.reason {
                            write!(out, "  (left out: {})", safe_line(r))?;
                        }
                        writeln!(out)?;
                    }
                }
            }
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
        FindingCommand::Add { severity, text, .. } => {
            let text = text.join(" ");
            if text.trim().is_empty() {
                bail!("finding add: the text is empty");
            }
            vec![IssueEdit::Add {
                severity: severity.into(),
                text: text.trim().to_string(),
                included: true,
            }]
        }
        FindingCommand::LeaveOut { key, reason, .. } => vec![
            toggle_edit(find(&key)?, &sub.notes.own, false, reason)
                .map_err(|e| anyhow::anyhow!("finding: {e}"))?,
        ],
        FindingCommand::Include { key, .. } => vec![
            toggle_edit(find(&key)?, &sub.notes.own, true, None)
                .map_err(|e| anyhow::anyhow!("finding: {e}"))?,
        ],
        FindingCommand::Edit { .. } => {
            // Before the editor opens: an analyst's edits are not typed in to be refused.
            wf.check_writable("save the issue list")?;
            let list = IssueListEdit::of(&sub, issues.clone());
            let edited = crate::editor::edit(&list.text, &sub.id)?;
            match list.changes(&edited) {
                Ok(e) => e,
                Err(e) => bail!("finding edit: {e}; nothing was changed"),
            }
        }
    };
    if edits.is_empty() {
        println!("{}: nothing changed", safe_line(&id));
        return Ok(ExitCode::SUCCESS);
    }
    if let Err(refused) = wf.edit_issues(&sub.id, &edits, &ctx.analyst, crate::clock::now())? {
        bail!("finding: {refused}");
    }
    println!("{}: {} change(s) saved", safe_line(&id), edits.len());
    Ok(ExitCode::SUCCESS)
}
