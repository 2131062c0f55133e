//! `oin-review undo`: undo your last batch of moves.

use super::Ctx;
use crate::text::safe_line;
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Undo your last batch of moves (from the CLI or the console): each \
    submission goes back to the state it came from, recorded as a new event with reason \
    \"undo\". Its SLA clock comes back as it was (same cycle, same start, same due instant): \
    the undone move counts as never made, so a breach stays a breach. A submission someone \
    changed since is left as it is, and said so. History is never deleted."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// Say what the undo would do now (and which emails it would cancel), change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    if args.dry_run {
        wf.dry_run();
    }
    let report = wf.undo(&ctx.analyst, crate::clock::now())?;
    let mut out = super::stdout();
    let Some(batch) = report.batch else {
        writeln!(
            out,
            "nothing to undo: {} has no batch of moves left to undo",
            ctx.analyst
        )?;
        out.flush()?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut failed = 0;
    let tz = wf.policy().sla.calendar.time_zone().clone();
    let (mut cancelled, mut gone) = (0, 0);
    let mut told = Vec::new();
    for o in &report.outcomes {
        match &o.result {
            Ok(state) => {
                writeln!(out, "{}  back to {state}", safe_line(&o.id))?;
                for e in &o.emails {
                    match e {
                        crate::workflow::EmailUndo::Cancelled { .. } => cancelled += 1,
                        crate::workflow::EmailUndo::AlreadySent { .. } => {
                            gone += 1;
                            told.push(safe_line(&o.id));
                        }
                        _ => gone += 1,
                    }
                    writeln!(
                        out,
                        "{}  {}",
                        safe_line(&o.id),
                        crate::workflow::email_undo_line(e, report.to, &tz)
                    )?;
                }
            }
            Err(why) => {
                failed += 1;
                writeln!(out, "{}  not undone: {why}", safe_line(&o.id))?;
            }
        }
    }
    writeln!(
        out,
        "undid batch {batch}: {} back, {failed} not undone; {cancelled} email(s) cancelled{}",
        report.outcomes.len() - failed,
        if gone > 0 {
            format!(", {gone} may have reached the ISV")
        } else {
            String::new()
        }
    )?;
    if !told.is_empty() {
        told.dedup();
        writeln!(
            out,
            "tell the ISV it is back: `oin-review mail correct {}` sends a correction email (previewed with `--dry-run`)",
            told.join(" ")
        )?;
    }
    if args.dry_run {
        writeln!(
            out,
            "dry run: this is what undo would do now; nothing was changed"
        )?;
    }
    out.flush()?;
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
