//! `oin-review bench`: the performance figures, measured on a synthetic queue of N
//! submissions in a temporary database, with warm-up and repeats (median and p95).

use super::Ctx;
use crate::demo;
use crate::domain::ReviewState;
use crate::store::{MoveItem, MoveRequest, OpenOptions, Store};
use crate::tui::bench as tb;
use crate::tui::theme::Theme;
use anyhow::{Context as _, Result, anyhow};
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Measure the console and the CLI on a synthetic queue of N submissions (the \
    demo generator) in a temporary database: open (start to the first complete frame on a \
    160x48 TestBackend), keystroke (typing scripted queries, to the frame showing each \
    result), frame (render cost at 1 000 and at N rows), bytes (written by a real crossterm \
    backend), batch (10 000 moves in one transaction), list (`list --format json` of all \
    rows) and memory (peak RSS of a process that opens the console and searches). \
    `--prepare DIR` only writes DIR/queue.db and DIR/lines.txt (the searchable text, one line \
    per submission) for scripts/bench-compare."
)]
pub struct Args {
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Timed runs of each figure after one warm-up.
    #[arg(long, default_value_t = 5)]
    pub repeats: usize,
    #[arg(long, value_enum, default_value = "text")]
    pub format: super::lint::LintFormat,
    /// Write the queue and its search lines to DIR and stop.
    #[arg(long, value_name = "DIR")]
    pub prepare: Option<PathBuf>,
    /// Internal: open the console on DB in this process (for the memory figure).
    #[arg(long, hide = true, value_name = "DB")]
    pub child_open: Option<PathBuf>,
}

/// Median and 95th percentile of a sample, in milliseconds.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Stat {
    pub median_ms: f64,
    pub p95_ms: f64,
    pub runs: usize,
}

fn stat(mut v: Vec<Duration>) -> Stat {
    v.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        if v.is_empty() {
            0.0
        } else {
            ms(v[((v.len() - 1) as f64 * q).round() as usize])
        }
    };
    Stat {
        median_ms: at(0.5),
        p95_ms: at(0.95),
        runs: v.len(),
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub rows: usize,
    pub seed: u64,
    pub build_s: f64,
    pub open: Stat,
    /// Of `open`: reading the database.
    pub open_load: Stat,
    pub keystroke: Stat,
    pub frame_1000: Stat,
    pub frame_n: Stat,
    pub frame_ratio: f64,
    pub bytes: tb::Bytes,
    pub bytes_move_percent: f64,
    pub batch_items: usize,
    pub batch: Stat,
    pub list: Stat,
    pub peak_rss_mb: f64,
}

/// A temporary folder removed when the bench ends, however it ends.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn theme() -> Result<Theme> {
    Theme::load("dark").map_err(|e| anyhow!("bench: theme: {e}"))
}

/// Creates the synthetic queue at `db`; returns the submissions.
fn build(ctx: &Ctx, db: &Path, rows: usize, seed: u64) -> Result<Vec<crate::domain::Submission>> {
    let subs = demo::generate(rows, seed, ctx.now);
    let mut store = Store::open(
        db,
        &OpenOptions {
            create: true,
            policy: Some(ctx.policy.clone()),
            ..OpenOptions::default()
        },
    )?;
    store.set_meta("demo", "1")?;
    store.import_submissions(&subs, &ctx.analyst, jiff::Timestamp::now(), "bench")?;
    Ok(subs)
}

/// Peak RSS of this process, in MB: VmHWM from /proc (ru_maxrss would include the parent's
/// peak when the process was spawned from a large one).
fn own_peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let policy = ctx.policy.clone();
    let theme = theme()?;
    if let Some(db) = &args.child_open {
        // Open as the console does, render, search once; report this process's peak RSS.
        let store = Store::open(db, &OpenOptions::default())?;
        let mut app = tb::first_frame(store.load_submissions()?, policy, ctx.now, &theme);
        tb::keystrokes(&mut app, &theme);
        println!("{}", own_peak_rss_mb());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.prepare {
        std::fs::create_dir_all(dir).with_context(|| format!("bench: {}", dir.display()))?;
        let db = dir.join("queue.db");
        if db.exists() {
            anyhow::bail!("bench: {} exists; give an empty folder", db.display());
        }
        let subs = build(ctx, &db, args.rows, args.seed)?;
        let mut lines = std::io::BufWriter::new(std::fs::File::create(dir.join("lines.txt"))?);
        for s in &subs {
            writeln!(lines, "{}", s.search_text())?;
        }
        lines.flush()?;
        println!("{} and {}", db.display(), dir.join("lines.txt").display());
        return Ok(ExitCode::SUCCESS);
    }
    let dir =
        TempDir(std::env::temp_dir().join(format!("oin-review-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let db = dir.0.join("queue.db");
    let say = |what: &str| eprintln!("bench: {what}");
    say(&format!(
        "building {} submissions (seed {})…",
        args.rows, args.seed
    ));
    let t = Instant::now();
    let subs = build(ctx, &db, args.rows, args.seed)?;
    let build_s = t.elapsed().as_secs_f64();
    let repeats = args.repeats.max(1);

    say("open…");
    let mut opens = Vec::new();
    let mut loads = Vec::new();
    let mut app = None;
    for i in 0..=repeats {
        let t = Instant::now();
        let store = Store::open(&db, &OpenOptions::default())?;
        let subs = store.load_submissions()?;
        let loaded = t.elapsed();
        let a = tb::first_frame(subs, policy.clone(), ctx.now, &theme);
        if i > 0 {
            opens.push(t.elapsed());
            loads.push(loaded);
        }
        app = Some(a);
    }
    let mut app = app.ok_or_else(|| anyhow!("bench: nothing opened"))?;

    say("keystrokes…");
    tb::keystrokes(&mut app, &theme); // warm-up
    let keys = tb::keystrokes(&mut app, &theme);

    say("frames…");
    let small: Vec<_> = subs.iter().take(1000).cloned().collect();
    let mut app_small = tb::loaded_app(
        crate::tui::worker::build_rows(small, &policy, ctx.now),
        policy.clone(),
        ctx.now,
    );
    let frames = 200 * repeats;
    tb::frames(&mut app_small, &theme, 50);
    let frame_1000 = stat(tb::frames(&mut app_small, &theme, frames));
    tb::frames(&mut app, &theme, 50);
    let frame_n = stat(tb::frames(&mut app, &theme, frames));
    let bytes = tb::bytes(&mut app, &theme)?;
    drop(app);
    drop(app_small);

    say("batch moves…");
    let mut store = Store::open(&db, &OpenOptions::default())?;
    let ids: Vec<MoveItem> = subs
        .iter()
        .filter(|s| s.state == ReviewState::InitialReview)
        .take(10_000)
        .map(|s| MoveItem::new(s.id.clone()))
        .collect();
    drop(subs);
    let mut batches = Vec::new();
    for i in 0..=repeats {
        let to = if i % 2 == 0 {
            ReviewState::IsvReview
        } else {
            ReviewState::InitialReview
        };
        let t = Instant::now();
        let out = store.move_submissions(&MoveRequest {
            reason: Some("bench"),
            all_or_nothing: true,
            ..MoveRequest::new(&ids, to, &ctx.analyst, jiff::Timestamp::now())
        })?;
        let took = t.elapsed();
        if let Some(refused) = out.iter().find(|o| o.result.is_err()) {
            anyhow::bail!(
                "bench: the batch was refused: {} {:?}",
                refused.id,
                refused.result
            );
        }
        if i > 0 {
            batches.push(took);
        }
    }
    drop(store);

    say("memory…");
    let exe = std::env::current_exe()?;
    let child = Command::new(&exe)
        .arg("bench")
        .arg("--child-open")
        .arg(&db)
        .stderr(Stdio::inherit())
        .output()?;
    let peak_rss_mb: f64 = String::from_utf8_lossy(&child.stdout)
        .trim()
        .parse()
        .map_err(|_| anyhow!("bench: the memory probe failed ({})", child.status))?;

    say("list --format json…");
    let mut lists = Vec::new();
    for i in 0..=repeats.min(3) {
        let t = Instant::now();
        let status = Command::new(&exe)
            .arg("--db")
            .arg(&db)
            .args(["list", "--format", "json"])
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            anyhow::bail!("bench: list failed ({status})");
        }
        if i > 0 {
            lists.push(t.elapsed());
        }
    }

    let report = Report {
        rows: args.rows,
        seed: args.seed,
        build_s,
        open: stat(opens),
        open_load: stat(loads),
        keystroke: stat(keys),
        frame_ratio: if frame_1000.median_ms > 0.0 {
            frame_n.median_ms / frame_1000.median_ms
        } else {
            0.0
        },
        frame_1000,
        frame_n,
        bytes_move_percent: 100.0 * bytes.selection_move as f64 / bytes.full_repaint.max(1) as f64,
        bytes,
        batch_items: ids.len(),
        batch: stat(batches),
        list: stat(lists),
        peak_rss_mb,
    };
    let mut out = super::stdout();
    match args.format {
        super::lint::LintFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &report)?;
            writeln!(out)?;
        }
        super::lint::LintFormat::Text => write_text(&mut out, &report)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_text(out: &mut impl Write, r: &Report) -> std::io::Result<()> {
    let n = r.rows;
    writeln!(
        out,
        "oin-review bench: {n} submissions (seed {}), built in {:.1} s",
        r.seed, r.build_s
    )?;
    writeln!(
        out,
        "{:<34} {:>10} {:>10}  target",
        "figure", "median", "p95"
    )?;
    let row = |out: &mut dyn Write, name: &str, s: &Stat, target: &str| {
        writeln!(
            out,
            "{name:<34} {:>8.2}ms {:>8.2}ms  {target}",
            s.median_ms, s.p95_ms
        )
    };
    row(
        out,
        "open (to first frame)",
        &r.open,
        "< 1000 ms at 100 000",
    )?;
    row(out, "  of which reading the database", &r.open_load, "")?;
    row(out, "keystroke (to its frame)", &r.keystroke, "p95 < 16 ms")?;
    row(out, "frame, 1 000 rows", &r.frame_1000, "")?;
    row(out, &format!("frame, {n} rows"), &r.frame_n, "")?;
    writeln!(
        out,
        "{:<34} {:>10.2}             < 1.3",
        "frame ratio N / 1 000", r.frame_ratio
    )?;
    writeln!(
        out,
        "{:<34} {:>10}             (full repaint {} B, search keystroke {} B)",
        "bytes, selection move",
        r.bytes.selection_move,
        r.bytes.full_repaint,
        r.bytes.search_keystroke
    )?;
    writeln!(
        out,
        "{:<34} {:>9.1}%             < 20%",
        "  of a full repaint", r.bytes_move_percent
    )?;
    row(
        out,
        &format!("batch move of {}", r.batch_items),
        &r.batch,
        "(ratio to sqlite3: scripts/bench-compare < 3)",
    )?;
    row(out, "list --format json", &r.list, "")?;
    writeln!(
        out,
        "{:<34} {:>8.1}MB             < 300 MB at 100 000",
        "peak RSS (console + search)", r.peak_rss_mb
    )?;
    Ok(())
}
