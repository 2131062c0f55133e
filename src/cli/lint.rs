//! `oin-review lint ID...`: the requirements the console checks by itself.

use super::Ctx;
use crate::domain::lint::{org_count, org_counts};
use crate::domain::policy::findings;
use crate::domain::{Finding, assess};
use crate::text::safe_line;
use anyhow::{Result, bail};
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
    #[arg(value_name = "ID", required_unless_present = "all")]
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
    let store = ctx.open_store(false)?;
    let subs = store.load_submissions()?;
    let counts = org_counts(subs.iter());
    let chosen: Vec<&crate::domain::Submission> = if args.all {
        subs.iter().collect()
    } else {
        let mut out = Vec::new();
        for id in &args.ids {
            match subs.iter().find(|s| &s.id == id) {
                Some(s) => out.push(s),
                None => bail!(
                    "lint: no submission \"{}\" in {}",
                    safe_line(id),
                    store.path().display()
                ),
            }
        }
        out
    };
    let linted: Vec<Linted> = chosen
        .iter()
        .map(|s| {
            let a = assess(s, &ctx.policy, ctx.now);
            Linted {
                id: &s.id,
                app_name: &s.app_name,
                findings: findings(s, &ctx.policy, &a, org_count(&counts, s)),
            }
        })
        .collect();
    let mut out = super::stdout();
    match args.format {
        LintFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &linted)?;
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

/// The lint's findings for one submission, counting its org in the store.
pub(super) fn lint_one(
    ctx: &Ctx,
    store: &crate::store::Store,
    sub: &crate::domain::Submission,
) -> Result<Vec<Finding>> {
    let org = store.org_submission_count(sub.dev_org.as_deref())?;
    Ok(findings(
        sub,
        &ctx.policy,
        &assess(sub, &ctx.policy, ctx.now),
        org,
    ))
}

/// Loads one submission or says how to find ids.
pub(super) fn load_one(
    store: &crate::store::Store,
    id: &str,
    command: &str,
) -> Result<crate::domain::Submission> {
    match store.submission(id)? {
        Some(s) => Ok(s),
        None => bail!(
            "{command}: no submission \"{}\" in {}; `oin-review list --query TEXT` finds ids",
            safe_line(id),
            store.path().display()
        ),
    }
}
