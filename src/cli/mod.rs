//! Command-line interface: global flags, the subcommands, and what they share.

mod assign;
mod backup;
pub mod bench;
mod check;
pub mod complete;
mod console;
mod docs;
pub use console::pick_theme;
mod demo;
mod export;
mod finding;
mod import;
mod import_results;
mod init;
mod lint;
mod list;
mod mail;
mod r#move;
mod new_version;
mod note;
mod promise;
mod remind;
mod replies;
mod report;
mod show;
mod undo;

use crate::config::{self, Config};
use crate::domain::{Policy, ReviewState};
use crate::identity;
use crate::workflow::OpenOptions;
use crate::workflow::{MailSetup, Workflow};
use anyhow::{Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use jiff::Timestamp;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "oin-review",
    version,
    about = "Review console for Okta Integration Network (OIN) submissions",
    long_about = "Review console for Okta Integration Network (OIN) submissions.\n\n\
        The queue lives in SQLite: --db PATH, else $OIN_REVIEW_DB, else the config's `database`, \
        else $XDG_DATA_HOME/oin-review/queue.db."
)]
pub struct Cli {
    /// The queue database to use (for the console, or any subcommand after it).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,

    /// The console (and a read command after it) evaluates SLA clocks and test freshness at
    /// this instant (RFC 3339, e.g. 2026-11-23T09:00:00Z) instead of now. Writes are always
    /// recorded at the real time.
    #[arg(long, value_name = "TIMESTAMP", value_parser = parse_as_of)]
    pub as_of: Option<AsOf>,

    /// Colour theme for the console (dark, light, high-contrast, mono, or your own).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,

    /// Write a debug log to FILE (level from $OIN_REVIEW_LOG, else debug). With only
    /// OIN_REVIEW_LOG=LEVEL set, the log goes to $XDG_STATE_HOME/oin-review/oin-review.log.
    #[arg(long, global = true, value_name = "FILE")]
    pub log: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make an empty queue (every other command but demo needs one to be there).
    Init(init::Args),
    /// Import submissions from JSON files (all files in one transaction).
    Import(import::Args),
    /// List submissions.
    List(list::Args),
    /// Import OIN Submission Tester results (JSON).
    ImportResults(import_results::Args),
    /// Record the date Okta told the ISV a phase would finish.
    Promise(promise::Args),
    /// Show one submission in full.
    Show(show::Args),
    /// Move submissions to another review state.
    Move(r#move::Args),
    /// Edit a published integration: its new version, a draft linked to it.
    NewVersion(new_version::Args),
    /// Check submissions against the OIN requirements.
    Lint(lint::Args),
    /// The issue list of a submission: list, add, leave out, include, edit.
    Finding(finding::Args),
    /// Preview or send the issue-list email of a submission.
    Mail(mail::MailArgs),
    /// The outbox of emails: list, flush (deliver now), retry, show.
    Outbox(mail::OutboxArgs),
    /// Assign submissions to an analyst.
    Assign(assign::AssignArgs),
    /// Claim submissions for yourself.
    Claim(assign::ClaimArgs),
    /// Undo your last batch of moves.
    Undo(undo::Args),
    /// Internal notes on a submission (never emailed; @name mentions an analyst).
    Note(note::Args),
    /// Queue reminder emails to ISVs that have held an item too long (idle).
    Remind(remind::Args),
    /// Reports for the lead: SLA attainment (met vs breached) and the open workload.
    Report(report::Args),
    /// Write the whole queue in the import format.
    Export(export::Args),
    /// Create a demo queue with sample and generated submissions.
    Demo(demo::Args),
    /// Copy the queue safely while colleagues work (SQLite's backup API), checked.
    Backup(backup::Args),
    /// Check the queue, config, policy, templates and mail settings (exit 1 on a problem).
    Check(check::Args),
    /// Print the shell completion script (bash, zsh, fish, elvish, powershell).
    Completions(docs::CompletionsArgs),
    /// Print the manual page, or write one per subcommand with --dir.
    Man(docs::ManArgs),
    /// Measure performance on a synthetic queue (open, keystroke, frame, bytes, batch, list, memory).
    Bench(bench::Args),
}

/// `--db`, on every subcommand that opens the queue.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct QueueFlag {
    /// The queue database to use (else $OIN_REVIEW_DB, the config's `database`, or
    /// $XDG_DATA_HOME/oin-review/queue.db).
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// `--as-of`, on the subcommands whose output depends on the time.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct AsOfFlag {
    /// Evaluate SLA clocks, test freshness and other time-dependent output at this instant
    /// (RFC 3339, e.g. 2026-11-23T09:00:00Z) instead of now. Writes are always recorded at
    /// the real time.
    #[arg(long, global = true, value_name = "TIMESTAMP", value_parser = parse_as_of)]
    pub as_of: Option<AsOf>,
}

/// What a subcommand says about the flags that do not concern every subcommand.
struct Flags<'a> {
    name: &'static str,
    db: Option<&'a PathBuf>,
    /// `None` when the subcommand takes no `--as-of`.
    as_of: Option<Option<AsOf>>,
}

impl Command {
    fn flags(&self) -> Flags<'_> {
        use Command as C;
        let (name, queue, time) = match self {
            C::List(a) => ("list", Some(&a.queue), Some(&a.time)),
            C::Show(a) => ("show", Some(&a.queue), Some(&a.time)),
            C::Lint(a) => ("lint", Some(&a.queue), Some(&a.time)),
            C::Finding(a) => ("finding", Some(&a.queue), Some(&a.time)),
            C::Mail(a) => ("mail", Some(&a.queue), Some(&a.time)),
            C::Outbox(a) => ("outbox", Some(&a.queue), Some(&a.time)),
            C::Demo(a) => ("demo", Some(&a.queue), Some(&a.time)),
            C::Report(a) => ("report", Some(&a.queue), Some(&a.time)),
            C::Init(a) => ("init", Some(&a.queue), None),
            C::Import(a) => ("import", Some(&a.queue), None),
            C::ImportResults(a) => ("import-results", Some(&a.queue), None),
            C::Promise(a) => ("promise", Some(&a.queue), None),
            C::NewVersion(a) => ("new-version", Some(&a.queue), None),
            C::Move(a) => ("move", Some(&a.queue), None),
            C::Assign(a) => ("assign", Some(&a.queue), None),
            C::Claim(a) => ("claim", Some(&a.queue), None),
            C::Undo(a) => ("undo", Some(&a.queue), None),
            C::Note(a) => ("note", Some(&a.queue), None),
            C::Remind(a) => ("remind", Some(&a.queue), None),
            C::Export(a) => ("export", Some(&a.queue), None),
            C::Backup(a) => ("backup", Some(&a.queue), None),
            C::Check(a) => ("check", Some(&a.queue), None),
            C::Completions(_) => ("completions", None, None),
            C::Man(_) => ("man", None, None),
            C::Bench(_) => ("bench", None, None),
        };
        Flags {
            name,
            db: queue.and_then(|q| q.db.as_ref()),
            as_of: time.map(|t| t.as_of),
        }
    }
}

/// `--as-of`: an instant, or a day (its start in the team's time zone, resolved once the
/// policy is read).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsOf {
    At(Timestamp),
    Day(jiff::civil::Date),
}

impl AsOf {
    fn at(self, tz: &jiff::tz::TimeZone) -> Result<Timestamp> {
        match self {
            AsOf::At(t) => Ok(t),
            AsOf::Day(d) => Ok(d
                .to_zoned(tz.clone())
                .map_err(|e| anyhow::anyhow!("--as-of {d}: {e}"))?
                .timestamp()),
        }
    }
}

fn parse_as_of(s: &str) -> Result<AsOf, String> {
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(AsOf::At(t));
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Ok(AsOf::Day(d));
    }
    s.parse::<Timestamp>().map(AsOf::At).map_err(|e| {
        format!(
            "{e}; expected an RFC 3339 timestamp with an offset (2026-11-23T09:00:00Z) or a day (2026-11-23: its start in the team's time zone)"
        )
    })
}

/// Output formats shared by the read commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Text,
    Json,
    Csv,
}

/// What every subcommand gets: where the queue is, who is acting and what time it is.
pub struct Ctx {
    pub db_flag: Option<PathBuf>,
    /// The instant time-dependent output is evaluated at (`--as-of`, else now).
    pub now: Timestamp,
    /// `--as-of`, when given.
    pub as_of: Option<Timestamp>,
    pub config: Config,
    pub policy: std::sync::Arc<Policy>,
    pub analyst: String,
    pub theme: Option<String>,
}

impl Ctx {
    pub fn db_path(&self) -> Result<PathBuf> {
        Ok(config::resolve_db(self.db_flag.as_deref(), &self.config)?)
    }

    /// How the queue is opened: created if asked, in the shared group, with the policy.
    pub fn open_options(&self, create: bool) -> OpenOptions {
        OpenOptions {
            create,
            group: self.config.db_group.clone(),
            policy: Some(self.policy.clone()),
            progress: true,
        }
    }

    /// The queue with the policy and the mail setup: what every analyst operation needs.
    /// The workflow on the queue, reading submissions as they were at `--as-of` when given
    /// (only the read commands take it).
    pub fn workflow(&self, create: bool) -> Result<Workflow> {
        Ok(self
            .workflow_at(&self.db_path()?, &self.open_options(create))?
            .with_as_of(self.as_of))
    }

    /// The workflow on the queue at `path` (the demo's, for one), with this config.
    pub fn workflow_at(&self, path: &std::path::Path, options: &OpenOptions) -> Result<Workflow> {
        let wf = Workflow::open(
            path,
            options,
            self.policy.clone(),
            std::sync::Arc::new(
                MailSetup::load(self.config.mail.clone()).with_inbound(self.config.inbound.clone()),
            ),
        )?
        .with_team(self.config.team.analysts.clone());
        warn_on_open(
            path,
            wf.permission_warning(),
            wf.disk_full(),
            wf.read_only(),
        );
        Ok(wf)
    }
}

/// What opening the queue has to say on stderr: a file too open, or a full disk.
pub fn warn_on_open(
    path: &std::path::Path,
    permission: Option<String>,
    disk_full: bool,
    read_only: Option<&str>,
) {
    if let Some(w) = permission {
        eprintln!("oin-review: {w}");
    }
    if let (true, Some(why)) = (disk_full, read_only) {
        eprintln!(
            "oin-review: warning: {} is open for reading only: {why}",
            path.display()
        );
    }
}

/// Why `--as-of` is refused after `name`, and what takes it.
fn as_of_refused(name: &str) -> String {
    format!(
        "--as-of does not apply to `{name}`: it changes the queue or reads no clock, and writes are recorded at the real time. The console and list, show, lint, finding, mail, outbox, report and demo take it"
    )
}

/// Parses the command line, or exits with clap's message, except that `--as-of` after a
/// subcommand that does not take it gets the same message as before one (clap would
/// suggest a similar-looking flag instead).
pub fn parse() -> Cli {
    use clap::Parser;
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let misplaced = e.kind() == clap::error::ErrorKind::UnknownArgument
                && matches!(
                    e.get(clap::error::ContextKind::InvalidArg),
                    Some(clap::error::ContextValue::String(arg)) if arg.starts_with("--as-of")
                );
            let names: Vec<String> = <Cli as clap::CommandFactory>::command()
                .get_subcommands()
                .map(|c| c.get_name().to_owned())
                .collect();
            let subcommand = std::env::args().skip(1).find(|a| names.contains(a));
            match (misplaced, subcommand) {
                (true, Some(name)) => {
                    eprintln!("oin-review: {}", as_of_refused(&name));
                    std::process::exit(1)
                }
                _ => e.exit(),
            }
        }
    }
}

/// Runs the parsed command line; the exit code says whether everything asked was done.
pub fn run(cli: Cli) -> Result<ExitCode> {
    crate::log::start(cli.log.as_deref()).map_err(anyhow::Error::msg)?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        args = ?std::env::args().skip(1).collect::<Vec<_>>(),
        "started"
    );
    // These need no queue, config or policy (they work on a host whose config is broken).
    let (db, as_of) = match &cli.command {
        None => (cli.db.clone(), cli.as_of),
        Some(command) => {
            let flags = command.flags();
            if cli.theme.is_some() {
                bail!(
                    "--theme is for the console (oin-review --theme NAME); `{}` draws no screen",
                    flags.name
                );
            }
            let as_of = match (flags.as_of, cli.as_of) {
                (Some(own), top) => own.or(top),
                (None, None) => None,
                (None, Some(_)) => bail!(as_of_refused(flags.name)),
            };
            (flags.db.cloned().or(cli.db.clone()), as_of)
        }
    };
    match cli.command {
        Some(Command::Completions(a)) => return docs::completions(a),
        Some(Command::Man(a)) => return docs::man(a),
        Some(Command::Check(a)) => return check::run(db, None, a.connect),
        _ => {}
    }
    let name = cli.command.as_ref().map_or("console", |c| c.flags().name);
    let result = run_command(cli, db, as_of);
    // The log's last word on the command (README, "Logs"): what was run, by whom, and how it
    // ended; a refusal inside it (a move, a gate) is logged where it was decided.
    let analyst = identity::current_analyst();
    match &result {
        Ok(code) if *code == ExitCode::SUCCESS => {
            tracing::info!(command = name, analyst, "finished")
        }
        Ok(_) => tracing::warn!(
            command = name,
            analyst,
            "finished with exit 1: something asked was refused or failed (said above and on stderr)"
        ),
        // main logs the error itself ("stopped"), with its causes.
        Err(_) => tracing::warn!(command = name, analyst, "stopped by an error"),
    }
    result
}

/// The command after the flags are sorted out: the config, the policy and the queue.
fn run_command(cli: Cli, db: Option<PathBuf>, as_of: Option<AsOf>) -> Result<ExitCode> {
    let config = Config::load()?;
    // A console setting's mistake stops only the console (which says so); the rest warn.
    if cli.command.is_some() {
        for p in &config.console_problems {
            eprintln!("oin-review: warning: {p}");
        }
    }
    let policy = config::load_policy()?;
    let as_of = as_of
        .map(|a| a.at(policy.sla.calendar.time_zone()))
        .transpose()?;
    let ctx = Ctx {
        db_flag: db,
        now: as_of.unwrap_or_else(crate::clock::now),
        as_of,
        config,
        policy: std::sync::Arc::new(policy),
        analyst: identity::current_analyst(),
        theme: cli.theme,
    };
    if cli.command.is_some() {
        // The console's settings do not concern a subcommand: a mistake in them is a
        // warning here (a cron job keeps working), and an error when the console opens.
        for problem in console::settings_problems(&ctx) {
            eprintln!(
                "oin-review: warning: {problem} (the console will not open until it is fixed)"
            );
        }
    }
    match cli.command {
        Some(Command::Init(a)) => init::run(&ctx, a),
        Some(Command::Import(a)) => import::run(&ctx, a),
        Some(Command::List(a)) => list::run(&ctx, a),
        Some(Command::Show(a)) => show::run(&ctx, a),
        Some(Command::ImportResults(a)) => import_results::run(&ctx, a),
        Some(Command::Promise(a)) => promise::run(&ctx, a),
        Some(Command::NewVersion(a)) => new_version::run(&ctx, a),
        Some(Command::Move(a)) => r#move::run(&ctx, a),
        Some(Command::Export(a)) => export::run(&ctx, a),
        Some(Command::Lint(a)) => lint::run(&ctx, a),
        Some(Command::Finding(a)) => finding::run(&ctx, a),
        Some(Command::Mail(a)) => mail::run_mail(&ctx, a),
        Some(Command::Outbox(a)) => mail::run_outbox(&ctx, a),
        Some(Command::Assign(a)) => assign::run_assign(&ctx, a),
        Some(Command::Claim(a)) => assign::run_claim(&ctx, a),
        Some(Command::Undo(a)) => undo::run(&ctx, a),
        Some(Command::Note(a)) => note::run(&ctx, a),
        Some(Command::Report(a)) => report::run(&ctx, a),
        Some(Command::Remind(a)) => remind::run(&ctx, a),
        Some(Command::Demo(a)) => demo::run(&ctx, a),
        Some(Command::Backup(a)) => backup::run(&ctx, a),
        Some(Command::Bench(a)) => bench::run(&ctx, a),
        Some(Command::Completions(_) | Command::Man(_) | Command::Check(_)) => {
            Ok(ExitCode::SUCCESS)
        }
        None => console::run(&ctx, ctx.workflow(false)?),
    }
}

/// Buffered standard output: one write per buffer, not per line (flush before exiting).
pub fn stdout() -> std::io::BufWriter<std::io::StdoutLock<'static>> {
    std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock())
}

/// Parses a state key for clap, listing the valid keys on error.
/// A state argument: every spelling `ReviewState::from_words` takes, with the keys offered
/// to completion (a plain function parser offers none, so shells completed file names).
#[derive(Debug, Clone, Copy)]
pub struct StateParser;

impl clap::builder::TypedValueParser for StateParser {
    type Value = ReviewState;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> std::result::Result<ReviewState, clap::Error> {
        let text = value
            .to_str()
            .ok_or_else(|| clap::Error::new(clap::error::ErrorKind::InvalidUtf8).with_cmd(cmd))?;
        ReviewState::from_words(text).map_err(|why| {
            let name = arg.map_or_else(|| "STATE".to_string(), |a| a.to_string());
            clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!("invalid value '{text}' for '{name}': {why}\n"),
            )
            .with_cmd(cmd)
        })
    }

    fn possible_values(
        &self,
    ) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            ReviewState::ALL
                .iter()
                .map(|s| clap::builder::PossibleValue::new(s.key())),
        ))
    }
}
