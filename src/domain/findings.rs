//! The issue list an analyst sends: the lint's findings (recomputed from the submission) plus
//! the analyst's own, each included in or left out of the next email. Also the text form the
//! analyst edits in `$EDITOR`, and reading it back.

use super::lint::{Finding, RULES, Severity};
pub use super::records::{OwnFinding, ReviewNotes, RuleDecision};
use serde::Serialize;
use std::fmt::Write as _;

/// Where an issue comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum IssueKey {
    /// A lint rule id.
    Rule(String),
    /// An analyst finding's id.
    Own(i64),
}

/// One line of the issue list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    pub key: IssueKey,
    pub severity: Severity,
    /// The sentence the ISV reads.
    pub text: String,
    pub included: bool,
    /// Why a lint finding is left out.
    pub reason: Option<String>,
}

/// The whole issue list: lint findings in rule order, then the analyst's own in the order
/// they were written.
pub fn issue_list(lint: &[Finding], notes: &ReviewNotes) -> Vec<Issue> {
    let mut out: Vec<Issue> = lint
        .iter()
        .map(|f| {
            let decision = notes.decisions.iter().find(|d| d.rule == f.rule);
            Issue {
                key: IssueKey::Rule(f.rule.to_string()),
                severity: f.severity,
                text: f.message.clone(),
                included: decision.is_none_or(|d| d.included),
                reason: decision.and_then(|d| d.reason.clone()),
            }
        })
        .collect();
    out.extend(notes.own.iter().map(|f| Issue {
        key: IssueKey::Own(f.id),
        severity: f.severity,
        text: f.text.clone(),
        included: f.included,
        reason: None,
    }));
    out
}

/// The issues the next email lists: the included ones, blockers first, otherwise in order.
pub fn emailed(issues: &[Issue]) -> Vec<&Issue> {
    let mut v: Vec<&Issue> = issues.iter().filter(|i| i.included).collect();
    v.sort_by_key(|i| i.severity);
    v
}

/// A change read back from the edited issue list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueEdit {
    /// Include or leave out a lint finding (a reason is required to leave it out).
    Decide {
        rule: String,
        included: bool,
        reason: Option<String>,
    },
    /// Change an analyst finding written at `version`.
    Update {
        id: i64,
        version: i64,
        severity: Severity,
        text: String,
        included: bool,
    },
    /// Delete an analyst finding (its line was removed).
    Delete { id: i64, version: i64 },
    /// A new analyst finding.
    Add {
        severity: Severity,
        text: String,
        included: bool,
    },
}

/// A mistake in the edited text, with its line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct EditError {
    pub line: usize,
    pub message: String,
}

const REASON: &str = " -- reason:";

/// The issue list as text for `$EDITOR`.
pub fn edit_text(sub_id: &str, app_name: &str, issues: &[Issue]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Issue list of {sub_id} ({}). Save and quit to apply; an empty file changes nothing.",
        crate::text::safe_line(app_name)
    );
    s.push_str(
        "# [x] = in the next email, [ ] = left out. Lines starting with # are ignored.\n\
         # Lint lines (with a rule id) are recomputed from the submission: change only the box.\n\
         #   Leaving one out needs a reason at the end of the line: ... -- reason: why\n\
         # Your own findings (#N): change the box, severity or text; delete the line to remove it.\n\
         # Add a finding as a new line: [x] blocker|warning the sentence the ISV will read\n\n",
    );
    for i in issues {
        let mark = if i.included { "[x]" } else { "[ ]" };
        let key = match &i.key {
            IssueKey::Rule(r) => r.clone(),
            IssueKey::Own(id) => format!("#{id}"),
        };
        let _ = write!(s, "{mark} {} {key} {}", i.severity.key(), one_line(&i.text));
        if let Some(r) = &i.reason {
            let _ = write!(s, "{REASON} {}", one_line(r));
        }
        s.push('\n');
    }
    s
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads back an edited issue list against the list it was made from. Nothing is returned
/// unless every line is right, so a mistake changes nothing.
pub fn parse_edit(
    text: &str,
    issues: &[Issue],
    own: &[OwnFinding],
) -> Result<Vec<IssueEdit>, EditError> {
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(Vec::new());
    }
    let mut edits = Vec::new();
    let mut seen_own = Vec::new();
    let mut seen_rules = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let err = |message: String| EditError { line, message };
        let (included, rest) = if let Some(r) = l.strip_prefix("[x]").or(l.strip_prefix("[X]")) {
            (true, r)
        } else if let Some(r) = l.strip_prefix("[ ]").or(l.strip_prefix("[]")) {
            (false, r)
        } else {
            return Err(err(
                "start the line with [x] (in the email) or [ ] (left out)".into(),
            ));
        };
        let rest = rest.trim_start();
        let (sev_word, rest) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let severity = match sev_word.trim_end_matches(':') {
            "blocker" => Severity::Blocker,
            "warning" => Severity::Warning,
            other => {
                return Err(err(format!(
                    "severity \"{other}\" is not blocker or warning"
                )));
            }
        };
        let rest = rest.trim_start();
        let (key, body) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let (body, reason) = match body.split_once(REASON) {
            Some((b, r)) => (
                b.trim(),
                Some(r.trim().to_string()).filter(|r| !r.is_empty()),
            ),
            None => (body.trim(), None),
        };
        if let Some(id) = key.strip_prefix('#') {
            let id: i64 = id
                .parse()
                .map_err(|_| err(format!("\"{key}\" is not a finding number")))?;
            let Some(f) = own.iter().find(|f| f.id == id) else {
                return Err(err(format!(
                    "there is no finding #{id} on this submission (new findings have no number)"
                )));
            };
            if seen_own.contains(&id) {
                return Err(err(format!("finding #{id} is listed twice")));
            }
            seen_own.push(id);
            if body.is_empty() {
                return Err(err(format!(
                    "finding #{id} has no text: delete the line to remove it"
                )));
            }
            if f.severity != severity || f.text != body || f.included != included {
                edits.push(IssueEdit::Update {
                    id,
                    version: f.version,
                    severity,
                    text: body.to_string(),
                    included,
                });
            }
        } else if let Some(issue) = issues
            .iter()
            .find(|i| matches!(&i.key, IssueKey::Rule(r) if r == key))
        {
            if seen_rules.contains(&key) {
                return Err(err(format!("{key} is listed twice")));
            }
            seen_rules.push(key);
            if issue.severity != severity {
                return Err(err(format!(
                    "{key} is a {} by rule; its severity cannot be changed (add your own finding instead)",
                    issue.severity.key()
                )));
            }
            if !included && reason.is_none() {
                return Err(err(format!(
                    "leaving {key} out needs a reason: end the line with \"-- reason: why\""
                )));
            }
            let reason = if included { None } else { reason };
            if issue.included != included || issue.reason != reason {
                edits.push(IssueEdit::Decide {
                    rule: key.to_string(),
                    included,
                    reason,
                });
            }
        } else if RULES.iter().any(|(id, _, _)| *id == key) {
            return Err(err(format!(
                "{key} does not apply to this submission now; only the lint can list it"
            )));
        } else {
            let text = one_line(rest.split_once(REASON).map_or(rest, |(b, _)| b));
            if text.is_empty() {
                return Err(err("the finding has no text".into()));
            }
            edits.push(IssueEdit::Add {
                severity,
                text,
                included,
            });
        }
    }
    for f in own {
        if !seen_own.contains(&f.id) {
            edits.push(IssueEdit::Delete {
                id: f.id,
                version: f.version,
            });
        }
    }
    Ok(edits)
}

/// The edit that includes or leaves out one issue; leaving a lint finding out needs a reason.
pub fn toggle_edit(
    issue: &Issue,
    own: &[OwnFinding],
    included: bool,
    reason: Option<String>,
) -> Result<IssueEdit, String> {
    match &issue.key {
        IssueKey::Rule(rule) => {
            let reason = reason.filter(|r| !r.trim().is_empty());
            if !included && reason.is_none() {
                return Err(format!(
                    "leaving the lint finding {rule} out needs a reason (it is kept with it)"
                ));
            }
            Ok(IssueEdit::Decide {
                rule: rule.clone(),
                included,
                reason: if included { None } else { reason },
            })
        }
        IssueKey::Own(id) => {
            let f = own
                .iter()
                .find(|f| f.id == *id)
                .ok_or_else(|| format!("finding #{id} is gone; reload"))?;
            Ok(IssueEdit::Update {
                id: f.id,
                version: f.version,
                severity: f.severity,
                text: f.text.clone(),
                included,
            })
        }
    }
}
