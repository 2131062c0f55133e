//! `oin-review move --to STATE ID...`: move one or many submissions in one transaction.

use super::Ctx;
use crate::domain::ReviewState;
use crate::text::safe_line;
use crate::workflow::{MoveAsk, MoveItem, MoveOutcome, MoveRefused};
use anyhow::Result;
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
    the audit log; a correction back into a phase continues that phase's SLA clock unless \
    --restart-clock is given.\n\n\
    Gates: a move to published, or from initial_review to qa_testing, is refused while the \
    submission has open blockers (the lint's, or your own); the refusal lists them. --force \
    --reason overrides, and the event records the blockers it overrode.\n\n\
    A move sends no email unless --email is given: then each submission gets the email of its \
    new phase (received, QA started, final review, issue list, published), queued with the \
    move; one whose email cannot be written is not moved."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// The target state.
    #[arg(long, value_name = "STATE", value_parser = super::StateParser)]
    pub to: ReviewState,
    /// Why; kept in the audit log (required with --force and --restart-clock).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Allow a correction outside the normal flow, or a move past a gate's open blockers
    /// (needs --reason).
    #[arg(long)]
    pub force: bool,
    /// Start the target phase's SLA clock afresh instead of continuing it (needs --reason).
    #[arg(long)]
    pub restart_clock: bool,
    /// Send each submission the email of its new phase, queued with the move.
    #[arg(long)]
    pub email: bool,
    /// Refuse the whole batch if any submission is refused.
    #[arg(long)]
    pub all_or_nothing: bool,
    /// Say what the move would do now (and the emails it would queue), change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Submission ids; `-` reads ids from standard input, separated by white space.
    #[arg(required = true, value_name = "ID", add = super::complete::id_values())]
    pub ids: Vec<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
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
    let mut wf = ctx.workflow(false)?;
    if args.dry_run {
        wf.dry_run();
    }
    let mut ids = wf.canonical_ids(&ids)?;
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(id.clone()));
    let ask = MoveAsk {
        items: ids.into_iter().map(MoveItem::new).collect(),
        to: args.to,
        reason: args.reason,
        force: args.force,
        restart_clock: args.restart_clock,
        all_or_nothing: args.all_or_nothing,
        email: args.email,
    };
    // Plan, then commit exactly that plan (a dry run commits it and rolls back).
    let plan = wf
        .plan(&ask, &ctx.analyst, crate::clock::now())
        .map_err(|e| anyhow::anyhow!("move: {e}"))?;
    let done = wf.commit(&plan, &ctx.analyst, crate::clock::now())?;
    let mut out = super::stdout();
    let mut refused = 0;
    let outcomes = done.outcomes;
    for (id, _) in &done.queued {
        if let Some(c) = plan.emails().find(|c| &c.submission_id == id) {
            writeln!(
                out,
                "{}  email    {} to {}",
                safe_line(id),
                c.kind.short(),
                c.to.join(", ")
            )?;
        }
    }
    if !done.queued.is_empty() {
        writeln!(
            out,
            "{} email(s) queued; `oin-review outbox flush` (or a running console) delivers them",
            done.queued.len()
        )?;
    } else if args.email {
        writeln!(out, "nothing was queued")?;
    }
    refused += write_outcomes(&mut out, &outcomes)?;
    let moved = outcomes.iter().filter(|o| o.result.is_ok()).count();
    // A move whose phase has an email, made without it: say so, so nobody believes the ISV
    // was told.
    let silent = match wf.email_for_move(args.to) {
        Ok(kind) if !args.email && moved > 0 => format!(
            "; no email sent (add --email to send the {} email)",
            kind.short()
        ),
        _ => String::new(),
    };
    writeln!(
        out,
        "{moved} moved to {}, {refused} refused{silent}",
        args.to
    )?;
    if args.dry_run {
        writeln!(
            out,
            "dry run: this is what the move would do now; nothing was moved or queued"
        )?;
    }
    out.flush()?;
    Ok(if refused > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// One line per submission (moved, or refused and why; a gate's blockers below it).
/// Returns how many were refused.
fn write_outcomes(out: &mut impl Write, outcomes: &[MoveOutcome]) -> Result<usize> {
    let mut refused = 0;
    for o in outcomes {
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
                writeln!(out, "{id}  refused  {}", safe_line(&why.to_string()))?;
                if let MoveRefused::Blocked(blockers) = why {
                    for b in blockers {
                        writeln!(out, "    {}  {}", b.key, safe_line(&b.text))?;
                    }
                }
            }
        }
    }
    Ok(refused)
}
