//! The requirements lint: problems the console finds in a submission by itself, each with a
//! stable id, a severity, the sentence the ISV reads, and the seed document it comes from.

use super::freshness::TestReport;
pub use super::records::Severity;
use super::state::ReviewState;
use super::submission::{ContactKind, Protocol, Submission, SubmissionPath, is_email_address};
use serde::{Deserialize, Serialize};

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

/// What the queue knows about a submission's neighbours, for the rules that compare.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFacts {
    /// The developer org's submissions that count toward its limit (itself included): see
    /// [`counts_toward_org_limit`].
    pub org_limit_count: usize,
    /// The developer org of the published submission of the app this one updates, when
    /// the queue holds it.
    pub published_dev_org: Option<String>,
}

/// Whether a submission counts toward its developer org's limit of 10. 001: "a maximum of
/// 10 submissions for any development org in the OIN Manager", and a draft is deleted to
/// make room ("You have 10 draft submissions, which is the maximum number permitted"), while
/// only Okta can remove a published one: so the OIN Manager's unpublished submissions count
/// (a team decision, README "Rules").
pub fn counts_toward_org_limit(path: SubmissionPath, state: ReviewState) -> bool {
    path == SubmissionPath::Manager && state != ReviewState::Published
}

/// A developer org as compared across submissions: spaces trimmed, ASCII case ignored (as
/// SQLite's `lower(trim(..))` compares them).
pub fn org_key(org: Option<&str>) -> Option<String> {
    org.map(|o| o.trim_matches(' '))
        .filter(|o| !o.is_empty())
        .map(str::to_ascii_lowercase)
}

/// An app name as an update's `update_of` is matched against published submissions.
pub fn app_key(name: &str) -> String {
    name.trim_matches(' ').to_ascii_lowercase()
}

/// The facts of every submission in `subs`, in one pass over them (the console's queue).
pub fn queue_facts(subs: &[&Submission]) -> Vec<QueueFacts> {
    use std::collections::HashMap;
    let mut orgs: HashMap<String, usize> = HashMap::new();
    let mut published: HashMap<String, String> = HashMap::new();
    for s in subs {
        if let Some(org) = org_key(s.dev_org.as_deref()) {
            if counts_toward_org_limit(s.path, s.state) {
                *orgs.entry(org.clone()).or_insert(0) += 1;
            }
            if s.state == ReviewState::Published {
                published.insert(app_key(&s.app_name), org);
            }
        }
    }
    subs.iter()
        .map(|s| QueueFacts {
            org_limit_count: org_key(s.dev_org.as_deref())
                .and_then(|o| orgs.get(&o).copied())
                .unwrap_or(0)
                .max(1),
            published_dev_org: s
                .update_of
                .as_deref()
                .and_then(|a| published.get(&app_key(a)).cloned()),
        })
        .collect()
}

/// What the lint knows besides the submission itself.
pub struct LintContext<'a> {
    pub policy: &'a LintPolicy,
    /// The submission's test evidence at the instant of the lint.
    pub tests: &'a TestReport,
    pub facts: &'a QueueFacts,
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

/// 004: "Use alphanumeric lowercase and underscore characters for the variable name field.
/// The first character must be a letter"; a migrated published integration may also use
/// uppercase letters.
fn valid_variable_name(name: &str, max: usize, uppercase: bool) -> bool {
    let letter = |c: char| c.is_ascii_lowercase() || (uppercase && c.is_ascii_uppercase());
    let mut chars = name.chars();
    name.len() <= max
        && chars.next().is_some_and(letter)
        && chars.all(|c| letter(c) || c.is_ascii_digit() || c == '_')
}

/// A signature algorithm in any spelling: `SHA-256`, `sha256`, `RSA-SHA256` all read `sha256`.
fn algorithm(s: &str) -> String {
    let t: String = s
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    t.strip_prefix("rsa").map(str::to_string).unwrap_or(t)
}

/// The URLs the submission gives, with what they are, for the Wizard's https rule.
fn urls(s: &Submission) -> Vec<(&'static str, &str)> {
    let mut all: Vec<(&'static str, Option<&str>)> = vec![
        ("app website", s.app_website.as_deref()),
        ("configuration document", s.config_doc_url.as_deref()),
        (
            "test account URL",
            s.test_account.as_ref().and_then(|a| a.url.as_deref()),
        ),
    ];
    for c in s
        .support_contacts
        .iter()
        .filter(|c| c.kind == ContactKind::Url)
    {
        all.push(("support URL", Some(c.value.as_str())));
    }
    if let Some(scim) = &s.scim {
        all.push(("SCIM spec-test results", scim.spec_results_url.as_deref()));
        all.push(("SCIM CRUD-test results", scim.crud_results_url.as_deref()));
    }
    all.into_iter()
        .filter_map(|(what, v)| Some((what, v.map(str::trim).filter(|v| !v.is_empty())?)))
        .collect()
}

/// What is wrong with the test instances a Wizard submission lists (004): each protocol
/// needs an active, eligible instance of the current version, and of the published
/// version too for an update ("All required instances are detected. All required instances
/// are active", 004:622-623; "Required app instances", 004:246-249). One instance tests one
/// SSO protocol (004:188); SSO and SCIM share one only without JIT (004:191-195).
fn instance_problems(s: &Submission) -> Vec<String> {
    use super::records::InstanceVersion;
    let versions: &[InstanceVersion] = if s.is_update() {
        &[InstanceVersion::Current, InstanceVersion::Published]
    } else {
        &[InstanceVersion::Current]
    };
    let version_words = |v: InstanceVersion| match v {
        InstanceVersion::Current => "current version",
        InstanceVersion::Published => "published version",
    };
    let mut problems = Vec::new();
    let tested = s
        .protocols
        .iter()
        .filter(|p| p.is_sso() || **p == Protocol::Scim);
    for p in tested {
        for &v in versions {
            let of: Vec<_> = s
                .test_instances
                .iter()
                .filter(|i| i.version == v && i.protocols.contains(p))
                .collect();
            let what = format!("the {} instance of the {}", p.badge(), version_words(v));
            if of.iter().any(|i| i.active && i.eligible) {
                continue;
            }
            problems.push(match of.first() {
                None => format!("{what} is missing (generate it)"),
                Some(i) if !i.eligible => format!(
                    "{what}, {}, was generated before later edits and is ineligible (generate a new one)",
                    i.name
                ),
                Some(i) => format!("{what}, {}, is inactive (activate it)", i.name),
            });
        }
    }
    let jit = s.sso.as_ref().is_some_and(|sso| sso.jit);
    for i in &s.test_instances {
        let sso = i.protocols.iter().filter(|p| p.is_sso()).count();
        if sso > 1 {
            problems.push(format!(
                "{} tests two SSO protocols, and the OIN Submission Tester tests one at a time (generate one instance for each)",
                i.name
            ));
        } else if sso == 1 && i.protocols.contains(&Protocol::Scim) && jit {
            problems.push(format!(
                "{} tests SSO and SCIM together, which needs an integration without SSO JIT (generate one instance for each)",
                i.name
            ));
        }
    }
    problems
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
    ("support.escalation_not_email", Severity::Blocker, "001"),
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
    ("protocol.manager_only", Severity::Blocker, "000"),
    ("protocol.sso_via_manager", Severity::Blocker, "000, 004"),
    ("protocol.private_only", Severity::Blocker, "002"),
    ("urls.https_required", Severity::Blocker, "004"),
    ("tests.not_valid_at_submission", Severity::Blocker, "004"),
    ("tests.not_certified", Severity::Blocker, "004"),
    ("tests.instances", Severity::Blocker, "004"),
    ("scim.evidence_missing", Severity::Blocker, "004"),
    ("scim.import_users_untested", Severity::Blocker, "004"),
    ("update.existing_app_missing", Severity::Blocker, "001"),
    ("update.change_summary_missing", Severity::Blocker, "001"),
    ("update.wrong_dev_org", Severity::Blocker, "001"),
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
    // Use cases and the app website are fields of the OIN Manager's form (001, "Configure
    // general settings"); the Wizard's catalog properties are name, description and logo (004).
    let manager = s.path == SubmissionPath::Manager;
    let uses = s.use_cases.iter().filter(|u| !u.trim().is_empty()).count();
    if manager && (uses < p.min_use_cases || uses > p.max_use_cases) {
        add(
            "catalog.use_cases_count",
            format!(
                "Choose between {} and {} use cases; the submission has {uses}.",
                p.min_use_cases, p.max_use_cases
            ),
        );
    }
    if manager && blank(&s.app_website) {
        add("catalog.website_missing", "Add the app's website.".into());
    }
    // 004: migrated published integrations "can have more than three integration variables",
    // "variable names with uppercase letters" and "http (instead of enforced https)".
    let migrated = s.migrated_from_manager && s.is_update();
    if !migrated && s.integration_variables.len() > p.max_variables {
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
        } else if !valid_variable_name(&v.name, p.max_variable_name, migrated) {
            add(
                "config.variable_name",
                format!(
                    "Rename the integration variable \"{}\": start with a lowercase letter and use only lowercase letters, digits and underscores (at most {} characters).",
                    v.name, p.max_variable_name
                ),
            );
        }
    }
    // Public support contacts are a field of the OIN Manager's form (001); the Wizard asks
    // only for the escalation contact (004:156), checked below for both paths.
    if manager
        && !s
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
        Some(c) if !is_email_address(c) && !is_generic(c, p) => add(
            "support.escalation_not_email",
            format!(
                "Give an email distribution list as the escalation contact; \"{c}\" is not an email address."
            ),
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
    let sso = s.sso.clone().unwrap_or_default();
    {
        // Without SSO settings the algorithm is unknown, which is not SHA-256 either.
        if s.has_protocol(Protocol::Saml)
            && sso
                .saml_signature
                .as_deref()
                .is_none_or(|sig| algorithm(sig) != algorithm(&p.saml_signature))
        {
            // The message names what was found (002: SHA-256 is the one accepted).
            let found = match sso.saml_signature.as_deref().map(str::trim) {
                Some(sig) if !sig.is_empty() => {
                    let a = algorithm(sig);
                    match a.strip_prefix("sha") {
                        Some(bits)
                            if !bits.is_empty() && bits.chars().all(|c| c.is_ascii_digit()) =>
                        {
                            format!("the submission declares SHA-{bits}")
                        }
                        _ => format!("the submission declares {sig}"),
                    }
                }
                _ => "the submission declares no signature algorithm".to_string(),
            };
            add(
                "sso.saml_signature",
                format!("Sign SAML responses with SHA-256; {found}."),
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
    // 000:94 "SWA app integrations are no longer accepted for publication in the OIN
    // catalog. However, the OIN team still maintains existing SWA apps.": an update of one
    // is not refused.
    if s.has_protocol(Protocol::Swa) && !s.is_update() {
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
    if s.path == SubmissionPath::Wizard
        && let Some(p) = s.protocols.iter().find(|p| p.manager_only())
    {
        add(
            "protocol.manager_only",
            format!(
                "Submit the {} integration through the OIN Manager; the OIN Wizard takes SSO and SCIM integrations only.",
                match p {
                    Protocol::Workflows => "Workflows connector",
                    _ => "API service",
                }
            ),
        );
    }
    // 000:13 SSO integrations are submitted "with the new OIN Wizard"; 004:544 "All SSO
    // integrations published from the OIN Manager have been migrated to the OIN Wizard".
    let sso: Vec<&str> = s
        .protocols
        .iter()
        .filter(|p| p.is_sso())
        .map(|p| p.badge())
        .collect();
    if s.path == SubmissionPath::Manager && !sso.is_empty() {
        add(
            "protocol.sso_via_manager",
            format!(
                "Submit the {} integration through the OIN Wizard (Admin Console > Applications > Your OIN Integrations); SSO integrations are no longer submitted in the OIN Manager.",
                sso.join(" and ")
            ),
        );
    }
    let private = s.private_only_features();
    if !private.is_empty() {
        add(
            "protocol.private_only",
            format!(
                "An integration that uses {} can only be a private integration, not one in the OIN catalog: the OIN team creates an internal-only integration for it, which is not published to the catalog.",
                private.join(" and ")
            ),
        );
    }
    if s.path == SubmissionPath::Wizard && !migrated {
        let http: Vec<String> = urls(s)
            .into_iter()
            .filter(|(_, u)| {
                u.get(..7)
                    .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"))
            })
            .map(|(what, u)| format!("{what} {u}"))
            .collect();
        if !http.is_empty() {
            add(
                "urls.https_required",
                format!("Use https for every URL: {}.", http.join(", ")),
            );
        }
    }
    let stale: Vec<String> = ctx
        .tests
        .required
        .iter()
        .filter(|t| t.valid_at_submission == Some(false))
        .map(|t| t.label(s.is_update()))
        .collect();
    // The Submission Tester is the OIN Wizard's (004): a Manager SSO submission is told to
    // use the Wizard instead (protocol.sso_via_manager), not to run the Wizard's tests.
    if ctx.tests.valid_at_submission == Some(false) && s.path == SubmissionPath::Wizard {
        add(
            "tests.not_valid_at_submission",
            format!(
                "Rerun these tests in the OIN Submission Tester ({}) and resubmit within 48 hours of them passing; results from before an instance was edited no longer count.",
                stale.join(", ")
            ),
        );
    }
    // 004:638 "Select I certify that I have successfully completed required tests", the
    // OIN Wizard's last step before "Submit integration".
    if s.path == SubmissionPath::Wizard && s.tests_certified == Some(false) {
        add(
            "tests.not_certified",
            "Certify that you completed the required tests (\"I certify that I have successfully completed required tests\" in the OIN Wizard) when you submit.".to_string(),
        );
    }
    if s.path == SubmissionPath::Wizard && !s.test_instances.is_empty() {
        let problems = instance_problems(s);
        if !problems.is_empty() {
            add(
                "tests.instances",
                format!(
                    "Fix your test instances in the OIN Wizard, then rerun the required tests on them: {}.",
                    problems.join("; ")
                ),
            );
        }
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
    if migrated && let Some(scim) = s.scim.as_ref().filter(|_| s.has_protocol(Protocol::Scim)) {
        let mut untested = Vec::new();
        if !scim.import_users_tested {
            untested.push("Import users");
        }
        if scim.groups_managed && !scim.import_groups_tested {
            untested.push("Import groups");
        }
        if !untested.is_empty() {
            add(
                "scim.import_users_untested",
                format!(
                    "Support and test {}: the OIN Wizard enables it for an edited SCIM integration migrated from the OIN Manager.",
                    untested.join(" and ")
                ),
            );
        }
    }
    if let Some(existing) = &s.update_of {
        if let (Some(original), Some(org)) = (
            ctx.facts.published_dev_org.as_deref(),
            org_key(s.dev_org.as_deref()),
        ) && original != org
        {
            add(
                "update.wrong_dev_org",
                format!(
                    "Submit the update from the developer org of the original submission ({original}); updates from another org ({org}) are rejected."
                ),
            );
        }
        if existing.trim().is_empty() {
            add(
                "update.existing_app_missing",
                "Name the published OIN integration this submission updates.".into(),
            );
        }
        // The change summary is a question of the OIN Manager's form (001:67).
        if manager && blank(&s.change_summary) {
            add(
                "update.change_summary_missing",
                "Summarise what changed since the published version.".into(),
            );
        }
    }
    if manager && ctx.facts.org_limit_count > p.max_submissions_per_org {
        add(
            "org.too_many_submissions",
            format!(
                "Your developer org has {} unpublished submissions in the OIN Manager; at most {} are allowed. Delete the drafts you no longer need.",
                ctx.facts.org_limit_count, p.max_submissions_per_org
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
