//! `oin-review list`: the queue as a table, JSON or CSV.

use super::{Ctx, Format, parse_state};
use crate::domain::{ReviewState, Submission};
use crate::search::Matcher;
use crate::text;
use anyhow::Result;
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

impl From<ListFormat> for Format {
    fn from(f: ListFormat) -> Format {
        match f {
            ListFormat::Table => Format::Table,
            ListFormat::Json => Format::Json,
            ListFormat::Csv => Format::Csv,
        }
    }
}

/// The submissions `args` select, in output order.
pub fn select(subs: Vec<Submission>, args: &Args) -> Vec<Submission> {
    let mut subs: Vec<Submission> = subs
        .into_iter()
        .filter(|s| args.states.is_empty() || args.states.contains(&s.state))
        .collect();
    if let Some(q) = args.query.as_deref().filter(|q| !q.is_empty()) {
        let texts: Vec<String> = subs.iter().map(Submission::search_text).collect();
        let order = Matcher::default().rank(texts.iter().map(String::as_str), q);
        let mut slots: Vec<Option<Submission>> = subs.into_iter().map(Some).collect();
        subs = order.into_iter().filter_map(|i| slots[i].take()).collect();
    }
    subs
}

pub fn run(ctx: &Ctx, args: Args) -> Result<ExitCode> {
    let store = ctx.open_store(false)?;
    let subs = select(store.load_submissions()?, &args);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ListFormat::Table => write_table(&mut out, &subs)?,
        ListFormat::Json => {
            let subs: Vec<Submission> = subs
                .into_iter()
                .map(|mut s| {
                    s.mark_password_set(args.include_secrets);
                    s
                })
                .collect();
            serde_json::to_writer_pretty(&mut out, &subs)?;
            writeln!(out)?;
        }
        ListFormat::Csv => write_csv(&mut out, &subs)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Column title and width; the widths and single spaces between add up to 79.
const COLUMNS: [(&str, usize); 6] = [
    ("ID", 13),
    ("APP", 17),
    ("ISV", 13),
    ("PROTOCOLS", 9),
    ("STATE", 14),
    ("ASSIGNEE", 8),
];

fn protocol_badges(s: &Submission) -> String {
    s.protocols
        .iter()
        .map(|p| p.badge())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn write_table(out: &mut impl Write, subs: &[Submission]) -> std::io::Result<()> {
    let row = |cells: [&str; 6]| {
        let line: Vec<String> = cells
            .iter()
            .zip(COLUMNS)
            .map(|(c, (_, w))| text::pad(c, w))
            .collect();
        line.join(" ").trim_end().to_string()
    };
    writeln!(out, "{}", row(COLUMNS.map(|(t, _)| t)))?;
    for s in subs {
        let badges = protocol_badges(s);
        writeln!(
            out,
            "{}",
            row([
                &s.id,
                &s.app_name,
                &s.isv,
                &badges,
                s.state.short_label(),
                s.assignee.as_deref().unwrap_or("-"),
            ])
        )?;
    }
    writeln!(out, "{} submission(s)", subs.len())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn write_csv(out: &mut impl Write, subs: &[Submission]) -> std::io::Result<()> {
    writeln!(
        out,
        "id,app_name,isv,protocols,state,assignee,path,update_of,submitter_email"
    )?;
    for s in subs {
        let protocols = s
            .protocols
            .iter()
            .map(|p| p.key())
            .collect::<Vec<_>>()
            .join(" ");
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
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        writeln!(out, "{}", line.join(","))?;
    }
    Ok(())
}
