//! A submission an ISV made to the OIN, with every field the review needs.

use super::records::Phase;
pub use super::records::Protocol;
use super::records::{InstanceVersion, TestRun};
use super::state::ReviewState;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Which OIN tool the ISV submitted through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubmissionPath {
    Wizard,
    Manager,
}

impl SubmissionPath {
    pub fn key(self) -> &'static str {
        match self {
            SubmissionPath::Wizard => "wizard",
            SubmissionPath::Manager => "manager",
        }
    }
}

impl Protocol {
    pub const ALL: [Protocol; 8] = [
        Protocol::Saml,
        Protocol::Oidc,
        Protocol::Scim,
        Protocol::Workflows,
        Protocol::ApiService,
        Protocol::Swa,
        Protocol::Spa,
        Protocol::HeaderAuth,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Protocol::Saml => "saml",
            Protocol::Oidc => "oidc",
            Protocol::Scim => "scim",
            Protocol::Workflows => "workflows",
            Protocol::ApiService => "api_service",
            Protocol::Swa => "swa",
            Protocol::Spa => "spa",
            Protocol::HeaderAuth => "header_auth",
        }
    }

    /// A short badge for tables.
    pub fn badge(self) -> &'static str {
        match self {
            Protocol::Saml => "SAML",
            Protocol::Oidc => "OIDC",
            Protocol::Scim => "SCIM",
            Protocol::Workflows => "WF",
            Protocol::ApiService => "API",
            Protocol::Swa => "SWA",
            Protocol::Spa => "SPA",
            Protocol::HeaderAuth => "HDR",
        }
    }

    pub fn from_key(s: &str) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.key() == s)
    }

    pub fn is_sso(self) -> bool {
        matches!(self, Protocol::Saml | Protocol::Oidc)
    }

    /// Protocols that only the OIN Manager takes (000: "For lifecycle management (LCM)
    /// integrations (such as SCIM or Workflows) or API service integrations, you need to use
    /// the OIN Manager"; SCIM is also taken by the Wizard, 003).
    pub fn manager_only(self) -> bool {
        matches!(self, Protocol::Workflows | Protocol::ApiService)
    }
}

/// The catalog logo as uploaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Logo {
    pub file: String,
    /// As the ISV gave it (`png`, `jpg`, `gif`, or anything else the lint refuses).
    pub format: String,
    pub bytes: u64,
}

/// A per-tenant variable admins fill in at install time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegrationVariable {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Email,
    Url,
    Phone,
}

impl ContactKind {
    pub fn key(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Url => "url",
            ContactKind::Phone => "phone",
        }
    }

    pub fn from_key(s: &str) -> Option<ContactKind> {
        [ContactKind::Email, ContactKind::Url, ContactKind::Phone]
            .into_iter()
            .find(|k| k.key() == s)
    }
}

/// A public support contact shown in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupportContact {
    pub kind: ContactKind,
    pub value: String,
}

/// A secret that never shows in `Debug` output, logs or panic messages.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    /// The clear text; call only where the analyst asked to see it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// The account the OIN team signs in with to test the integration.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestAccount {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    /// Omitted from output unless secrets were asked for; omitted on import means "unchanged".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret>,
    /// Output only: whether a password is stored.
    #[serde(default)]
    pub password_set: bool,
}

/// What the SSO part of a submission says it supports.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsoSettings {
    #[serde(default)]
    pub idp_flow: bool,
    #[serde(default)]
    pub sp_flow: bool,
    #[serde(default)]
    pub jit: bool,
    /// `sha256` or `sha1` as the ISV configured it.
    #[serde(default)]
    pub saml_signature: Option<String>,
    /// Null for the org authorization server; a name (`default` included) for a custom one.
    #[serde(default)]
    pub oidc_auth_server: Option<String>,
}

/// SCIM evidence (Runscope result links, the manual test plan) and what the SCIM part says
/// of itself.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScimEvidence {
    #[serde(default)]
    pub spec_results_url: Option<String>,
    #[serde(default)]
    pub crud_results_url: Option<String>,
    #[serde(default)]
    pub manual_plan_certified: bool,
    /// The SCIM version the integration speaks ("2.0", or "1.1", which is private only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Profile Sourcing (formerly Profile Mastering): private integrations only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub profile_sourcing: bool,
    /// Whether the manual tests covered Import users (and Import groups when groups are managed).
    #[serde(default, skip_serializing_if = "is_false")]
    pub import_users_tested: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub groups_managed: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub import_groups_tested: bool,
}

/// An app instance the ISV generated in its Okta Developer Edition org to test the
/// integration (004, "Generate instances for testing").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TestInstance {
    pub name: String,
    /// The protocols tested on it: one SSO protocol, SCIM, or SCIM with one SSO protocol
    /// (004:191, "you can test two protocols on one instance" under conditions).
    pub protocols: Vec<Protocol>,
    /// Generated from the submission (`current`) or from the published integration it
    /// updates (`published`, for backwards compatibility, 004:259).
    #[serde(default)]
    pub version: InstanceVersion,
    /// 004:197 "A Developer Edition org has a maximum of five active instances".
    #[serde(default = "yes")]
    pub active: bool,
    /// 004:257 "An instance is eligible if it was generated from the latest version of the
    /// integration submission"; results from an ineligible one do not count.
    #[serde(default = "yes")]
    pub eligible: bool,
}

fn yes() -> bool {
    true
}

/// What kind of audit event a state change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    #[default]
    Move,
    Undo,
    Import,
}

impl EventKind {
    pub fn key(self) -> &'static str {
        match self {
            EventKind::Move => "move",
            EventKind::Undo => "undo",
            EventKind::Import => "import",
        }
    }
    pub fn from_key(s: &str) -> Option<EventKind> {
        [EventKind::Move, EventKind::Undo, EventKind::Import]
            .into_iter()
            .find(|k| k.key() == s)
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_move(k: &EventKind) -> bool {
    *k == EventKind::Move
}

/// One entry of the audit trail: a state change, who made it and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StateChange {
    #[serde(default)]
    pub from: Option<ReviewState>,
    pub to: ReviewState,
    pub at: Timestamp,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub forced: bool,
    #[serde(default, skip_serializing_if = "is_move")]
    pub kind: EventKind,
    /// A move into a phase that starts a fresh clock instead of continuing the phase's.
    #[serde(default, skip_serializing_if = "is_false")]
    pub restart_clock: bool,
    /// The open blockers a forced move past a gate overrode (rule ids, `#N` for own ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overrode: Vec<String>,
}

impl StateChange {
    /// A correction: a forced move outside the transition table.
    pub fn is_correction(&self) -> bool {
        self.forced && self.from.is_some_and(|f| !f.can_move_to(self.to))
    }
}

/// The history with every undone move taken out, with its undo: what the clocks, the
/// freshness rule and the age of a state count. An undo puts the item back where it was,
/// clock included, so it cannot restart an SLA or erase a breach.
pub fn effective_history<'a>(
    history: impl IntoIterator<Item = &'a StateChange>,
) -> Vec<&'a StateChange> {
    let mut out: Vec<&StateChange> = Vec::new();
    for change in history {
        let undoes_last = change.kind == EventKind::Undo
            && out
                .last()
                .is_some_and(|l| Some(l.to) == change.from && l.from == Some(change.to));
        if undoes_last {
            out.pop();
        } else {
            out.push(change);
        }
    }
    out
}

/// The date Okta told the ISV a phase is expected to finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhasePromise {
    pub phase: Phase,
    pub date: jiff::civil::Date,
}

/// A submission as the review queue knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Submission {
    pub id: String,
    pub app_name: String,
    pub isv: String,
    #[serde(default)]
    pub app_website: Option<String>,
    #[serde(default)]
    pub submitter_email: Option<String>,
    #[serde(default)]
    pub dev_org: Option<String>,
    pub path: SubmissionPath,
    /// The existing OIN app this submission updates; null for a new integration.
    #[serde(default)]
    pub update_of: Option<String>,
    #[serde(default)]
    pub change_summary: Option<String>,
    /// The id of the published submission this update replaces once it is published
    /// (`update_of` is the app's name as the ISV gave it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
    /// The id of the update that replaced this published submission: it stays published in
    /// its history but is no longer the live version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded_by: Option<String>,
    /// A published integration migrated from the OIN Manager to the OIN Wizard: exempt from
    /// the Wizard's variable and https restrictions (004).
    #[serde(default, skip_serializing_if = "is_false")]
    pub migrated_from_manager: bool,
    #[serde(default)]
    pub protocols: Vec<Protocol>,
    #[serde(default)]
    pub use_cases: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub logo: Option<Logo>,
    #[serde(default)]
    pub integration_variables: Vec<IntegrationVariable>,
    #[serde(default)]
    pub support_contacts: Vec<SupportContact>,
    #[serde(default)]
    pub escalation_contact: Option<String>,
    #[serde(default)]
    pub test_account: Option<TestAccount>,
    #[serde(default)]
    pub config_doc_url: Option<String>,
    #[serde(default)]
    pub multi_tenant: Option<bool>,
    #[serde(default)]
    pub sso: Option<SsoSettings>,
    #[serde(default)]
    pub scim: Option<ScimEvidence>,
    /// What the ISV tells the OIN analyst about testing: the admin account, the
    /// configuration, how to add test users (004:157, "Testing instructions"; 001).
    #[serde(default)]
    pub testing_instructions: Option<String>,
    /// The OIN Wizard's "I certify that I have successfully completed required tests"
    /// (004:638); null when the file does not say (a Manager submission, an older queue).
    #[serde(default)]
    pub tests_certified: Option<bool>,
    /// The test instances in the ISV's org (004); empty when the submission lists none.
    #[serde(default)]
    pub test_instances: Vec<TestInstance>,
    pub state: ReviewState,
    #[serde(default)]
    pub assignee: Option<String>,
    #[serde(default)]
    pub history: Vec<StateChange>,
    /// OIN Submission Tester results, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub test_results: Vec<TestRun>,
    /// Dates Okta told the ISV each phase would finish.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub promises: Vec<PhasePromise>,
    /// Row version for optimistic concurrency; kept by the store, never in files.
    #[serde(skip)]
    pub version: i64,
    /// The analyst's own findings and decisions on the lint's; kept by the store, not in files.
    #[serde(skip)]
    pub notes: super::records::ReviewNotes,
    /// Issue-list emails, oldest first; kept by the store's outbox, not in files.
    #[serde(skip)]
    pub emails: Vec<super::records::EmailRecord>,
    /// Claims and assignments, oldest first; kept by the store's audit log, not in files.
    #[serde(skip)]
    pub assignments: Vec<super::records::Assignment>,
    /// Messages received about it (replies, auto-replies, bounces), oldest first; kept by
    /// the store, not in files.
    #[serde(skip)]
    pub replies: Vec<super::records::Reply>,
}

impl Submission {
    /// The submission as it was at `at` (`--as-of`): its history, tester results, claims,
    /// findings, decisions and emails up to then, and the state and assignee of then.
    /// `None` when it came into the queue after `at`. A later version's replacing it
    /// (`superseded_by`) is dropped when it was not published then; when it was, the
    /// replacement's own history says when, which this record does not hold, so it stays.
    pub fn as_of(&self, at: jiff::Timestamp) -> Option<Submission> {
        let mut then = self.clone();
        then.history.retain(|c| c.at <= at);
        if then.history.is_empty() && !self.history.is_empty() {
            return None;
        }
        then.test_results.retain(|r| r.run_at <= at);
        then.assignments.retain(|a| a.at <= at);
        then.emails.retain(|e| e.queued_at <= at);
        then.replies.retain(|r| r.received_at <= at);
        then.notes.own.retain(|f| f.at <= at);
        then.notes.decisions.retain(|d| d.at <= at);
        if then.history.len() < self.history.len() {
            if let Some(last) = effective_history(&then.history).last() {
                then.state = last.to;
            }
            if then.state != ReviewState::Published {
                then.superseded_by = None;
            }
        }
        // The assignee then: the last claim at or before `at`; with none, who held it
        // before the first claim after `at`.
        if let Some(a) = self.assignments.iter().rev().find(|a| a.at <= at) {
            then.assignee = a.to.clone();
        } else if let Some(a) = self.assignments.iter().find(|a| a.at > at) {
            then.assignee = a.from.clone();
        }
        Some(then)
    }

    pub fn is_update(&self) -> bool {
        self.update_of.is_some()
    }

    /// Whether a result from `instance` counts: the submission lists no instances, or lists
    /// it as eligible (004:257, an instance generated before later edits is ineligible;
    /// 004:309, "After you edit a test instance, any previous test results for that instance
    /// are invalid"). A run on an instance the list does not name counts: the list may be
    /// partial. Whether an instance is active matters when submitting (the instances rule),
    /// not for results it already gave.
    pub fn counts_results_of(&self, instance: &str) -> bool {
        self.test_instances
            .iter()
            .find(|i| i.name == instance)
            .is_none_or(|i| i.eligible)
    }

    /// What makes it a private integration only (002: "an application that uses SCIM 1.1
    /// or Profile Sourcing, or ... a custom header expression for the Header Auth": "an
    /// internal-only integration that isn't included in the OIN"). Profile Sourcing counts
    /// even though 002 also says the option can be "temporarily activated when submitting a
    /// SCIM app integration": that lets the developer org submit, it does not make the
    /// integration public (a decision, in the README).
    pub fn private_only_features(&self) -> Vec<&'static str> {
        let mut private = Vec::new();
        if let Some(scim) = self
            .scim
            .as_ref()
            .filter(|_| self.has_protocol(Protocol::Scim))
        {
            if scim.version.as_deref().map(str::trim) == Some("1.1") {
                private.push("SCIM 1.1");
            }
            if scim.profile_sourcing {
                private.push("Profile Sourcing");
            }
        }
        if self.has_protocol(Protocol::HeaderAuth) {
            private.push("a custom Header Auth expression");
        }
        private
    }

    pub fn has_protocol(&self, p: Protocol) -> bool {
        self.protocols.contains(&p)
    }

    /// A copy fit for output without secrets: the password is dropped, `password_set` says
    /// whether one is stored.
    pub fn redacted(&self) -> Submission {
        let mut s = self.clone();
        s.mark_password_set(false);
        s
    }

    /// Sets `password_set` for output; keeps the password itself only if `keep` is true.
    pub fn mark_password_set(&mut self, keep: bool) {
        if let Some(acct) = self.test_account.as_mut() {
            acct.password_set = acct.password.is_some();
            if !keep {
                acct.password = None;
            }
        }
    }

    /// When the submission entered its current state (an undone move does not count).
    pub fn in_state_since(&self) -> Option<Timestamp> {
        effective_history(&self.history).last().map(|e| e.at)
    }

    /// The submission with `change` appended to its history: what a move would make of it.
    pub fn after(&self, change: StateChange) -> Submission {
        let mut s = self.clone();
        s.state = change.to;
        s.history.push(change);
        s
    }

    /// The escalation contact, when it is an email address Okta can write to (001: "an
    /// email distribution list").
    pub fn escalation_email(&self) -> Option<&str> {
        self.escalation_contact
            .as_deref()
            .map(str::trim)
            .filter(|c| is_email_address(c))
    }

    /// The text fuzzy search matches against.
    pub fn search_text(&self) -> String {
        search_text_of([
            Some(self.id.as_str()),
            Some(self.app_name.as_str()),
            Some(self.isv.as_str()),
            self.submitter_email.as_deref(),
            self.dev_org.as_deref(),
        ])
    }
}

/// A plain email address: one `@`, a local part, and a domain with a dot; no spaces, no
/// scheme (`mailto:`, `https:`), no phone number.
pub fn is_email_address(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let ok_chars = |t: &str| {
        !t.is_empty()
            && t.chars()
                .all(|c| c.is_alphanumeric() || "._%+-'".contains(c))
    };
    ok_chars(local)
        && !local.contains(':')
        && ok_chars(domain)
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
}

/// The search text from its parts: id, app, ISV, submitter, developer org.
pub fn search_text_of(parts: [Option<&str>; 5]) -> String {
    let mut t = String::with_capacity(96);
    push_search_text(&mut t, parts);
    t
}

/// Appends the search text of these parts to `text` (empty): the parts present, one space
/// between. Returns each part's byte range in it (empty, where it would be, when absent).
pub fn push_search_text(text: &mut String, parts: [Option<&str>; 5]) -> [(u32, u32); 5] {
    let mut ranges = [(0u32, 0u32); 5];
    for (k, part) in parts.into_iter().enumerate() {
        let Some(part) = part else {
            ranges[k] = (text.len() as u32, text.len() as u32);
            continue;
        };
        if !text.is_empty() {
            text.push(' ');
        }
        let start = text.len() as u32;
        text.push_str(part);
        ranges[k] = (start, text.len() as u32);
    }
    ranges
}
