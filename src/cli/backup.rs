//! `oin-review backup`: a consistent online copy of the queue.

use super::Ctx;
use crate::store::named_backups;
use anyhow::{Context as _, Result, bail};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Copy the queue through SQLite's backup API: one consistent snapshot, taken \
    while colleagues keep working (a `cp` of a WAL database is not a backup). The copy is one \
    file with the queue's mode and group, checked with `PRAGMA integrity_check` before it is \
    renamed into place; a failed backup leaves no file. Without PATH it goes to \
    `backups/queue-<UTC time, to the millisecond>.db` beside the queue, where --keep N removes all but the newest N."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// Where to write the copy (must not exist); default `backups/queue-<UTC time>.db`
    /// beside the queue.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
    /// Keep only the newest N backups in the default folder (after this one is written).
    #[arg(long, value_name = "N")]
    pub keep: Option<usize>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = open_store(ctx)?;
    let dir = store
        .path()
        .parent()
        .map(|p| p.join("backups"))
        .unwrap_or_else(|| PathBuf::from("backups"));
    if args.keep == Some(0) {
        bail!("--keep 0 would remove the backup just written: keep at least 1");
    }
    if args.keep.is_some() && args.path.is_some() {
        bail!(
            "--keep rotates the default folder ({}) only: leave out PATH, or rotate your own folder yourself",
            dir.display()
        );
    }
    // Real time, whatever --as-of says: a backup is a write of today.
    let stamp = crate::clock::now()
        .strftime("%Y%m%dT%H%M%S%.3fZ")
        .to_string();
    let dest = args
        .path
        .unwrap_or_else(|| dir.join(format!("queue-{stamp}.db")));
    let done = store.backup_to(&dest)?;
    println!(
        "backed up {} submission(s) and {} event(s) to {} ({:.1} MB); integrity check ok",
        done.submissions,
        done.events,
        done.path.display(),
        done.bytes as f64 / 1e6
    );
    if let Some(keep) = args.keep {
        let all = named_backups(&dir).with_context(|| format!("listing {}", dir.display()))?;
        let old = all.len().saturating_sub(keep);
        for p in &all[..old] {
            std::fs::remove_file(p)
                .with_context(|| format!("removing the old backup {}", p.display()))?;
            println!("removed the old backup {}", p.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The queue for reading, as `backup` opens it (with a warning when it is too open).
fn open_store(ctx: &Ctx) -> Result<crate::store::Store> {
    let path = ctx.db_path()?;
    let store = crate::store::Store::open(&path, &ctx.open_options(false))?;
    super::warn_on_open(
        &path,
        store.permission_warning(),
        store.disk_full(),
        store.read_only(),
    );
    Ok(store)
}
