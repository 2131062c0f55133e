//! Gates: the moves that need a submission free of open blockers (000: "If QA testing is
//! successful, your integration is automatically published"), and what stops them.

use super::findings::{Issue, IssueKey};
use super::lint::Severity;
use super::state::ReviewState;
use serde::Serialize;

/// An open blocker: an included blocker of the issue list (the lint's or the analyst's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    /// The rule id, or `#N` for the analyst's own finding N.
    pub key: String,
    /// The sentence the ISV reads.
    pub text: String,
}

/// Whether `from -> to` passes a gate: publishing, or passing initial review into QA.
pub fn is_gated(from: ReviewState, to: ReviewState) -> bool {
    to == ReviewState::Published
        || (from == ReviewState::InitialReview && to == ReviewState::QaTesting)
}

/// The open blockers of an issue list: included and of blocker severity. A lint blocker
/// the analyst left out (with a reason) does not stop the move.
pub fn open_blockers(issues: &[Issue]) -> Vec<Blocker> {
    issues
        .iter()
        .filter(|i| i.included && i.severity == Severity::Blocker)
        .map(|i| Blocker {
            key: match &i.key {
                IssueKey::Rule(r) => r.clone(),
                IssueKey::Own(n) => format!("#{n}"),
            },
            text: i.text.clone(),
        })
        .collect()
}
