//! `oin-review export`: the whole queue in the import format.

use super::Ctx;
use crate::exchange;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Write the whole queue in the import format, history included, to \
    standard output. Importing it into an empty queue gives the same submissions. Passwords \
    are left out (\"password_set\": true) unless --include-secrets is given; importing such a \
    file leaves stored passwords as they are."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[arg(long, value_enum, default_value = "json")]
    pub format: ExportFormat,
    /// Include test account passwords.
    #[arg(long)]
    pub include_secrets: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Json,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
    let subs = wf.all_submissions()?;
    let unmatched = wf.inbox(true)?;
    let json = exchange::export_json(&subs, &unmatched, args.include_secrets, crate::clock::now())?;
    let mut out = super::stdout();
    writeln!(out, "{json}")?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
