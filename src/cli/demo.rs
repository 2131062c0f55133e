//! `oin-review demo`: a fresh demo queue (never the real one), then the console on it.

use super::Ctx;
use crate::config;
use crate::demo;
use crate::exchange;
use crate::workflow::OpenOptions;
use anyhow::{Context as _, Result, bail};
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Create a demo queue: the hand-written sample submissions plus N \
    generated ones across every state, protocol, age, SLA situation and rule violation. \
    It goes to --db PATH, else <data dir>/oin-review/demo.db (never $OIN_REVIEW_DB or the \
    configured queue). An existing demo queue there is replaced; a real queue is refused."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    /// Generated submissions on top of the samples.
    #[arg(long, default_value_t = 200)]
    pub rows: usize,
    /// Seed of the generator: the same seed gives the same queue.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Only create the queue; print how to use it.
    #[arg(long)]
    pub no_open: bool,
}

const DEMO_MARK: &str = "demo";

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let path = match &ctx.db_flag {
        Some(p) => p.clone(),
        None => config::demo_db()?,
    };
    replace_demo(ctx, &path)?;
    let mut subs = exchange::parse_submissions(
        "data/sample-submissions.json",
        demo::SAMPLE_SUBMISSIONS.as_bytes(),
    )
    .context("demo: the built-in samples")?;
    let samples = subs.len();
    let mut results = exchange::parse_test_results(
        "data/sample-tester-results.json",
        demo::SAMPLE_TESTER_RESULTS.as_bytes(),
    )
    .context("demo: the built-in tester results")?;
    // The samples' dates move by whole weeks to the demo's day (README: "The demo").
    demo::shift_samples(&mut subs, &mut results, ctx.now);
    subs.extend(demo::generate(args.rows, args.seed, ctx.now));
    let mut wf = ctx.workflow_at(
        &path,
        &OpenOptions {
            create: true,
            policy: Some(ctx.policy.clone()),
            ..OpenOptions::default()
        },
    )?;
    wf.set_mark(DEMO_MARK)?;
    wf.import(&subs, "demo", false, &ctx.analyst, crate::clock::now())?;
    wf.import_test_results(&results)
        .context("demo: the built-in tester results")?;
    println!(
        "demo queue at {}: {samples} sample + {} generated submissions",
        path.display(),
        args.rows
    );
    if !args.no_open && super::console::has_terminal() {
        return super::console::run(ctx, wf);
    }
    if !args.no_open {
        eprintln!(
            "oin-review: no terminal here (stdout is not a TTY): showing the queue as a table instead of the console"
        );
        let mut lines = Vec::new();
        wf.each_line(ctx.now, &mut |l| {
            lines.push(l);
            true
        })?;
        let rows = crate::workflow::listing::by_urgency(lines, &ctx.policy, ctx.now);
        let day = ctx.policy.sla.calendar.day_length();
        super::list::write_table(&mut std::io::stdout().lock(), &rows, day, 80)?;
    }
    let db = shell_quote(&path);
    println!("try: oin-review --db {db} list --state qa_testing");
    println!("     oin-review --db {db} show OIN-2026-0142");
    println!("     oin-review --db {db} move --to qa_testing OIN-2026-0142");
    println!("(or `export OIN_REVIEW_DB={db}` once, then leave out --db)");
    Ok(ExitCode::SUCCESS)
}

/// Removes an earlier demo queue at `path`; refuses to touch anything else.
fn replace_demo(ctx: &Ctx, path: &Path) -> Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let is_demo = ctx
        .workflow_at(path, &OpenOptions::default())
        .and_then(|wf| Ok(wf.has_mark(DEMO_MARK)?))
        .unwrap_or(false);
    if !is_demo {
        bail!(
            "demo: {} exists and is not a demo queue; it was left untouched (pass another --db)",
            path.display()
        );
    }
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e)
                    .with_context(|| format!("demo: removing {}", Path::new(&p).display()));
            }
        }
    }
    Ok(())
}

fn shell_quote(p: &Path) -> String {
    crate::text::shell_word(&p.display().to_string())
}
