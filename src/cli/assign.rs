//! `oin-review assign --to NAME ID...` and `oin-review claim ID...`: who works on what.

use super::Ctx;
use crate::text::safe_line;
use crate::workflow::AssignItem;
use anyhow::{Result, bail};
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Assign submissions to an analyst (or nobody, with --to none), in one \
    transaction. Each change is kept in the audit trail. The exit status is non-zero if any \
    id is unknown."
)]
pub struct AssignArgs {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// The analyst's account name, or `none` to clear the assignment.
    #[arg(long, value_name = "NAME", add = super::complete::analyst_values())]
    pub to: String,
    /// Assign to a name not on the team yet (nobody by that name has acted in the queue,
    /// is in the queue file's group or in `[team] analysts`).
    #[arg(long)]
    pub new_analyst: bool,
    /// The submissions (ids; case does not matter when it names one).
    #[arg(required = true, value_name = "ID", add = super::complete::id_values())]
    pub ids: Vec<String>,
}

#[derive(Debug, clap::Args)]
#[command(long_about = "Claim submissions for yourself (your OS account), in one transaction.")]
pub struct ClaimArgs {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// The submissions (ids; case does not matter when it names one).
    #[arg(required = true, value_name = "ID", add = super::complete::id_values())]
    pub ids: Vec<String>,
}

pub fn run_assign(ctx: &Ctx, args: AssignArgs) -> Result<ExitCode> {
    let to = args.to.trim();
    if to.is_empty() || to.chars().any(char::is_control) {
        bail!("assign: --to needs an account name (or none)");
    }
    let to = (to != "none").then_some(to);
    if let Some(name) = to
        && !args.new_analyst
        && name != ctx.analyst
        && let Err(e) = ctx.workflow(false)?.check_analyst(name)
    {
        bail!("assign: {e}; nothing was assigned (--new-analyst assigns to a new name)");
    }
    assign(ctx, &args.ids, to)
}

pub fn run_claim(ctx: &Ctx, args: ClaimArgs) -> Result<ExitCode> {
    assign(ctx, &args.ids, Some(&ctx.analyst))
}

fn assign(ctx: &Ctx, ids: &[String], to: Option<&str>) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    let ids = wf.canonical_ids(ids)?;
    let mut seen = std::collections::HashSet::new();
    let items: Vec<AssignItem> = ids
        .iter()
        .filter(|id| seen.insert(id.as_str()))
        .map(AssignItem::new)
        .collect();
    let outcomes = wf.assign(&items, to, &ctx.analyst, crate::clock::now())?;
    let mut out = super::stdout();
    let mut refused = 0;
    let target = to.unwrap_or("nobody");
    for o in &outcomes {
        let id = safe_line(&o.id);
        match &o.result {
            Ok(before) => writeln!(
                out,
                "{id}  assigned to {}{}",
                safe_line(target),
                match before.as_deref() {
                    Some(b) if Some(b) != to => format!(" (was {})", safe_line(b)),
                    _ => String::new(),
                }
            )?,
            Err(why) => {
                refused += 1;
                writeln!(out, "{id}  refused  {why}")?;
            }
        }
    }
    out.flush()?;
    Ok(if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
