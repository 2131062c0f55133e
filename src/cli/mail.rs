//! `oin-review mail preview|send ID` and `oin-review outbox [list|flush|retry|show]`.

use super::Ctx;
use crate::domain::ReviewState;
use crate::text::safe_line;
use crate::workflow::{DeliveryReport, Hold, MoveAsk, MoveItem, Plan, Transport, Workflow};
use anyhow::{Result, anyhow, bail};
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct MailArgs {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    #[command(subcommand)]
    pub command: MailCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum MailCommand {
    /// Show the email a submission would get now (headers and plain text): with --move-to,
    /// the one that move sends; without, the issue list of its current state.
    Preview {
        /// The submission id.
        id: String,
        /// Preview the email this move sends (received, QA started, final review, issue
        /// list or published, by the target state).
        #[arg(long, value_name = "STATE", value_parser = super::StateParser)]
        move_to: Option<ReviewState>,
        /// Preview it as a forced move past a gate's open blockers would send it.
        #[arg(long)]
        force: bool,
        /// Print the HTML part instead of the plain text.
        #[arg(long)]
        html: bool,
    },
    /// Queue the email (with its move, in one transaction) and deliver it.
    #[command(
        long_about = "Queue the email of a submission in the outbox and try to deliver it at \
        once. With --move-to, the email that move sends (by the target state) and the state \
        change commit in one transaction: if the move is refused (a gate's open blockers \
        included), nothing is queued. Without --move-to, the issue list of its current state. \
        An email that cannot be delivered now stays queued; `oin-review outbox flush` (or a \
        running console) delivers it later."
    )]
    Send {
        /// The submission id.
        id: String,
        #[arg(long, value_name = "STATE", value_parser = super::StateParser)]
        move_to: Option<ReviewState>,
        /// Why, for the audit log of the move (required with --force and --restart-clock).
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Move past a gate's open blockers, or make a correction (needs --reason).
        #[arg(long)]
        force: bool,
        /// Start the target phase's SLA clock afresh (needs --reason).
        #[arg(long)]
        restart_clock: bool,
        /// Queue only; leave delivery to `outbox flush` or the console.
        #[arg(long)]
        queue_only: bool,
        /// Say what would be queued and moved now, change nothing and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Tell the ISV a move they were emailed about was undone: a correction email, threaded
    /// with the email it corrects.
    #[command(
        long_about = "After `undo` takes back a move whose email the ISV already received, send each submission a correction: the earlier email (its subject and date) was a mistake, and the submission is in its state again. It threads with the earlier emails. A submission with nothing to correct (no sent email of an undone move, or a correction already queued since) is refused and gets none. --dry-run prints the emails."
    )]
    Correct {
        /// Submission ids.
        #[arg(required = true, value_name = "ID", add = super::complete::id_values())]
        ids: Vec<String>,
        /// Queue only; leave delivery to `outbox flush` or the console.
        #[arg(long)]
        queue_only: bool,
        /// Print the correction emails, change nothing and send nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Fetch the ISV's replies from the `[inbound]` mailbox (IMAP or a Maildir), thread
    /// each to its submission and store it once (cron-able; exit 1 when the mailbox cannot
    /// be read, and nothing is lost).
    Fetch,
    /// The messages received: every one, or with --unmatched those no submission claimed.
    Inbox {
        /// Only the messages that matched no submission (attach them with `mail attach`).
        #[arg(long)]
        unmatched: bool,
        #[arg(long, value_enum, default_value = "text")]
        format: super::lint::LintFormat,
    },
    /// One received message in full: its text, what was folded away, its attachments.
    Read {
        /// The message's number in `oin-review mail inbox`.
        message: i64,
        /// Write this attachment's content (its number in the message, from 1) to standard
        /// output instead, byte for byte: `mail read 12 --attachment 1 > saml.log`.
        #[arg(long, value_name = "N")]
        attachment: Option<i64>,
    },
    /// Attach an unmatched message to its submission, by hand.
    Attach {
        /// The message's number in `oin-review mail inbox --unmatched`.
        message: i64,
        /// The submission it belongs to.
        #[arg(value_name = "ID", add = super::complete::id_values())]
        id: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    #[command(subcommand)]
    pub command: Option<OutboxCommand>,
}

#[derive(Debug, clap::Subcommand)]
pub enum OutboxCommand {
    /// Every email with its delivery state (the default).
    List {
        #[arg(long, value_enum, default_value = "text")]
        format: super::lint::LintFormat,
    },
    /// Deliver every queued email now, ignoring the retry wait (cron-able; exit status 1 if
    /// any could not be delivered). Emails still in their hold (`[mail] hold`) wait for it.
    Flush {
        /// Send held emails too, without waiting out their hold.
        #[arg(long)]
        now: bool,
    },
    /// Queue a failed email again and try to deliver it.
    Retry {
        /// The email's number in `oin-review outbox`.
        id: i64,
    },
    /// Cancel an email that has not been sent: it stays in the outbox as cancelled, with
    /// who and when, and is never delivered.
    Cancel {
        /// The email's number in `oin-review outbox`.
        id: i64,
    },
    /// Print one email as queued (RFC 5322).
    Show {
        /// The email's number in `oin-review outbox`.
        id: i64,
    },
}

pub(super) fn transport(ctx: &Ctx) -> Result<Transport> {
    let dir = crate::config::data_dir()?.join("outbox-files");
    Transport::from_config(&ctx.config.mail, dir).map_err(|e| anyhow!("mail: {e}"))
}

/// The plan of `id`'s email (with the move of `ask`, or its issue list); an error when
/// its email cannot be written or its move would be refused.
fn plan_one(
    wf: &Workflow,
    id: &str,
    ask: Option<MoveAsk>,
    analyst: &str,
    now: jiff::Timestamp,
) -> Result<Plan> {
    let items = [MoveItem::new(id)];
    let plan = match ask {
        Some(ask) => wf
            .plan(
                &MoveAsk {
                    items: items.to_vec(),
                    email: true,
                    ..ask
                },
                analyst,
                now,
            )
            .map_err(|e| anyhow!("mail: {e}"))?,
        None => wf.plan_issue_lists(&items, analyst, now),
    };
    if let Some((item, why)) = plan.stopped().next() {
        let why = match why {
            crate::workflow::MoveRefused::NoEmail(why) => why.clone(),
            other => format!("not moved: {other}"),
        };
        bail!("mail: {}: {}", safe_line(&item.item.id), safe_line(&why));
    }
    Ok(plan)
}

/// The move asked for on the command line, checked for its reason.
fn move_ask(
    id: &str,
    move_to: Option<ReviewState>,
    reason: Option<String>,
    force: bool,
    restart_clock: bool,
) -> Result<Option<MoveAsk>> {
    let Some(to) = move_to else {
        return Ok(None);
    };
    let ask = MoveAsk {
        reason,
        force,
        restart_clock,
        email: true,
        ..MoveAsk::new(vec![MoveItem::new(id)], to)
    };
    if let Err(e) = ask.checked_reason() {
        bail!("mail: {e}");
    }
    Ok(Some(ask))
}

/// Runs one delivery round, through the workflow, on a small tokio runtime.
pub(super) fn deliver(
    wf: &mut Workflow,
    transport: &Transport,
    due_by: Timestamp,
    hold: Hold,
) -> Result<DeliveryReport> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(wf.deliver(transport, due_by, &crate::clock::now, hold))?)
}

pub(super) fn write_report(
    out: &mut impl Write,
    report: &DeliveryReport,
    transport: &Transport,
) -> Result<()> {
    for (id, reply) in &report.sent {
        writeln!(out, "email {id}  sent      {}", safe_line(reply))?;
    }
    for (id, err) in &report.retried {
        writeln!(
            out,
            "email {id}  queued    not delivered yet: {} (tried again later; `oin-review outbox flush` retries now)",
            safe_line(err)
        )?;
    }
    for (id, err) in &report.failed {
        writeln!(
            out,
            "email {id}  FAILED    refused for good: {} (fix the cause, then `oin-review outbox retry {id}`)",
            safe_line(err)
        )?;
    }
    for (id, until) in &report.held {
        writeln!(
            out,
            "email {id}  held      until {until}, to be cancelled if need be (`oin-review outbox cancel {id}`; `oin-review outbox flush --now` sends it now)"
        )?;
    }
    writeln!(
        out,
        "{} sent, {} waiting, {} failed{} via {}",
        report.sent.len(),
        report.retried.len(),
        report.failed.len(),
        if report.held.is_empty() {
            String::new()
        } else {
            format!(", {} held", report.held.len())
        },
        transport.describe()
    )?;
    Ok(())
}

pub fn run_mail(ctx: &Ctx, args: MailArgs) -> Result<ExitCode> {
    match args.command {
        MailCommand::Preview {
            id,
            move_to,
            force,
            html,
        } => {
            let wf = ctx.workflow(false)?;
            let mut out = super::stdout();
            if let Some(to) = move_to
                && let Err(none) = wf.email_for_move(to)
            {
                writeln!(out, "{}: no email: {none}", safe_line(&id))?;
                out.flush()?;
                return Ok(ExitCode::SUCCESS);
            }
            let reason = force.then(|| "preview".to_string());
            let ask = move_ask(&id, move_to, reason, force, false)?;
            let plan = plan_one(&wf, &id, ask, &ctx.analyst, ctx.now)?;
            for c in plan.emails() {
                if html {
                    out.write_all(c.html.as_bytes())?;
                } else {
                    out.write_all(c.preview().as_bytes())?;
                }
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        MailCommand::Correct {
            ids,
            queue_only,
            dry_run,
        } => correct(ctx, &ids, queue_only, dry_run),
        MailCommand::Fetch => super::replies::fetch(ctx),
        MailCommand::Inbox { unmatched, format } => super::replies::inbox(ctx, unmatched, format),
        MailCommand::Read {
            message,
            attachment: None,
        } => super::replies::read(ctx, message),
        MailCommand::Read {
            message,
            attachment: Some(n),
        } => super::replies::attachment(ctx, message, n),
        MailCommand::Attach { message, id } => super::replies::attach(ctx, message, &id),
        MailCommand::Send {
            id,
            move_to,
            reason,
            force,
            restart_clock,
            queue_only,
            dry_run,
        } => {
            let mut wf = ctx.workflow(false)?;
            if dry_run {
                wf.dry_run();
            }
            let transport = if queue_only || dry_run {
                None
            } else {
                Some(transport(ctx)?)
            };
            if let Some(to) = move_to
                && let Err(none) = wf.email_for_move(to)
            {
                bail!(
                    "mail send: {}: {none}; use `oin-review move --to {to}` to move it without email",
                    safe_line(&id)
                );
            }
            let ask = move_ask(&id, move_to, reason, force, restart_clock)?;
            // A read-only queue says so first: the gates do not matter when nothing can be written.
            wf.check_writable("queue an email")?;
            let plan = plan_one(&wf, &id, ask, &ctx.analyst, crate::clock::now())?;
            let done = wf.commit(&plan, &ctx.analyst, crate::clock::now())?;
            let outcomes = done.outcomes;
            let mut out = super::stdout();
            if let Some(refused) = outcomes.iter().find_map(|o| o.result.as_ref().err()) {
                bail!(
                    "mail send: {} was not moved ({refused}); nothing was queued",
                    safe_line(&id)
                );
            }
            let (Some((_, email_id)), Some(c)) = (done.queued.first(), plan.emails().next()) else {
                bail!("mail send: nothing was queued");
            };
            // An issue list without its move leaves OIN's clock running: say so, and name
            // the move that hands it to the ISV.
            let stays = match (move_to, wf.submission(&id)) {
                (None, Ok(sub)) => sub.state.issue_list_move().map(|to| {
                    format!(
                        "{}  stays in {} with its clock running; `oin-review move --to {to} {}` hands it to the ISV without a second email",
                        safe_line(&sub.id),
                        sub.state,
                        safe_line(&sub.id)
                    )
                }),
                _ => None,
            };
            if let Some(o) = outcomes.first().and_then(|o| o.result.as_ref().ok()) {
                writeln!(
                    out,
                    "{}  moved to {}{}",
                    safe_line(&id),
                    o.to,
                    if o.forced { " (forced)" } else { "" }
                )?;
            }
            writeln!(
                out,
                "email {email_id}  queued    {} to {}{}, {}",
                c.kind.short(),
                c.to.join(", "),
                if c.issues > 0 {
                    format!(" ({} issue(s))", c.issues)
                } else {
                    String::new()
                },
                c.message_id
            )?;
            if let Some(line) = stays {
                writeln!(out, "{line}")?;
            }
            if dry_run {
                writeln!(
                    out,
                    "dry run: this is what would be queued and moved now; nothing was changed or sent"
                )?;
            }
            let mut code = ExitCode::SUCCESS;
            if let Some(t) = transport {
                let report = deliver(&mut wf, &t, crate::clock::now(), Hold::Keep)?;
                write_report(&mut out, &report, &t)?;
                if !report.failed.is_empty() {
                    code = ExitCode::FAILURE;
                }
            }
            out.flush()?;
            Ok(code)
        }
    }
}

/// `mail correct`: plan the corrections, print them, commit exactly those, deliver.
fn correct(ctx: &Ctx, ids: &[String], queue_only: bool, dry_run: bool) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    if dry_run {
        wf.dry_run();
    }
    wf.check_writable("queue a correction")?;
    let transport = if queue_only || dry_run {
        None
    } else {
        Some(transport(ctx)?)
    };
    let items: Vec<MoveItem> = wf
        .canonical_ids(ids)?
        .into_iter()
        .map(MoveItem::new)
        .collect();
    let plan = wf.plan_corrections(&items, &ctx.analyst, crate::clock::now());
    let mut out = super::stdout();
    let mut code = ExitCode::SUCCESS;
    for (item, why) in plan.stopped() {
        code = ExitCode::FAILURE;
        writeln!(
            out,
            "{}  no correction: {}",
            safe_line(&item.item.id),
            safe_line(&crate::workflow::reminders::no_email(why))
        )?;
    }
    if dry_run {
        for c in plan.emails() {
            out.write_all(c.preview().as_bytes())?;
        }
    }
    let done = wf.commit(&plan, &ctx.analyst, crate::clock::now())?;
    for o in done
        .outcomes
        .iter()
        .filter(|o| plan.going().any(|i| i.item.id == o.id))
    {
        if let Err(why) = &o.result {
            code = ExitCode::FAILURE;
            writeln!(out, "{}  no correction: {why}", safe_line(&o.id))?;
        }
    }
    for (id, email) in &done.queued {
        let to = plan
            .emails()
            .find(|c| &c.submission_id == id)
            .map(|c| c.to.join(", "))
            .unwrap_or_default();
        writeln!(out, "email {email}  queued    correction to {to}")?;
    }
    if dry_run {
        writeln!(
            out,
            "dry run: these corrections would be queued now; nothing was changed or sent"
        )?;
    }
    if let Some(t) = transport.filter(|_| !done.queued.is_empty()) {
        let report = deliver(&mut wf, &t, crate::clock::now(), Hold::Keep)?;
        write_report(&mut out, &report, &t)?;
        if !report.failed.is_empty() {
            code = ExitCode::FAILURE;
        }
    }
    out.flush()?;
    Ok(code)
}

pub fn run_outbox(ctx: &Ctx, args: OutboxArgs) -> Result<ExitCode> {
    let command = args.command.unwrap_or(OutboxCommand::List {
        format: super::lint::LintFormat::Text,
    });
    let mut wf = ctx.workflow(false)?;
    let mut out = super::stdout();
    match command {
        OutboxCommand::List { format } => {
            let emails = wf.outbox()?;
            match format {
                super::lint::LintFormat::Json => {
                    serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &emails)?;
                    writeln!(out)?;
                }
                super::lint::LintFormat::Text => {
                    if emails.is_empty() {
                        writeln!(out, "the outbox is empty")?;
                    }
                    for e in &emails {
                        let when = match e.status {
                            crate::domain::OutboxStatus::Sent => {
                                format!(
                                    "sent {}",
                                    e.sent_at.map(|t| t.to_string()).unwrap_or_default()
                                )
                            }
                            crate::domain::OutboxStatus::Queued if e.attempts > 0 => {
                                if e.next_attempt_at <= ctx.now {
                                    format!("next try {} (due now)", e.next_attempt_at)
                                } else {
                                    let wait = e.next_attempt_at.duration_since(ctx.now);
                                    format!(
                                        "next try {} (in {} min)",
                                        e.next_attempt_at,
                                        (wait.as_secs() + 59) / 60
                                    )
                                }
                            }
                            crate::domain::OutboxStatus::Sending => match e.claimed_at {
                                Some(at) => {
                                    let back =
                                        at.checked_add(crate::workflow::STALE_CLAIM).unwrap_or(at);
                                    if back <= ctx.now {
                                        format!(
                                            "being delivered since {at}: that sender stopped; back in the queue at the next delivery round"
                                        )
                                    } else {
                                        format!(
                                            "being delivered since {at}; back in the queue at {back} if that process stopped"
                                        )
                                    }
                                }
                                None => format!("queued {}", e.queued_at),
                            },
                            crate::domain::OutboxStatus::Bounced => format!(
                                "sent {}, BOUNCED: {}; correct the address (import the submission with it), then `oin-review mail send {}`",
                                e.sent_at.map(|t| t.to_string()).unwrap_or_default(),
                                safe_line(e.bounce.as_deref().unwrap_or("no reason given")),
                                safe_line(&e.submission_id)
                            ),
                            crate::domain::OutboxStatus::Cancelled => format!(
                                "cancelled {} by {}",
                                e.cancelled_at.map(|t| t.to_string()).unwrap_or_default(),
                                safe_line(e.cancelled_by.as_deref().unwrap_or("someone"))
                            ),
                            _ => format!("queued {}", e.queued_at),
                        };
                        writeln!(
                            out,
                            "{:>5}  {:<7}  {:<12}  {:<12}  {}  tries {}  {}",
                            e.id,
                            e.status.key(),
                            e.kind.short(),
                            safe_line(&e.submission_id),
                            safe_line(&e.recipients.join(", ")),
                            e.attempts,
                            when
                        )?;
                        writeln!(out, "       {}", safe_line(&e.subject))?;
                        if let Some(err) = &e.last_error
                            && e.status != crate::domain::OutboxStatus::Sent
                        {
                            writeln!(out, "       last error: {}", safe_line(err))?;
                        }
                        if let Some(reply) = &e.server_reply {
                            writeln!(out, "       server: {}", safe_line(reply))?;
                        }
                    }
                }
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Flush { now } => {
            let t = transport(ctx)?;
            // Everything queued, whatever its retry time says.
            let due_by = Timestamp::MAX;
            let hold = if now { Hold::Skip } else { Hold::Keep };
            let report = deliver(&mut wf, &t, due_by, hold)?;
            write_report(&mut out, &report, &t)?;
            out.flush()?;
            Ok(if report.retried.is_empty() && report.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        OutboxCommand::Retry { id } => {
            if !wf.retry_email(id, crate::clock::now())? {
                bail!(
                    "outbox retry: email {id} is not in the outbox or was already sent (`oin-review outbox` lists them)"
                );
            }
            let t = transport(ctx)?;
            let report = deliver(&mut wf, &t, crate::clock::now(), Hold::Keep)?;
            write_report(&mut out, &report, &t)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Cancel { id } => {
            use crate::workflow::CancelOutcome;
            match wf.cancel_email(id, &ctx.analyst, crate::clock::now())? {
                CancelOutcome::Cancelled => {
                    writeln!(out, "email {id} cancelled: it will not be sent")?
                }
                CancelOutcome::BeingSent => writeln!(
                    out,
                    "email {id} is being handed to the server right now: it may still go; if this attempt fails it is cancelled"
                )?,
                CancelOutcome::AlreadySent(at) => {
                    bail!(
                        "outbox cancel: email {id} was already sent at {at}; it cannot be taken back"
                    )
                }
                CancelOutcome::AlreadyCancelled { at, by } => writeln!(
                    out,
                    "email {id} was already cancelled at {at} by {}",
                    safe_line(&by)
                )?,
                CancelOutcome::NotFound => {
                    bail!("outbox cancel: no email {id} (`oin-review outbox` lists them)")
                }
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Show { id } => {
            let Some((_, bytes)) = wf.email(id)? else {
                bail!("outbox show: no email {id} (`oin-review outbox` lists them)");
            };
            out.write_all(&bytes)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
