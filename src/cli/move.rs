//! `oin-review move --to STATE ID...`: move one or many submissions in one transaction.

use super::{Ctx, parse_state};
use crate::domain::ReviewState;
use crate::store::{MoveItem, MoveRequest};
use crate::text::safe_line;
use anyhow::{Result, bail};
use std::io::{BufRead, Write};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Move submissions to another review state, in one transaction.\n\n\
    Each submission gets one line: moved, or refused and why. A refused submission changes \
    nothing and the valid ones still move, unless --all-or-nothing is given: then one refusal \
    refuses the whole batch. The exit status is non-zero if any submission was refused.\n\n\
    Normal moves follow the OIN review flow (draft -> initial_review -> isv_review | qa_testing, \
    ...). Any other move is a correction: it needs --force and --reason, and is marked forced in \
    the audit log."
)]
pub struct Args {
    /// The target state.
    #[arg(long, value_name = "STATE", value_parser = parse_state)]
    pub to: ReviewState,
    /// Why; kept in the audit log (required with --force).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Allow a correction outside the normal flow (needs --reason).
    #[arg(long)]
    pub force: bool,
    /// Refuse the whole batch if any submission is refused.
    #[arg(long)]
    pub all_or_nothing: bool,
    /// Submission ids; `-` reads ids from standard input, separated by white space.
    #[arg(required = true, value_name = "ID")]
    pub ids: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    if args.force && args.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        bail!("move: --force needs --reason TEXT saying why the correction is made");
    }
    let mut ids = Vec::new();
    for id in &args.ids {
        if id == "-" {
            for line in std::io::stdin().lock().lines() {
                ids.extend(line?.split_whitespace().map(str::to_string));
            }
        } else {
            ids.push(id.clone());
        }
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    let items: Vec<MoveItem> = ids.into_iter().map(MoveItem::new).collect();
    let mut store = ctx.open_store(false)?;
    let outcomes = store.move_submissions(&MoveRequest {
        items: &items,
        to: args.to,
        reason: args.reason.as_deref(),
        force: args.force,
        all_or_nothing: args.all_or_nothing,
        analyst: &ctx.analyst,
        at: jiff::Timestamp::now(),
    })?;
    let mut out = super::stdout();
    let mut refused = 0;
    for o in &outcomes {
        let id = safe_line(&o.id);
        match &o.result {
            Ok(m) => writeln!(
                out,
                "{id}  moved    {} -> {}{}",
                m.from,
                m.to,
                if m.forced { " (forced)" } else { "" }
            )?,
            Err(why) => {
                refused += 1;
                writeln!(out, "{id}  refused  {why}")?;
            }
        }
    }
    let moved = outcomes.len() - refused;
    writeln!(out, "{moved} moved to {}, {refused} refused", args.to)?;
    out.flush()?;
    Ok(if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
