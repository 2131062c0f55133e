//! `oin-review import FILE...`: upsert submissions from JSON files, all or nothing.

use super::Ctx;
use crate::exchange;
use anyhow::{Context as _, Result};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Import submissions from JSON files (a top-level array, or {\"submissions\": [...]}).\n\n\
    Submissions are upserted by id. Every file is checked before anything is written, and all \
    files go in one transaction: if any file is refused, the queue is unchanged. History entries \
    are appended to the audit log. See the README for the format.\n\n\
    With --notify, each submission the import puts into initial review (new, or elsewhere \
    before) is sent its \"received\" email with the expected end of the initial review, queued \
    in the same transaction. Without it an import emails nobody, so importing history is safe."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// Submission files to import.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Email the ISV of each submission that enters initial review ("received").
    #[arg(long)]
    pub notify: bool,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut all = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for path in &args.files {
        let name = path.display().to_string();
        let bytes = std::fs::read(path).with_context(|| format!("import: cannot read {name}"))?;
        let subs = exchange::parse_submissions(&name, &bytes).context("import")?;
        for s in &subs {
            if let Some(other) = seen.insert(s.id.clone(), name.clone()) {
                anyhow::bail!(
                    "import: {name}: id \"{}\" is also in {other}; import each submission once",
                    s.id
                );
            }
        }
        all.extend(subs);
    }
    let mut wf = ctx.workflow(false)?;
    let source = args
        .files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let summary = wf
        .import(
            &all,
            &source,
            args.notify,
            &ctx.analyst,
            crate::clock::now(),
        )
        .context("import")?;
    println!(
        "imported {} submission(s) from {} file(s) into {}: {} new, {} updated, {} history event(s) added",
        all.len(),
        args.files.len(),
        wf.path().display(),
        summary.inserted,
        summary.updated,
        summary.events_added
    );
    if args.notify {
        println!(
            "{} \"received\" email(s) queued; `oin-review outbox flush` (or a running console) delivers them",
            summary.notified.len()
        );
        for (id, why) in &summary.not_notified {
            println!(
                "{}  no received email: {}",
                crate::text::safe_line(id),
                crate::text::safe_line(why)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
