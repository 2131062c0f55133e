//! `oin-review note add|list`: internal notes, never emailed.

use super::Ctx;
use crate::text::safe_line;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Internal notes on a submission: analysts talk about it without the \
    ISV reading along. Notes are kept for good (append-only, with author and time), shown in \
    `show` and the console's detail, and never put in any email. `@name` in a note puts the \
    submission in that analyst's attention set: their Mine tab shows it, marked @, until they \
    move it, claim it or write a note on it."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(subcommand)]
    pub command: NoteCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum NoteCommand {
    /// Add a note (several words are joined with spaces).
    Add {
        /// The submission's id.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
        /// The note; `@name` mentions an analyst.
        #[arg(required = true, value_name = "TEXT")]
        text: Vec<String>,
    },
    /// A submission's notes, oldest first.
    List {
        /// The submission's id.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
        #[arg(long, value_enum, default_value = "text")]
        format: super::lint::LintFormat,
    },
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    match args.command {
        NoteCommand::Add { id, text } => {
            let mut wf = ctx.workflow(false)?;
            let added = wf
                .add_note(&id, &text.join(" "), &ctx.analyst, crate::clock::now())
                .map_err(|e| anyhow::anyhow!("note add: {e}"))?;
            println!("{}", added.said());
        }
        NoteCommand::List { id, format } => {
            let wf = ctx.workflow(false)?;
            let notes = wf
                .notes(&id)
                .map_err(|e| anyhow::anyhow!("note list: {e}"))?;
            let mut out = super::stdout();
            match format {
                super::lint::LintFormat::Json => {
                    serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &notes)?;
                    writeln!(out)?;
                }
                super::lint::LintFormat::Text => {
                    if notes.is_empty() {
                        writeln!(out, "{}: no notes", safe_line(&id))?;
                    }
                    for n in &notes {
                        writeln!(
                            out,
                            "{}  {}  {}",
                            n.at,
                            safe_line(&n.author),
                            safe_line(&n.text)
                        )?;
                    }
                }
            }
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
