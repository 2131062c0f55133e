//! `oin-review list`: the queue as a table, JSON or CSV, sorted by SLA urgency.

use super::{Ctx, parse_state};
use crate::domain::TestsNow;
use crate::domain::{
    Assessment, ClockStatus, Freshness, Policy, ReviewState, SlaClock, Submission, TestReport,
    assess,
};
use crate::present::{clock_now, sla_cell, tests_cell};
use crate::search::Matcher;
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

/// A submission with its assessment at the listing instant.
pub struct Row {
    pub sub: Submission,
    pub assessment: Assessment,
}

/// The rows `args` select, in output order.
pub fn select(subs: Vec<Submission>, args: &Args, policy: &Policy, now: Timestamp) -> Vec<Row> {
    let mut rows: Vec<Row> = subs
        .into_iter()
        .filter(|s| args.states.is_empty() || args.states.contains(&s.state))
        .map(|sub| Row {
            assessment: assess(&sub, policy, now),
            sub,
        })
        .filter(|r| {
            args.sla.is_empty()
                || clock_now(&r.assessment)
                    .map(|c| c.status)
                    .is_some_and(|s| args.sla.iter().any(|f| f.status() == s))
        })
        .filter(|r| {
            args.tests.is_empty()
                || r.assessment
                    .tests
                    .overall
                    .is_some_and(|o| args.tests.iter().any(|f| f.freshness() == o))
        })
        .collect();
    sort_rows(&mut rows, args.sort);
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        let texts: Vec<String> = rows.iter().map(|r| r.sub.search_text()).collect();
        let order = Matcher::default().rank(texts.iter().map(String::as_str), q);
        let mut slots: Vec<Option<Row>> = rows.into_iter().map(Some).collect();
        rows = order.into_iter().filter_map(|i| slots[i].take()).collect();
    }
    rows
}

/// Every submission assessed at `now`, most urgent first.
pub fn by_urgency(subs: Vec<Submission>, policy: &Policy, now: Timestamp) -> Vec<Row> {
    let mut rows: Vec<Row> = subs
        .into_iter()
        .map(|sub| Row {
            assessment: assess(&sub, policy, now),
            sub,
        })
        .collect();
    sort_rows(&mut rows, SortKey::Sla);
    rows
}

fn sort_rows(rows: &mut [Row], key: SortKey) {
    match key {
        SortKey::Sla => rows.sort_by(|a, b| {
            a.assessment
                .urgency()
                .cmp(&b.assessment.urgency())
                .then_with(|| a.sub.id.cmp(&b.sub.id))
        }),
        SortKey::Id => rows.sort_by(|a, b| a.sub.id.cmp(&b.sub.id)),
        SortKey::Age => rows.sort_by_key(|r| (r.sub.in_state_since(), r.sub.id.clone())),
        SortKey::App => rows.sort_by_key(|r| (r.sub.app_name.to_lowercase(), r.sub.id.clone())),
        SortKey::Isv => rows.sort_by_key(|r| (r.sub.isv.to_lowercase(), r.sub.id.clone())),
        SortKey::State => rows.sort_by_key(|r| (r.sub.state, r.sub.id.clone())),
        SortKey::Tests => rows.sort_by_key(|r| {
            (
                r.assessment.tests.overall.map_or(9, |f| f as u8),
                r.sub.id.clone(),
            )
        }),
    }
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_store(false)?;
    let subs = match args.query.as_deref().filter(|q| !q.is_empty()) {
        // Match on the search columns first; load only the submissions that match.
        Some(q) => {
            let index = store.search_index()?;
            let hits = crate::search::score_parallel(index.len(), |i| &index[i].1, q);
            if hits.len() * 5 > index.len() {
                // A broad query: reading everything in table order beats picking by id.
                let keep: std::collections::HashSet<&str> =
                    hits.iter().map(|&(_, i)| index[i].0.as_str()).collect();
                let mut all = store.load_submissions()?;
                all.retain(|s| keep.contains(s.id.as_str()));
                all
            } else {
                let ids: Vec<String> = hits.into_iter().map(|(_, i)| index[i].0.clone()).collect();
                store.submissions_by_ids(&ids)?
            }
        }
        None => store.load_submissions()?,
    };
    let rows = select(subs, &args, &ctx.policy, ctx.now);
    let mut out = super::stdout();
    let day = ctx.policy.sla.calendar.day_length();
    match args.format {
        ListFormat::Table => write_table(&mut out, &rows, day)?,
        ListFormat::Json => write_json(&mut out, rows, args.include_secrets, day)?,
        ListFormat::Csv => write_csv(&mut out, &rows, day)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
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

fn write_json(out: &mut impl Write, mut rows: Vec<Row>, secrets: bool, day: i64) -> Result<()> {
    for r in &mut rows {
        r.sub.mark_password_set(secrets);
    }
    let listed: Vec<Listed> = rows
        .iter()
        .map(|r| Listed::new(&r.sub, &r.assessment, day))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &listed)?;
    writeln!(out)?;
    Ok(())
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
        let s = &r.sub;
        writeln!(
            out,
            "{}",
            line([
                &s.id,
                &s.app_name,
                &s.isv,
                s.state.short_label(),
                s.assignee.as_deref().unwrap_or("-"),
                &sla_cell(s.state, clock_now(&r.assessment), day),
                &tests_cell(&TestsNow::from(&r.assessment.tests)),
            ])
        )?;
    }
    writeln!(out, "{} submission(s)", rows.len())
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
        let s = &r.sub;
        let protocols = s
            .protocols
            .iter()
            .map(|p| p.key())
            .collect::<Vec<_>>()
            .join(" ");
        let clock = r.assessment.current_clock();
        let due = clock
            .and_then(|c| c.due)
            .map(|d| d.to_string())
            .unwrap_or_default();
        let fields = [
            s.id.as_str(),
            &s.app_name,
            &s.isv,
            &protocols,
            s.state.key(),
            s.assignee.as_deref().unwrap_or(""),
            s.path.key(),
            s.update_of.as_deref().unwrap_or(""),
            s.submitter_email.as_deref().unwrap_or(""),
            clock.map_or("", |c| c.status.key()),
            &sla_cell(s.state, clock_now(&r.assessment), day),
            &due,
            r.assessment.tests.overall.map_or("", |f| f.key()),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}
