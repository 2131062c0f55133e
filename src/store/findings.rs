//! The analyst's findings and decisions on the lint's findings, per submission.

use super::{Context, Result, Store, fmt_ts};
use crate::domain::findings::IssueEdit;
use jiff::Timestamp;
use rusqlite::params;

/// Why an edit of the issue list was not applied (nothing of it was).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FindingRefused {
    #[error("no submission \"{0}\"")]
    UnknownSubmission(String),
    #[error(
        "finding #{id} was changed or removed by {by} since you opened it; nothing was saved: open the list again"
    )]
    Conflict { id: i64, by: String },
    #[error("leaving {0} out needs a reason")]
    NeedsReason(String),
}

impl Store {
    /// Applies an edited issue list of one submission in one transaction: every change or
    /// none. An analyst finding changed by someone else since it was read refuses the edit.
    pub fn apply_issue_edits(
        &mut self,
        submission: &str,
        edits: &[IssueEdit],
        analyst: &str,
        at: Timestamp,
    ) -> Result<std::result::Result<(), FindingRefused>> {
        let policy = self.policy.clone();
        let tx = self.begin_write("save the issue list")?;
        let lines = super::queue::LineWriter::begin(&tx, policy.as_deref())?;
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM submissions WHERE id = ?1)",
                [submission],
                |r| r.get(0),
            )
            .ctx("reading a submission")?;
        if !exists {
            return Ok(Err(FindingRefused::UnknownSubmission(submission.into())));
        }
        let at = fmt_ts(at);
        for edit in edits {
            let changed = match edit {
                IssueEdit::Add {
                    severity,
                    text,
                    included,
                } => tx
                    .execute(
                        "INSERT INTO own_findings (submission_id, severity, text, included,
                         created_by, created_at, updated_by, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?5, ?6)",
                        params![submission, severity.key(), text, included, analyst, at],
                    )
                    .ctx("adding a finding")?,
                IssueEdit::Update {
                    id,
                    version,
                    severity,
                    text,
                    included,
                } => tx
                    .execute(
                        "UPDATE own_findings SET severity = ?1, text = ?2, included = ?3,
                         updated_by = ?4, updated_at = ?5, version = version + 1
                         WHERE id = ?6 AND submission_id = ?7 AND version = ?8",
                        params![
                            severity.key(),
                            text,
                            included,
                            analyst,
                            at,
                            id,
                            submission,
                            version
                        ],
                    )
                    .ctx("changing a finding")?,
                IssueEdit::Delete { id, version } => tx
                    .execute(
                        "DELETE FROM own_findings WHERE id = ?1 AND submission_id = ?2 AND version = ?3",
                        params![id, submission, version],
                    )
                    .ctx("removing a finding")?,
                IssueEdit::Decide {
                    rule,
                    included,
                    reason,
                } => {
                    if !included && reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                        return Ok(Err(FindingRefused::NeedsReason(rule.clone())));
                    }
                    tx.execute(
                        "INSERT INTO rule_decisions (submission_id, rule, included, reason,
                         decided_by, decided_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                         ON CONFLICT (submission_id, rule) DO UPDATE SET included = ?3,
                         reason = ?4, decided_by = ?5, decided_at = ?6",
                        params![submission, rule, included, reason, analyst, at],
                    )
                    .ctx("recording a finding decision")?
                }
            };
            if changed == 0 {
                let (IssueEdit::Update { id, .. } | IssueEdit::Delete { id, .. }) = edit else {
                    continue;
                };
                let by: Option<String> = tx
                    .query_row(
                        "SELECT updated_by FROM own_findings WHERE id = ?1",
                        [id],
                        |r| r.get(0),
                    )
                    .ok();
                return Ok(Err(FindingRefused::Conflict {
                    id: *id,
                    by: by.unwrap_or_else(|| "another analyst (removed)".into()),
                }));
            }
        }
        lines.touched(submission);
        lines.finish(&tx)?;
        tx.commit().ctx("saving findings")?;
        Ok(Ok(()))
    }
}
