//! The JSON exchange format: reading submission files for import, writing exports.

use crate::domain::Submission;
use serde::Serialize;
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::fmt;

/// A refused import file: what is wrong and exactly where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    /// 1-based line and column, where known.
    pub position: Option<(usize, usize)>,
    /// The JSON path of the offending value, e.g. `[3].history[1].at`.
    pub path: Option<String>,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, col)) = self.position {
            write!(f, ":{line}:{col}")?;
        }
        if let Some(path) = &self.path {
            write!(f, ": at {path}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ImportError {}

/// The most characters an id may have; ids go into mail headers and command lines.
const MAX_ID_LEN: usize = 64;

/// Line and column (1-based) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

#[derive(serde::Deserialize)]
struct Wrapped<'a> {
    #[serde(borrow)]
    submissions: Vec<&'a RawValue>,
}

/// Parses and validates a submissions file: a top-level array, or `{"submissions": [...]}`.
/// Nothing is returned unless every submission in it is valid.
pub fn parse_submissions(file: &str, bytes: &[u8]) -> Result<Vec<Submission>, ImportError> {
    let err = |position, path: Option<String>, message: String| ImportError {
        file: file.to_string(),
        position,
        path,
        message,
    };
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let valid = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default();
        err(
            Some(line_col(valid, valid.len())),
            None,
            format!(
                "not valid UTF-8 (byte {}); save the file as UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    let json_err = |e: serde_json::Error, path: Option<String>| {
        err(Some((e.line(), e.column())), path, strip_position(&e))
    };
    let (elements, prefix) = match text.trim_start().as_bytes().first() {
        Some(b'[') => (
            serde_json::from_str::<Vec<&RawValue>>(text).map_err(|e| json_err(e, None))?,
            "",
        ),
        Some(b'{') => (
            serde_json::from_str::<Wrapped>(text)
                .map_err(|e| json_err(e, None))?
                .submissions,
            "submissions",
        ),
        _ => {
            return Err(err(
                None,
                None,
                "expected a JSON array of submissions or an object {\"submissions\": [...]}"
                    .to_string(),
            ));
        }
    };
    let mut subs = Vec::with_capacity(elements.len());
    let mut first_seen: HashMap<String, usize> = HashMap::new();
    for (i, raw) in elements.iter().enumerate() {
        let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
        let (base_line, base_col) = line_col(text, start);
        let at_path = |inner: &str| {
            if inner.is_empty() || inner == "." {
                format!("{prefix}[{i}]")
            } else {
                format!("{prefix}[{i}].{inner}")
            }
        };
        let de = &mut serde_json::Deserializer::from_str(raw.get());
        let sub: Submission = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = at_path(&e.path().to_string());
            let inner = e.into_inner();
            let (l, c) = (inner.line(), inner.column());
            let pos = if l <= 1 {
                (base_line, base_col + c.saturating_sub(1))
            } else {
                (base_line + l - 1, c)
            };
            err(Some(pos), Some(path), strip_position(&inner))
        })?;
        let here = Some((base_line, base_col));
        validate(&sub).map_err(|(field, msg)| err(here, Some(at_path(&field)), msg))?;
        if let Some(first) = first_seen.insert(sub.id.clone(), i) {
            return Err(err(
                here,
                Some(at_path("id")),
                format!(
                    "duplicate id \"{}\" (first at {prefix}[{first}]); each submission may appear once per import",
                    sub.id
                ),
            ));
        }
        subs.push(sub);
    }
    Ok(subs)
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_position(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Checks what the types cannot: id shape, history order and agreement with `state`.
fn validate(sub: &Submission) -> Result<(), (String, String)> {
    let id_ok = !sub.id.is_empty()
        && sub.id.chars().count() <= MAX_ID_LEN
        && sub
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if !id_ok {
        return Err((
            "id".into(),
            format!(
                "{:?} is not a valid id: use 1 to {MAX_ID_LEN} letters, digits, '-', '_', '.' or ':'",
                sub.id
            ),
        ));
    }
    for (j, pair) in sub.history.windows(2).enumerate() {
        if pair[1].at < pair[0].at {
            return Err((
                format!("history[{}].at", j + 1),
                format!(
                    "{} is earlier than the entry before it ({}); list history oldest first",
                    pair[1].at, pair[0].at
                ),
            ));
        }
    }
    for (j, h) in sub.history.iter().enumerate() {
        if h.by.trim().is_empty() {
            return Err((
                format!("history[{j}].by"),
                "empty; say who made the change".into(),
            ));
        }
    }
    if let Some(last) = sub.history.last().filter(|l| l.to != sub.state) {
        return Err((
            "history".into(),
            format!(
                "the last history entry moves to {} but state is {}; they must agree",
                last.to, sub.state
            ),
        ));
    }
    Ok(())
}

#[derive(Serialize)]
struct ExportFile<'a> {
    format: &'static str,
    exported_at: String,
    submissions: &'a [Submission],
}

/// The queue in the import format. Passwords are left out unless `include_secrets`.
pub fn export_json(
    subs: &[Submission],
    include_secrets: bool,
    now: jiff::Timestamp,
) -> Result<String, serde_json::Error> {
    let subs: Vec<Submission> = subs
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.mark_password_set(include_secrets);
            s
        })
        .collect();
    serde_json::to_string_pretty(&ExportFile {
        format: "oin-review/submissions/v1",
        exported_at: now.to_string(),
        submissions: &subs,
    })
}
