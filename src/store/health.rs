//! The health of a queue file, for `oin-review check`: read without opening it as a
//! store, so nothing is upgraded, projected or written while it is examined.

use super::{Result, StoreError, open_read_only, schema};
use std::path::Path;

/// What `PRAGMA integrity_check` and the header say about a queue file.
#[derive(Debug)]
pub struct Health {
    /// `PRAGMA user_version`: the schema the file was last written with.
    pub schema: i64,
    /// Whether the header marks it as an oin-review queue (or it is still empty).
    pub ours: bool,
    /// Submissions in it, when that table could be counted.
    pub submissions: Option<i64>,
    /// The problems `integrity_check` names (at most 20), empty when the file is sound.
    pub problems: Vec<String>,
}

impl Health {
    /// The schema this build writes.
    pub fn latest() -> i64 {
        schema::latest_version()
    }
}

/// Examines the queue at `path` read-only: its header, `integrity_check` (every page and
/// index), and how many submissions it holds. A file SQLite cannot read at all is a
/// problem, not an error; an error is a file that cannot be opened.
pub fn inspect(path: &Path) -> Result<Health> {
    if !path.exists() {
        return Err(StoreError::NotFound(path.to_path_buf()));
    }
    let (conn, _) = open_read_only(path)?;
    let mut health = Health {
        schema: 0,
        ours: false,
        submissions: None,
        problems: Vec::new(),
    };
    let header = (|| -> rusqlite::Result<(i32, i64, i64)> {
        Ok((
            conn.query_row("PRAGMA application_id", [], |r| r.get(0))?,
            conn.query_row("PRAGMA user_version", [], |r| r.get(0))?,
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))?,
        ))
    })();
    let (app_id, version, objects) = match header {
        Ok(h) => h,
        Err(e) => {
            health
                .problems
                .push(format!("SQLite cannot read the file: {e}"));
            return Ok(health);
        }
    };
    health.schema = version;
    health.ours = app_id == schema::APPLICATION_ID || (app_id == 0 && objects == 0);
    let found = (|| -> rusqlite::Result<Vec<String>> {
        let mut stmt = conn.prepare("PRAGMA integrity_check(20)")?;
        stmt.query_map([], |r| r.get::<_, String>(0))?.collect()
    })();
    match found {
        Ok(lines) if lines == ["ok"] => {}
        Ok(lines) => health
            .problems
            .extend(lines.into_iter().map(|l| l.replace('\n', " "))),
        Err(e) => health.problems.push(format!("integrity_check failed: {e}")),
    }
    if health.ours && objects > 0 {
        match conn.query_row("SELECT count(*) FROM submissions", [], |r| r.get(0)) {
            Ok(n) => health.submissions = Some(n),
            Err(e) if health.problems.is_empty() => health
                .problems
                .push(format!("cannot count the submissions: {e}")),
            Err(_) => {}
        }
    }
    Ok(health)
}
