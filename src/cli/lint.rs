//! `oin-review lint ID...`: the requirements the console checks by itself.

use super::Ctx;
use crate::domain::Finding;
use crate::text::safe_line;
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Check submissions against the OIN requirements (DOMAIN.md's rule table): \
    each finding has a rule id, a severity (blocker or warning), the sentence the ISV reads and \
    the source document. Thresholds come from the policy's [lint] table. --all lints the whole \
    queue."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    /// The submissions to check (or --all).
    #[arg(value_name = "ID", add = super::complete::id_values(), required_unless_present = "all")]
    pub ids: Vec<String>,
    /// Lint every submission.
    #[arg(long)]
    pub all: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: LintFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LintFormat {
    Text,
    Json,
}

#[derive(Serialize)]
struct Linted<'a> {
    id: &'a str,
    app_name: &'a str,
    findings: Vec<Finding>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
    let (subs, reviews) = if args.all {
        let subs = wf.all_submissions()?;
        let reviews = wf.reviews(&subs, ctx.now);
        (subs, reviews)
    } else {
        let mut subs = Vec::new();
        let mut reviews = Vec::new();
        for id in &args.ids {
            let sub = wf
                .submission(id)
                .map_err(|e| anyhow::anyhow!("lint: {e}"))?;
            reviews.push(wf.review(&sub, ctx.now)?);
            subs.push(sub);
        }
        (subs, reviews)
    };
    let linted: Vec<Linted> = subs
        .iter()
        .zip(reviews)
        .map(|(s, r)| Linted {
            id: &s.id,
            app_name: &s.app_name,
            findings: r.lint,
        })
        .collect();
    let mut out = super::stdout();
    match args.format {
        LintFormat::Json => {
            serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &linted)?;
            writeln!(out)?;
        }
        LintFormat::Text => {
            for l in &linted {
                let blockers = l
                    .findings
                    .iter()
                    .filter(|f| f.severity == crate::domain::Severity::Blocker)
                    .count();
                writeln!(
                    out,
                    "{}  {}: {} blocker(s), {} warning(s)",
                    l.id,
                    safe_line(l.app_name),
                    blockers,
                    l.findings.len() - blockers
                )?;
                for (i, f) in l.findings.iter().enumerate() {
                    writeln!(
                        out,
                        "  {}. [{}] {}  ({}; source {})",
                        i + 1,
                        f.severity.key(),
                        safe_line(&f.message),
                        f.rule,
                        f.source
                    )?;
                }
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
