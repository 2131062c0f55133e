//! The review of one submission at one instant: its assessment under the policy (clocks and
//! test evidence), the lint's findings and the issue list the ISV would be sent.

use super::findings::{Issue, issue_list};
use super::lint::{Finding, QueueFacts};
use super::policy::{Assessment, Policy, assess, findings};
use super::submission::Submission;
use jiff::Timestamp;

/// Everything the review of one submission at one instant says: clocks, evidence, the
/// lint's findings and the issue list (with the analyst's own findings and decisions).
#[derive(Debug, Clone)]
pub struct Review {
    pub assessment: Assessment,
    pub lint: Vec<Finding>,
    pub issues: Vec<Issue>,
}

impl Review {
    pub fn of(sub: &Submission, policy: &Policy, facts: &QueueFacts, now: Timestamp) -> Review {
        let assessment = assess(sub, policy, now);
        let lint = findings(sub, policy, &assessment, facts);
        let issues = issue_list(&lint, &sub.notes);
        Review {
            assessment,
            lint,
            issues,
        }
    }
}
