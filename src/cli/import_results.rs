//! `oin-review import-results FILE...`: OIN Submission Tester results, all or nothing.

use super::Ctx;
use crate::exchange;
use anyhow::{Context as _, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Import OIN Submission Tester results (JSON; see the README for the \
    format). Each result names its submission, app instance, protocol, test case, result and \
    run time; unknown fields are ignored. Every file is checked first and all go in one \
    transaction: a bad file, or a result for a submission not in the queue, imports nothing. \
    A run already stored is not added twice."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// Submission Tester result files (JSON); all are imported in one transaction.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut all = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let bytes =
            std::fs::read(path).with_context(|| format!("import-results: cannot read {name}"))?;
        all.extend(exchange::parse_test_results(&name, &bytes).context("import-results")?);
    }
    let mut wf = ctx.workflow(false)?;
    let added = wf
        .import_test_results(&all)
        .context("import-results: nothing was imported")?;
    println!(
        "imported {added} new test result(s) ({} read, {} already known) from {} file(s)",
        all.len(),
        all.len() - added,
        args.files.len()
    );
    Ok(ExitCode::SUCCESS)
}
