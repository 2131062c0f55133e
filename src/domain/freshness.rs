//! Test-result freshness: which OIN Submission Tester results a submission needs, and whether
//! they are still valid (48 h after their run by default).

pub use super::records::{InstanceVersion, TestCase, TestOutcome, TestRun};
use super::state::{Holder, ReviewState};
use super::submission::{Protocol, StateChange, Submission, effective_history};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

impl TestCase {
    pub fn key(self) -> &'static str {
        match self {
            TestCase::IdpFlow => "idp_flow",
            TestCase::SpFlow => "sp_flow",
            TestCase::JitIdp => "jit_idp",
            TestCase::JitSp => "jit_sp",
        }
    }
    pub fn from_key(s: &str) -> Option<TestCase> {
        [
            TestCase::IdpFlow,
            TestCase::SpFlow,
            TestCase::JitIdp,
            TestCase::JitSp,
        ]
        .into_iter()
        .find(|c| c.key() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            TestCase::IdpFlow => "IdP flow",
            TestCase::SpFlow => "SP flow",
            TestCase::JitIdp => "JIT with IdP flow",
            TestCase::JitSp => "JIT with SP flow",
        }
    }
}

impl InstanceVersion {
    pub fn key(self) -> &'static str {
        match self {
            InstanceVersion::Current => "current",
            InstanceVersion::Published => "published",
        }
    }
    pub fn from_key(s: &str) -> Option<InstanceVersion> {
        [InstanceVersion::Current, InstanceVersion::Published]
            .into_iter()
            .find(|v| v.key() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FreshnessPolicy {
    pub valid_for: SignedDuration,
    pub expiring_within: SignedDuration,
}

impl Default for FreshnessPolicy {
    fn default() -> Self {
        FreshnessPolicy {
            valid_for: SignedDuration::from_hours(48),
            expiring_within: SignedDuration::from_hours(12),
        }
    }
}

/// Worst first, so that the overall status of a submission is the minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freshness {
    Failed,
    Missing,
    Expired,
    Expiring,
    Fresh,
}

impl Freshness {
    pub fn key(self) -> &'static str {
        match self {
            Freshness::Fresh => "fresh",
            Freshness::Expiring => "expiring",
            Freshness::Expired => "expired",
            Freshness::Failed => "failed",
            Freshness::Missing => "missing",
        }
    }
}

/// A test the submission needs, with its latest run and status.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequiredTest {
    pub protocol: Protocol,
    pub test_case: TestCase,
    pub instance_version: InstanceVersion,
    pub latest: Option<TestRun>,
    pub expires_at: Option<Timestamp>,
    pub status: Freshness,
    /// Seconds of validity left (negative once expired).
    pub left_seconds: Option<i64>,
    /// Whether it had passed within the validity window before the latest (re)submission;
    /// null when there is none yet.
    pub valid_at_submission: Option<bool>,
}

impl RequiredTest {
    /// "SAML IdP flow", with "(published version)" for the backwards-compatibility instance.
    pub fn label(&self, update: bool) -> String {
        let mut s = format!("{} {}", self.protocol.badge(), self.test_case.label());
        if update {
            s.push_str(match self.instance_version {
                InstanceVersion::Current => " (current version)",
                InstanceVersion::Published => " (published version)",
            });
        }
        s
    }
}

/// SCIM evidence: each item present or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScimStatus {
    pub spec_results: bool,
    pub crud_results: bool,
    pub manual_plan_certified: bool,
}

/// Everything about a submission's test evidence at one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestReport {
    pub required: Vec<RequiredTest>,
    /// The worst status of the required tests; null when none are required.
    pub overall: Option<Freshness>,
    /// The latest (re)submission at or before the instant: when the ISV last handed the
    /// item to OIN for initial or final review (004: results "are valid for 48 hours";
    /// "Retest and resubmit").
    pub submitted_at: Option<Timestamp>,
    /// Whether every required test had passed within the validity window before it.
    pub valid_at_submission: Option<bool>,
    pub scim: Option<ScimStatus>,
}

impl TestReport {
    /// The required test closest to expiry among the valid ones.
    pub fn soonest_expiry(&self) -> Option<&RequiredTest> {
        self.required
            .iter()
            .filter(|t| matches!(t.status, Freshness::Fresh | Freshness::Expiring))
            .min_by_key(|t| t.left_seconds)
    }
}

/// The tests a submission needs, from what it says it supports. An SSO submission that
/// declares no flow (or has no `sso` settings) still needs the IdP flow: every OIN app is
/// launched from its tile on the Okta dashboard (004, "Run the IdP flow test").
pub fn required_tests(sub: &Submission) -> Vec<(Protocol, TestCase, InstanceVersion)> {
    let sso = sub.sso.clone().unwrap_or_default();
    let mut cases = Vec::new();
    if sso.idp_flow || !sso.sp_flow {
        cases.push(TestCase::IdpFlow);
    }
    if sso.sp_flow {
        cases.push(TestCase::SpFlow);
    }
    if sso.jit && (sso.idp_flow || !sso.sp_flow) {
        cases.push(TestCase::JitIdp);
    } else if sso.jit && sso.sp_flow {
        cases.push(TestCase::JitSp);
    }
    let versions: &[InstanceVersion] = if sub.is_update() {
        &[InstanceVersion::Current, InstanceVersion::Published]
    } else {
        &[InstanceVersion::Current]
    };
    let mut out = Vec::new();
    for p in sub.protocols.iter().filter(|p| p.is_sso()) {
        for v in versions {
            for c in &cases {
                out.push((*p, *c, *v));
            }
        }
    }
    out
}

/// The latest run of `need` at or before `until` among the runs that count (not from an
/// instance the submission lists as ineligible).
fn latest_run(
    sub: &Submission,
    need: (Protocol, TestCase, InstanceVersion),
    until: Timestamp,
) -> Option<&TestRun> {
    sub.test_results
        .iter()
        .filter(|r| (r.protocol, r.test_case, r.instance_version) == need && r.run_at <= until)
        .filter(|r| sub.counts_results_of(&r.instance))
        .max_by_key(|r| r.run_at)
}

/// A (re)submission: the ISV hands the item to OIN for initial or final review. A fix that
/// needed no Wizard edits (isv_fix_bugs -> qa_testing) and OIN's own corrections are not.
pub fn is_submission(change: &StateChange) -> bool {
    matches!(
        change.to,
        ReviewState::InitialReview | ReviewState::FinalReview
    ) && change.from.is_none_or(|f| f.holder() != Holder::Oin)
}

/// When the ISV last (re)submitted at or before `now`, undone moves left out.
pub fn last_submission(sub: &Submission, now: Timestamp) -> Option<Timestamp> {
    effective_history(sub.history.iter().filter(|e| e.at <= now))
        .into_iter()
        .filter(|e| is_submission(e))
        .map(|e| e.at)
        .next_back()
}

/// The freshness of every required test of `sub` at `now`, from `sub.test_results`.
pub fn assess(sub: &Submission, policy: &FreshnessPolicy, now: Timestamp) -> TestReport {
    let needs = required_tests(sub);
    let submitted_at = last_submission(sub, now);
    let passed_before = |need, at: Timestamp| {
        latest_run(sub, need, at).is_some_and(|r| {
            r.result == TestOutcome::Passed && at.duration_since(r.run_at) < policy.valid_for
        })
    };
    let required: Vec<RequiredTest> = needs
        .iter()
        .map(|&need| {
            let latest = latest_run(sub, need, now);
            let expires_at = latest.map(|r| r.run_at + policy.valid_for);
            let left = expires_at.map(|e| e.duration_since(now).as_secs());
            let status = match (latest, left) {
                (None, _) => Freshness::Missing,
                (Some(r), _) if r.result == TestOutcome::Failed => Freshness::Failed,
                (_, Some(l)) if l <= 0 => Freshness::Expired,
                (_, Some(l)) if l <= policy.expiring_within.as_secs() => Freshness::Expiring,
                _ => Freshness::Fresh,
            };
            RequiredTest {
                protocol: need.0,
                test_case: need.1,
                instance_version: need.2,
                latest: latest.cloned(),
                expires_at,
                status,
                left_seconds: left,
                valid_at_submission: submitted_at.map(|at| passed_before(need, at)),
            }
        })
        .collect();
    let valid_at_submission = match (needs.is_empty(), submitted_at) {
        (true, _) | (_, None) => None,
        (false, Some(_)) => Some(required.iter().all(|t| t.valid_at_submission == Some(true))),
    };
    TestReport {
        overall: required.iter().map(|t| t.status).min(),
        required,
        submitted_at,
        valid_at_submission,
        scim: sub.has_protocol(Protocol::Scim).then(|| {
            let scim = sub.scim.clone().unwrap_or_default();
            let present = |s: &Option<String>| s.as_deref().is_some_and(|s| !s.trim().is_empty());
            ScimStatus {
                spec_results: present(&scim.spec_results_url),
                crud_results: present(&scim.crud_results_url),
                manual_plan_certified: scim.manual_plan_certified,
            }
        }),
    }
}
