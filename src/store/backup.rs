//! Online backups: a consistent copy of the queue through SQLite's backup API, taken in one
//! read transaction (WAL lets colleagues keep writing meanwhile), checked, then renamed
//! into place, so a backup file is either whole and sound or absent.

use super::{Context as _, Result, Store, StoreError};
use rusqlite::Connection;
use std::fs;
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// What a backup wrote.
#[derive(Debug)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub submissions: i64,
    pub events: i64,
}

impl Store {
    /// Copies the queue to `dest` (which must not exist), with the queue's mode and
    /// group; the copy is a single file (rollback journal) that passes `integrity_check`.
    pub fn backup_to(&self, dest: &Path) -> Result<BackupSummary> {
        let io = |source| StoreError::Io {
            path: dest.to_path_buf(),
            source,
        };
        if dest.exists() {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                "a file is already there; name another path (backups never overwrite)",
            )));
        }
        let meta = fs::metadata(&self.path).map_err(|source| StoreError::Io {
            path: self.path.clone(),
            source,
        })?;
        let mode = meta.mode() & 0o660;
        let shared = mode & 0o060 != 0;
        let folder = dest
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if !folder.exists() {
            fs::create_dir_all(folder).map_err(|source| StoreError::Io {
                path: folder.to_path_buf(),
                source,
            })?;
            // A shared queue's backups are the team's: the folder is the queue's group's,
            // group-writable and setgid (as the queue's own folder), so a colleague's
            // `backup` can write there too.
            if shared {
                let _ =
                    nix::unistd::chown(folder, None, Some(nix::unistd::Gid::from_raw(meta.gid())));
                fs::set_permissions(folder, fs::Permissions::from_mode(0o2770)).map_err(
                    |source| StoreError::Io {
                        path: folder.to_path_buf(),
                        source,
                    },
                )?;
            }
        }
        // The folder is there but this analyst cannot write in it: say which and the fix.
        let cannot_write = |source: std::io::Error| {
            if source.kind() != std::io::ErrorKind::PermissionDenied {
                return source;
            }
            let group = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(meta.gid()))
                .ok()
                .flatten()
                .map_or_else(|| meta.gid().to_string(), |g| g.name);
            std::io::Error::new(
                source.kind(),
                format!(
                    "{source}: this account cannot write in {}; for a shared queue its owner makes it the team's: chgrp {group} {0} && chmod 2770 {0}",
                    folder.display()
                ),
            )
        };
        let partial = dest.with_file_name(format!(
            ".{}.partial",
            dest.file_name()
                .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
        ));
        let written = (|| -> Result<BackupSummary> {
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&partial)
                .map_err(|source| StoreError::Io {
                    path: partial.clone(),
                    source: cannot_write(source),
                })?;
            // The queue's group, when it is shared (as the queue itself).
            let _ =
                nix::unistd::chown(&partial, None, Some(nix::unistd::Gid::from_raw(meta.gid())));
            fs::set_permissions(&partial, fs::Permissions::from_mode(mode)).map_err(|source| {
                StoreError::Io {
                    path: partial.clone(),
                    source,
                }
            })?;
            let what = format!("backing up to {}", partial.display());
            let mut copy = Connection::open(&partial).ctx(&what)?;
            {
                let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy).ctx(&what)?;
                // Every page in one step: one read transaction, one consistent snapshot.
                backup.step(-1).ctx(&what)?;
            }
            copy.execute_batch("PRAGMA journal_mode = DELETE;")
                .ctx(&what)?;
            let check: String = copy
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .ctx(&what)?;
            if check != "ok" {
                return Err(StoreError::Corrupt(format!(
                    "the backup's integrity check says {check:?}; the queue itself may be damaged"
                )));
            }
            let count = |table: &str| -> Result<i64> {
                copy.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                    .ctx(&what)
            };
            let (submissions, events) = (count("submissions")?, count("events")?);
            drop(copy);
            fs::rename(&partial, dest).map_err(io)?;
            let bytes = fs::metadata(dest).map_err(io)?.len();
            Ok(BackupSummary {
                path: dest.to_path_buf(),
                bytes,
                submissions,
                events,
            })
        })();
        if written.is_err() {
            let _ = fs::remove_file(&partial);
            let _ = fs::remove_file(partial.with_extension("partial-journal"));
        }
        written
    }
}

/// The backups `oin-review backup` names by itself in `dir` (`queue-<UTC time>.db`), oldest
/// first.
pub fn named_backups(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("queue-") && n.ends_with(".db"))
            })
            .collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(e),
    };
    found.sort();
    Ok(found)
}
