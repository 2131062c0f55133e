//! The config file, the data and config paths, and where the queue database lives.

use serde::Deserialize;
use std::fs;
use std::path::{Path, PathBuf};

pub const APP_DIR: &str = "oin-review";
pub const DB_ENV: &str = "OIN_REVIEW_DB";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "cannot find a home folder for the data and config paths: set HOME, XDG_DATA_HOME, or pass --db"
    )]
    NoHome,
}

/// `$XDG_CONFIG_HOME/oin-review/config.toml`; every key is optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The queue database (after `--db` and `$OIN_REVIEW_DB`).
    pub database: Option<PathBuf>,
    /// A Unix group sharing the queue: new database files are created 0660 for it.
    pub db_group: Option<String>,
    /// Colour theme: dark (default), light, high-contrast, mono, or one in themes/.
    pub theme: Option<String>,
    /// Mouse wheel scrolling; off by default so terminal text selection works over SSH.
    #[serde(default)]
    pub mouse: bool,
    /// State names in the console: "manager" (default) or "wizard".
    pub state_names: Option<StateNames>,
    /// Key overrides: `"queue.down" = ["j", "ctrl-n"]`.
    #[serde(default)]
    pub keys: BTreeMap<String, Vec<String>>,
    /// How issue-list emails are written and delivered.
    #[serde(default)]
    pub mail: MailConfig,
    /// Saved views: `name = "query"` (README, Field queries); in the file's order.
    #[serde(default)]
    pub views: BTreeMap<String, String>,
    /// The analysts of the team, besides those the queue knows (README, The team).
    #[serde(default)]
    pub team: TeamConfig,
    /// Where replies are fetched from (README, Receiving replies).
    #[serde(default)]
    pub inbound: InboundConfig,
    /// What is wrong with the console-only settings (`theme`, `mouse`, `state_names`,
    /// `[keys]`, `[views]`), each naming the file and line: the console refuses to start
    /// until they are fixed; every other command warns and goes on (cron keeps working).
    #[serde(skip)]
    pub console_problems: Vec<String>,
    /// The console settings those problems are in (`theme`, `keys`, ...): what `check`
    /// cannot call ok.
    #[serde(skip)]
    pub console_unread: BTreeSet<String>,
    /// The file's text, to name lines in errors found after parsing.
    #[serde(skip)]
    pub text: String,
    #[serde(skip)]
    pub path: PathBuf,
}

/// The `[team]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TeamConfig {
    /// Account names of analysts who may be assigned or mentioned before they act.
    pub analysts: Vec<String>,
}

/// The `[inbound]` table: the mailbox replies come back to (IMAP, or a Maildir on the
/// host). Key names are part of the documented contract (README, Receiving replies).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InboundConfig {
    /// The IMAP server; none with a Maildir, or when replies are not fetched.
    pub host: Option<String>,
    /// Default: 993 with implicit TLS, 143 with STARTTLS.
    pub port: Option<u16>,
    /// "implicit" (default) or "starttls"; IMAP is never read in the clear.
    pub tls: InboundTls,
    pub username: Option<String>,
    /// A command printing the IMAP password (else $OIN_REVIEW_IMAP_PASSWORD).
    pub password_command: Option<String>,
    /// The folder read (default INBOX).
    pub folder: String,
    /// What happens to a message once it is stored: "seen" (default: flagged \Seen) or
    /// "move:FOLDER".
    pub after: String,
    /// Extra CA certificate (PEM) to trust, for a server with a private CA.
    pub ca_file: Option<PathBuf>,
    /// A Maildir on the review host that its MTA delivers into (instead of IMAP).
    pub maildir: Option<PathBuf>,
    /// The Reply-To of outgoing mail: the address of the mailbox read. Default: the IMAP
    /// username when it is an address.
    pub reply_to: Option<String>,
    /// A message larger than this is stored in part.
    pub max_message_bytes: usize,
    /// At most this many attachments per message are kept.
    pub max_attachments: usize,
    /// An attachment larger than this keeps only its name, type and size.
    pub max_attachment_bytes: usize,
    /// How often a running console fetches ("5m"; "0s": never).
    #[serde(deserialize_with = "every_from_text")]
    pub every: Option<jiff::SignedDuration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InboundTls {
    Implicit,
    Starttls,
}

impl Default for InboundConfig {
    fn default() -> Self {
        InboundConfig {
            host: None,
            port: None,
            tls: InboundTls::Implicit,
            username: None,
            password_command: None,
            folder: "INBOX".into(),
            after: "seen".into(),
            ca_file: None,
            maildir: None,
            reply_to: None,
            max_message_bytes: 10 * 1024 * 1024,
            max_attachments: 20,
            max_attachment_bytes: 5 * 1024 * 1024,
            every: None,
        }
    }
}

impl InboundConfig {
    /// Whether replies are fetched at all.
    pub fn is_set(&self) -> bool {
        self.host.is_some() || self.maildir.is_some()
    }

    /// The IMAP port: the config's, else 993 (implicit TLS) or 143 (STARTTLS).
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.tls {
            InboundTls::Implicit => 993,
            InboundTls::Starttls => 143,
        })
    }

    /// The mailbox's name in the queue (where its position is kept) and in messages:
    /// `maildir:DIR` or `imap://user@host:port/folder`; None when replies are not fetched.
    /// Pure: it reads no password (the console says it at start-up).
    pub fn mailbox_label(&self) -> Option<String> {
        if let Some(dir) = &self.maildir {
            return Some(format!("maildir:{}", dir.display()));
        }
        let host = self.host.as_deref()?;
        Some(format!(
            "imap://{}@{host}:{}/{}",
            self.username.as_deref().unwrap_or_default(),
            self.port(),
            self.folder
        ))
    }

    /// The address replies should go to, if the config says or implies one.
    pub fn reply_address(&self) -> Option<String> {
        self.reply_to
            .clone()
            .or_else(|| self.username.clone().filter(|u| u.contains('@')))
    }

    /// How often a running console fetches: 5 minutes unless the config says.
    pub fn every(&self) -> jiff::SignedDuration {
        self.every.unwrap_or(jiff::SignedDuration::from_mins(5))
    }
}

/// The `[mail]` table. Key names are part of the documented contract (README, Mail).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// "file" (default): .eml files in `outbox_dir`; "smtp": a real SMTP server.
    pub transport: MailTransport,
    pub host: Option<String>,
    /// Default: 587 with starttls, 465 with implicit, 25 with none.
    pub port: Option<u16>,
    pub tls: MailTls,
    pub username: Option<String>,
    /// A command printing the SMTP password (else $OIN_REVIEW_SMTP_PASSWORD).
    pub password_command: Option<String>,
    pub from: String,
    pub cc: Vec<String>,
    pub signature: String,
    /// Extra CA certificate (PEM) to trust, for a server with a private CA.
    pub ca_file: Option<PathBuf>,
    /// Where the file transport writes; default `<data dir>/outbox-files`.
    pub outbox_dir: Option<PathBuf>,
    /// Which kinds of email moves send: `[mail.emails] received = false` switches one off.
    pub emails: EmailSwitches,
    /// How long a queued email waits before delivery, so that it can still be cancelled
    /// (or its move undone) like an undo-send window. Default: 2 minutes over SMTP, none
    /// for the file outbox (which reaches no ISV); "0s" turns it off.
    #[serde(deserialize_with = "hold_from_text")]
    pub hold: Option<jiff::SignedDuration>,
    /// The Reply-To of every email: the mailbox `[inbound]` reads (not a `[mail]` key).
    #[serde(skip)]
    pub reply_to: Option<String>,
}

/// `[mail] hold`: a duration such as "2m", "90s" or "0s".
fn hold_from_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<jiff::SignedDuration>, D::Error> {
    let text = String::deserialize(d)?;
    let hold: jiff::SignedDuration = text.trim().parse().map_err(|_| {
        serde::de::Error::custom(format!(
            "hold = {text:?} is not a duration; write it as \"2m\", \"90s\" or \"0s\" (no hold)"
        ))
    })?;
    if hold.is_negative() {
        return Err(serde::de::Error::custom(format!(
            "hold = {text:?} is negative; write \"0s\" for no hold"
        )));
    }
    Ok(Some(hold))
}

/// `[inbound] every`: a duration such as "5m"; "0s" never fetches in the console.
fn every_from_text<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<jiff::SignedDuration>, D::Error> {
    let text = String::deserialize(d)?;
    match text.trim().parse::<jiff::SignedDuration>() {
        Ok(every) if !every.is_negative() => Ok(Some(every)),
        _ => Err(serde::de::Error::custom(format!(
            "every = {text:?} is not a duration; write it as \"5m\", \"90s\" or \"0s\" (the console never fetches)"
        ))),
    }
}

/// The hold when the config says none: emails that can reach an ISV wait 2 minutes.
pub const DEFAULT_SMTP_HOLD: jiff::SignedDuration = jiff::SignedDuration::from_secs(120);

impl MailConfig {
    /// How long a newly queued email waits before delivery.
    pub fn hold(&self) -> jiff::SignedDuration {
        match (self.hold, self.transport) {
            (Some(h), _) => h,
            (None, MailTransport::Smtp) => DEFAULT_SMTP_HOLD,
            (None, MailTransport::File) => jiff::SignedDuration::ZERO,
        }
    }
}

/// The `[mail.emails]` table: one switch per kind of email, all on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailSwitches {
    pub received: bool,
    pub qa_started: bool,
    pub final_review: bool,
    pub issues: bool,
    pub published: bool,
    /// Reminders to ISVs that went quiet (`oin-review remind`).
    pub reminder: bool,
    /// Corrections after an undo of a move whose email was sent (`oin-review mail correct`).
    pub correction: bool,
}

impl Default for EmailSwitches {
    fn default() -> Self {
        EmailSwitches {
            received: true,
            qa_started: true,
            final_review: true,
            issues: true,
            published: true,
            reminder: true,
            correction: true,
        }
    }
}

impl EmailSwitches {
    /// The kind of email a move to `to` sends with these switches, or why it sends none.
    pub fn for_move(
        &self,
        to: crate::domain::ReviewState,
    ) -> Result<crate::domain::EmailKind, String> {
        match crate::domain::EmailKind::for_move(to) {
            None => Err(format!("a move to {to} sends no email")),
            Some(kind) if !self.enabled(kind) => Err(format!(
                "{} emails are switched off in the config ([mail.emails] {} = false)",
                kind.short(),
                kind.key()
            )),
            Some(kind) => Ok(kind),
        }
    }

    pub fn enabled(&self, kind: crate::domain::EmailKind) -> bool {
        use crate::domain::EmailKind;
        match kind {
            EmailKind::Received => self.received,
            EmailKind::QaStarted => self.qa_started,
            EmailKind::FinalReview => self.final_review,
            EmailKind::Issues => self.issues,
            EmailKind::Published => self.published,
            EmailKind::Reminder => self.reminder,
            EmailKind::Correction => self.correction,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            transport: MailTransport::File,
            host: None,
            port: None,
            tls: MailTls::Starttls,
            username: None,
            password_command: None,
            from: "OIN Review <oin-review@localhost>".into(),
            cc: Vec::new(),
            signature: "OIN Review Team".into(),
            ca_file: None,
            outbox_dir: None,
            emails: EmailSwitches::default(),
            hold: None,
            reply_to: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTransport {
    File,
    Smtp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailTls {
    Starttls,
    Implicit,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateNames {
    Manager,
    Wizard,
}

impl Config {
    /// The line where `key` is set, for errors about a value that parsed but is wrong.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.text
            .lines()
            .position(|l| {
                let l = l.trim_start();
                l.strip_prefix(&format!("\"{key}\""))
                    .or_else(|| l.strip_prefix(key))
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            })
            .map(|i| i + 1)
    }
}

impl Config {
    /// The views in tab order: the built-in ones (each redefined by a `[views]` entry of
    /// the same name, in any case), then the config's others in the file's order. A query
    /// that does not parse is an error naming the file and line.
    pub fn views(&self) -> Result<Vec<crate::domain::query::View>, ConfigError> {
        use crate::domain::query::{BUILTIN_VIEWS, View, parse};
        let parsed = |name: &str, q: &str| {
            parse(q).map_err(|e| {
                let at = self
                    .line_of(name)
                    .map(|l| format!("line {l}: "))
                    .unwrap_or_default();
                ConfigError::Invalid {
                    path: self.path.clone(),
                    message: format!("{at}views.{name:?}: {e}"),
                }
            })
        };
        let mut views = Vec::new();
        for (name, q) in BUILTIN_VIEWS {
            let own = self
                .views
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name));
            let query = match own {
                Some((n, q)) => parsed(n, q)?,
                None => parsed(name, q)?,
            };
            views.push(View {
                name: name.to_string(),
                query,
                builtin: true,
            });
        }
        let mut extra: Vec<(&String, &String)> = self
            .views
            .iter()
            .filter(|(n, _)| !BUILTIN_VIEWS.iter().any(|(b, _)| b.eq_ignore_ascii_case(n)))
            .collect();
        extra.sort_by_key(|(n, _)| self.line_of(n).unwrap_or(usize::MAX));
        for (name, q) in extra {
            views.push(View {
                name: name.clone(),
                query: parsed(name, q)?,
                builtin: false,
            });
        }
        Ok(views)
    }
}

impl Config {
    /// Loads the user's config file; a missing file is the default config.
    pub fn load() -> Result<Config, ConfigError> {
        match config_dir() {
            Some(dir) => Config::load_from(&dir.join("config.toml")),
            None => Ok(Config::default()),
        }
    }

    pub fn load_from(path: &Path) -> Result<Config, ConfigError> {
        let text = match fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Config::default()),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        // The console's own settings are read apart: a mistake in them (even one TOML cannot
        // parse) stops only the console. Any other mistake stops every command.
        let console = console_lines(&text);
        let keep = |want: bool| -> String {
            text.lines()
                .zip(&console)
                .map(|(l, c)| if *c == want { l } else { "" })
                .collect::<Vec<_>>()
                .join("\n")
        };
        let mut config: Config = parse_toml(path, &keep(false))?;
        let (bits, problems, unread) = parse_console_settings(path, keep(true));
        config.theme = bits.theme;
        config.mouse = bits.mouse;
        config.state_names = bits.state_names;
        config.keys = bits.keys;
        config.views = bits.views;
        config.console_problems = problems;
        config.console_unread = unread;
        config.text = text;
        config.path = path.to_path_buf();
        config.mail.reply_to = config.inbound.reply_address();
        Ok(config)
    }
}

/// The settings only the console reads (`Config` has them too, filled from these).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
struct ConsoleSettings {
    theme: Option<String>,
    mouse: bool,
    state_names: Option<StateNames>,
    keys: BTreeMap<String, Vec<String>>,
    views: BTreeMap<String, String>,
}

/// The top-level keys only the console reads; `[keys]` and `[views]` are its tables.
const CONSOLE_KEYS: [&str; 3] = ["theme", "mouse", "state_names"];
const CONSOLE_TABLES: [&str; 2] = ["keys", "views"];

/// For each line of a config file, whether it belongs to a console-only setting: a
/// top-level `theme`, `mouse` or `state_names` line (with the lines of a value it opens
/// and does not close), or a line of the `[keys]` or `[views]` table, header included.
fn console_lines(text: &str) -> Vec<bool> {
    let mut table: Option<String> = None;
    let mut open_value = false;
    text.lines()
        .map(|line| {
            let t = line.trim();
            if open_value {
                open_value = !t.contains(']');
                return true;
            }
            if t.starts_with('[') {
                let name = t
                    .trim_start_matches('[')
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .trim();
                let name = name.trim_matches('"').to_string();
                let console = CONSOLE_TABLES
                    .iter()
                    .any(|c| name == *c || name.starts_with(&format!("{c}.")));
                table = Some(name);
                return console;
            }
            match &table {
                Some(name) => CONSOLE_TABLES
                    .iter()
                    .any(|c| name == c || name.starts_with(&format!("{c}."))),
                None => {
                    let key = t.split('=').next().unwrap_or("").trim().trim_matches('"');
                    let console = CONSOLE_KEYS.contains(&key)
                        || CONSOLE_TABLES
                            .iter()
                            .any(|c| key.starts_with(&format!("{c}.")));
                    if console && t.contains('[') && !t.contains(']') {
                        open_value = true;
                    }
                    console
                }
            }
        })
        .collect()
}

/// Reads the console-only settings from `text` (the file with every other line blank, so
/// lines keep their numbers). A line TOML cannot read, or whose value is wrong, is left out
/// and said (file, line, what is wrong, how to fix it); the rest still counts.
fn parse_console_settings(
    path: &Path,
    mut text: String,
) -> (ConsoleSettings, Vec<String>, BTreeSet<String>) {
    let mut problems = Vec::new();
    let mut unread = BTreeSet::new();
    // Each round leaves out one line; a file has only so many.
    for _ in 0..=text.lines().count() {
        let e = match toml::from_str::<ConsoleSettings>(&text) {
            Ok(settings) => return (settings, problems, unread),
            Err(e) => e,
        };
        let at = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count());
        let message = e.message().trim().to_string();
        let line = at.and_then(|i| text.lines().nth(i)).unwrap_or("").trim();
        // `queue.down = ["j"]` under [keys] is a dotted key to TOML: a table, not a binding.
        let key = line.split('=').next().unwrap_or("").trim();
        let hint =
            if message.contains("expected a sequence") || message.contains("invalid type: map") {
                if !key.starts_with('"') && key.contains('.') {
                    format!("; a binding's name has a dot, so write it in quotes: \"{key}\" = ...")
                } else {
                    "; a binding is a list of keys in quotes: \"queue.down\" = [\"j\", \"down\"]"
                        .to_string()
                }
            } else {
                String::new()
            };
        problems.push(format!(
            "{}: {}{message}{hint} (a console setting: the console will not start until it is fixed; other commands leave it out)",
            path.display(),
            at.map(|i| format!("line {}: ", i + 1)).unwrap_or_default(),
        ));
        match at {
            Some(i) => {
                unread.insert(setting_at(&text, i));
                text = text
                    .lines()
                    .enumerate()
                    .map(|(k, l)| if k == i { "" } else { l })
                    .collect::<Vec<_>>()
                    .join("\n");
            }
            None => {
                unread.extend(
                    CONSOLE_KEYS
                        .iter()
                        .chain(&CONSOLE_TABLES)
                        .map(|k| k.to_string()),
                );
                return (ConsoleSettings::default(), problems, unread);
            }
        }
    }
    (ConsoleSettings::default(), problems, unread)
}

/// The console setting line `i` of `text` belongs to: its table (`keys`, `views`) or its
/// top-level key.
fn setting_at(text: &str, i: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let header = lines[..i.min(lines.len())]
        .iter()
        .rev()
        .find(|l| l.trim_start().starts_with('['))
        .map(|l| {
            l.trim()
                .trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_string()
        });
    match header {
        Some(table) => table.split('.').next().unwrap_or("").to_string(),
        None => {
            let line = lines.get(i).copied().unwrap_or("");
            let key = line
                .split('=')
                .next()
                .unwrap_or("")
                .trim()
                .trim_matches('"');
            key.split('.').next().unwrap_or("").to_string()
        }
    }
}

/// Parses a TOML file into `T`, with errors that name the file, line and key.
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
    text: &str,
) -> Result<T, ConfigError> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        let message = e.message().trim().to_string();
        ConfigError::Invalid {
            path: path.to_path_buf(),
            message: match line {
                Some(l) => format!("line {l}: {message}"),
                None => message,
            },
        }
    })
}

pub fn config_dir() -> Option<PathBuf> {
    directories::BaseDirs::new().map(|d| d.config_dir().join(APP_DIR))
}

pub fn data_dir() -> Result<PathBuf, ConfigError> {
    directories::BaseDirs::new()
        .map(|d| d.data_dir().join(APP_DIR))
        .ok_or(ConfigError::NoHome)
}

/// `--db`, else `$OIN_REVIEW_DB`, else the config's `database`, else `<data dir>/queue.db`.
pub fn resolve_db(flag: Option<&Path>, config: &Config) -> Result<PathBuf, ConfigError> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(DB_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(p) = &config.database {
        return Ok(p.clone());
    }
    Ok(data_dir()?.join("queue.db"))
}

/// Where `demo` puts its queue unless told otherwise: never the real queue.
pub fn demo_db() -> Result<PathBuf, ConfigError> {
    Ok(data_dir()?.join("demo.db"))
}

// ---------------------------------------------------------------------------------------
// Review policy: data/policy.toml is built in; a copy in the config dir overrides it.

use crate::domain::{BusinessCalendar, FreshnessPolicy, OnReturn, Policy, SlaPolicy, WorkingHours};
use std::collections::{BTreeMap, BTreeSet};

pub const BUILTIN_POLICY: &str = include_str!("../data/policy.toml");
const BUILTIN_HOLIDAYS: &[(&str, &str)] = &[(
    "us-federal",
    include_str!("../data/holidays/us-federal.toml"),
)];

#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyFile {
    pub sla: SlaSection,
    pub freshness: FreshnessSection,
    pub lint: crate::domain::LintPolicy,
    pub reminders: crate::domain::reminders::ReminderPolicy,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaSection {
    pub targets: Targets,
    pub time_zone: String,
    pub working_hours: String,
    pub holidays: Vec<String>,
    pub on_return: OnReturn,
    pub at_risk_percent: u32,
    pub warn_again_percent: u32,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Targets {
    pub initial_review: String,
    pub qa_testing: String,
    pub final_review: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FreshnessSection {
    pub valid_hours: u32,
    pub expiring_hours: u32,
}

impl Default for SlaSection {
    fn default() -> Self {
        SlaSection {
            targets: Targets::default(),
            time_zone: "UTC".into(),
            working_hours: "all-day".into(),
            holidays: vec!["us-federal".into()],
            on_return: OnReturn::Resume,
            at_risk_percent: 50,
            warn_again_percent: 75,
        }
    }
}

impl Default for Targets {
    fn default() -> Self {
        Targets {
            initial_review: "5 business days".into(),
            qa_testing: "5 business days".into(),
            final_review: "1 business day".into(),
        }
    }
}

impl Default for FreshnessSection {
    fn default() -> Self {
        FreshnessSection {
            valid_hours: 48,
            expiring_hours: 12,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HolidayFile {
    #[allow(dead_code)]
    name: Option<String>,
    dates: BTreeMap<String, String>,
}

/// The line of `text` where `key` is set, for errors about a value that parsed but is wrong.
fn line_of(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let l = l.trim_start();
            l.strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

fn invalid(path: &Path, text: &str, key: &str, message: String) -> ConfigError {
    let at = line_of(text, key.rsplit('.').next().unwrap_or(key))
        .map(|l| format!("line {l}: "))
        .unwrap_or_default();
    ConfigError::Invalid {
        path: path.to_path_buf(),
        message: format!("{at}{key}: {message}"),
    }
}

/// The policy in force: the user's `policy.toml` in the config dir, else the built-in one.
pub fn load_policy() -> Result<Policy, ConfigError> {
    let user = config_dir().map(|d| d.join("policy.toml"));
    match user.as_deref().map(fs::read_to_string) {
        Some(Ok(text)) => {
            policy_from_text(user.as_deref().unwrap_or(Path::new("policy.toml")), &text)
        }
        Some(Err(e)) if e.kind() != std::io::ErrorKind::NotFound => Err(ConfigError::Read {
            path: user.unwrap_or_default(),
            source: e,
        }),
        _ => policy_from_text(Path::new("data/policy.toml (built in)"), BUILTIN_POLICY),
    }
}

/// Parses a policy file; keys it leaves out keep the built-in values.
pub fn policy_from_text(path: &Path, text: &str) -> Result<Policy, ConfigError> {
    let file: PolicyFile = parse_toml(path, text)?;
    let sla = &file.sla;
    let tz = jiff::tz::TimeZone::get(&sla.time_zone).map_err(|_| {
        invalid(
            path,
            text,
            "sla.time_zone",
            format!("unknown time zone {:?}; use an IANA name such as \"UTC\" or \"America/Los_Angeles\"", sla.time_zone),
        )
    })?;
    let hours = WorkingHours::parse(&sla.working_hours)
        .map_err(|m| invalid(path, text, "sla.working_hours", m))?;
    let mut holidays = BTreeSet::new();
    for name in &sla.holidays {
        holidays.extend(load_holidays(name).map_err(|m| invalid(path, text, "sla.holidays", m))?);
    }
    let calendar = BusinessCalendar::new(tz, holidays, hours);
    let day = calendar.day_length();
    let target = |key: &str, v: &str| {
        SlaPolicy::parse_target(v, day)
            .map_err(|m| invalid(path, text, &format!("sla.targets.{key}"), m))
    };
    if sla.at_risk_percent > sla.warn_again_percent || sla.warn_again_percent > 100 {
        return Err(invalid(
            path,
            text,
            "sla.warn_again_percent",
            "at_risk_percent <= warn_again_percent <= 100 must hold".into(),
        ));
    }
    let fresh = &file.freshness;
    if fresh.valid_hours == 0 || fresh.expiring_hours >= fresh.valid_hours {
        return Err(invalid(
            path,
            text,
            "freshness.expiring_hours",
            "must be less than valid_hours, and valid_hours more than 0".into(),
        ));
    }
    let reminders = file.reminders;
    if reminders.isv_idle_business_days == 0 {
        return Err(invalid(
            path,
            text,
            "reminders.isv_idle_business_days",
            "must be at least 1 (business days the ISV may hold an item before it is idle)".into(),
        ));
    }
    if reminders.stale_after_reminders == 0 {
        return Err(invalid(
            path,
            text,
            "reminders.stale_after_reminders",
            "must be at least 1 (reminders before the item is listed as stale)".into(),
        ));
    }
    Ok(Policy {
        reminders,
        sla: SlaPolicy {
            initial_review: target("initial_review", &sla.targets.initial_review)?,
            qa_testing: target("qa_testing", &sla.targets.qa_testing)?,
            final_review: target("final_review", &sla.targets.final_review)?,
            calendar,
            on_return: sla.on_return,
            at_risk_percent: sla.at_risk_percent,
            warn_again_percent: sla.warn_again_percent,
        },
        freshness: FreshnessPolicy {
            valid_for: jiff::SignedDuration::from_hours(fresh.valid_hours as i64),
            expiring_within: jiff::SignedDuration::from_hours(fresh.expiring_hours as i64),
        },
        lint: file.lint.clone(),
    })
}

/// A holiday calendar by name: the user's `holidays/NAME.toml`, else a built-in one.
fn load_holidays(name: &str) -> Result<BTreeSet<jiff::civil::Date>, String> {
    let user = config_dir().map(|d| d.join("holidays").join(format!("{name}.toml")));
    let (path, text) = match user.as_ref().map(fs::read_to_string) {
        Some(Ok(text)) => (user.unwrap_or_default(), text),
        _ => match BUILTIN_HOLIDAYS.iter().find(|(n, _)| *n == name) {
            Some((_, text)) => (
                PathBuf::from(format!("data/holidays/{name}.toml")),
                text.to_string(),
            ),
            None => {
                let known: Vec<&str> = BUILTIN_HOLIDAYS.iter().map(|(n, _)| *n).collect();
                return Err(format!(
                    "no holiday calendar {name:?}: built in are {}; add your own as {}/holidays/{name}.toml",
                    known.join(", "),
                    config_dir()
                        .map(|d| d.display().to_string())
                        .unwrap_or_else(|| "~/.config/oin-review".into())
                ));
            }
        },
    };
    let file: HolidayFile = parse_toml(&path, &text).map_err(|e| e.to_string())?;
    file.dates
        .keys()
        .map(|k| {
            k.parse()
                .map_err(|_| format!("{}: {k:?} is not a date (YYYY-MM-DD)", path.display()))
        })
        .collect()
}
