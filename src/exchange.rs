//! The JSON exchange format: reading submission files for import, writing exports.

use crate::domain::{Submission, TestRun};
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
/// The most characters any one text of a submission may have (a description is a few
/// paragraphs): larger values are a broken export, not a submission.
const MAX_TEXT_CHARS: usize = 20_000;
/// The most entries any one list of a submission may have (use cases, contacts, history…).
const MAX_LIST_LEN: usize = 1_000;
/// Instants outside these years are typing errors (and would stretch every SLA computation).
const YEARS: std::ops::RangeInclusive<i16> = 2000..=2099;

/// The first text or list in `v` larger than the limits: its JSON path and what is wrong.
fn oversized(v: &serde_json::Value, path: &str) -> Option<(String, String)> {
    use serde_json::Value;
    match v {
        Value::String(t) if t.len() > MAX_TEXT_CHARS && t.chars().count() > MAX_TEXT_CHARS => {
            Some((
                path.to_string(),
                format!(
                    "{} characters; at most {MAX_TEXT_CHARS} are accepted: shorten it",
                    t.chars().count()
                ),
            ))
        }
        Value::Array(items) if items.len() > MAX_LIST_LEN => Some((
            path.to_string(),
            format!(
                "{} entries; at most {MAX_LIST_LEN} are accepted",
                items.len()
            ),
        )),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| oversized(item, &format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            let p = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            oversized(item, &p)
        }),
        _ => None,
    }
}

/// Refuses an instant outside [`YEARS`].
fn in_range(at: jiff::Timestamp) -> Result<(), String> {
    let year = at.to_zoned(jiff::tz::TimeZone::UTC).year();
    if YEARS.contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "{at} is out of range: dates from {}-01-01 to {}-12-31 are accepted",
            YEARS.start(),
            YEARS.end()
        ))
    }
}

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

/// Line and column of increasing offsets, in one pass over the text (so positions of the
/// elements of a large file cost O(file), even when it is all on one line).
struct Positions<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
    col: usize,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str) -> Self {
        Positions {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
            col: 1,
        }
    }

    /// The position of `offset`, which must not be before the previous one asked.
    fn at(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        for &b in &self.text[self.offset.min(offset)..offset] {
            if b == b'\n' {
                self.line += 1;
                self.col = 1;
            } else if b & 0xC0 != 0x80 {
                self.col += 1;
            }
        }
        self.offset = self.offset.max(offset);
        (self.line, self.col)
    }
}

/// One element of a top-level array, with where it starts and its JSON path.
struct Element<T> {
    value: T,
    position: (usize, usize),
    path: String,
}

/// Parses `bytes` as a JSON array of `T`, or an object holding it under `key`. Errors name
/// the file, line, column and JSON path.
fn parse_elements<T: serde::de::DeserializeOwned>(
    file: &str,
    bytes: &[u8],
    key: &str,
) -> Result<Vec<Element<T>>, ImportError> {
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
    let json_err =
        |e: serde_json::Error| err(Some((e.line(), e.column())), None, strip_position(&e));
    let (raws, prefix): (Vec<&RawValue>, &str) = match text.trim_start().as_bytes().first() {
        Some(b'[') => (serde_json::from_str(text).map_err(json_err)?, ""),
        Some(b'{') => {
            let mut obj: HashMap<String, &RawValue> = serde_json::from_str::<UniqueKeys>(text)
                .map_err(json_err)?
                .0;
            let inner = obj.remove(key).ok_or_else(|| {
                err(
                    None,
                    None,
                    format!("the top-level object has no \"{key}\" array"),
                )
            })?;
            let start = inner.get().as_ptr() as usize - text.as_ptr() as usize;
            let list = serde_json::from_str(inner.get()).map_err(|e: serde_json::Error| {
                let (bl, bc) = line_col(text, start);
                let pos = shift((bl, bc), (e.line(), e.column()));
                err(Some(pos), Some(key.to_string()), strip_position(&e))
            })?;
            (list, key)
        }
        _ => {
            return Err(err(
                None,
                None,
                format!("expected a JSON array, or an object {{\"{key}\": [...]}}"),
            ));
        }
    };
    let mut positions = Positions::new(text);
    raws.iter()
        .enumerate()
        .map(|(i, raw)| {
            let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            let base = positions.at(start);
            let at_path = |inner: &str| {
                if inner.is_empty() || inner == "." {
                    format!("{prefix}[{i}]")
                } else if inner.starts_with('[') {
                    format!("{prefix}[{i}]{inner}")
                } else {
                    format!("{prefix}[{i}].{inner}")
                }
            };
            if let Ok(generic) = serde_json::from_str::<serde_json::Value>(raw.get())
                && let Some((inner, message)) = oversized(&generic, "")
            {
                return Err(err(Some(base), Some(at_path(&inner)), message));
            }
            let de = &mut serde_json::Deserializer::from_str(raw.get());
            let value: T = serde_path_to_error::deserialize(de).map_err(|e| {
                let path = at_path(&e.path().to_string());
                let inner = e.into_inner();
                let pos = shift(base, (inner.line(), inner.column()));
                err(Some(pos), Some(path), strip_position(&inner))
            })?;
            Ok(Element {
                value,
                position: base,
                path: at_path(""),
            })
        })
        .collect()
}

/// A top-level object whose keys each appear once: a second `"submissions"` would silently
/// replace the first.
struct UniqueKeys<'a>(HashMap<String, &'a RawValue>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for UniqueKeys<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Visit<'a> {
            type Value = UniqueKeys<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                let mut out = HashMap::new();
                while let Some(key) = m.next_key::<String>()? {
                    let value: &'de RawValue = m.next_value()?;
                    if out.insert(key.clone(), value).is_some() {
                        return Err(serde::de::Error::custom(format!(
                            "key \"{key}\" appears twice; keep one"
                        )));
                    }
                }
                Ok(UniqueKeys(out))
            }
        }
        d.deserialize_map(Visit(std::marker::PhantomData))
    }
}

/// A position inside an element, made absolute from where the element starts.
fn shift(base: (usize, usize), inner: (usize, usize)) -> (usize, usize) {
    if inner.0 <= 1 {
        (base.0, base.1 + inner.1.saturating_sub(1))
    } else {
        (base.0 + inner.0 - 1, inner.1)
    }
}

/// Parses and validates a submissions file: a top-level array, or `{"submissions": [...]}`.
/// Nothing is returned unless every submission in it is valid.
pub fn parse_submissions(file: &str, bytes: &[u8]) -> Result<Vec<Submission>, ImportError> {
    let elements = parse_elements::<Submission>(file, bytes, "submissions")?;
    let mut first_seen: HashMap<String, String> = HashMap::new();
    let mut subs = Vec::with_capacity(elements.len());
    for el in elements {
        let err = |field: &str, message: String| ImportError {
            file: file.to_string(),
            position: Some(el.position),
            path: Some(format!("{}.{field}", el.path)),
            message,
        };
        validate(&el.value).map_err(|(field, msg)| err(&field, msg))?;
        if let Some(first) = first_seen.insert(el.value.id.clone(), el.path.clone()) {
            return Err(err(
                "id",
                format!(
                    "duplicate id \"{}\" (first at {first}); each submission may appear once per import",
                    el.value.id
                ),
            ));
        }
        subs.push(el.value);
    }
    Ok(subs)
}

/// One line of a tester results file; unknown fields are ignored.
#[derive(serde::Deserialize)]
struct ResultEntry {
    submission_id: String,
    #[serde(flatten)]
    run: TestRun,
}

/// Parses an OIN Submission Tester results file: `{"results": [...]}` or an array.
pub fn parse_test_results(file: &str, bytes: &[u8]) -> Result<Vec<(String, TestRun)>, ImportError> {
    parse_elements::<ResultEntry>(file, bytes, "results")?
        .into_iter()
        .map(|el| {
            if !el.value.run.protocol.is_sso() {
                return Err(ImportError {
                    file: file.to_string(),
                    position: Some(el.position),
                    path: Some(format!("{}.protocol", el.path)),
                    message: format!(
                        "the Submission Tester runs saml or oidc, not {}",
                        el.value.run.protocol.key()
                    ),
                });
            }
            in_range(el.value.run.run_at).map_err(|message| ImportError {
                file: file.to_string(),
                position: Some(el.position),
                path: Some(format!("{}.run_at", el.path)),
                message,
            })?;
            Ok((el.value.submission_id, el.value.run))
        })
        .collect()
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
        in_range(h.at).map_err(|m| (format!("history[{j}].at"), m))?;
    }
    for (j, r) in sub.test_results.iter().enumerate() {
        in_range(r.run_at).map_err(|m| (format!("test_results[{j}].run_at"), m))?;
    }
    for (j, p) in sub.promises.iter().enumerate() {
        if !YEARS.contains(&p.date.year()) {
            return Err((
                format!("promises[{j}].date"),
                format!(
                    "{} is out of range: dates from {}-01-01 to {}-12-31 are accepted",
                    p.date,
                    YEARS.start(),
                    YEARS.end()
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
    /// Each submission's emails sent and messages received (not read back by `import`).
    conversations: std::collections::BTreeMap<&'a str, serde_json::Value>,
    /// Messages received that no submission claimed.
    unmatched: &'a [crate::domain::Reply],
}

/// The queue in the import format. Passwords are left out unless `include_secrets`.
pub fn export_json(
    subs: &[Submission],
    unmatched: &[crate::domain::Reply],
    include_secrets: bool,
    now: jiff::Timestamp,
) -> Result<String, serde_json::Error> {
    let mut conversations = std::collections::BTreeMap::new();
    for s in subs
        .iter()
        .filter(|s| !s.emails.is_empty() || !s.replies.is_empty())
    {
        conversations.insert(s.id.as_str(), conversation_json(s)?);
    }
    let subs: Vec<Submission> = subs
        .iter()
        .map(|s| {
            let mut s = s.clone();
            s.mark_password_set(include_secrets);
            s
        })
        .collect();
    crate::text::json_text(
        &ExportFile {
            format: "oin-review/submissions/v1",
            exported_at: now.to_string(),
            submissions: &subs,
            conversations,
            unmatched,
        },
        true,
    )
}

/// A submission's conversation as JSON (`show`, `export`): each entry with its direction
/// and instant, newest last.
pub fn conversation_json(s: &Submission) -> serde_json::Result<serde_json::Value> {
    use crate::domain::inbound::{Said, conversation};
    conversation(s)
        .iter()
        .map(|said| {
            Ok(match said {
                Said::Sent(e) => serde_json::json!({
                    "direction": "sent",
                    "at": said.at(),
                    "email": serde_json::to_value(e)?,
                }),
                Said::Received(r) => serde_json::json!({
                    "direction": "received",
                    "at": said.at(),
                    "message": serde_json::to_value(r)?,
                }),
            })
        })
        .collect::<serde_json::Result<Vec<_>>>()
        .map(serde_json::Value::Array)
}
