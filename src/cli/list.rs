//! `oin-review list`: the queue as a table, JSON or CSV, sorted by SLA urgency.

use super::{Ctx, parse_state};
use crate::domain::projection::business_clock;
use crate::domain::query::{Asking, FieldQuery};
use crate::domain::view::{At, FilterItem, SortKey, ViewSpec};
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
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    /// Only submissions in this state (repeat for several).
    #[arg(long = "state", value_name = "STATE", value_parser = parse_state)]
    pub states: Vec<ReviewState>,
    /// Field terms (`state:qa_testing isv:contoso -assignee:me due:<2d`, README "Field
    /// queries") and fuzzy words over id, app, ISV, submitter and developer org (best match
    /// first). May start with a negated term: `--query '-state:published'`.
    #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
    pub query: Option<String>,
    /// A saved view (a console tab: "Needs OIN", "Mine", ... or one of `[views]` in the
    /// config), its query combined with --query.
    #[arg(long, value_name = "NAME")]
    pub view: Option<String>,
    /// Only submissions whose current SLA clock has this status (repeatable).
    #[arg(long = "sla", value_enum, value_name = "STATUS")]
    pub sla: Vec<SlaFilter>,
    /// Only submissions whose test evidence has this overall status (repeatable).
    #[arg(long = "tests", value_enum, value_name = "STATUS")]
    pub tests: Vec<TestsFilter>,
    /// Sort key (ties by id, as in the console); `sla` puts breached first (most overdue
    /// first) and paused last, `age` the longest in its state first.
    #[arg(long, default_value = "sla", value_parser = sort_key())]
    pub sort: SortKey,
    /// The sort's order reversed (as `S` in the console).
    #[arg(long)]
    pub reverse: bool,
    /// Output format: table is as wide as the terminal (80 columns when stdout is not one).
    #[arg(long, value_enum, default_value = "table")]
    pub format: ListFormat,
    /// The table with every column (protocols, path, due, submitter too), none cut short.
    #[arg(long)]
    pub wide: bool,
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
    /// As in JSON; `at-risk` is accepted too.
    #[value(name = "at_risk", alias = "at-risk")]
    AtRisk,
    #[value(name = "on_track", alias = "on-track")]
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

/// `--sort`: the view spec's keys by name (completions offer them).
fn sort_key() -> impl clap::builder::TypedValueParser<Value = SortKey> {
    use clap::builder::TypedValueParser;
    clap::builder::PossibleValuesParser::new(SortKey::KEYS.map(|(k, _)| k))
        .try_map(|s: String| SortKey::from_key(&s).ok_or_else(|| format!("no sort key {s:?}")))
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

/// What a listing keeps and how it orders it: the view spec (filters, sort, instant) the
/// console's tabs use too, and a query's field terms.
pub struct Terms<'a> {
    pub spec: ViewSpec,
    pub query: FieldQuery,
    /// The view's terms (`--view`), and the ids it holds whatever they say (the Mine tab's
    /// attention set).
    pub view: FieldQuery,
    pub attention: std::collections::BTreeSet<String>,
    pub analyst: &'a str,
}

impl Terms<'_> {
    fn admit(&self, r: &Row) -> bool {
        let asking = Asking {
            analyst: self.analyst,
            now: self.spec.at.now,
            policy: &self.spec.at.policy,
        };
        let admits = |q: &FieldQuery| {
            !q.has_terms() || q.admits(&r.line, &|| r.clock, &|| r.tests.overall, &asking)
        };
        (self.attention.contains(r.line.id()) || admits(&self.view))
            && admits(&self.query)
            && self.spec.admits(&r.line)
    }
}

/// The rows that pass the terms, in the view spec's order: with their search scores when
/// they come with them (the matches of a query: best first, ties in the sort's order);
/// `count` rows at most come in (room is made once: rows are large to move).
fn keep(rows: impl Iterator<Item = (Row, Option<u32>)>, count: usize, terms: &Terms) -> Vec<Row> {
    let mut kept: Vec<Row> = Vec::with_capacity(count);
    let mut scores: Vec<u32> = Vec::new();
    for (r, score) in rows {
        if terms.admit(&r) {
            kept.push(r);
            scores.extend(score);
        }
    }
    let scored = scores.len() == kept.len() && !kept.is_empty();
    let order = terms.spec.order(
        kept.len(),
        |k| &kept[k].line,
        scored.then_some(scores.as_slice()),
    );
    permute(&mut kept, order);
    kept
}

/// Every line, most urgent first (the view spec's SLA order).
pub fn by_urgency(lines: Vec<QueueLine>, policy: &Arc<Policy>, now: Timestamp) -> Vec<Row> {
    let spec = ViewSpec::new(At::new(policy.clone(), now));
    let mut rows: Vec<Row> = lines
        .into_iter()
        .map(|l| Row::at(l, spec.at.b, policy, now))
        .collect();
    let order = spec.order(rows.len(), |k| &rows[k].line, None);
    permute(&mut rows, order);
    rows
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
    let store = open_store(ctx)?;
    // Only the states asked for are read (the rest of the filters need the instant).
    // At a past instant the states are those of then: filtered after the lines are read.
    let filter = LineFilter {
        states: if ctx.as_of.is_some() {
            Vec::new()
        } else {
            args.states.clone()
        },
        ..LineFilter::default()
    };
    let mut query = crate::domain::query::parse(args.query.as_deref().unwrap_or(""))
        .map_err(|e| anyhow::anyhow!("list --query: {e}"))?;
    let mut view_query = crate::domain::query::FieldQuery::default();
    let mut attention = std::collections::BTreeSet::new();
    if let Some(name) = &args.view {
        let views = ctx.config.views()?;
        let Some(view) = views.iter().find(|v| v.name.eq_ignore_ascii_case(name)) else {
            anyhow::bail!(
                "list --view: no view {name:?}; the views are {} (add your own under [views] in {})",
                views
                    .iter()
                    .map(|v| format!("{:?}", v.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::config::config_dir()
                    .map(|d| d.join("config.toml").display().to_string())
                    .unwrap_or_else(|| "the config file".into())
            );
        };
        view_query.terms = view.query.terms.clone();
        // The Mine tab holds the analyst's attention set too (mentions), as the console's.
        if view.builtin && view.name == crate::domain::query::BUILTIN_VIEWS[2].0 {
            attention = store.attention_of(&ctx.analyst)?;
        }
        if !view.query.words.is_empty() {
            query.words = format!("{} {}", view.query.words, query.words)
                .trim()
                .to_string();
        }
    }
    if query.wants_versions() || view_query.wants_versions() {
        let links = store.version_links()?;
        let links = || links.iter().map(|(a, b)| (a.as_str(), b.as_str()));
        query.resolve_versions(links());
        view_query.resolve_versions(links());
    }
    let words = query.words.clone();
    let mut spec = ViewSpec::new(At::new(ctx.policy.clone(), ctx.now));
    spec.sort = args.sort;
    spec.reverse = args.reverse;
    spec.filters
        .extend(args.states.iter().map(|s| FilterItem::State(*s)));
    spec.filters
        .extend(args.sla.iter().map(|f| FilterItem::Sla(f.status())));
    spec.filters
        .extend(args.tests.iter().map(|f| FilterItem::Tests(f.freshness())));
    let terms = Terms {
        spec,
        query,
        view: view_query,
        attention,
        analyst: &ctx.analyst,
    };
    // Only field terms (or nothing): every line, filtered, in the sort's order; with words,
    // matched as the lines are read, only the matches built.
    let rows = read_rows(&store, &filter, &terms, &words)?;
    let mut out = super::stdout();
    let day = ctx.policy.sla.calendar.day_length();
    match args.format {
        ListFormat::Table if args.wide => write_wide_table(&mut out, &rows, day)?,
        ListFormat::Table => {
            let width = crate::tui::terminal::stdout_width().map_or(80, usize::from);
            write_table(&mut out, &rows, day, width)?
        }
        ListFormat::Tsv => write_tsv(&mut out, &rows, day)?,
        ListFormat::Csv => write_csv(&mut out, &rows, day)?,
        ListFormat::Json => write_json(&mut out, &store, &rows, ctx, args.include_secrets)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Connections that read the lines of a query at once (this machine's cores).
const READERS: usize = 2;

/// The rows `args` select, filtered and sorted, in one pass over the queue's lines: each of
/// `READERS` connections reads a range of ids and computes its lines' statuses. With words
/// `q`, each line's search text is scored as it is read, only the matches are built, and
/// they come best first.
fn read_rows(
    store: &crate::store::Store,
    filter: &LineFilter,
    terms: &Terms,
    q: &str,
) -> Result<Vec<Row>> {
    use crate::search::{Matcher, Pass, Query};
    let (policy, now) = (&*terms.spec.at.policy, terms.spec.at.now);
    let query = Some(std::sync::Arc::new(Query::new(q))).filter(|q| !q.is_empty());
    let b = business_clock(&policy.sla, now);
    let read = |reader: &crate::store::Store,
                ids: crate::store::IdRange|
     -> crate::store::Result<Vec<(Row, Option<u32>)>> {
        let part = LineFilter {
            ids,
            ..filter.clone()
        };
        let mut rows = Vec::new();
        match query.clone() {
            Some(query) => {
                // A search's scan is mostly page reads (most rows are looked at, few built):
                // mapped, the file's pages are read without a copy or a system call each.
                reader.map_file_for_reads()?;
                let mut m = Matcher::default();
                reader.each_scored_line(
                    &part,
                    now,
                    Box::new(move |text| m.score(text, &query, Pass::Best)),
                    &mut |l, s| {
                        rows.push((Row::at(l, b, policy, now), Some(s)));
                        true
                    },
                )?;
            }
            None => {
                reader.each_line(&part, now, &mut |l| {
                    rows.push((Row::at(l, b, policy, now), None));
                    true
                })?;
            }
        }
        Ok(rows)
    };
    let mut ranges = store.split_ids(READERS)?.into_iter();
    let first = ranges.next().unwrap_or_default();
    let opts = crate::store::OpenOptions {
        policy: Some(terms.spec.at.policy.clone()),
        ..Default::default()
    };
    let path = store.path();
    let parts = std::thread::scope(|scope| {
        // The others on their own connections; the first on this one, meanwhile.
        let others: Vec<_> = ranges
            .map(|ids| {
                let (opts, read) = (&opts, &read);
                scope.spawn(move || read(&crate::store::Store::open(path, opts)?, ids))
            })
            .collect();
        let mut parts = vec![read(store, first)?];
        for r in others {
            let part = r.join().map_err(|_| {
                anyhow::anyhow!("reading the queue: a reader thread stopped; run the command again")
            })?;
            parts.push(part?);
        }
        anyhow::Ok(parts)
    })?;
    let count = parts.iter().map(Vec::len).sum();
    Ok(keep(parts.into_iter().flatten(), count, terms))
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
    // At a past instant each submission is written as it was then, as its row was listed.
    let as_of = ctx.as_of;
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
                let reader = match crate::store::Store::open(&path, &Default::default())
                    .and_then(|r| r.map_file_for_reads().map(|()| r))
                {
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
                        let found = sorted
                            .binary_search(id)
                            .ok()
                            .and_then(|i| slots[i].take())
                            .and_then(|sub| match as_of {
                                Some(at) => sub.as_of(at),
                                None => Some(sub),
                            });
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
        // Each submission is written to a buffer first, then escaped and written in one go:
        // serde_json's many small writes through the escaping writer cost a second at
        // 100 000.
        let mut line = Vec::with_capacity(8192);
        for chunk in rx.take(chunks.len()) {
            for (sub, a) in chunk? {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                line.clear();
                serde_json::to_writer(&mut line, &Listed::new(&sub, &a, day))?;
                crate::text::JsonText::new(&mut *out).write_all(&line)?;
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

/// Column title and width at 80 columns: the widths and single spaces between add up to
/// 79. APP and ISV share what a wider terminal adds.
const COLUMNS: [(&str, usize); 7] = [
    ("ID", 13),
    ("APP", 12),
    ("ISV", 8),
    ("STATE", 12),
    ("WHO", 5),
    ("SLA", crate::present::SLA_CELL_WIDTH),
    ("TESTS", 8),
];

/// The widths of APP and ISV in a table `width` columns wide: three fifths and two fifths
/// of what the other columns leave, neither wider than its longest value (the other gets
/// the rest), and at least 8 and 6.
fn flexible_widths(width: usize, longest_app: usize, longest_isv: usize) -> (usize, usize) {
    let fixed: usize = COLUMNS
        .iter()
        .filter(|(t, _)| !matches!(*t, "APP" | "ISV"))
        .map(|(_, w)| w + 1)
        .sum();
    // Less one column: a line that fills the terminal exactly wraps in some terminals.
    let flex = width.saturating_sub(fixed + 2).max(14);
    let mut app = (flex * 3 / 5).max(8);
    let mut isv = flex.saturating_sub(app).max(6);
    if longest_app < app {
        isv += app - longest_app.max(8);
        app = longest_app.max(8);
    }
    if longest_isv < isv {
        let spare = isv - longest_isv.max(6);
        isv -= spare;
        app = (app + spare).min(longest_app.max(app));
    }
    (app, isv)
}

/// One line of a table: each cell padded (or cut) to its column, one space between.
fn table_line(cells: &[&str], widths: &[usize]) -> String {
    let cells: Vec<String> = cells
        .iter()
        .zip(widths)
        .map(|(c, &w)| text::pad(c, w))
        .collect();
    cells.join(" ").trim_end().to_string()
}

/// The table, fitted to `width` columns: long names are cut with `…`.
pub fn write_table(
    out: &mut impl Write,
    rows: &[Row],
    day: i64,
    width: usize,
) -> std::io::Result<()> {
    let longest = |f: fn(&QueueLine) -> &str| {
        rows.iter()
            .map(|r| text::display_width(f(&r.line)))
            .max()
            .unwrap_or(0)
    };
    let (app, isv) = flexible_widths(width, longest(QueueLine::app_name), longest(QueueLine::isv));
    let widths = COLUMNS.map(|(t, w)| match t {
        "APP" => app,
        "ISV" => isv,
        _ => w,
    });
    let line = |cells: [&str; 7]| table_line(&cells, &widths);
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

/// Every column, each as wide as its longest value: for a wide terminal or a file.
pub fn write_wide_table(out: &mut impl Write, rows: &[Row], day: i64) -> std::io::Result<()> {
    const TITLES: [&str; 11] = [
        "ID",
        "APP",
        "ISV",
        "STATE",
        "WHO",
        "SLA",
        "TESTS",
        "PROTOCOLS",
        "PATH",
        "DUE",
        "SUBMITTER",
    ];
    let all: Vec<[String; 11]> = rows
        .iter()
        .map(|r| {
            let [id, app, isv, state, who, sla, tests] = cells(r, day).map(|c| text::safe_line(&c));
            let l = &r.line;
            let protocols: Vec<&str> = l.protocols.iter().map(|p| p.key()).collect();
            let due = r
                .clock
                .and_then(|c| c.due)
                .map(|d| d.strftime("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "-".into());
            [
                id,
                app,
                isv,
                state,
                who,
                sla,
                tests,
                protocols.join(" "),
                l.path.key().to_string(),
                due,
                text::safe_line(l.submitter_email().unwrap_or("-")),
            ]
        })
        .collect();
    let mut widths = TITLES.map(str::len);
    for row in &all {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(text::display_width(c));
        }
    }
    let line = |cells: &[&str]| table_line(cells, &widths);
    writeln!(out, "{}", line(&TITLES))?;
    for row in &all {
        writeln!(out, "{}", line(&row.each_ref().map(String::as_str)))?;
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
        l.state_label().to_string(),
        l.assignee.as_deref().unwrap_or("-").to_string(),
        sla_cell(l.state, r.clock, day),
        tests_cell(&r.tests),
    ]
}

/// One line per submission, tab-separated, with the table's columns (a header first):
/// for `cut`, `awk` and `fzf`. Control characters are shown as in the table (tabs and line
/// breaks inside a value become spaces) and cells a spreadsheet would evaluate are defused.
fn write_tsv(out: &mut impl Write, rows: &[Row], day: i64) -> std::io::Result<()> {
    fn cell(out: &mut impl Write, s: &str) -> std::io::Result<()> {
        if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return out.write_all(defuse(s).as_bytes());
        }
        let safe: String = text::safe_line(s)
            .chars()
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        out.write_all(defuse(&safe).as_bytes())
    }
    writeln!(out, "id\tapp\tisv\tstate\tassignee\tsla\ttests")?;
    for r in rows {
        let l = &r.line;
        cell(out, l.id())?;
        out.write_all(b"\t")?;
        cell(out, l.app_name())?;
        out.write_all(b"\t")?;
        cell(out, l.isv())?;
        write!(out, "\t{}\t", l.state_label())?;
        cell(out, l.assignee.as_deref().unwrap_or("-"))?;
        writeln!(
            out,
            "\t{}\t{}",
            sla_cell(l.state, r.clock, day),
            tests_cell(&r.tests)
        )?;
    }
    Ok(())
}

/// A cell a spreadsheet would evaluate (OWASP CSV injection: `=`, `+`, `@`, tab, CR, or
/// `-` not starting a number) gets a leading `'`, which shows it as text.
fn defuse(s: &str) -> std::borrow::Cow<'_, str> {
    let mut chars = s.chars();
    let risky = match chars.next() {
        Some('=' | '+' | '@' | '\t' | '\r') => true,
        Some('-') => chars.next().is_some_and(|c| !c.is_ascii_digit()),
        _ => false,
    };
    if risky {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// A CSV cell: control characters shown as in the table, defused, quoted when needed.
pub(super) fn csv_field(s: &str) -> String {
    let safe = text::safe_line(s);
    let s = defuse(&safe);
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
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
            &tests_cell(&r.tests),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}

/// The queue for reading, as the read-only commands (`list`, `backup`) open it.
pub(super) fn open_store(ctx: &Ctx) -> Result<crate::store::Store> {
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

#[cfg(test)]
mod tests {
    #[test]
    fn permute_puts_each_row_where_the_order_says() {
        let mut rows = vec!['a', 'b', 'c', 'd', 'e'];
        super::permute(&mut rows, vec![3, 0, 4, 1, 2]);
        assert_eq!(rows, vec!['d', 'a', 'e', 'b', 'c']);
    }
}
