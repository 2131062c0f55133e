//! `oin-review promise ID --phase P --date D`: the date Okta told the ISV.

use super::Ctx;
use crate::domain::Phase;
use crate::text::safe_line;
use anyhow::{Result, bail};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Record the date Okta told the ISV a phase is expected to finish. \
    `show` and the console print it beside the clock's due date. A later promise for the \
    same phase replaces the earlier one. A date before the phase began (or, for a phase not \
    begun yet, before today) is refused. Emails of a phase state its expected date and \
    record it here by themselves."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// The submission's id (e.g. OIN-2026-0142; case does not matter).
    #[arg(value_name = "ID", add = super::complete::id_values())]
    pub id: String,
    /// initial_review, qa_testing or final_review.
    #[arg(long, value_parser = parse_phase)]
    pub phase: Phase,
    /// The promised date, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    pub date: jiff::civil::Date,
}

fn parse_phase(s: &str) -> Result<Phase, String> {
    Phase::from_key(s).ok_or_else(|| {
        format!("unknown phase {s:?}; expected initial_review, qa_testing or final_review")
    })
}

pub(super) fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse()
        .map_err(|e| format!("{e}; expected a date such as 2026-11-27"))
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    if let Err(e) = wf.promise(
        &args.id,
        args.phase,
        args.date,
        &ctx.analyst,
        crate::clock::now(),
    ) {
        bail!("promise: {e}; nothing was changed");
    }
    println!(
        "{}: {} promised for {}",
        safe_line(&args.id),
        args.phase.label(),
        args.date
    );
    Ok(ExitCode::SUCCESS)
}
