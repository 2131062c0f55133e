//! `oin-review mail preview|send ID` and `oin-review outbox [list|flush|retry|show]`.

use super::lint::{lint_one, load_one};
use super::{Ctx, parse_state};
use crate::domain::ReviewState;
use crate::mail::{self, Composed, DeliveryReport, Draft, Templates, Transport};
use crate::store::{MoveItem, MoveRequest, Store};
use crate::text::safe_line;
use anyhow::{Result, anyhow, bail};
use jiff::Timestamp;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct MailArgs {
    #[command(subcommand)]
    pub command: MailCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum MailCommand {
    /// Show the issue-list email a submission would get now (headers and plain text).
    Preview {
        id: String,
        /// Preview it as sent with this move (isv_review or isv_fix_bugs).
        #[arg(long, value_name = "STATE", value_parser = parse_state)]
        move_to: Option<ReviewState>,
        /// Print the HTML part instead of the plain text.
        #[arg(long)]
        html: bool,
    },
    /// Queue the issue-list email (with the move, in one transaction) and deliver it.
    #[command(
        long_about = "Queue the issue-list email of a submission in the outbox and try to deliver \
        it at once. With --move-to, the state change and the queued email commit in one \
        transaction: if the move is refused, nothing is queued. An email that cannot be \
        delivered now stays queued; `oin-review outbox flush` (or a running console) delivers \
        it later."
    )]
    Send {
        id: String,
        #[arg(long, value_name = "STATE", value_parser = parse_state)]
        move_to: Option<ReviewState>,
        /// Why, for the audit log of the move.
        #[arg(long, value_name = "TEXT")]
        reason: Option<String>,
        /// Queue only; leave delivery to `outbox flush` or the console.
        #[arg(long)]
        queue_only: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct OutboxArgs {
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
    /// any could not be delivered).
    Flush,
    /// Queue a failed email again and try to deliver it.
    Retry { id: i64 },
    /// Print one email as queued (RFC 5322).
    Show { id: i64 },
}

fn transport(ctx: &Ctx) -> Result<Transport> {
    let dir = crate::config::data_dir()?.join("outbox-files");
    Transport::from_config(&ctx.config.mail, dir).map_err(|e| anyhow!("mail: {e}"))
}

/// Composes the email `id` would get with `state_after`.
fn compose_for(
    ctx: &Ctx,
    store: &Store,
    id: &str,
    state_after: Option<ReviewState>,
) -> Result<(Composed, i64)> {
    let sub = load_one(store, id, "mail")?;
    let lint = lint_one(ctx, store, &sub)?;
    let templates = Templates::load()?;
    let composed = mail::compose(
        &Draft {
            sub: &sub,
            lint: &lint,
            state_after: state_after.unwrap_or(sub.state),
            thread: store.thread_message_ids(&sub.id)?,
            now: Timestamp::now(),
        },
        &ctx.config.mail,
        &templates,
    )?;
    Ok((composed, sub.version))
}

/// Runs one delivery round on a small tokio runtime.
pub(super) fn deliver(
    store: &mut Store,
    transport: &Transport,
    due_by: Timestamp,
) -> Result<DeliveryReport> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(rt.block_on(mail::deliver_due(store, transport, due_by))?)
}

fn write_report(
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
    writeln!(
        out,
        "{} sent, {} waiting, {} failed via {}",
        report.sent.len(),
        report.retried.len(),
        report.failed.len(),
        transport.describe()
    )?;
    Ok(())
}

pub fn run_mail(ctx: &Ctx, args: MailArgs) -> Result<ExitCode> {
    match args.command {
        MailCommand::Preview { id, move_to, html } => {
            let store = ctx.open_store(false)?;
            let (c, _) = compose_for(ctx, &store, &id, move_to)?;
            let mut out = super::stdout();
            if html {
                out.write_all(c.html.as_bytes())?;
            } else {
                out.write_all(c.preview().as_bytes())?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        MailCommand::Send {
            id,
            move_to,
            reason,
            queue_only,
        } => {
            let mut store = ctx.open_store(false)?;
            let transport = if queue_only {
                None
            } else {
                Some(transport(ctx)?)
            };
            let (c, version) = compose_for(ctx, &store, &id, move_to)?;
            let items = [MoveItem {
                id: id.clone(),
                expected_version: Some(version),
            }];
            let default_reason = format!("issue list emailed ({} issues)", c.issues);
            let req = move_to.map(|to| MoveRequest {
                items: &items,
                to,
                reason: Some(reason.as_deref().unwrap_or(&default_reason)),
                force: false,
                all_or_nothing: true,
                analyst: &ctx.analyst,
                at: Timestamp::now(),
            });
            let (outcomes, queued) = store.queue_emails(
                &[c.to_new_email()],
                req.as_ref(),
                &ctx.analyst,
                Timestamp::now(),
            )?;
            let mut out = super::stdout();
            if let Some(refused) = outcomes.iter().find_map(|o| o.result.as_ref().err()) {
                bail!(
                    "mail send: {} was not moved ({refused}); nothing was queued",
                    safe_line(&id)
                );
            }
            let Some(email_id) = queued.first() else {
                bail!("mail send: nothing was queued");
            };
            if let Some(to) = move_to {
                writeln!(out, "{}  moved to {to}", safe_line(&id))?;
            }
            writeln!(
                out,
                "email {email_id}  queued    to {} ({} issue(s)), {}",
                c.to.join(", "),
                c.issues,
                c.message_id
            )?;
            let mut code = ExitCode::SUCCESS;
            if let Some(t) = transport {
                let report = deliver(&mut store, &t, Timestamp::now())?;
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

pub fn run_outbox(ctx: &Ctx, args: OutboxArgs) -> Result<ExitCode> {
    let command = args.command.unwrap_or(OutboxCommand::List {
        format: super::lint::LintFormat::Text,
    });
    let mut store = ctx.open_store(false)?;
    let mut out = super::stdout();
    match command {
        OutboxCommand::List { format } => {
            let emails = store.outbox()?;
            match format {
                super::lint::LintFormat::Json => {
                    serde_json::to_writer_pretty(&mut out, &emails)?;
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
                                format!("next try {}", e.next_attempt_at)
                            }
                            crate::domain::OutboxStatus::Sending => match e.claimed_at {
                                Some(at) => format!(
                                    "being delivered since {at}; back in the queue at {} if that process stopped",
                                    at.checked_add(crate::mail::STALE_CLAIM).unwrap_or(at)
                                ),
                                None => format!("queued {}", e.queued_at),
                            },
                            _ => format!("queued {}", e.queued_at),
                        };
                        writeln!(
                            out,
                            "{:>5}  {:<7}  {:<12}  {}  tries {}  {}",
                            e.id,
                            e.status.key(),
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
        OutboxCommand::Flush => {
            let t = transport(ctx)?;
            // Everything queued, whatever its retry time says.
            let due_by = Timestamp::MAX;
            let report = deliver(&mut store, &t, due_by)?;
            write_report(&mut out, &report, &t)?;
            out.flush()?;
            Ok(if report.retried.is_empty() && report.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        OutboxCommand::Retry { id } => {
            if !store.retry_email(id, Timestamp::now())? {
                bail!(
                    "outbox retry: email {id} is not in the outbox or was already sent (`oin-review outbox` lists them)"
                );
            }
            let t = transport(ctx)?;
            let report = deliver(&mut store, &t, Timestamp::now())?;
            write_report(&mut out, &report, &t)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        OutboxCommand::Show { id } => {
            let Some((_, bytes)) = store.email(id)? else {
                bail!("outbox show: no email {id} (`oin-review outbox` lists them)");
            };
            out.write_all(&bytes)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
