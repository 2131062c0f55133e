//! The requirements lint: a clean submission passes, and each rule fires on its own breach.

mod common;

use common::{Sandbox, submission_json};
use oin_review::domain::freshness::ScimStatus;
use oin_review::domain::lint::{LintContext, QueueFacts, RULES, lint};
use oin_review::domain::{
    ContactKind, Finding, Freshness, IntegrationVariable, LintPolicy, Logo, Protocol, Secret,
    Severity, SsoSettings, Submission, SubmissionPath, SupportContact, TestAccount, TestReport,
};
use oin_review::exchange::parse_submissions;
use serde_json::json;

fn clean() -> Submission {
    let mut s = parse_submissions(
        "t.json",
        json!([submission_json("L-1", "initial_review")])
            .to_string()
            .as_bytes(),
    )
    .unwrap()
    .remove(0);
    s.app_name = "Acme Expense".into();
    s.app_website = Some("https://acme.example".into());
    s.submitter_email = Some("jane@acme.example".into());
    s.dev_org = Some("dev-1.okta.com".into());
    s.description = Some("Expenses.".into());
    s.use_cases = vec!["Single Sign-On".into()];
    s.logo = Some(Logo {
        file: "a.png".into(),
        format: "png".into(),
        bytes: 50_000,
    });
    s.integration_variables = vec![IntegrationVariable {
        label: "Subdomain".into(),
        name: "sub_domain2".into(),
    }];
    s.support_contacts = vec![SupportContact {
        kind: ContactKind::Email,
        value: "help@acme.example".into(),
    }];
    s.escalation_contact = Some("okta-escalations@acme.example".into());
    s.test_account = Some(TestAccount {
        url: Some("https://acme.example/login".into()),
        username: Some("isvtest@okta.com".into()),
        password: Some(Secret::new("pw")),
        password_set: true,
    });
    s.config_doc_url = Some("https://acme.example/docs".into());
    s.multi_tenant = Some(true);
    s.protocols = vec![Protocol::Saml];
    s.sso = Some(SsoSettings {
        idp_flow: true,
        sp_flow: false,
        jit: false,
        saml_signature: Some("sha256".into()),
        oidc_auth_server: None,
    });
    s
}

fn report(valid: Option<bool>, scim: Option<ScimStatus>) -> TestReport {
    TestReport {
        required: Vec::new(),
        overall: Some(Freshness::Fresh),
        submitted_at: None,
        valid_at_submission: valid,
        scim,
    }
}

fn run(s: &Submission, tests: &TestReport, org: usize) -> Vec<Finding> {
    lint(
        s,
        &LintContext {
            policy: &LintPolicy::default(),
            tests,
            facts: &QueueFacts {
                org_limit_count: org,
                published_dev_org: None,
            },
        },
    )
}

fn rules(s: &Submission) -> Vec<&'static str> {
    run(s, &report(Some(true), None), 1)
        .iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn a_clean_submission_has_no_findings() {
    assert_eq!(rules(&clean()), Vec::<&str>::new());
}

#[test]
fn each_rule_fires_on_its_breach_alone() {
    type Breach = (&'static str, fn(&mut Submission));
    let cases: &[Breach] = &[
        ("catalog.display_name_missing", |s| s.app_name = "  ".into()),
        ("catalog.display_name_length", |s| {
            s.app_name = "x".repeat(65)
        }),
        ("catalog.description_missing", |s| s.description = None),
        ("catalog.logo_missing", |s| s.logo = None),
        ("catalog.logo_format", |s| {
            s.logo.as_mut().unwrap().format = "svg".into()
        }),
        ("catalog.logo_size", |s| {
            s.logo.as_mut().unwrap().bytes = 1_048_576
        }),
        // Use cases and the website are OIN Manager fields (001:73, 001:71).
        ("catalog.use_cases_count", |s| {
            s.path = SubmissionPath::Manager;
            s.use_cases.clear()
        }),
        ("catalog.website_missing", |s| {
            s.path = SubmissionPath::Manager;
            s.app_website = None
        }),
        ("config.variables_count", |s| {
            for n in ["a", "b", "c"] {
                s.integration_variables.push(IntegrationVariable {
                    label: n.into(),
                    name: n.into(),
                })
            }
        }),
        ("config.variable_incomplete", |s| {
            s.integration_variables[0].label.clear()
        }),
        ("config.variable_name", |s| {
            s.integration_variables[0].name = "Sub-Domain".into()
        }),
        ("support.public_contact_missing", |s| {
            s.support_contacts.clear()
        }),
        ("support.escalation_missing", |s| {
            s.escalation_contact = None
        }),
        ("support.escalation_generic", |s| {
            s.escalation_contact = Some("support@acme.example".into())
        }),
        ("submitter.personal_email", |s| {
            s.submitter_email = Some("jane.doe@gmail.com".into())
        }),
        ("test_account.incomplete", |s| {
            s.test_account.as_mut().unwrap().url = None
        }),
        ("test_account.username_not_preferred", |s| {
            s.test_account.as_mut().unwrap().username = Some("qa@acme.example".into())
        }),
        ("docs.config_doc_missing", |s| s.config_doc_url = None),
        ("sso.saml_signature", |s| {
            s.sso.as_mut().unwrap().saml_signature = Some("sha1".into())
        }),
        ("sso.oidc_custom_auth_server", |s| {
            s.protocols = vec![Protocol::Oidc];
            s.sso.as_mut().unwrap().oidc_auth_server = Some("default".into());
        }),
        ("protocol.swa_not_accepted", |s| {
            s.protocols.push(Protocol::Swa)
        }),
        ("protocol.spa_via_wizard", |s| {
            s.protocols.push(Protocol::Spa)
        }),
        ("update.existing_app_missing", |s| {
            s.update_of = Some(String::new());
            s.change_summary = Some("New logo".into());
        }),
        ("update.change_summary_missing", |s| {
            s.update_of = Some("Acme Old".into())
        }),
        ("tenancy.not_multi_tenant", |s| s.multi_tenant = Some(false)),
    ];
    for (rule, breach) in cases {
        let mut s = clean();
        breach(&mut s);
        assert_eq!(rules(&s), vec![*rule], "breaking {rule}");
    }
    // The same SPA through the OIN Manager is not refused by that rule.
    let mut s = clean();
    s.protocols.push(Protocol::Spa);
    s.path = SubmissionPath::Manager;
    assert!(rules(&s).is_empty());
    // A toll-free escalation number is generic (001:83 "a 1-800 number"); any other number
    // is not an email address (001:83 "an email distribution list").
    let mut s = clean();
    s.escalation_contact = Some("+1 (888) 555-0100".into());
    assert_eq!(rules(&s), vec!["support.escalation_generic"]);
    s.escalation_contact = Some("+1 415 555 0100".into());
    assert_eq!(rules(&s), vec!["support.escalation_not_email"]);
}

#[test]
fn rules_that_need_context() {
    let s = clean();
    let fired = |tests: &TestReport, org: usize| -> Vec<&'static str> {
        run(&s, tests, org).iter().map(|f| f.rule).collect()
    };
    assert_eq!(
        fired(&report(Some(false), None), 1),
        vec!["tests.not_valid_at_submission"]
    );
    assert!(
        fired(&report(None, None), 1).is_empty(),
        "not submitted yet: nothing to say"
    );
    let scim = ScimStatus {
        spec_results: true,
        crud_results: false,
        manual_plan_certified: false,
    };
    let f = run(&s, &report(Some(true), Some(scim)), 1);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].rule, "scim.evidence_missing");
    assert!(
        f[0].message.contains("CRUD-test results")
            && f[0].message.contains("manual SCIM test plan"),
        "{}",
        f[0].message
    );
    assert!(!f[0].message.contains("spec-test"));
    // The org limit is the OIN Manager's (001:136): it applies to Manager submissions.
    assert!(fired(&report(Some(true), None), 11).is_empty());
    let mut m = clean();
    m.path = SubmissionPath::Manager;
    let fired_m = |org: usize| -> Vec<&'static str> {
        run(&m, &report(Some(true), None), org)
            .iter()
            .map(|f| f.rule)
            .collect()
    };
    assert_eq!(fired_m(11), vec!["org.too_many_submissions"]);
    assert!(fired_m(10).is_empty());
}

#[test]
fn every_rule_has_a_severity_a_source_and_blockers_come_first() {
    assert_eq!(RULES.len(), 34);
    for (id, _, source) in RULES {
        assert!(id.contains('.') && !source.is_empty(), "{id}");
    }
    let mut s = clean();
    s.test_account.as_mut().unwrap().username = Some("qa@acme.example".into());
    s.description = None;
    let f = run(&s, &report(Some(true), None), 1);
    assert_eq!(
        f.iter().map(|f| f.severity).collect::<Vec<_>>(),
        vec![Severity::Blocker, Severity::Warning]
    );
}

#[test]
fn lint_cli_and_the_samples_break_every_rule() {
    let sb = Sandbox::new();
    sb.import_samples();
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["lint", "--all", "--format", "json"])).unwrap();
    let mut seen: Vec<&str> = all
        .iter()
        .flat_map(|l| {
            l["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["rule"].as_str().unwrap())
        })
        .collect();
    seen.sort();
    seen.dedup();
    // All but the org limit, which takes eleven unpublished OIN Manager submissions of one
    // developer org (tests/rules.rs builds such a queue).
    let unbroken: Vec<&str> = RULES
        .iter()
        .map(|r| r.0)
        .filter(|r| !seen.contains(r))
        .collect();
    assert_eq!(
        unbroken,
        vec!["org.too_many_submissions"],
        "samples break every rule: {seen:?}"
    );
    let text = sb.ok(&["lint", "OIN-2026-0102"]);
    assert!(
        text.contains("OIN-2026-0102  Ledgerline Payroll: "),
        "{text}"
    );
    assert!(text.contains("[blocker] Sign SAML responses with SHA-256; SHA-1 is not accepted.  (sso.saml_signature; source 002)"), "{text}");
    // An unknown id is refused, saying which id, in which queue, and how to find ids.
    let out = sb.run(&["lint", "NOPE"]);
    let (stdout, stderr) = common::text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert_eq!(stdout, "", "nothing is linted");
    assert_eq!(
        stderr,
        format!(
            "oin-review: lint: no submission \"NOPE\" in {}; `oin-review list --query TEXT` finds ids\n",
            sb.db().display()
        )
    );
}
