//! `oin-review bench`: the performance figures, measured on a synthetic queue of N
//! submissions in a temporary database, with warm-up and repeats (median and p95).

use super::Ctx;
use crate::demo;
use crate::domain::ReviewState;
use crate::store::{MoveItem, OpenOptions, Store};
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
    demo generator) in a temporary database, against one of 1 000 for the ratios: first frame \
    (in-process on a 200x48 TestBackend, and, when tmux is installed, from starting the real \
    console in tmux to the first screen with rows), keystroke (typing scripted queries, to \
    the frame with each key's first results and to the one with their final ranking), frame \
    (render cost at 1 000 and at N rows), bytes (written by a real crossterm backend for a \
    selection move, against a full repaint), batch (10 000 moves in one transaction), list \
    (`list` as table, TSV and JSON, time and peak RSS) and memory (peak RSS of a process that \
    opens the console, reads every line and runs two searches). `--prepare DIR` only writes \
    DIR/queue.db and DIR/lines.txt (the searchable text, one line per submission) for \
    scripts/bench-compare."
)]
pub struct Args {
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Rounds of each figure after one warm-up (the first frame takes four times as many,
    /// the typing script has 34 keys a round).
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

/// A command's time and the peak RSS of its process.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Run {
    #[serde(flatten)]
    pub time: Stat,
    pub peak_rss_mb: f64,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub rows: usize,
    pub seed: u64,
    pub build_s: f64,
    /// In-process: open the store, read the first page, draw.
    pub open: Stat,
    pub open_1000: Stat,
    pub open_ratio: f64,
    /// In tmux: start the console to the first screen with rows (null without tmux).
    pub tmux_first_frame: Option<Stat>,
    pub tmux_first_frame_1000: Option<Stat>,
    pub tmux_ratio: Option<f64>,
    /// Reading every line behind the first frame.
    pub all_lines: Stat,
    /// To the frame with each key's first results.
    pub keystroke: Stat,
    /// To the frame with each key's final ranking.
    pub keystroke_final: Stat,
    pub frame_1000: Stat,
    pub frame_n: Stat,
    pub frame_ratio: f64,
    pub bytes: tb::Bytes,
    pub bytes_move_percent: f64,
    pub bytes_follow_up_percent: f64,
    pub batch_items: usize,
    pub batch: Stat,
    pub list_table: Run,
    pub list_tsv: Run,
    pub list_json: Run,
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

fn options(ctx: &Ctx, create: bool) -> OpenOptions {
    OpenOptions {
        create,
        policy: Some(ctx.policy.clone()),
        ..OpenOptions::default()
    }
}

/// Creates the synthetic queue at `db`; returns the submissions' search lines and the ids
/// of those in initial review.
fn build(ctx: &Ctx, db: &Path, rows: usize, seed: u64) -> Result<(Vec<String>, Vec<String>)> {
    let subs = demo::generate(rows, seed, ctx.now);
    let mut store = Store::open(db, &options(ctx, true))?;
    store.set_meta("demo", "1")?;
    store.import_submissions(&subs, &ctx.analyst, crate::clock::now(), "bench")?;
    let lines = subs.iter().map(|s| s.search_text()).collect();
    let initial = subs
        .iter()
        .filter(|s| s.state == ReviewState::InitialReview)
        .map(|s| s.id.clone())
        .collect();
    Ok((lines, initial))
}

/// Peak RSS of this process, in MB: VmHWM from /proc (ru_maxrss would include the parent's
/// peak when the process was spawned from a large one).
pub fn own_peak_rss_mb() -> f64 {
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

/// What `OIN_REVIEW_BENCH_RSS=1` makes a command say on stderr before it exits.
pub const RSS_MARK: &str = "oin-review bench: peak RSS MB ";

/// Times `oin-review --db DB ARGS` (output discarded), with its peak RSS.
fn time_command(exe: &Path, db: &Path, args: &[&str], repeats: usize) -> Result<Run> {
    let mut times = Vec::new();
    let mut rss: f64 = 0.0;
    for i in 0..=repeats {
        let t = Instant::now();
        let out = Command::new(exe)
            .arg("--db")
            .arg(db)
            .args(args)
            .env("OIN_REVIEW_BENCH_RSS", "1")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()?;
        let took = t.elapsed();
        if !out.status.success() {
            anyhow::bail!(
                "bench: {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let said = String::from_utf8_lossy(&out.stderr);
        if let Some(mb) = said
            .lines()
            .find_map(|l| l.strip_prefix(RSS_MARK))
            .and_then(|v| v.trim().parse::<f64>().ok())
        {
            rss = rss.max(mb);
        }
        if i > 0 {
            times.push(took);
        }
    }
    Ok(Run {
        time: stat(times),
        peak_rss_mb: rss,
    })
}

/// In-process first frames on `db`.
fn open_frames(ctx: &Ctx, db: &Path, theme: &Theme, runs: usize) -> Result<Stat> {
    let mut times = Vec::new();
    for i in 0..=runs {
        let t = Instant::now();
        let store = Store::open(db, &options(ctx, false))?;
        let app = tb::first_frame(&store, ctx.policy.clone(), ctx.now, theme)?;
        if i > 0 {
            times.push(t.elapsed());
        }
        drop(app);
    }
    Ok(stat(times))
}

/// Starts the console on `db` in a detached tmux session (200x48) and times it to the
/// first screen that shows a queue row; None when tmux is not installed.
fn tmux_frames(exe: &Path, db: &Path, runs: usize) -> Result<Option<Stat>> {
    let socket = format!("oin-review-bench-{}", std::process::id());
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-L")
            .arg(&socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .stdin(Stdio::null())
            .output()
    };
    // A server kept up for the whole run, so that each start is the console's alone.
    let mut tries = 0;
    loop {
        match tmux(&["new-session", "-d", "-s", "keep", "sleep 600"]) {
            Ok(o) if o.status.success() => break,
            // A server starting on a loaded machine can fail to come up: try again.
            Ok(_) if tries < 3 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(200));
            }
            Ok(o) => anyhow::bail!(
                "bench: tmux could not start a session: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e).context("bench: running tmux"),
        }
    }
    let command = format!(
        "{} --db {}; sleep 5",
        crate::text::shell_word(&exe.to_string_lossy()),
        crate::text::shell_word(&db.to_string_lossy())
    );
    let mut times = Vec::new();
    let mut failure = None;
    for i in 0..=runs {
        let t = Instant::now();
        let started = tmux(&[
            "new-session",
            "-d",
            "-s",
            "run",
            "-x",
            "200",
            "-y",
            "48",
            &command,
        ])?;
        if !started.status.success() {
            failure = Some(String::from_utf8_lossy(&started.stderr).to_string());
            break;
        }
        let took = loop {
            let screen = tmux(&["capture-pane", "-p", "-t", "run"])?;
            let text = String::from_utf8_lossy(&screen.stdout);
            if text.contains("DEMO-0") {
                break Some(t.elapsed());
            }
            if t.elapsed() > Duration::from_secs(60) {
                break None;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let _ = tmux(&["kill-session", "-t", "run"]);
        match took {
            Some(d) if i > 0 => times.push(d),
            Some(_) => {}
            None => {
                failure = Some("no queue row on screen within 60 s".into());
                break;
            }
        }
    }
    let _ = tmux(&["kill-server"]);
    if let Some(why) = failure {
        anyhow::bail!("bench: the console in tmux: {why}");
    }
    Ok(Some(stat(times)))
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let policy = ctx.policy.clone();
    let theme = theme()?;
    if let Some(db) = &args.child_open {
        // As the console: the first frame, every line behind it, two searches.
        let store = Store::open(db, &options(ctx, false))?;
        let app = tb::first_frame(&store, policy.clone(), ctx.now, &theme)?;
        drop(app);
        let lines = store.lines(&Default::default(), ctx.now)?.lines;
        let mut app = tb::loaded_app(lines, policy, ctx.now);
        tb::two_searches(&mut app, &theme);
        println!("{}", own_peak_rss_mb());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(dir) = &args.prepare {
        std::fs::create_dir_all(dir).with_context(|| format!("bench: {}", dir.display()))?;
        let db = dir.join("queue.db");
        if db.exists() {
            anyhow::bail!("bench: {} exists; give an empty folder", db.display());
        }
        let (lines, _) = build(ctx, &db, args.rows, args.seed)?;
        let mut out = std::io::BufWriter::new(std::fs::File::create(dir.join("lines.txt"))?);
        for l in &lines {
            writeln!(out, "{l}")?;
        }
        out.flush()?;
        println!("{} and {}", db.display(), dir.join("lines.txt").display());
        return Ok(ExitCode::SUCCESS);
    }
    let dir =
        TempDir(std::env::temp_dir().join(format!("oin-review-bench-{}", std::process::id())));
    std::fs::create_dir_all(&dir.0)?;
    let db = dir.0.join("queue.db");
    let small_db = dir.0.join("queue-1000.db");
    let say = |what: &str| eprintln!("bench: {what}");
    say(&format!(
        "building {} submissions (seed {})…",
        args.rows, args.seed
    ));
    let t = Instant::now();
    let (_, initial) = build(ctx, &db, args.rows, args.seed)?;
    let build_s = t.elapsed().as_secs_f64();
    build(ctx, &small_db, 1000, args.seed)?;
    let repeats = args.repeats.max(1);
    let exe = std::env::current_exe()?;

    say("first frame…");
    let open_runs = (repeats * 4).max(4);
    let open_1000 = open_frames(ctx, &small_db, &theme, open_runs)?;
    let open = open_frames(ctx, &db, &theme, open_runs)?;
    let tmux_first_frame_1000 = tmux_frames(&exe, &small_db, open_runs)?;
    let tmux_first_frame = match tmux_first_frame_1000 {
        Some(_) => tmux_frames(&exe, &db, open_runs)?,
        None => None,
    };

    say("every line…");
    let mut all = Vec::new();
    let mut lines = Vec::new();
    for i in 0..=repeats {
        let t = Instant::now();
        let store = Store::open(&db, &options(ctx, false))?;
        lines = store.lines(&Default::default(), ctx.now)?.lines;
        if i > 0 {
            all.push(t.elapsed());
        }
    }
    let small: Vec<_> = lines.iter().take(1000).cloned().collect();
    let mut app = tb::loaded_app(lines, policy.clone(), ctx.now);

    say("keystrokes…");
    tb::keystrokes(&mut app, &theme); // warm-up
    let mut first = Vec::new();
    let mut last = Vec::new();
    for _ in 0..repeats {
        for k in tb::keystrokes(&mut app, &theme) {
            first.push(k.first);
            last.push(k.last);
        }
    }

    say("frames…");
    let mut app_small = tb::loaded_app(small, policy.clone(), ctx.now);
    let frames = 200 * repeats;
    tb::frames(&mut app_small, &theme, 50);
    let frame_1000 = stat(tb::frames(&mut app_small, &theme, frames));
    tb::frames(&mut app, &theme, 50);
    let frame_n = stat(tb::frames(&mut app, &theme, frames));
    let store = Store::open(&db, &options(ctx, false))?;
    let open_one = |id: &str| {
        let sub = store.submission(id).ok().flatten()?;
        let facts = store.facts_for(&sub).ok()?;
        Some(crate::tui::worker::Opened {
            sub,
            facts,
            notes: Vec::new(),
        })
    };
    let bytes = tb::bytes(&mut app, &theme, &open_one)?;
    drop(store);
    drop(app);
    drop(app_small);

    say("batch moves…");
    // Through the workflow, as `move` and the console make them (its gate included).
    let mut wf = crate::workflow::Workflow::new(
        Store::open(&db, &options(ctx, false))?,
        ctx.policy.clone(),
        std::sync::Arc::new(crate::workflow::MailSetup::load(ctx.config.mail.clone())),
    );
    let ids: Vec<MoveItem> = initial
        .into_iter()
        .take(10_000)
        .map(MoveItem::new)
        .collect();
    let mut batches = Vec::new();
    for i in 0..=repeats {
        let to = if i % 2 == 0 {
            ReviewState::IsvReview
        } else {
            ReviewState::InitialReview
        };
        let ask = crate::workflow::MoveAsk {
            reason: Some("bench".into()),
            all_or_nothing: true,
            ..crate::workflow::MoveAsk::new(ids.clone(), to)
        };
        // Planned, then committed, as every move is.
        let t = Instant::now();
        let plan = wf.plan(&ask, &ctx.analyst, crate::clock::now())?;
        let out = wf
            .commit(&plan, &ctx.analyst, crate::clock::now())?
            .outcomes;
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
    drop(wf);

    say("memory…");
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

    say("list…");
    let list_runs = repeats.min(3);
    let list_table = time_command(&exe, &db, &["list"], list_runs)?;
    let list_tsv = time_command(&exe, &db, &["list", "--format", "tsv"], list_runs)?;
    let list_json = time_command(&exe, &db, &["list", "--format", "json"], list_runs)?;

    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let report = Report {
        rows: args.rows,
        seed: args.seed,
        build_s,
        open_ratio: ratio(open.median_ms, open_1000.median_ms),
        open,
        open_1000,
        tmux_ratio: tmux_first_frame
            .zip(tmux_first_frame_1000)
            .map(|(n, k)| ratio(n.median_ms, k.median_ms)),
        tmux_first_frame,
        tmux_first_frame_1000,
        all_lines: stat(all),
        keystroke: stat(first),
        keystroke_final: stat(last),
        frame_ratio: ratio(frame_n.median_ms, frame_1000.median_ms),
        frame_1000,
        frame_n,
        bytes_move_percent: 100.0 * bytes.selection_move as f64 / bytes.full_repaint.max(1) as f64,
        bytes_follow_up_percent: 100.0 * bytes.detail_follow_up as f64
            / bytes.full_repaint.max(1) as f64,
        bytes,
        batch_items: ids.len(),
        batch: stat(batches),
        list_table,
        list_tsv,
        list_json,
        peak_rss_mb,
    };
    let mut out = super::stdout();
    match args.format {
        super::lint::LintFormat::Json => {
            serde_json::to_writer_pretty(crate::text::JsonText::new(&mut out), &report)?;
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
        "{:<38} {:>10} {:>10}  target",
        "figure", "median", "p95"
    )?;
    let row = |out: &mut dyn Write, name: &str, s: &Stat, target: &str| {
        writeln!(
            out,
            "{name:<38} {:>8.2}ms {:>8.2}ms  {target}",
            s.median_ms, s.p95_ms
        )
    };
    let value = |out: &mut dyn Write, name: &str, v: String, target: &str| {
        writeln!(out, "{name:<38} {v:>10}             {target}")
    };
    if let (Some(t), Some(k), Some(ratio)) =
        (&r.tmux_first_frame, &r.tmux_first_frame_1000, r.tmux_ratio)
    {
        row(out, "first frame in tmux, 1 000", k, "")?;
        row(out, &format!("first frame in tmux, {n}"), t, "")?;
        value(out, "  ratio N / 1 000", format!("{ratio:.2}"), "< 1.5")?;
    } else {
        value(out, "first frame in tmux", "no tmux".into(), "")?;
    }
    row(out, "first frame in-process, 1 000", &r.open_1000, "")?;
    row(out, &format!("first frame in-process, {n}"), &r.open, "")?;
    value(
        out,
        "  ratio N / 1 000",
        format!("{:.2}", r.open_ratio),
        "< 1.5",
    )?;
    row(out, "every line read, behind it", &r.all_lines, "")?;
    row(
        out,
        "keystroke to its first results",
        &r.keystroke,
        "p95 < 16 ms at 100 000, < 50 ms at 1 M",
    )?;
    row(
        out,
        "keystroke to its final ranking",
        &r.keystroke_final,
        "",
    )?;
    row(out, "frame, 1 000 rows", &r.frame_1000, "")?;
    row(out, &format!("frame, {n} rows"), &r.frame_n, "")?;
    value(
        out,
        "  ratio N / 1 000",
        format!("{:.2}", r.frame_ratio),
        "",
    )?;
    value(
        out,
        "bytes, selection move",
        format!("{:.1}%", r.bytes_move_percent),
        &format!(
            "< 15% (of a full repaint of {} B: {} B)",
            r.bytes.full_repaint, r.bytes.selection_move
        ),
    )?;
    value(
        out,
        "  then the detail read in full",
        format!("{:.1}%", r.bytes_follow_up_percent),
        &format!("({} B a frame later)", r.bytes.detail_follow_up),
    )?;
    row(
        out,
        &format!("batch move of {}", r.batch_items),
        &r.batch,
        "(ratio to sqlite3: scripts/bench-compare < 1.5)",
    )?;
    for (name, run, target) in [
        ("list (table)", &r.list_table, "< 500 ms at 100 000"),
        ("list --format tsv", &r.list_tsv, ""),
        (
            "list --format json",
            &r.list_json,
            "(ratio to sqlite3 -json: bench-compare < 2)",
        ),
    ] {
        row(out, name, &run.time, target)?;
        value(out, "  peak RSS", format!("{:.0} MB", run.peak_rss_mb), "")?;
    }
    value(
        out,
        "peak RSS (console, every line, 2 searches)",
        format!("{:.0} MB", r.peak_rss_mb),
        "< 150 MB at 100 000, < 1 GB at 1 M",
    )?;
    Ok(())
}
