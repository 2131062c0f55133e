//! The requirements lint: problems the console finds in a submission by itself, each with a
//! stable id, a severity, the sentence the ISV reads, and the seed document it comes from.

use super::freshness::TestReport;
use super::submission::{Protocol, Submission, SubmissionPath};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Blocker,
    Warning,
}

impl Severity {
    pub fn key(self) -> &'static str {
        match self {
            Severity::Blocker => "blocker",
            Severity::Warning => "warning",
        }
    }
}

/// One problem found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Stable rule id, e.g. `catalog.display_name_length`.
    pub rule: &'static str,
    pub severity: Severity,
    /// What is wrong and what to change, addressed to the ISV.
    pub message: String,
    /// The seed document the rule comes from.
    pub source: &'static str,
}

/// Thresholds and lists of the lint (`[lint]` in data/policy.toml).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LintPolicy {
    pub max_display_name: usize,
    pub max_logo_bytes: u64,
    pub logo_formats: Vec<String>,
    pub min_use_cases: usize,
    pub max_use_cases: usize,
    pub max_variables: usize,
    pub max_variable_name: usize,
    pub personal_mail_domains: Vec<String>,
    pub generic_mailboxes: Vec<String>,
    pub toll_free_prefixes: Vec<String>,
    pub preferred_test_username: String,
    pub max_submissions_per_org: usize,
    pub saml_signature: String,
}

impl Default for LintPolicy {
    fn default() -> Self {
        let strings = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        LintPolicy {
            max_display_name: 64,
            max_logo_bytes: 1_048_576,
            logo_formats: strings(&["png", "jpg", "jpeg", "gif"]),
            min_use_cases: 1,
            max_use_cases: 5,
            max_variables: 3,
            max_variable_name: 1024,
            personal_mail_domains: strings(&[
                "gmail.com",
                "googlemail.com",
                "outlook.com",
                "hotmail.com",
                "live.com",
                "msn.com",
                "yahoo.com",
                "icloud.com",
                "me.com",
                "aol.com",
                "proton.me",
                "protonmail.com",
                "gmx.com",
                "mail.com",
                "yandex.com",
                "zoho.com",
            ]),
            generic_mailboxes: strings(&[
                "support", "info", "help", "contact", "admin", "sales", "hello", "office",
                "noreply", "no-reply",
            ]),
            toll_free_prefixes: strings(&["800", "888", "877", "866", "855", "844", "833"]),
            preferred_test_username: "isvtest@okta.com".into(),
            max_submissions_per_org: 10,
            saml_signature: "sha256".into(),
        }
    }
}

/// What the lint knows besides the submission itself.
pub struct LintContext<'a> {
    pub policy: &'a LintPolicy,
    /// The submission's test evidence at the instant of the lint.
    pub tests: &'a TestReport,
    /// How many submissions in the queue come from the same developer org (itself included).
    pub org_submissions: usize,
}

fn blank(s: &Option<String>) -> bool {
    s.as_deref().is_none_or(|v| v.trim().is_empty())
}

fn domain_of(email: &str) -> Option<&str> {
    email.rsplit_once('@').map(|(_, d)| d.trim())
}

/// Whether a contact is a generic address (`support@…`) or a toll-free number (1-800).
fn is_generic(contact: &str, p: &LintPolicy) -> bool {
    let c = contact.trim().to_lowercase();
    if let Some((local, _)) = c.split_once('@') {
        return p.generic_mailboxes.iter().any(|g| local == g);
    }
    let digits: String = c.chars().filter(char::is_ascii_digit).collect();
    let national = digits.strip_prefix('1').unwrap_or(&digits);
    !digits.is_empty()
        && p.toll_free_prefixes
            .iter()
            .any(|pre| national.starts_with(pre.as_str()))
}

fn valid_variable_name(name: &str, max: usize) -> bool {
    let mut chars = name.chars();
    name.len() <= max
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Every rule's id, severity and source, for documentation and `lint --rules`.
pub const RULES: &[(&str, Severity, &str)] = &[
    ("catalog.display_name_missing", Severity::Blocker, "004"),
    ("catalog.display_name_length", Severity::Blocker, "004"),
    ("catalog.description_missing", Severity::Blocker, "001, 004"),
    ("catalog.logo_missing", Severity::Blocker, "001, 003, 004"),
    ("catalog.logo_format", Severity::Blocker, "001, 003, 004"),
    ("catalog.logo_size", Severity::Blocker, "001, 003, 004"),
    ("catalog.use_cases_count", Severity::Blocker, "001"),
    ("catalog.website_missing", Severity::Blocker, "001"),
    ("config.variables_count", Severity::Blocker, "004"),
    ("config.variable_incomplete", Severity::Blocker, "004"),
    ("config.variable_name", Severity::Blocker, "004"),
    (
        "support.public_contact_missing",
        Severity::Blocker,
        "001, 003",
    ),
    ("support.escalation_missing", Severity::Blocker, "001"),
    ("support.escalation_generic", Severity::Blocker, "001"),
    ("submitter.personal_email", Severity::Blocker, "004"),
    ("test_account.incomplete", Severity::Blocker, "001, 004"),
    (
        "test_account.username_not_preferred",
        Severity::Warning,
        "001, 004",
    ),
    ("docs.config_doc_missing", Severity::Blocker, "003"),
    ("sso.saml_signature", Severity::Blocker, "002"),
    ("sso.oidc_custom_auth_server", Severity::Blocker, "002"),
    ("protocol.swa_not_accepted", Severity::Blocker, "000, 004"),
    ("protocol.spa_via_wizard", Severity::Blocker, "000, 004"),
    ("tests.not_valid_at_submission", Severity::Blocker, "004"),
    ("scim.evidence_missing", Severity::Blocker, "004"),
    ("update.existing_app_missing", Severity::Blocker, "001"),
    ("update.change_summary_missing", Severity::Blocker, "001"),
    ("org.too_many_submissions", Severity::Blocker, "001"),
    ("tenancy.not_multi_tenant", Severity::Blocker, "003"),
];

fn rule(id: &'static str) -> (Severity, &'static str) {
    RULES
        .iter()
        .find(|(r, _, _)| *r == id)
        .map(|(_, s, src)| (*s, *src))
        .unwrap_or((Severity::Blocker, ""))
}

/// Lints one submission. Pure: everything it needs comes in `ctx`.
pub fn lint(s: &Submission, ctx: &LintContext) -> Vec<Finding> {
    let p = ctx.policy;
    let mut out = Vec::new();
    let mut add = |id: &'static str, message: String| {
        let (severity, source) = rule(id);
        out.push(Finding {
            rule: id,
            severity,
            message,
            source,
        });
    };
    let name_len = s.app_name.trim().chars().count();
    if name_len == 0 {
        add(
            "catalog.display_name_missing",
            "Add a display name for the integration.".into(),
        );
    } else if name_len > p.max_display_name {
        add(
            "catalog.display_name_length",
            format!(
                "Shorten the display name to at most {} characters; it has {name_len}.",
                p.max_display_name
            ),
        );
    }
    if blank(&s.description) {
        add(
            "catalog.description_missing",
            "Add a description of the integration for the OIN catalog.".into(),
        );
    }
    match &s.logo {
        None => add(
            "catalog.logo_missing",
            "Upload a logo (PNG, JPG or GIF, under 1 MB).".into(),
        ),
        Some(logo) => {
            let format = logo.format.trim().to_lowercase();
            if !p.logo_formats.contains(&format) {
                add(
                    "catalog.logo_format",
                    format!(
                        "Upload the logo as PNG, JPG or GIF; it is {}.",
                        format.to_uppercase()
                    ),
                );
            }
            if logo.bytes >= p.max_logo_bytes {
                add(
                    "catalog.logo_size",
                    format!(
                        "Make the logo file smaller than 1 MB; it is {:.1} MB.",
                        logo.bytes as f64 / 1_048_576.0
                    ),
                );
            }
        }
    }
    let uses = s.use_cases.iter().filter(|u| !u.trim().is_empty()).count();
    if uses < p.min_use_cases || uses > p.max_use_cases {
        add(
            "catalog.use_cases_count",
            format!(
                "Choose between {} and {} use cases; the submission has {uses}.",
                p.min_use_cases, p.max_use_cases
            ),
        );
    }
    if blank(&s.app_website) {
        add("catalog.website_missing", "Add the app's website.".into());
    }
    if s.integration_variables.len() > p.max_variables {
        add(
            "config.variables_count",
            format!(
                "Use at most {} integration variables; there are {}.",
                p.max_variables,
                s.integration_variables.len()
            ),
        );
    }
    for v in &s.integration_variables {
        if v.label.trim().is_empty() || v.name.trim().is_empty() {
            add(
                "config.variable_incomplete",
                format!(
                    "Give the integration variable \"{}\" both a label and a name.",
                    if v.name.trim().is_empty() {
                        &v.label
                    } else {
                        &v.name
                    }
                ),
            );
        } else if !valid_variable_name(&v.name, p.max_variable_name) {
            add(
                "config.variable_name",
                format!(
                    "Rename the integration variable \"{}\": start with a lowercase letter and use only lowercase letters, digits and underscores (at most {} characters).",
                    v.name, p.max_variable_name
                ),
            );
        }
    }
    if !s
        .support_contacts
        .iter()
        .any(|c| !c.value.trim().is_empty())
    {
        add(
            "support.public_contact_missing",
            "Add at least one public support contact (email, URL or phone).".into(),
        );
    }
    match s.escalation_contact.as_deref().map(str::trim) {
        None | Some("") => add(
            "support.escalation_missing",
            "Add an escalation contact: an email distribution list Okta can reach in an emergency."
                .into(),
        ),
        Some(c) if is_generic(c, p) => add(
            "support.escalation_generic",
            format!(
                "Replace the escalation contact \"{c}\" with a monitored distribution list; generic addresses and toll-free numbers are not accepted."
            ),
        ),
        Some(_) => {}
    }
    if let Some(domain) = s.submitter_email.as_deref().and_then(domain_of)
        && p.personal_mail_domains
            .iter()
            .any(|d| d.eq_ignore_ascii_case(domain))
    {
        add(
            "submitter.personal_email",
            format!("Submit from an email address on your company's domain, not {domain}."),
        );
    }
    let needs_account = !s
        .protocols
        .iter()
        .all(|p| matches!(p, Protocol::ApiService));
    match &s.test_account {
        None if needs_account => add(
            "test_account.incomplete",
            "Provide a test account: sign-in URL, username and password.".into(),
        ),
        None => {}
        Some(acct) => {
            let mut missing = Vec::new();
            if blank(&acct.url) {
                missing.push("sign-in URL");
            }
            if blank(&acct.username) {
                missing.push("username");
            }
            if acct.password.is_none() && !acct.password_set {
                missing.push("password");
            }
            if !missing.is_empty() {
                add(
                    "test_account.incomplete",
                    format!("Complete the test account: add the {}.", missing.join(", ")),
                );
            }
            if let Some(u) = acct.username.as_deref().filter(|u| !u.trim().is_empty())
                && !u.trim().eq_ignore_ascii_case(&p.preferred_test_username)
            {
                add(
                    "test_account.username_not_preferred",
                    format!(
                        "Consider using {} as the test account username.",
                        p.preferred_test_username
                    ),
                );
            }
        }
    }
    if blank(&s.config_doc_url) {
        add(
            "docs.config_doc_missing",
            "Add a customer configuration document (a link to your setup guide).".into(),
        );
    }
    if let Some(sso) = &s.sso {
        if s.has_protocol(Protocol::Saml)
            && sso
                .saml_signature
                .as_deref()
                .is_none_or(|sig| !sig.trim().eq_ignore_ascii_case(&p.saml_signature))
        {
            add(
                "sso.saml_signature",
                "Sign SAML responses with SHA-256; SHA-1 is not accepted.".into(),
            );
        }
        if s.has_protocol(Protocol::Oidc)
            && let Some(server) = sso
                .oidc_auth_server
                .as_deref()
                .filter(|v| !v.trim().is_empty())
        {
            add(
                "sso.oidc_custom_auth_server",
                format!(
                    "Use the org authorization server; custom authorization servers (here \"{server}\") are not supported for OIN integrations."
                ),
            );
        }
    }
    if s.has_protocol(Protocol::Swa) {
        add(
            "protocol.swa_not_accepted",
            "SWA integrations are no longer accepted; submit SAML or OIDC SSO instead.".into(),
        );
    }
    if s.has_protocol(Protocol::Spa) && s.path == SubmissionPath::Wizard {
        add(
            "protocol.spa_via_wizard",
            "Single-page apps cannot be submitted through the OIN Wizard; use a web app with a back end.".into(),
        );
    }
    if ctx.tests.valid_at_submission == Some(false) {
        let failing: Vec<String> = ctx
            .tests
            .required
            .iter()
            .map(|t| format!("{} {}", t.protocol.badge(), t.test_case.label()))
            .collect();
        add(
            "tests.not_valid_at_submission",
            format!(
                "Rerun every required test in the OIN Submission Tester ({}) and resubmit within 48 hours of the tests passing.",
                failing.join(", ")
            ),
        );
    }
    if let Some(scim) = &ctx.tests.scim {
        let mut missing = Vec::new();
        if !scim.spec_results {
            missing.push("a link to the Runscope SCIM spec-test results");
        }
        if !scim.crud_results {
            missing.push("a link to the Runscope CRUD-test results");
        }
        if !scim.manual_plan_certified {
            missing.push("the certification that the manual SCIM test plan passed");
        }
        if !missing.is_empty() {
            add(
                "scim.evidence_missing",
                format!("Provide {}.", missing.join(", and ")),
            );
        }
    }
    if let Some(existing) = &s.update_of {
        if existing.trim().is_empty() {
            add(
                "update.existing_app_missing",
                "Name the published OIN integration this submission updates.".into(),
            );
        }
        if blank(&s.change_summary) {
            add(
                "update.change_summary_missing",
                "Summarise what changed since the published version.".into(),
            );
        }
    }
    if ctx.org_submissions > p.max_submissions_per_org {
        add(
            "org.too_many_submissions",
            format!(
                "Your developer org has {} submissions; at most {} are allowed. Withdraw the ones you no longer need.",
                ctx.org_submissions, p.max_submissions_per_org
            ),
        );
    }
    if s.multi_tenant == Some(false) {
        add(
            "tenancy.not_multi_tenant",
            "Support multiple tenants: each customer needs its own instance with its own credentials.".into(),
        );
    }
    out.sort_by_key(|f| f.severity);
    out
}

/// How many submissions each developer org has in `subs`, for `org.too_many_submissions`.
pub fn org_counts<'a>(
    subs: impl Iterator<Item = &'a Submission>,
) -> std::collections::HashMap<String, usize> {
    let mut counts = std::collections::HashMap::new();
    for s in subs {
        if let Some(org) = s
            .dev_org
            .as_deref()
            .map(str::trim)
            .filter(|o| !o.is_empty())
        {
            *counts.entry(org.to_lowercase()).or_insert(0) += 1;
        }
    }
    counts
}

/// The count for one submission's org from `org_counts`.
pub fn org_count(counts: &std::collections::HashMap<String, usize>, s: &Submission) -> usize {
    s.dev_org
        .as_deref()
        .and_then(|o| counts.get(&o.trim().to_lowercase()))
        .copied()
        .unwrap_or(1)
}
