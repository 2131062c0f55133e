//! The review-queue database: the only code that speaks SQL (rusqlite lives here only).

mod findings;
mod moves;
mod outbox;
mod schema;
mod submissions;

pub use findings::FindingRefused;
pub use moves::{
    AssignItem, AssignOutcome, MoveItem, MoveOutcome, MoveRefused, MoveRequest, Moved, UndoOutcome,
    UndoReport,
};
pub use outbox::{ClaimedEmail, NewEmail, OutboxCounts};
pub use submissions::{ImportRefused, ImportSummary};

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
        "no review queue at {0}: create one with `oin-review import FILE`, or try `oin-review demo`"
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
    #[error("database holds data this build cannot read: {0}")]
    Corrupt(String),
    #[error("shared group \"{0}\" does not exist on this host: fix `db_group` in the config")]
    UnknownGroup(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Wraps a rusqlite error with what the store was doing.
pub(crate) trait Context<T> {
    fn ctx(self, what: &str) -> Result<T>;
}

impl<T> Context<T> for rusqlite::Result<T> {
    fn ctx(self, what: &str) -> Result<T> {
        self.map_err(|source| StoreError::Sqlite {
            context: what.to_string(),
            source,
        })
    }
}

/// How to open the queue database.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// Create the file (and its folders) when it does not exist.
    pub create: bool,
    /// A Unix group that shares the queue: the file is made 0660 and given to it.
    pub group: Option<String>,
}

/// An open review-queue database.
pub struct Store {
    conn: Connection,
    path: PathBuf,
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
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ctx(&format!("opening {}", path.display()))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .ctx("setting busy timeout")?;
        let mut store = Store {
            conn,
            path: path.to_path_buf(),
        };
        store.check_identity()?;
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A warning when other users of the host can read the queue (it holds test account
    /// passwords): the database should be 0600, or 0660 for the shared group.
    pub fn permission_warning(&self) -> Option<String> {
        let mode = fs::metadata(&self.path).ok()?.permissions().mode() & 0o777;
        (mode & 0o007 != 0).then(|| {
            format!(
                "warning: {} is readable by every user of this host (mode {mode:o}); it holds test account passwords: chmod o-rwx it",
                self.path.display()
            )
        })
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

    fn configure(&self) -> Result<()> {
        self.conn
            .execute_batch(
                "PRAGMA foreign_keys = ON;
                 PRAGMA journal_mode = WAL;
                 PRAGMA synchronous = FULL;
                 PRAGMA cache_size = -65536;
                 PRAGMA mmap_size = 1073741824;",
            )
            .ctx("configuring the connection")
    }

    fn migrate(&mut self) -> Result<()> {
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .ctx("reading schema version")?;
        if current >= schema::latest_version() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .ctx("starting migration")?;
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
        tx.commit().ctx("committing migration")
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

/// Creates an empty database file that only its owner (or the shared group) can read.
fn create_db_file(path: &Path, group: Option<&str>) -> Result<()> {
    let io_err = |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| StoreError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let mode = if group.is_some() { 0o660 } else { 0o600 };
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(io_err)?;
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
pub(crate) fn fmt_ts(t: Timestamp) -> String {
    t.round(Unit::Second)
        .unwrap_or(t)
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

pub(crate) fn parse_ts(s: &str) -> Result<Timestamp> {
    s.parse()
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}
