//! `oin-review new-version ID`: edit a published integration as a new version.

use super::Ctx;
use anyhow::{Result, bail};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Edit a published integration: make its new version, a draft of its own named \
    ID-v2 (then -v3...), linked to the published one. The new version is an update: it needs \
    the published version's tests (backwards compatibility) and the update rules apply. The \
    published integration stays published and live until the new version is published; then \
    the new version replaces it (001: \"The new version replaces the old one in the OIN \
    catalog\"), and the old one is kept with its history, marked as replaced. One new version \
    is open at a time."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// The published submission's id.
    #[arg(value_name = "ID", add = super::complete::id_values())]
    pub id: String,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let mut wf = ctx.workflow(false)?;
    let sub = match wf.new_version(&args.id, &ctx.analyst, crate::clock::now()) {
        Ok(sub) => sub,
        Err(e) => bail!("new-version: {e}; nothing was changed"),
    };
    println!("{}", crate::workflow::new_version_line(&sub));
    Ok(ExitCode::SUCCESS)
}
