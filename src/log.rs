//! The debug log: `--log FILE` or `OIN_REVIEW_LOG=LEVEL` writes `tracing` events to a file,
//! never to the terminal (the console owns it). tracing-subscriber lives here only; the
//! rest of the code emits events with the `tracing` macros.
//!
//! Secrets never reach the file: the SMTP login lines lettre logs are replaced, message
//! data is summarised by its size, and any registered secret (the SMTP password, and its
//! base64 forms) is redacted from every line as a last guard.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// The environment variable naming the level (and, without `--log`, turning the log on).
pub const LOG_ENV: &str = "OIN_REVIEW_LOG";

/// Statements that take at least this long are logged at `debug`; others at `trace`.
pub const SLOW_SQL: std::time::Duration = std::time::Duration::from_millis(20);

/// Secrets to redact from every line (the SMTP password and its encodings).
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Adds a secret that must never be written to the log, with the base64 forms an SMTP
/// login would carry (alone, and as PLAIN's `\0user\0password`).
pub fn keep_out(secret: &str, user: Option<&str>) {
    if secret.is_empty() {
        return;
    }
    let b64 = |s: &str| crate::text::base64(s.as_bytes());
    let mut forms = vec![secret.to_string(), b64(secret)];
    if let Some(u) = user {
        forms.push(b64(&format!("\0{u}\0{secret}")));
        forms.push(b64(&format!("{u}\0{u}\0{secret}")));
    }
    if let Ok(mut s) = SECRETS.lock() {
        for f in forms {
            if !s.contains(&f) {
                s.push(f);
            }
        }
    }
}

/// Starts the log when `--log FILE` or `$OIN_REVIEW_LOG` asks for it; returns the file
/// written to. Without `--log` the file is `<state dir>/oin-review/oin-review.log`.
pub fn start(file: Option<&Path>) -> Result<Option<PathBuf>, String> {
    let level = match std::env::var(LOG_ENV).ok().filter(|v| !v.trim().is_empty()) {
        Some(v) => Some(parse_level(&v)?),
        None => None,
    };
    let (path, level) = match (file, level) {
        (None, None) => return Ok(None),
        (Some(f), level) => (f.to_path_buf(), level.unwrap_or(LevelFilter::DEBUG)),
        (None, Some(level)) => (default_file()?, level),
    };
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("log file {}: cannot create its folder: {e}", path.display()))?;
    }
    let out = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| {
            format!(
                "log file {}: {e}; pass --log FILE to a place you can write",
                path.display()
            )
        })?;
    let layer = FileLayer {
        out: Mutex::new(out),
        in_login: AtomicBool::new(false),
    }
    .with_filter(level);
    tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
        .map_err(|e| format!("starting the log: {e}"))?;
    Ok(Some(path))
}

fn parse_level(v: &str) -> Result<LevelFilter, String> {
    match v.trim().to_ascii_lowercase().as_str() {
        "error" => Ok(LevelFilter::ERROR),
        "warn" => Ok(LevelFilter::WARN),
        "info" => Ok(LevelFilter::INFO),
        "debug" | "1" | "on" | "true" => Ok(LevelFilter::DEBUG),
        "trace" => Ok(LevelFilter::TRACE),
        "off" | "0" | "false" => Ok(LevelFilter::OFF),
        _ => Err(format!(
            "{LOG_ENV}={v:?}: use error, warn, info, debug or trace (or off)"
        )),
    }
}

/// `$XDG_STATE_HOME/oin-review/oin-review.log` (`~/.local/state/...`).
fn default_file() -> Result<PathBuf, String> {
    let base = directories::BaseDirs::new()
        .ok_or("cannot find a home folder for the log: set HOME or pass --log FILE")?;
    let dir = base
        .state_dir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| base.data_local_dir().to_path_buf());
    Ok(dir.join(crate::config::APP_DIR).join("oin-review.log"))
}

struct FileLayer {
    out: Mutex<File>,
    /// Between lettre's `AUTH` command and the server's verdict: what is written then is
    /// credentials.
    in_login: AtomicBool,
}

#[derive(Default)]
struct Fields {
    message: String,
    rest: String,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message = value.to_string();
        } else {
            self.rest.push_str(&format!(" {}={value:?}", field.name()));
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.message = format!("{value:?}");
        } else {
            self.rest.push_str(&format!(" {}={value:?}", field.name()));
        }
    }
}

impl FileLayer {
    /// lettre's lines of the SMTP conversation, with the login and the message data out.
    fn smtp_line(&self, message: String) -> String {
        if let Some(wrote) = message.strip_prefix("Wrote: ") {
            if wrote.len() >= 5 && wrote[..5].eq_ignore_ascii_case("AUTH ") {
                self.in_login.store(true, Ordering::Relaxed);
                let mechanism = wrote.split_whitespace().nth(1).unwrap_or("");
                return format!("Wrote: AUTH {mechanism} [credentials not logged]");
            }
            if self.in_login.load(Ordering::Relaxed) {
                return "Wrote: [credentials not logged]".into();
            }
            if wrote.len() > 200 {
                return format!("Wrote: [{} bytes of message data]", wrote.len());
            }
        } else if let Some(reply) = message.strip_prefix("<< ")
            && !reply.starts_with("334")
        {
            self.in_login.store(false, Ordering::Relaxed);
        }
        message
    }
}

impl<S: Subscriber> Layer<S> for FileLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let mut fields = Fields::default();
        event.record(&mut fields);
        let mut message = fields.message;
        if meta.target().starts_with("lettre") {
            message = self.smtp_line(message);
        }
        let mut line = format!(
            "{} {:<5} {}: {message}{}\n",
            crate::clock::now().strftime("%Y-%m-%dT%H:%M:%S%.3fZ"),
            level_name(*meta.level()),
            meta.target(),
            fields.rest
        );
        if let Ok(secrets) = SECRETS.lock() {
            for s in secrets.iter() {
                line = line.replace(s.as_str(), "[redacted]");
            }
        }
        if let Ok(mut out) = self.out.lock() {
            let _ = out.write_all(line.as_bytes());
        }
    }
}

fn level_name(l: Level) -> &'static str {
    match l {
        Level::ERROR => "ERROR",
        Level::WARN => "WARN",
        Level::INFO => "INFO",
        Level::DEBUG => "DEBUG",
        Level::TRACE => "TRACE",
    }
}
