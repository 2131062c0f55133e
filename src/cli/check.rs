//! `oin-review check`: is this host ready? The queue file, the config, the console's
//! settings, the policy and holidays, the templates and the mail settings, one line each.

use super::console::pick_theme;
use crate::config::{self, Config, MailTransport};
use crate::mail::{Templates, Transport, compose::check_templates};
use crate::store;
use crate::tui::keymap::Keymap;
use anyhow::Result;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
#[command(
    long_about = "Check everything a shift or a cron job relies on, without changing \
    anything or sending mail: the queue file (SQLite's integrity_check of every page, its \
    schema and its mode), the config file (every key, the theme and each key binding, with \
    file and line), the policy and holiday files, the email templates (each kind rendered \
    against a sample submission) and the mail settings (the transport built, \
    password_command run, the file outbox writable). One line per check; exit status 1 when \
    any check fails."
)]
pub struct Args {
    #[command(flatten)]
    pub queue: super::QueueFlag,
    /// Also open the SMTP conversation (connect, STARTTLS or TLS, login) and quit without
    /// sending: the settings are right and the server takes them.
    #[arg(long)]
    pub connect: bool,
}

/// The result of one check.
struct Line {
    what: &'static str,
    /// "ok", "WARN" (ready now, not for long) or "FAIL" (a problem).
    mark: &'static str,
    text: String,
}

#[derive(Default)]
struct Report {
    lines: Vec<Line>,
}

impl Report {
    fn ok(&mut self, what: &'static str, text: impl Into<String>) {
        self.lines.push(Line {
            what,
            mark: "ok",
            text: text.into(),
        });
    }
    fn fail(&mut self, what: &'static str, text: impl Into<String>) {
        self.lines.push(Line {
            what,
            mark: "FAIL",
            text: text.into(),
        });
    }
    /// Ready now, but not for long: said, not counted as a problem.
    fn warn(&mut self, what: &'static str, text: impl Into<String>) {
        self.lines.push(Line {
            what,
            mark: "WARN",
            text: text.into(),
        });
    }
    fn problems(&self) -> usize {
        self.lines.iter().filter(|l| l.mark == "FAIL").count()
    }
}

/// Runs every check; `db` and `theme` are the global flags (the config is read here, not
/// before, so that a broken one is reported rather than stopping the check).
pub fn run(db: Option<PathBuf>, theme: Option<String>, connect: bool) -> Result<ExitCode> {
    let mut report = Report::default();
    let config = match Config::load() {
        Ok(c) => {
            let at = if c.path.as_os_str().is_empty() {
                "no config file (the defaults)".to_string()
            } else {
                c.path.display().to_string()
            };
            report.ok("config", at);
            c
        }
        Err(e) => {
            report.fail("config", e.to_string());
            // What the file says about the console could not be read either: never "ok".
            Config {
                console_unread: ["theme", "keys", "views"]
                    .into_iter()
                    .map(String::from)
                    .collect(),
                ..Config::default()
            }
        }
    };
    console_settings(&mut report, &config, theme.as_deref());
    let policy = config::load_policy();
    match &policy {
        Ok(p) => {
            let day = p.sla.calendar.day_length();
            let words = |s| crate::domain::notice::business_words(s, day);
            let file = config::config_dir()
                .map(|d| d.join("policy.toml"))
                .filter(|f| f.exists())
                .map_or_else(|| "built in".to_string(), |f| f.display().to_string());
            report.ok(
                "policy",
                format!(
                    "{file}: targets {}, {}, {}; {} holidays",
                    words(p.sla.initial_review),
                    words(p.sla.qa_testing),
                    words(p.sla.final_review),
                    p.sla.calendar.holidays().len()
                ),
            );
        }
        Err(e) => report.fail("policy", e.to_string()),
    }
    if let Ok(p) = &policy {
        holidays_ahead(&mut report, p, crate::clock::now());
    }
    mail(&mut report, &config, connect);
    inbound(&mut report, &config, connect);
    queue(&mut report, db.as_deref(), &config);

    let mut out = String::new();
    for l in &report.lines {
        out.push_str(&format!("{:<5} {:<10} {}\n", l.mark, l.what, l.text));
    }
    let n = report.problems();
    if n == 0 {
        out.push_str("everything checked is ready\n");
    } else {
        out.push_str(&format!("{n} problem(s) found\n"));
    }
    print!("{out}");
    Ok(if n == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Warns when the holiday calendar ends within a year: after its last date, business days
/// count no holidays and promised dates come a holiday early, silently.
fn holidays_ahead(report: &mut Report, policy: &crate::domain::Policy, now: jiff::Timestamp) {
    let tz = policy.sla.calendar.time_zone().clone();
    let today = now.to_zoned(tz).date();
    let Some(last) = policy.sla.calendar.holidays().last().copied() else {
        return;
    };
    let year_on = today.saturating_add(jiff::Span::new().years(1));
    if last < year_on {
        report.warn(
            "holidays",
            format!(
                "the holiday calendar ends on {last}: after it, business days count no holidays; add the next years' dates to its file (a copy in the config folder's holidays/ replaces a built-in one)"
            ),
        );
    } else {
        report.ok("holidays", format!("listed to {last}"));
    }
}

/// The theme and every key binding, each binding on its own so that every mistake is named
/// (with its line), then all of them together for conflicts.
fn console_settings(report: &mut Report, config: &Config, flag: Option<&str>) {
    // Lines of the console's settings the file could not use (left out of what follows).
    for p in &config.console_problems {
        report.fail("console", p.clone());
    }
    let unread = |k: &str| config.console_unread.contains(k);
    // A setting that could not be read is never "ok" (the line above says why).
    match pick_theme(flag, config.theme.as_deref()) {
        Ok(_) if unread("theme") && flag.is_none() => {}
        Ok(_) => report.ok(
            "theme",
            flag.or(config.theme.as_deref())
                .unwrap_or("the default")
                .to_string(),
        ),
        Err(e) => report.fail("theme", e.to_string()),
    }
    let file = config.path.display();
    let line_of = |k: &str| config.line_of(k);
    let mut bad = 0;
    for (name, keys) in &config.keys {
        let one = BTreeMap::from([(name.clone(), keys.clone())]);
        if let Err(e) = Keymap::with_overrides(&one, line_of) {
            report.fail("keys", format!("{file}: {e}"));
            bad += 1;
        }
    }
    match config.views() {
        Ok(_) if unread("views") => {}
        Ok(views) => report.ok(
            "views",
            format!(
                "{} saved view(s) after the built-in tabs",
                views.iter().filter(|v| !v.builtin).count()
            ),
        ),
        Err(e) => report.fail("views", e.to_string()),
    }
    if bad == 0 {
        match Keymap::with_overrides(&config.keys, line_of) {
            Ok(_) if unread("keys") => {}
            Ok(_) => report.ok(
                "keys",
                format!("{} override(s), no conflict", config.keys.len()),
            ),
            Err(e) => report.fail("keys", format!("{file}: {e}")),
        }
    }
}

/// The templates rendered against a sample, and the transport built as delivery builds it.
fn mail(report: &mut Report, config: &Config, connect: bool) {
    let now = crate::clock::now();
    let (templates, broken) = Templates::load_checked();
    for e in &broken {
        report.fail("templates", e.to_string());
    }
    let sample = crate::exchange::parse_submissions(
        "data/sample-submissions.json",
        crate::demo::SAMPLE_SUBMISSIONS.as_bytes(),
    )
    .ok()
    .and_then(|all| all.into_iter().find(|s| s.escalation_email().is_some()));
    match sample {
        None => report.fail("templates", "no sample submission to render against"),
        Some(sample) => {
            let problems = check_templates(&templates, &config.mail, &sample, now);
            if problems.is_empty() && broken.is_empty() {
                report.ok(
                    "templates",
                    format!(
                        "all {} kinds of email render against a sample",
                        crate::domain::EmailKind::ALL.len()
                    ),
                );
            }
            for p in problems {
                report.fail("templates", p);
            }
        }
    }
    let default_dir = match config::data_dir() {
        Ok(d) => d.join("outbox-files"),
        Err(e) => {
            report.fail("mail", e.to_string());
            return;
        }
    };
    match Transport::from_config(&config.mail, default_dir) {
        Err(e) => report.fail("mail", e.to_string()),
        Ok(t) => {
            if config.mail.transport == MailTransport::File
                && let Transport::File { dir } = &t
                && let Err(e) = writable_dir(dir)
            {
                report.fail("mail", format!("the file outbox {}: {e}", dir.display()));
                return;
            }
            if connect {
                let reached = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())
                    .and_then(|rt| rt.block_on(t.try_connect()));
                match reached {
                    Ok(said) => report.ok("mail", said),
                    Err(why) => report.fail("mail", why),
                }
                return;
            }
            let login = match &config.mail.username {
                Some(u) => format!(", login as {u:?} (password found)"),
                None => String::new(),
            };
            report.ok(
                "mail",
                format!(
                    "{}{login}; nothing sent, not connected (`check --connect` opens the conversation)",
                    t.describe()
                ),
            );
        }
    }
}

/// The mailbox replies are fetched from (`[inbound]`): that it is complete, that outgoing
/// mail's Reply-To leads there, and with `connect` that it can be opened (nothing read).
fn inbound(report: &mut Report, config: &Config, connect: bool) {
    use crate::mail::fetch::{Mailbox, try_connect};
    let inbound = &config.inbound;
    let mailbox = match Mailbox::from_config(inbound) {
        Err(e) => {
            report.fail("inbound", e.to_string());
            return;
        }
        Ok(None) => {
            report.ok(
                "inbound",
                "not set: replies are not fetched ([inbound] host or maildir; oin-review-config(5), Receiving replies)",
            );
            return;
        }
        Ok(Some(m)) => m,
    };
    match (inbound.reply_address(), &inbound.username) {
        (None, _) => report.warn(
            "inbound",
            "outgoing mail carries no Reply-To, so replies go to [mail] from: set [inbound] reply_to to the address of the mailbox read",
        ),
        (Some(reply), Some(user)) if user.contains('@') && !reply.eq_ignore_ascii_case(user) => {
            report.warn(
                "inbound",
                format!(
                    "Reply-To {reply:?} is not the mailbox read ({user:?}): make sure mail to it is delivered there"
                ),
            )
        }
        (Some(reply), _) => report.ok("inbound", format!("outgoing mail carries Reply-To {reply:?}")),
    }
    if connect {
        let reached = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
            .and_then(|rt| rt.block_on(try_connect(&mailbox)));
        match reached {
            Ok(said) => report.ok("inbound", crate::text::safe_line(&said)),
            Err(why) => report.fail("inbound", crate::text::safe_line(&why)),
        }
    } else {
        report.ok(
            "inbound",
            format!(
                "{}; not connected (`check --connect` opens it and reads nothing)",
                mailbox.label()
            ),
        );
    }
}

/// Whether files can be written in `dir` (or in the nearest folder that exists, where it
/// will be created); nothing is left behind.
fn writable_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut at = dir;
    while !at.exists() {
        match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => at = p,
            _ => return Ok(()),
        }
    }
    if !at.is_dir() {
        return Err(std::io::Error::other(format!(
            "{} is not a folder",
            at.display()
        )));
    }
    tempfile::tempfile_in(at).map(drop)
}

/// The queue file: found, ours, sound, its schema, and who can read it.
fn queue(report: &mut Report, db: Option<&std::path::Path>, config: &Config) {
    let path = match config::resolve_db(db, config) {
        Ok(p) => p,
        Err(e) => {
            report.fail("queue", e.to_string());
            return;
        }
    };
    let shown = path.display();
    let health = match store::inspect(&path) {
        Ok(h) => h,
        Err(e) => {
            report.fail("queue", e.to_string());
            return;
        }
    };
    let latest = store::Health::latest();
    if !health.problems.is_empty() {
        report.fail(
            "queue",
            format!(
                "{shown} is damaged: restore it from a backup (README, Backups and restore); integrity_check says: {}",
                health.problems.join("; ")
            ),
        );
        return;
    }
    if !health.ours {
        report.fail(
            "queue",
            format!("{shown} is an SQLite database but not an oin-review queue"),
        );
        return;
    }
    if health.schema > latest {
        report.fail(
            "queue",
            format!(
                "{shown} has schema v{} from a newer oin-review (this one knows up to v{latest}): upgrade oin-review",
                health.schema
            ),
        );
        return;
    }
    let schema = if health.schema < latest {
        format!(
            "schema v{}, upgraded to v{latest} when next opened",
            health.schema
        )
    } else {
        format!("schema v{latest}")
    };
    let count = health
        .submissions
        .map(|n| format!(", {n} submission(s)"))
        .unwrap_or_default();
    report.ok("queue", format!("{shown}: integrity ok, {schema}{count}"));
    if let Some(open) = store::readable_by_all(&path) {
        report.fail("queue", open);
    }
}
