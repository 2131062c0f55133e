//! `oin-review report sla|workload`: what a lead reads of the team's SLA and load.

use super::Ctx;
use super::list::csv_field;
use crate::domain::report::{GroupBy, SlaRow, WorkloadRow};
use crate::domain::sla::compact;
use crate::text::{fit, pad, safe_line};
use anyhow::Result;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Reports for the team lead, walked from the audit history (so a past \
    window and --as-of are both exact). `sla`: over the clocks that ended in the window, per \
    group, how many finished, met and breached their target, the attainment (met / finished), \
    the median and 90th-percentile business time used, and the median business time the ISV \
    held the item in the middle of the phase. `workload`: open items (every state but \
    published) per assignee, by state and by SLA status."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    #[command(subcommand)]
    pub command: ReportCommand,
}

#[derive(Debug, clap::Subcommand)]
pub enum ReportCommand {
    /// SLA attainment over the clocks that ended in a window.
    Sla {
        /// The first day of the window (in the team's time zone); default: the queue's start.
        #[arg(long, value_name = "DATE", value_parser = super::promise::parse_date)]
        since: Option<jiff::civil::Date>,
        /// The last day of the window, included; default: now (or --as-of).
        #[arg(long, value_name = "DATE", value_parser = super::promise::parse_date)]
        until: Option<jiff::civil::Date>,
        /// One row per phase, per analyst (whose move ended the phase), per ISO week or
        /// per month the phase ended in.
        #[arg(long, value_enum, default_value = "phase")]
        by: By,
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
    },
    /// Open items per assignee, by state and by SLA status.
    Workload {
        #[arg(long, value_enum, default_value = "table")]
        format: ReportFormat,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum By {
    Phase,
    Analyst,
    Week,
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    Table,
    Json,
    Csv,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
    let day = ctx.policy.sla.calendar.day_length();
    let mut out = super::stdout();
    match args.command {
        ReportCommand::Sla {
            since,
            until,
            by,
            format,
        } => {
            let group_by = match by {
                By::Phase => GroupBy::Phase,
                By::Analyst => GroupBy::Analyst,
                By::Week => GroupBy::Week,
                By::Month => GroupBy::Month,
            };
            let rows = wf
                .sla_report(since, until, group_by, ctx.now)
                .map_err(|e| anyhow::anyhow!("report sla: {e}"))?;
            match format {
                ReportFormat::Json => {
                    serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &rows)?;
                    writeln!(out)?;
                }
                ReportFormat::Csv => write_sla_csv(&mut out, &rows)?,
                ReportFormat::Table => {
                    let tz = ctx.policy.sla.calendar.time_zone();
                    let window = format!(
                        "{} to {}",
                        since.map_or("the start".to_string(), |d| d.to_string()),
                        until.map_or(ctx.now.to_zoned(tz.clone()).date().to_string(), |d| d
                            .to_string()),
                    );
                    writeln!(
                        out,
                        "SLA attainment of the clocks that ended from {window} ({}), by {}",
                        tz.iana_name().unwrap_or("the team's time zone"),
                        by_name(by)
                    )?;
                    write_sla_table(&mut out, &rows, day)?;
                }
            }
        }
        ReportCommand::Workload { format } => {
            let (rows, total) = wf
                .workload(ctx.now)
                .map_err(|e| anyhow::anyhow!("report workload: {e}"))?;
            match format {
                ReportFormat::Json => {
                    let all: Vec<&WorkloadRow> =
                        rows.iter().chain(std::iter::once(&total)).collect();
                    serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &all)?;
                    writeln!(out)?;
                }
                ReportFormat::Csv => {
                    let header: Vec<&str> = std::iter::once("group")
                        .chain(total.columns().map(|(k, _)| k))
                        .chain(["total"])
                        .collect();
                    writeln!(out, "{}", header.join(","))?;
                    for r in rows.iter().chain(std::iter::once(&total)) {
                        let mut cells = vec![csv_field(r.group.as_deref().unwrap_or(""))];
                        cells.extend(r.columns().map(|(_, n)| n.to_string()));
                        cells.push(r.total.to_string());
                        writeln!(out, "{}", cells.join(","))?;
                    }
                }
                ReportFormat::Table => write_workload_table(&mut out, &rows, &total)?,
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn by_name(by: By) -> &'static str {
    match by {
        By::Phase => "phase",
        By::Analyst => "analyst (whose move ended the phase)",
        By::Week => "ISO week",
        By::Month => "month",
    }
}

fn opt_secs(v: Option<i64>) -> String {
    v.map(|s| s.to_string()).unwrap_or_default()
}

fn write_sla_csv(out: &mut impl Write, rows: &[SlaRow]) -> std::io::Result<()> {
    writeln!(
        out,
        "group,finished,met,breached,attainment_percent,median_used_seconds,p90_used_seconds,median_isv_held_seconds,median_isv_answer_seconds"
    )?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{},{},{},{}",
            csv_field(&r.group),
            r.finished,
            r.met,
            r.breached,
            r.attainment_percent
                .map(|p| p.to_string())
                .unwrap_or_default(),
            opt_secs(r.median_used_seconds),
            opt_secs(r.p90_used_seconds),
            opt_secs(r.median_isv_held_seconds),
            opt_secs(r.median_isv_answer_seconds),
        )?;
    }
    Ok(())
}

fn write_sla_table(out: &mut impl Write, rows: &[SlaRow], day: i64) -> std::io::Result<()> {
    let time = |v: Option<i64>| v.map_or("-".to_string(), |s| compact(s, day));
    let width = rows
        .iter()
        .map(|r| crate::text::display_width(&r.group))
        .max()
        .unwrap_or(0)
        .clamp(5, 24);
    writeln!(
        out,
        "{} {:>8} {:>4} {:>8} {:>10} {:>8} {:>8} {:>8}",
        pad("GROUP", width),
        "FINISHED",
        "MET",
        "BREACHED",
        "ATTAINMENT",
        "MEDIAN",
        "P90",
        "ISV-HELD"
    )?;
    for r in rows {
        writeln!(
            out,
            "{} {:>8} {:>4} {:>8} {:>10} {:>8} {:>8} {:>8}",
            pad(&fit(&safe_line(&r.group), width), width),
            r.finished,
            r.met,
            r.breached,
            r.attainment_percent
                .map_or("-".to_string(), |p| format!("{p:.1}%")),
            time(r.median_used_seconds),
            time(r.p90_used_seconds),
            time(r.median_isv_held_seconds),
        )?;
    }
    writeln!(
        out,
        "MEDIAN, P90: business time used · ISV-HELD: median business time held by the ISV"
    )?;
    if let Some(answer) = rows.last().and_then(|r| r.median_isv_answer_seconds) {
        writeln!(
            out,
            "ISV answers: median {} of business time from the queue's email to the ISV's reply",
            compact(answer, day)
        )?;
    }
    if rows.iter().all(|r| r.finished == 0) {
        writeln!(
            out,
            "no clock ended in this window; widen it with --since and --until"
        )?;
    }
    Ok(())
}

fn write_workload_table(
    out: &mut impl Write,
    rows: &[WorkloadRow],
    total: &WorkloadRow,
) -> std::io::Result<()> {
    let name = |r: &WorkloadRow| safe_line(r.group.as_deref().unwrap_or("(unassigned)"));
    let width = rows
        .iter()
        .map(|r| crate::text::display_width(&name(r)))
        .max()
        .unwrap_or(0)
        .clamp(12, 24);
    let widths = crate::present::workload_widths(rows.iter().chain(std::iter::once(total)));
    let mut header = pad("ASSIGNEE", width);
    for (h, w) in crate::present::WORKLOAD_HEADERS.iter().zip(widths) {
        header.push_str(&format!("{h:>w$}"));
    }
    writeln!(out, "{header}")?;
    for r in rows.iter().chain(std::iter::once(total)) {
        let mut line = pad(&fit(&name(r), width), width);
        for (n, w) in crate::present::workload_counts(r).iter().zip(widths) {
            line.push_str(&format!("{n:>w$}"));
        }
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "INIT initial_review, ISV isv_review, FIX isv_fix_bugs, FINAL final_review"
    )?;
    writeln!(
        out,
        "paused: the SLA clock stops while the ISV holds the item"
    )?;
    Ok(())
}
