//! `oin-review mail fetch|inbox|read|attach`: the ISV's replies, through the workflow.

use super::Ctx;
use super::lint::LintFormat;
use crate::domain::{Reply, ReplyKind};
use crate::text::safe_line;
use crate::workflow::inbound::{FetchRefused, StoredReply, lease_holder};
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

pub fn fetch(ctx: &Ctx) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let started = std::time::Instant::now();
    let outcome = rt.block_on(wf.fetch_replies(&lease_holder(&ctx.analyst), &crate::clock::now))?;
    let mut out = super::stdout();
    let report = match outcome {
        Ok(r) => r,
        Err(FetchRefused::Busy(held)) => {
            writeln!(
                out,
                "another fetch is running ({}, until {}); nothing fetched by this one",
                safe_line(&held.holder),
                held.until
            )?;
            out.flush()?;
            return Ok(ExitCode::SUCCESS);
        }
        Err(FetchRefused::NoMailbox) => {
            out.flush()?;
            eprintln!("oin-review: mail fetch: {}", FetchRefused::NoMailbox);
            return Ok(ExitCode::FAILURE);
        }
        Err(why) => {
            out.flush()?;
            eprintln!(
                "oin-review: mail fetch: {}; nothing was lost, fetch again later",
                safe_line(&why.to_string())
            );
            return Ok(ExitCode::FAILURE);
        }
    };
    for s in &report.stored {
        writeln!(out, "{}", stored_line(s))?;
    }
    let count = |k: ReplyKind| report.stored.iter().filter(|s| s.kind == k).count();
    let unmatched = report
        .stored
        .iter()
        .filter(|s| s.submission_id.is_none())
        .count();
    writeln!(
        out,
        "fetched {} message(s) from {} in {:.1} s: {} new ({} replies, {} auto-replies, {} bounces; {} unmatched), {} stored before",
        report.read,
        safe_line(&report.mailbox),
        started.elapsed().as_secs_f64(),
        report.stored.len(),
        count(ReplyKind::Reply),
        count(ReplyKind::AutoReply),
        count(ReplyKind::Bounce),
        unmatched,
        report.already,
    )?;
    if let Some(uid) = report.held_back {
        writeln!(
            out,
            "the server listed message UID {uid} without its body: the fetch stopped before it and reads it again next time"
        )?;
    }
    if unmatched > 0 {
        writeln!(
            out,
            "`oin-review mail inbox --unmatched` lists the unmatched; `oin-review mail attach N ID` attaches one"
        )?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn stored_line(s: &StoredReply) -> String {
    let to = match (&s.submission_id, s.matched_by) {
        (Some(id), Some(by)) => format!("{} (by {})", safe_line(id), by.key()),
        _ => "unmatched".to_string(),
    };
    let bounce = s
        .bounce_of
        .map(|e| format!("  bounce of email {e}"))
        .unwrap_or_default();
    let warn = if s.warnings.is_empty() {
        String::new()
    } else {
        format!("  ({})", safe_line(&s.warnings.join("; ")))
    };
    format!(
        "message {:<5} {:<10} {to}  {}  {}{bounce}{warn}",
        s.id,
        s.kind.key(),
        safe_line(&s.sender),
        safe_line(&s.subject),
    )
}

pub fn inbox(ctx: &Ctx, unmatched: bool, format: LintFormat) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
    let replies = wf.inbox(unmatched)?;
    let mut out = super::stdout();
    match format {
        LintFormat::Json => {
            writeln!(out, "{}", crate::text::json_text(&replies, true)?)?;
        }
        LintFormat::Text => {
            if replies.is_empty() {
                writeln!(
                    out,
                    "{}",
                    if unmatched {
                        "no unmatched messages"
                    } else {
                        "no messages received; `oin-review mail fetch` fetches them"
                    }
                )?;
            }
            for r in &replies {
                let to = match &r.submission_id {
                    Some(id) => safe_line(id),
                    None => "unmatched".into(),
                };
                writeln!(
                    out,
                    "{:<5} {}  {:<10} {:<15} {}  {}",
                    r.id,
                    r.received_at.strftime("%Y-%m-%d %H:%M"),
                    r.kind.key(),
                    to,
                    safe_line(&r.sender),
                    safe_line(&r.subject)
                )?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn read(ctx: &Ctx, message: i64) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
    let r = wf.received(message)?;
    let mut out = super::stdout();
    write_reply(&mut out, &r, true)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// A received message as `show` and `mail read` print it: its head, its text indented,
/// and with `whole` what was folded away.
pub(super) fn write_reply(out: &mut impl Write, r: &Reply, whole: bool) -> std::io::Result<()> {
    let who = match &r.sender_name {
        Some(n) => format!("{n} <{}>", r.sender),
        None => r.sender.clone(),
    };
    writeln!(out, "message {}  {}", r.id, r.kind.key())?;
    writeln!(out, "  from      {}", safe_line(&who))?;
    writeln!(out, "  subject   {}", safe_line(&r.subject))?;
    writeln!(
        out,
        "  received  {}{}",
        r.received_at,
        r.sent_at
            .map(|d| format!(" (dated {d})"))
            .unwrap_or_default()
    )?;
    match (&r.submission_id, r.matched_by) {
        (Some(id), Some(by)) => writeln!(
            out,
            "  about     {} (matched by {}{})",
            safe_line(id),
            by.key(),
            r.attached_by
                .as_deref()
                .map(|a| format!(", attached by {}", safe_line(a)))
                .unwrap_or_default()
        )?,
        _ => writeln!(
            out,
            "  about     unmatched (`oin-review mail attach {} ID`)",
            r.id
        )?,
    }
    if let Some(reason) = &r.bounce_reason {
        writeln!(
            out,
            "  bounced   {}{}",
            safe_line(reason),
            r.bounce_of
                .map(|e| format!(" (email {e})"))
                .unwrap_or_default()
        )?;
    }
    for a in &r.attachments {
        writeln!(
            out,
            "  attached  {}. {} ({}, {} bytes{})",
            a.position + 1,
            safe_line(&a.name),
            safe_line(&a.content_type),
            a.size,
            if a.kept {
                ""
            } else {
                ", not kept: over the limit"
            }
        )?;
    }
    for w in &r.warnings {
        writeln!(out, "  warning   {}", safe_line(w))?;
    }
    writeln!(out)?;
    for line in r.text.lines() {
        writeln!(out, "    {}", safe_line(line))?;
    }
    if whole && !r.folded.is_empty() {
        writeln!(out, "    ┄ folded ┄")?;
        for line in r.folded.lines() {
            writeln!(out, "    {}", safe_line(line))?;
        }
    } else if !r.folded.is_empty() {
        writeln!(
            out,
            "    ┄ {} folded line(s): `oin-review mail read {}` ┄",
            r.folded.lines().count(),
            r.id
        )?;
    }
    Ok(())
}

/// One attachment's content, byte for byte, on standard output.
pub fn attachment(ctx: &Ctx, message: i64, n: i64) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
    let bytes = wf.attachment(message, n)?;
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        eprintln!(
            "oin-review: mail read {message} --attachment {n}: {} bytes that are not shown on a terminal; redirect them to a file (> FILE)",
            bytes.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let mut out = super::stdout();
    out.write_all(&bytes)?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn attach(ctx: &Ctx, message: i64, id: &str) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    match wf.attach_reply(message, id, &ctx.analyst, ctx.now) {
        Ok(id) => {
            println!("message {message} attached to {}", safe_line(&id));
            Ok(ExitCode::SUCCESS)
        }
        Err(crate::workflow::WorkflowError::Refused(why)) => {
            eprintln!("oin-review: mail attach: {why}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}
