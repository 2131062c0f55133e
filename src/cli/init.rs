//! `oin-review init [--group G]`: makes an empty queue, on purpose. Every other command
//! (`demo` aside) refuses a path where no queue is, so a typo in `--db` never makes one.

use super::Ctx;
use anyhow::{Result, bail};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Make an empty review queue at the queue path (--db PATH, else $OIN_REVIEW_DB, \
    else the config's `database`, else $XDG_DATA_HOME/oin-review/queue.db), creating its \
    folder. With --group G (or the config's `db_group`) the queue is made 0660 for that Unix \
    group, to share; else 0600. A queue already there is left as it is. Every other command \
    but `demo` refuses a path where no queue is."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// The Unix group sharing the queue (else the config's `db_group`, else none).
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let path = ctx.db_path()?;
    if path.exists() {
        bail!(
            "init: there is already a queue at {}: it is left as it is (`oin-review check` says whether it is sound)",
            path.display()
        );
    }
    let mut options = ctx.open_options(true);
    if let Some(g) = args.group {
        options.group = Some(g);
    }
    let group = options.group.clone();
    ctx.workflow_at(&path, &options)?;
    match group {
        Some(g) => println!(
            "made an empty queue at {}, 0660 for the group {g}; `oin-review import FILE` fills it",
            path.display()
        ),
        None => println!(
            "made an empty queue at {}, 0600 (yours only; `--group G` shares it); `oin-review import FILE` fills it",
            path.display()
        ),
    }
    Ok(ExitCode::SUCCESS)
}
