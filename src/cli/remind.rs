//! `oin-review remind [--dry-run]`: reminder emails to ISVs that went quiet.

use super::Ctx;
use crate::domain::notice::business_words;
use crate::text::safe_line;
use crate::workflow::reminders::{IdleItem, RemindReport};
use anyhow::Result;
use serde_json::json;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Queue a reminder email to the escalation contact of each idle item: one \
    the ISV has held (ISV needs to review, ISV needs to fix bugs) for longer than the policy's \
    [reminders] isv_idle_business_days (10 by default). Each idle period of that length brings \
    at most one reminder, threaded with the submission's other emails; after \
    stale_after_reminders (3) in one stay, no more are sent and the item is listed as stale \
    for the lead. Nothing is ever closed automatically. Safe to run from cron: a colleague's \
    run at the same time sends nothing twice. Exit status 1 when an idle item could not be \
    reminded (it says why)."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// Say what would be sent, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Queue only; leave delivery to `outbox flush` or the console.
    #[arg(long)]
    pub queue_only: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::lint::LintFormat,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    let now = crate::clock::now();
    if !args.dry_run {
        wf.check_writable("queue reminders")?;
    }
    let transport = if args.dry_run || args.queue_only {
        None
    } else {
        Some(super::mail::transport(ctx)?)
    };
    let report = wf
        .remind(args.dry_run, &ctx.analyst, now)
        .map_err(|e| anyhow::anyhow!("remind: {e}; nothing was queued"))?;
    let day = ctx.policy.sla.calendar.day_length();
    let tz = ctx.policy.sla.calendar.time_zone().clone();
    let date = |t: jiff::Timestamp| t.to_zoned(tz.clone()).date().to_string();
    let mut out = super::stdout();
    let of = ctx.policy.reminders.stale_after_reminders;
    match args.format {
        super::lint::LintFormat::Json => {
            let item = |i: &IdleItem| {
                json!({
                    "id": i.id,
                    "app_name": i.app_name,
                    "state": i.state.key(),
                    "since": i.since,
                    "waiting_business_seconds": i.waiting_seconds,
                })
            };
            let value = json!({
                "dry_run": report.dry_run,
                "queued": report.queued.iter().map(|(i, to, outbox)| {
                    let mut v = item(i);
                    v["reminder"] = json!(number(i));
                    v["of"] = json!(of);
                    v["to"] = json!(to);
                    v["outbox_id"] = json!(outbox);
                    v
                }).collect::<Vec<_>>(),
                "refused": report.refused.iter().map(|(id, why)| json!({"id": id, "reason": why})).collect::<Vec<_>>(),
                "waiting": report.waiting.iter().map(item).collect::<Vec<_>>(),
                "stale": report.stale.iter().map(|i| {
                    let mut v = item(i);
                    v["reminders"] = json!(sent(i));
                    v
                }).collect::<Vec<_>>(),
            });
            serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &value)?;
            writeln!(out)?;
        }
        super::lint::LintFormat::Text => {
            write_text(&mut out, &report, ctx, &|i| {
                format!(
                    "waiting {} in {} since {}",
                    business_words(i.waiting_seconds, day),
                    i.state.key(),
                    date(i.since)
                )
            })?;
        }
    }
    let mut code = if report.refused.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    if let (Some(t), false) = (transport, report.queued.is_empty()) {
        let delivered = super::mail::deliver(
            &mut wf,
            &t,
            crate::clock::now(),
            crate::workflow::Hold::Keep,
        )?;
        if args.format == super::lint::LintFormat::Text {
            super::mail::write_report(&mut out, &delivered, &t)?;
        }
        if !delivered.failed.is_empty() {
            code = ExitCode::FAILURE;
        }
    }
    out.flush()?;
    Ok(code)
}

fn number(i: &IdleItem) -> u32 {
    match i.reminder {
        crate::domain::reminders::Reminder::Due { number } => number,
        _ => 0,
    }
}

fn sent(i: &IdleItem) -> u32 {
    match i.reminder {
        crate::domain::reminders::Reminder::Stale { sent } => sent,
        _ => 0,
    }
}

fn write_text(
    out: &mut impl Write,
    report: &RemindReport,
    ctx: &Ctx,
    waiting: &dyn Fn(&IdleItem) -> String,
) -> std::io::Result<()> {
    let r = &ctx.policy.reminders;
    writeln!(
        out,
        "Idle: the ISV has held it {} business days or more; one reminder per {} business days, {} per stay{}",
        r.isv_idle_business_days,
        r.isv_idle_business_days,
        r.stale_after_reminders,
        if report.dry_run {
            " (dry run: nothing is sent)"
        } else {
            ""
        }
    )?;
    for (i, to, outbox) in &report.queued {
        let head = match outbox {
            Some(id) => format!("email {id}  queued"),
            None => "would queue".to_string(),
        };
        writeln!(
            out,
            "{head}  {}  reminder {} of {} to {} · {}",
            safe_line(&i.id),
            number(i),
            r.stale_after_reminders,
            safe_line(&to.join(", ")),
            waiting(i)
        )?;
    }
    for (id, why) in &report.refused {
        writeln!(out, "not reminded  {}: {}", safe_line(id), safe_line(why))?;
    }
    for i in &report.stale {
        writeln!(
            out,
            "STALE  {}  {}: {} reminders sent, no more will be; {} (for the lead to decide)",
            safe_line(&i.id),
            safe_line(&i.app_name),
            sent(i),
            waiting(i)
        )?;
    }
    if !report.waiting.is_empty() {
        writeln!(
            out,
            "{} idle item(s) were reminded less than {} business days ago",
            report.waiting.len(),
            r.isv_idle_business_days
        )?;
    }
    if report.queued.is_empty() && report.refused.is_empty() && report.stale.is_empty() {
        writeln!(out, "no reminder is due")?;
    }
    Ok(())
}
