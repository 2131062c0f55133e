//! `oin-review list`: the queue as a table, JSON or CSV, sorted by SLA urgency.

use super::{Ctx, parse_state};
use crate::domain::projection::business_clock;
use crate::domain::{
    Assessment, ClockNow, ClockStatus, Freshness, Policy, QueueLine, ReviewState, SlaClock,
    Submission, TestReport, TestsNow, assess,
};
use crate::present::{clock_now, sla_cell, tests_cell};
use crate::store::LineFilter;
use crate::text;
use anyhow::Result;
use jiff::Timestamp;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only submissions in this state (repeat for several).
    #[arg(long = "state", value_name = "STATE", value_parser = parse_state)]
    pub states: Vec<ReviewState>,
    /// Fuzzy search over id, app, ISV, submitter and developer org; best match first.
    #[arg(long, value_name = "TEXT")]
    pub query: Option<String>,
    /// Only submissions whose current SLA clock has this status (repeatable).
    #[arg(long = "sla", value_enum, value_name = "STATUS")]
    pub sla: Vec<SlaFilter>,
    /// Only submissions whose test evidence has this overall status (repeatable).
    #[arg(long = "tests", value_enum, value_name = "STATUS")]
    pub tests: Vec<TestsFilter>,
    /// Sort key; `sla` puts breached first (most overdue first) and paused last.
    #[arg(long, value_enum, default_value = "sla")]
    pub sort: SortKey,
    /// Output format: table fits 80 columns.
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// Include test account passwords in JSON output.
    #[arg(long)]
    pub include_secrets: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
    Csv,
    /// One line per submission, tab-separated, the table's columns.
    Tsv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SlaFilter {
    Breached,
    AtRisk,
    OnTrack,
    Paused,
}

impl SlaFilter {
    fn status(self) -> ClockStatus {
        match self {
            SlaFilter::Breached => ClockStatus::Breached,
            SlaFilter::AtRisk => ClockStatus::AtRisk,
            SlaFilter::OnTrack => ClockStatus::OnTrack,
            SlaFilter::Paused => ClockStatus::Paused,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TestsFilter {
    Fresh,
    Expiring,
    Expired,
    Missing,
    Failed,
}

impl TestsFilter {
    fn freshness(self) -> Freshness {
        match self {
            TestsFilter::Fresh => Freshness::Fresh,
            TestsFilter::Expiring => Freshness::Expiring,
            TestsFilter::Expired => Freshness::Expired,
            TestsFilter::Missing => Freshness::Missing,
            TestsFilter::Failed => Freshness::Failed,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortKey {
    Sla,
    Id,
    Age,
    App,
    Isv,
    State,
    Tests,
}

/// A line with its statuses at the listing instant.
pub struct Row {
    pub line: QueueLine,
    pub clock: Option<ClockNow>,
    pub tests: TestsNow,
}

impl Row {
    /// `b` is the business-time axis at `now` (`business_clock`), computed once.
    pub fn at(line: QueueLine, b: i64, policy: &Policy, now: Timestamp) -> Row {
        Row {
            clock: line.clock_at(b),
            tests: line.tests_at(now, &policy.freshness),
            line,
        }
    }
}

/// The rows `args` select, in output order: read from the queue's lines (no history), the
/// filters and sort applied, then the query's ranking when there is one.
pub fn select(lines: Vec<QueueLine>, args: &Args, policy: &Policy, now: Timestamp) -> Vec<Row> {
    let b = business_clock(&policy.sla, now);
    let mut rows: Vec<Row> = Vec::with_capacity(lines.len());
    rows.extend(
        lines
            .into_iter()
            .filter(|l| args.states.is_empty() || args.states.contains(&l.state))
            .map(|l| Row::at(l, b, policy, now))
            .filter(|r| {
                args.sla.is_empty()
                    || r.clock
                        .is_some_and(|c| args.sla.iter().any(|f| f.status() == c.status))
            })
            .filter(|r| {
                args.tests.is_empty()
                    || r.tests
                        .overall
                        .is_some_and(|o| args.tests.iter().any(|f| f.freshness() == o))
            }),
    );
    sort_rows(&mut rows, args.sort);
    if let Some(q) = args.query.as_deref().filter(|q| !q.trim().is_empty()) {
        use crate::search::{Pass, Query, SearchIndex, rank, score_all};
        let query = Query::new(q);
        let items: Vec<u32> = (0..rows.len() as u32).collect();
        let index = SearchIndex::new(rows.iter().map(|r| r.line.search_text()));
        let scored = score_all(&items, &index, &query, Pass::Best, &|| false).unwrap_or_default();
        let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
        rows = rank(scored)
            .into_iter()
            .filter_map(|i| slots[i as usize].take())
            .collect();
    }
    rows
}

/// Every line, most urgent first.
pub fn by_urgency(lines: Vec<QueueLine>, policy: &Policy, now: Timestamp) -> Vec<Row> {
    let b = business_clock(&policy.sla, now);
    let mut rows: Vec<Row> = lines
        .into_iter()
        .map(|l| Row::at(l, b, policy, now))
        .collect();
    sort_rows(&mut rows, SortKey::Sla);
    rows
}

/// Sorts by `key`, then id: an order of indices is sorted (rows are large to move).
fn sort_rows(rows: &mut [Row], key: SortKey) {
    let mut order: Vec<u32> = (0..rows.len() as u32).collect();
    {
        let r = |i: &u32| &rows[*i as usize];
        let id = |i: &u32| r(i).line.id();
        match key {
            SortKey::Sla => order.sort_unstable_by(|a, b| {
                r(a).line
                    .urgency()
                    .cmp(&r(b).line.urgency())
                    .then_with(|| id(a).cmp(id(b)))
            }),
            SortKey::Id => order.sort_unstable_by(|a, b| id(a).cmp(id(b))),
            SortKey::Age => order.sort_unstable_by(|a, b| {
                (r(a).line.in_state_since, id(a)).cmp(&(r(b).line.in_state_since, id(b)))
            }),
            SortKey::App => order
                .sort_by_cached_key(|i| (r(i).line.app_name().to_lowercase(), id(i).to_string())),
            SortKey::Isv => {
                order.sort_by_cached_key(|i| (r(i).line.isv().to_lowercase(), id(i).to_string()))
            }
            SortKey::State => order
                .sort_unstable_by(|a, b| (r(a).line.state, id(a)).cmp(&(r(b).line.state, id(b)))),
            SortKey::Tests => order.sort_unstable_by(|a, b| {
                let t = |i: &u32| r(i).tests.overall.map_or(9, |f| f as u8);
                (t(a), id(a)).cmp(&(t(b), id(b)))
            }),
        }
    }
    permute(rows, order);
}

/// Puts `rows[order[k]]` at `k`, each row moved once (following the permutation's cycles).
fn permute<T>(rows: &mut [T], mut order: Vec<u32>) {
    for start in 0..order.len() {
        let mut k = start;
        while order[k] as usize != start {
            let from = order[k] as usize;
            rows.swap(k, from);
            order[k] = k as u32;
            k = from;
        }
        order[k] = k as u32;
    }
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_store(false)?;
    // Only the states asked for are read (the rest of the filters need the instant).
    let filter = LineFilter {
        states: args.states.clone(),
        ..LineFilter::default()
    };
    let lines = store.lines(&filter, ctx.now)?.lines;
    let rows = select(lines, &args, &ctx.policy, ctx.now);
    let mut out = super::stdout();
    let day = ctx.policy.sla.calendar.day_length();
    match args.format {
        ListFormat::Table => write_table(&mut out, &rows, day)?,
        ListFormat::Tsv => write_tsv(&mut out, &rows, day)?,
        ListFormat::Csv => write_csv(&mut out, &rows, day)?,
        ListFormat::Json => write_json(&mut out, &store, &rows, ctx, args.include_secrets)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Full submissions read at a time for JSON.
const JSON_CHUNK: usize = 4000;

/// JSON: the rows' submissions read in full a chunk at a time, on a second connection and
/// thread while the previous chunk is written, one object per line: memory holds two chunks
/// whatever the queue's size.
fn write_json(
    out: &mut impl Write,
    store: &crate::store::Store,
    rows: &[Row],
    ctx: &Ctx,
    secrets: bool,
) -> Result<()> {
    let day = ctx.policy.sla.calendar.day_length();
    let policy = &ctx.policy;
    let now = ctx.now;
    type Chunk = Vec<(Submission, Assessment)>;
    let (tx, rx) = std::sync::mpsc::sync_channel::<crate::store::Result<Chunk>>(1);
    let path = store.path().to_path_buf();
    let chunks: Vec<&[Row]> = rows.chunks(JSON_CHUNK).collect();
    // Two readers take alternate chunks; the chunks are written in order as they come.
    let readers = 2;
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..readers)
        .map(|_| std::sync::mpsc::sync_channel::<crate::store::Result<Chunk>>(1))
        .unzip();
    drop(tx);
    drop(rx);
    std::thread::scope(|scope| -> Result<()> {
        for (k, tx) in senders.into_iter().enumerate() {
            let path = path.clone();
            let mine: Vec<&[Row]> = chunks.iter().skip(k).step_by(readers).copied().collect();
            scope.spawn(move || {
                let reader = match crate::store::Store::open(&path, &Default::default()) {
                    Ok(r) => r,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                for chunk in mine {
                    let ids: Vec<String> = chunk.iter().map(|r| r.line.id().to_string()).collect();
                    let subs = match reader.submissions_by_ids(&ids) {
                        Ok(s) => s,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            return;
                        }
                    };
                    // Read in id order; written in the rows' order.
                    let sorted: Vec<String> = subs.iter().map(|s| s.id.clone()).collect();
                    let mut slots: Vec<Option<Submission>> = subs.into_iter().map(Some).collect();
                    let mut ordered = Vec::with_capacity(ids.len());
                    for id in &ids {
                        let found = sorted.binary_search(id).ok().and_then(|i| slots[i].take());
                        if let Some(mut sub) = found {
                            sub.mark_password_set(secrets);
                            let a = assess(&sub, policy, now);
                            ordered.push((sub, a));
                        }
                    }
                    if tx.send(Ok(ordered)).is_err() {
                        return; // the writer stopped (a closed pipe)
                    }
                }
            });
        }
        let receivers = receivers;
        let mut next = 0;
        let rx = std::iter::from_fn(move || {
            let got = receivers[next % readers].recv().ok();
            next += 1;
            got
        });
        out.write_all(b"[")?;
        let mut first = true;
        for chunk in rx.take(chunks.len()) {
            for (sub, a) in chunk? {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                serde_json::to_writer(&mut *out, &Listed::new(&sub, &a, day))?;
            }
        }
        out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
        Ok(())
    })
}

/// The `sla` object of JSON output.
#[derive(Serialize)]
pub struct SlaJson<'a> {
    /// Status of the current clock (null without one).
    pub status: Option<ClockStatus>,
    /// The compact text the table shows.
    pub left: String,
    pub current: Option<&'a SlaClock>,
    pub clocks: &'a [SlaClock],
}

#[derive(Serialize)]
pub struct Listed<'a> {
    #[serde(flatten)]
    pub submission: &'a Submission,
    pub sla: SlaJson<'a>,
    pub tests: &'a TestReport,
}

impl<'a> Listed<'a> {
    pub fn new(sub: &'a Submission, a: &'a Assessment, day: i64) -> Self {
        Listed {
            submission: sub,
            sla: SlaJson {
                status: clock_now(a).map(|c| c.status),
                left: sla_cell(sub.state, clock_now(a), day),
                current: a.current_clock(),
                clocks: &a.clocks,
            },
            tests: &a.tests,
        }
    }
}

/// Column title and width; the widths and single spaces between add up to 79.
const COLUMNS: [(&str, usize); 7] = [
    ("ID", 13),
    ("APP", 12),
    ("ISV", 8),
    ("STATE", 12),
    ("WHO", 5),
    ("SLA", crate::present::SLA_CELL_WIDTH),
    ("TESTS", 8),
];

pub fn write_table(out: &mut impl Write, rows: &[Row], day: i64) -> std::io::Result<()> {
    let line = |cells: [&str; 7]| {
        let cells: Vec<String> = cells
            .iter()
            .zip(COLUMNS)
            .map(|(c, (_, w))| text::pad(c, w))
            .collect();
        cells.join(" ").trim_end().to_string()
    };
    writeln!(out, "{}", line(COLUMNS.map(|(t, _)| t)))?;
    for r in rows {
        writeln!(
            out,
            "{}",
            line(cells(r, day).each_ref().map(String::as_str))
        )?;
    }
    writeln!(out, "{} submission(s)", rows.len())
}

/// The table's cells of a row: id, app, ISV, state, assignee, SLA, tests.
fn cells(r: &Row, day: i64) -> [String; 7] {
    let l = &r.line;
    [
        l.id().to_string(),
        l.app_name().to_string(),
        l.isv().to_string(),
        l.state.short_label().to_string(),
        l.assignee.as_deref().unwrap_or("-").to_string(),
        sla_cell(l.state, r.clock, day),
        tests_cell(&r.tests),
    ]
}

/// One line per submission, tab-separated, with the table's columns (a header first):
/// for `cut`, `awk` and `fzf`. Tabs and line breaks inside a value become spaces.
fn write_tsv(out: &mut impl Write, rows: &[Row], day: i64) -> std::io::Result<()> {
    writeln!(out, "id\tapp\tisv\tstate\tassignee\tsla\ttests")?;
    let clean = |s: &str| -> String {
        crate::text::safe_line(s)
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect()
    };
    for r in rows {
        let c = cells(r, day);
        writeln!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}",
            clean(&c[0]),
            clean(&c[1]),
            clean(&c[2]),
            c[3],
            clean(&c[4]),
            c[5],
            c[6]
        )?;
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv(out: &mut impl Write, rows: &[Row], day: i64) -> std::io::Result<()> {
    writeln!(
        out,
        "id,app_name,isv,protocols,state,assignee,path,update_of,submitter_email,sla_status,sla_left,sla_due,tests"
    )?;
    for r in rows {
        let l = &r.line;
        let protocols = l
            .protocols
            .iter()
            .map(|p| p.key())
            .collect::<Vec<_>>()
            .join(" ");
        let due = r
            .clock
            .and_then(|c| c.due)
            .map(|d| d.to_string())
            .unwrap_or_default();
        let fields = [
            l.id(),
            l.app_name(),
            l.isv(),
            &protocols,
            l.state.key(),
            l.assignee.as_deref().unwrap_or(""),
            l.path.key(),
            l.update_of.as_deref().unwrap_or(""),
            l.submitter_email().unwrap_or(""),
            r.clock.map_or("", |c| c.status.key()),
            &sla_cell(l.state, r.clock, day),
            &due,
            r.tests.overall.map_or("", |f| f.key()),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn permute_puts_each_row_where_the_order_says() {
        let mut rows = vec!['a', 'b', 'c', 'd', 'e'];
        super::permute(&mut rows, vec![3, 0, 4, 1, 2]);
        assert_eq!(rows, vec!['d', 'a', 'e', 'b', 'c']);
    }
}
