//! The review-queue database: the only code that speaks SQL (rusqlite lives here only).

mod backup;
mod findings;
mod health;
mod inbound;
mod moves;
mod notes;
mod outbox;
mod queue;
mod rows;
mod schema;
mod submissions;

pub use backup::{BackupSummary, named_backups};
pub use findings::FindingRefused;
pub use health::{Health, inspect};
pub use inbound::{LeaseHeld, MailboxMark, NewAttachment, NewReply};
pub use moves::{
    AssignItem, AssignOutcome, EmailUndo, MoveAsk, MoveItem, MoveOutcome, MoveRefused, MoveRequest,
    MoveRow, Moved, UndoOutcome, UndoReport,
};
pub use outbox::{CancelOutcome, ClaimedEmail, Hold, OutboxCounts, ReminderGuard, ReminderRefused};
pub use queue::{IdRange, LineFilter, Lines, Scorer, line_as_of};
pub use rows::NewEmail;
pub use submissions::{ImportRefused, ImportSummary, Notify};

use jiff::{Timestamp, Unit};
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use std::fs;
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long a writer waits for another analyst's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "no review queue at {0}: make one with `oin-review init` (`--group G` to share it; then `oin-review import FILE`), check the path (--db, $OIN_REVIEW_DB, the config's `database`), or try `oin-review demo`"
    )]
    NotFound(PathBuf),
    #[error("{0} is not an SQLite database (or it is corrupted); it was left untouched")]
    NotADatabase(PathBuf),
    #[error(
        "{0} is an SQLite database but not an oin-review queue; it was left untouched (point --db elsewhere)"
    )]
    Foreign(PathBuf),
    #[error(
        "{path} was written by a newer oin-review (schema v{found}; this build knows up to v{known}); it was left untouched: upgrade oin-review"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("database: {context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error(
        "the queue database is damaged ({context}: {cause}); nothing was changed and it will not be repaired silently: restore it from a backup (`sqlite3 FILE 'PRAGMA integrity_check'` shows what is broken)"
    )]
    Damaged {
        context: String,
        // Not `source`: the message already says it, and error chains would repeat it.
        cause: rusqlite::Error,
    },
    #[error("database holds data this build cannot read: {0}")]
    Corrupt(String),
    #[error(
        "the disk is full ({context}); nothing was changed: free space on the file system that holds {} (`df -h` shows it) and try again",
        queue_in_use()
    )]
    DiskFull { context: String },
    #[error("shared group \"{0}\" does not exist on this host: fix `db_group` in the config")]
    UnknownGroup(String),
    #[error(
        "{path} is read-only for you ({why}): could not {action}; nothing was changed. Browse only until that is fixed (for permissions, ask its owner for write access)"
    )]
    ReadOnly {
        path: PathBuf,
        why: String,
        action: String,
    },
    #[error(
        "cannot read the review queue at {path}: {source}; ask its owner for access (or for the shared group, `db_group`)"
    )]
    CannotRead {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "cannot create the review queue at {path}: {source}; pass --db PATH (or set `database` in the config) to a place you can write"
    )]
    CannotCreate {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The schema version this build writes (`PRAGMA user_version`).
pub fn schema_version() -> i64 {
    schema::latest_version()
}

/// Wraps a rusqlite error with what the store was doing.
pub(crate) trait Context<T> {
    fn ctx(self, what: &str) -> Result<T>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn ctx(self, what: &str) -> Result<T> {
        self.map_err(|source| match source.sqlite_error_code() {
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Damaged {
                context: what.to_string(),
                cause: source,
            },
            Some(ErrorCode::DiskFull) => StoreError::DiskFull {
                context: what.to_string(),
            },
            _ => StoreError::Sqlite {
                context: what.to_string(),
                source,
            },
        })
    }
}

/// The queue this process opened last, for messages that have only an SQLite error to go
/// on (a full disk): a process works on one queue.
static QUEUE_IN_USE: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

fn queue_in_use() -> String {
    match QUEUE_IN_USE.lock().ok().and_then(|p| p.clone()) {
        Some(p) => p.display().to_string(),
        None => "the queue".into(),
    }
}

/// Why the queue at `path` is too open, when every user of the host can read it (it holds
/// test account passwords): `check` reports it, and opening it warns.
pub fn readable_by_all(path: &Path) -> Option<String> {
    let mode = fs::metadata(path).ok()?.permissions().mode() & 0o777;
    (mode & 0o007 != 0).then(|| {
        format!(
            "{} is readable by every user of this host (mode {mode:o}); it holds test account passwords: chmod o-rwx it",
            path.display()
        )
    })
}

/// Whether the file system holding `path` has no space left for SQLite's files.
fn disk_full_at(path: &Path) -> bool {
    nix::sys::statvfs::statvfs(folder_of(path)).is_ok_and(|s| s.blocks_available() == 0)
}

/// The folder a file is in (`.` for a bare name).
fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// How to open the queue database.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Create the file (and its folders) when it does not exist.
    pub create: bool,
    /// A Unix group that shares the queue: the file is made 0660 and given to it.
    pub group: Option<String>,
    /// The policy the queue's lines are projected under (the queue projection). Without
    /// one, reads of lines fail and writes leave the projection for the next process that
    /// has a policy to rebuild.
    pub policy: Option<std::sync::Arc<crate::domain::Policy>>,
    /// Say on stderr how far an upgrade or a rebuild of the projection has come.
    pub progress: bool,
}

/// An open review-queue database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Why this process cannot write the queue, when it cannot: it is then opened read-only
    /// and every write is refused with this reason before anything is attempted.
    read_only: Option<String>,
    /// The policy the queue projection follows (see `OpenOptions::policy`).
    policy: Option<std::sync::Arc<crate::domain::Policy>>,
    /// The projection's table was built under another policy and this process cannot
    /// rebuild it (read-only): lines are projected in memory from the history instead.
    lines_in_memory: bool,
    /// Opened read-only because the disk that holds it is full.
    disk_full: bool,
    /// Moves, their emails and undos run to the end and are then rolled back (`--dry-run`):
    /// the outcomes are exactly what a real run would have said at that instant.
    dry_run: bool,
}

impl Store {
    /// Opens (or creates) the queue at `path`, refusing files that are not oin-review queues
    /// before anything is written to them, and migrating older schemas.
    pub fn open(path: &Path, opts: &OpenOptions) -> Result<Store> {
        let existed = path.exists();
        if !existed {
            if !opts.create {
                return Err(StoreError::NotFound(path.to_path_buf()));
            }
            create_db_file(path, opts.group.as_deref())?;
        }
        if let Err(e) = nix::unistd::access(path, nix::unistd::AccessFlags::R_OK) {
            return Err(StoreError::CannotRead {
                path: path.to_path_buf(),
                source: io::Error::from_raw_os_error(e as i32),
            });
        }
        if let Ok(mut p) = QUEUE_IN_USE.lock() {
            *p = Some(path.to_path_buf());
        }
        let mut read_only = write_refusal(path);
        let mut writable = None;
        let mut disk_full = false;
        if read_only.is_none() {
            let conn = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .ctx(&format!("opening {}", path.display()))?;
            // On a full disk SQLite cannot create the shared-memory file a WAL queue needs,
            // and every read fails: open it read-only instead, and say why.
            let reads = conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| {
                    r.get::<_, i64>(0)
                })
                .is_ok();
            if reads || !disk_full_at(path) {
                writable = Some(conn);
            } else {
                disk_full = true;
                read_only = Some(format!(
                    "the disk that holds it is full ({}): free space and restart",
                    folder_of(path).display()
                ));
            }
        }
        let mut conn = match (writable, &read_only) {
            (Some(conn), _) => conn,
            (None, why) => {
                let why = why.clone().unwrap_or_default();
                let (conn, snapshot) = open_read_only(path)?;
                if snapshot {
                    read_only = Some(format!(
                        "{why}; a snapshot: restart to see colleagues' changes"
                    ));
                }
                conn
            }
        };
        conn.busy_timeout(BUSY_TIMEOUT)
            .ctx("setting busy timeout")?;
        if tracing::enabled!(tracing::Level::DEBUG) {
            conn.trace_v2(
                rusqlite::trace::TraceEventCodes::SQLITE_TRACE_PROFILE,
                Some(log_statement),
            )
            .ctx("turning on the SQL log")?;
        }
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
            read_only,
            policy: opts.policy.clone(),
            lines_in_memory: false,
            disk_full,
            dry_run: false,
        };
        store.check_identity()?;
        store.configure()?;
        store.migrate(opts.progress)?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the queue is open read-only because its disk is full.
    pub fn disk_full(&self) -> bool {
        self.disk_full
    }

    /// Why the queue is open read-only for this process (`None` when it can write).
    pub fn read_only(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    /// Refuses a write up front, naming it, when the queue is read-only for this process.
    pub fn check_writable(&self, action: &str) -> Result<()> {
        match &self.read_only {
            Some(why) => Err(StoreError::ReadOnly {
                path: self.path.clone(),
                why: why.clone(),
                action: action.to_string(),
            }),
            None => Ok(()),
        }
    }

    /// Starts a write transaction: `IMMEDIATE`, so it takes the write lock at once (waiting
    /// up to the busy timeout for a colleague's) instead of failing halfway through.
    /// From now on, moves, their emails and undos are rolled back instead of committed.
    pub fn set_dry_run(&mut self) {
        self.dry_run = true;
    }

    /// Commits a move, email or undo transaction, or rolls it back in a dry run.
    pub(crate) fn finish_write(
        dry_run: bool,
        tx: rusqlite::Transaction<'_>,
        what: &str,
    ) -> Result<()> {
        if dry_run {
            tx.rollback().ctx(what)
        } else {
            tx.commit().ctx(what)
        }
    }

    pub(crate) fn begin_write(&mut self, action: &str) -> Result<rusqlite::Transaction<'_>> {
        self.check_writable(action)?;
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx(&format!("starting to {action}"))
    }

    /// A warning when other users of the host can read the queue (it holds test account
    /// passwords): the database should be 0600, or 0660 for the shared group.
    pub fn permission_warning(&self) -> Option<String> {
        readable_by_all(&self.path).map(|w| format!("warning: {w}"))
    }

    /// Reads the header pragmas only: nothing is written before the file is known to be ours.
    fn check_identity(&self) -> Result<()> {
        let not_db = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt) => {
                StoreError::NotADatabase(self.path.clone())
            }
            _ => StoreError::Sqlite {
                context: format!("reading {}", self.path.display()),
                source: e,
            },
        };
        let app_id: i32 = self
            .conn
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(not_db)?;
        let version: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(not_db)?;
        let objects: i64 = self
            .conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(not_db)?;
        if app_id == schema::APPLICATION_ID {
            if version > schema::latest_version() {
                return Err(StoreError::TooNew {
                    path: self.path.clone(),
                    found: version,
                    known: schema::latest_version(),
                });
            }
            return Ok(());
        }
        if app_id == 0 && version == 0 && objects == 0 {
            return Ok(()); // an empty file: ours to initialise
        }
        Err(StoreError::Foreign(self.path.clone()))
    }

    /// Maps the file into memory for this connection's reads: for a reader that visits
    /// every page of every table once (`list --format json`: 2.0 s instead of 3.3 s at
    /// 100 000 submissions), at the cost of those pages in the process's resident set.
    pub fn map_file_for_reads(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA mmap_size = 1073741824;")
            .ctx("configuring the connection")
    }

    /// Pages are read into a 16 MB cache per connection, not memory-mapped (see
    /// `map_file_for_reads`): a process that reads every line of a large queue would
    /// otherwise hold the whole table's pages (70 MB at 100 000 submissions) in its
    /// resident set.
    fn configure(&self) -> Result<()> {
        let journal = if self.read_only.is_some() {
            "" // changing the journal mode is a write
        } else {
            "PRAGMA journal_mode = WAL;"
        };
        self.conn
            .execute_batch(&format!(
                "PRAGMA foreign_keys = ON;
                 {journal}
                 PRAGMA synchronous = FULL;
                 PRAGMA cache_size = -16384;"
            ))
            .ctx("configuring the connection")
    }

    /// Upgrades an older schema and, under the policy, (re)builds the queue projection when
    /// it was built under another policy or marked stale: all in one transaction, so an
    /// upgrade is never half done.
    fn migrate(&mut self, progress: bool) -> Result<()> {
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .ctx("reading schema version")?;
        let policy = self.policy.clone();
        let projected = match (&policy, current >= schema::latest_version()) {
            (Some(p), true) => queue::is_current(&self.conn, p)?,
            (None, true) => true,
            (_, false) => false,
        };
        if current >= schema::latest_version() && projected {
            return Ok(());
        }
        if self.read_only.is_some() && current >= schema::latest_version() {
            // Built under another policy and this process cannot rebuild it.
            self.lines_in_memory = true;
            return Ok(());
        }
        let action = if current < schema::latest_version() {
            format!(
                "upgrade its schema from v{current} to v{}",
                schema::latest_version()
            )
        } else {
            "project the queue under the policy".to_string()
        };
        let tx = self.begin_write(&action)?;
        // Another process may have migrated while we waited for the lock.
        let current: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .ctx("reading schema version")?;
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
            tx.execute_batch(sql)
                .ctx(&format!("migrating schema to v{}", i + 1))?;
        }
        tx.execute_batch(&format!(
            "PRAGMA user_version = {}; PRAGMA application_id = {};",
            schema::latest_version(),
            schema::APPLICATION_ID
        ))
        .ctx("recording schema version")?;
        if let Some(p) = &policy
            && !queue::is_current(&tx, p)?
        {
            // An existing queue's upgrade is always said; a new queue's creation is not.
            let upgrade = (1..schema::latest_version()).contains(&current);
            let mut say = Progress::new(progress, upgrade, &action);
            queue::rebuild(&tx, p, &mut |done, total| say.at(done, total))?;
            say.done();
        } else if progress && (1..schema::latest_version()).contains(&current) {
            // An upgrade that leaves the lines as they are is said too, once it holds.
            tx.commit().ctx("committing migration")?;
            eprintln!("oin-review: {action}: done");
            return Ok(());
        }
        tx.commit().ctx("committing migration")
    }

    /// SQLite's `quick_check` (about 1 s at 100 000 submissions): `None` when the file is
    /// sound, else the first problems it names.
    pub fn quick_check(&self) -> Result<Option<String>> {
        let mut stmt = self
            .conn
            .prepare("PRAGMA quick_check(3)")
            .ctx("checking the database file")?;
        let found: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .ctx("checking the database file")?
            .collect::<rusqlite::Result<_>>()
            .ctx("checking the database file")?;
        Ok((found != ["ok"]).then(|| found.join("; ").replace('\n', " ")))
    }

    /// Changes whenever another connection commits (`PRAGMA data_version`): polled by the
    /// console to notice colleagues' work.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))
            .ctx("reading data_version")
    }

    /// Reads a value of the `meta` table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .ctx("reading meta")
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.check_writable("record a setting")?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [key, value],
            )
            .map(|_| ())
            .ctx("writing meta")
    }
}

/// The debug log's record of a finished statement: its SQL (never its values, which can
/// be passwords) and how long it took; slow ones at `debug`, the rest at `trace`.
fn log_statement(event: rusqlite::trace::TraceEvent<'_>) {
    if let rusqlite::trace::TraceEvent::Profile(stmt, took) = event {
        let slow = took >= crate::log::SLOW_SQL;
        if slow || tracing::enabled!(tracing::Level::TRACE) {
            let sql = stmt.sql().split_whitespace().collect::<Vec<_>>().join(" ");
            let ms = took.as_millis() as u64;
            if slow {
                tracing::debug!(target: "oin_review::sql", ms, sql = %sql, "slow statement");
            } else {
                tracing::trace!(target: "oin_review::sql", ms, sql = %sql, "statement");
            }
        }
    }
}

/// A progress line on stderr for a long upgrade: updated in place on a terminal, else said
/// once at the start and once at the end.
struct Progress {
    on: bool,
    /// Say it whatever the size (an upgrade of an existing queue).
    always: bool,
    what: String,
    tty: bool,
    started: std::time::Instant,
    last: Option<std::time::Instant>,
    total: usize,
}

impl Progress {
    fn new(on: bool, always: bool, what: &str) -> Progress {
        use std::io::IsTerminal;
        Progress {
            on,
            always,
            what: what.to_string(),
            tty: std::io::stderr().is_terminal(),
            started: std::time::Instant::now(),
            last: None,
            total: 0,
        }
    }

    fn at(&mut self, done: usize, total: usize) {
        self.total = total;
        if !self.on || (total < 1000 && !self.always) {
            return;
        }
        let due = self
            .last
            .is_none_or(|t| t.elapsed() >= std::time::Duration::from_millis(200));
        if self.tty && due {
            eprint!(
                "\roin-review: {}: {done} of {total} submissions ({}%)",
                self.what,
                done * 100 / total.max(1)
            );
            self.last = Some(std::time::Instant::now());
        } else if !self.tty && self.last.is_none() {
            eprintln!("oin-review: {}: {total} submissions…", self.what);
            self.last = Some(std::time::Instant::now());
        }
    }

    fn done(&self) {
        if self.on && self.last.is_some() {
            let (lead, pad) = if self.tty {
                ("\r", "          ")
            } else {
                ("", "")
            };
            eprintln!(
                "{lead}oin-review: {}: {} submissions in {:.1} s{pad}",
                self.what,
                self.total,
                self.started.elapsed().as_secs_f64()
            );
        }
    }
}

/// Opens a queue this process cannot write. A WAL database needs its shared-memory file
/// beside it; when that cannot be created (an unwritable folder, a full disk) the file is
/// opened as immutable, a snapshot. Returns whether it is a snapshot.
fn open_read_only(path: &Path) -> Result<(Connection, bool)> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let what = format!("opening {} read-only", path.display());
    let conn = Connection::open_with_flags(path, flags).ctx(&what)?;
    let probe = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    });
    match probe.as_ref().map_err(|e| e.sqlite_error_code()) {
        // No shared-memory file can be made: an unwritable folder, or a full disk.
        Err(Some(ErrorCode::ReadOnly | ErrorCode::CannotOpen | ErrorCode::SystemIoFailure)) => {}
        _ => return Ok((conn, false)),
    }
    drop(conn);
    let absolute = std::path::absolute(path).map_err(|source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let uri = format!("file:{}?immutable=1", uri_escape(&absolute));
    let conn = Connection::open_with_flags(uri, flags | OpenFlags::SQLITE_OPEN_URI).ctx(&what)?;
    Ok((conn, true))
}

/// Percent-encodes the characters a `file:` URI path cannot hold as they are.
fn uri_escape(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut out = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Why this process cannot write the queue at `path` (or the journal files SQLite keeps
/// beside it), if it cannot.
fn write_refusal(path: &Path) -> Option<String> {
    use nix::errno::Errno;
    use nix::unistd::{AccessFlags, access};
    match access(path, AccessFlags::W_OK) {
        Ok(()) => {}
        Err(Errno::EROFS) => return Some("it is on a read-only file system".into()),
        Err(_) => return Some("no write permission on the file".into()),
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    access(dir, AccessFlags::W_OK | AccessFlags::X_OK)
        .err()
        .map(|_| {
            format!(
                "its folder {} is not writable, and SQLite keeps its journal there",
                dir.display()
            )
        })
}

/// Creates an empty database file that only its owner (or the shared group) can read.
fn create_db_file(path: &Path, group: Option<&str>) -> Result<()> {
    let io_err = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    let cannot_create = |source| StoreError::CannotCreate {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(cannot_create)?;
    }
    let mode = if group.is_some() { 0o660 } else { 0o600 };
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(cannot_create)?;
    if let Some(name) = group {
        let grp = nix::unistd::Group::from_name(name)
            .ok()
            .flatten()
            .ok_or_else(|| StoreError::UnknownGroup(name.to_string()))?;
        nix::unistd::chown(path, None, Some(grp.gid))
            .map_err(|e| io_err(io::Error::from_raw_os_error(e as i32)))?;
        // The umask may have taken the group bits away at creation.
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(io_err)?;
    }
    Ok(())
}

/// Timestamps are stored as RFC 3339 UTC text at whole seconds, so they sort as text.
/// Truncated, not rounded: a write recorded half a second into the future would not show
/// in a read made just after it (reads evaluate history up to their `now`).
pub(crate) fn fmt_ts(t: Timestamp) -> String {
    t.round(
        jiff::TimestampRound::new()
            .smallest(Unit::Second)
            .mode(jiff::RoundMode::Trunc),
    )
    .unwrap_or(t)
    .strftime("%Y-%m-%dT%H:%M:%SZ")
    .to_string()
}

pub(crate) fn parse_ts(s: &str) -> Result<Timestamp> {
    s.parse()
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}
