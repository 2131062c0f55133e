//! `oin-review list`: the queue as a table, JSON or CSV, sorted by SLA urgency.

use super::Ctx;
use crate::domain::view::{At, FilterItem, SortKey, ViewSpec};
use crate::domain::{
    Assessment, ClockStatus, Freshness, QueueLine, ReviewState, SlaClock, Submission, TestReport,
};
use crate::present::{clock_now, sla_cell, tests_cell};
use crate::text;
use crate::workflow::listing::{Row, Terms};
use anyhow::Result;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    #[command(flatten)]
    pub time: super::AsOfFlag,
    /// Only submissions in this state (repeat for several).
    #[arg(long = "state", value_name = "STATE", value_parser = super::StateParser)]
    pub states: Vec<ReviewState>,
    /// Field terms (`state:qa_testing isv:contoso -assignee:me due:<2d`; every field in
    /// oin-review-query(7)) and fuzzy words over id, app, ISV, submitter and developer org
    /// (best match first). May start with a negated term: `--query '-state:published'`.
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

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let wf = ctx.workflow(false)?;
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
            attention = wf.attention_of(&ctx.analyst)?;
        }
        if !view.query.words.is_empty() {
            query.words = format!("{} {}", view.query.words, query.words)
                .trim()
                .to_string();
        }
    }
    if query.wants_versions() || view_query.wants_versions() {
        let links = wf.version_links()?;
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
        replies: wf.replies_known(&ctx.analyst)?,
    };
    // Only field terms (or nothing): every line, filtered, in the sort's order; with words,
    // matched as the lines are read, only the matches built.
    let rows = wf.list_rows(&args.states, &terms, &words)?;
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
        ListFormat::Json => write_json(&mut out, &wf, &rows, ctx, args.include_secrets)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// JSON: one submission object per line, each read in full (as it was at `--as-of`) a
/// chunk at a time while the chunk before is written (`Workflow::each_assessed`).
fn write_json(
    out: &mut impl Write,
    wf: &crate::workflow::Workflow,
    rows: &[Row],
    ctx: &Ctx,
    secrets: bool,
) -> Result<()> {
    let day = ctx.policy.sla.calendar.day_length();
    let ids: Vec<&str> = rows.iter().map(|r| r.line.id()).collect();
    out.write_all(b"[")?;
    let mut first = true;
    // Each submission is written to a buffer first, then escaped and written in one go:
    // serde_json's many small writes through the escaping writer cost a second at 100 000.
    let mut line = Vec::with_capacity(8192);
    wf.each_assessed(&ids, ctx.now, &mut |mut sub, a| {
        sub.mark_password_set(secrets);
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        line.clear();
        serde_json::to_writer(&mut line, &Listed::new(&sub, &a, day))?;
        crate::text::JsonText::new(&mut *out).write_all(&line)
    })?;
    out.write_all(if first { b"]\n" } else { b"\n]\n" })?;
    Ok(())
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
