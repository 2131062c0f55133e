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

/// Through the OIN Manager, as an API service (no SSO, which the Manager no longer takes).
fn manager(s: &mut Submission) {
    s.path = SubmissionPath::Manager;
    s.protocols = vec![Protocol::ApiService];
}

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
        // Use cases and the website are OIN Manager fields (001:73, 001:71); through the
        // Manager an SSO protocol is a finding of its own, so these are API services.
        ("catalog.use_cases_count", |s| {
            manager(s);
            s.use_cases.clear()
        }),
        ("catalog.website_missing", |s| {
            manager(s);
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
        // Public support contacts and the change summary are OIN Manager fields (001:80,
        // 001:67).
        ("support.public_contact_missing", |s| {
            manager(s);
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
            manager(s);
            s.update_of = Some("Acme Old".into())
        }),
        // 000:13, 004:544: SSO goes through the OIN Wizard.
        ("protocol.sso_via_manager", |s| {
            s.path = SubmissionPath::Manager
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
    manager(&mut s);
    s.protocols.push(Protocol::Spa);
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
    manager(&mut m);
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
    assert_eq!(RULES.len(), 37);
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
    assert!(text.contains("[blocker] Sign SAML responses with SHA-256; the submission declares SHA-1.  (sso.saml_signature; source 002)"), "{text}");
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

#[test]
fn manager_only_fields_are_checked_only_on_manager_submissions() {
    // 001:80 "Support contacts: Include one or more public contact points" and 001:67 "What
    // changes are you making to the existing OIN integration?" are questions of the OIN
    // Manager's form; the Wizard asks for a support contact Okta uses (004:156) instead.
    let sb = common::Sandbox::new();
    let mut wizard = common::passing_json("W1", &common::days_ago(1).to_string());
    wizard["support_contacts"] = serde_json::json!([]);
    wizard["update_of"] = serde_json::json!("Good W1 legacy");
    let mut manager = wizard.clone();
    manager["id"] = serde_json::json!("M1");
    manager["path"] = serde_json::json!("manager");
    sb.import_values(&[wizard, manager]);
    let rules = |id: &str| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(&sb.ok(&["lint", id, "--format", "json"])).unwrap();
        v[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    let w = rules("W1");
    assert!(
        !w.iter()
            .any(|r| r == "support.public_contact_missing" || r == "update.change_summary_missing"),
        "{w:?}"
    );
    let m = rules("M1");
    assert!(
        m.iter().any(|r| r == "support.public_contact_missing"),
        "{m:?}"
    );
    assert!(
        m.iter().any(|r| r == "update.change_summary_missing"),
        "{m:?}"
    );
}

#[test]
fn the_signature_finding_names_what_was_found_and_an_existing_swa_app_can_be_updated() {
    // 002:20 "SAML integrations must use SHA256 encryption for security."
    let sb = common::Sandbox::new();
    let mut sha512 = common::passing_json("S512", &common::days_ago(1).to_string());
    sha512["sso"]["saml_signature"] = json!("sha512");
    // 000:94 "SWA app integrations are no longer accepted for publication in the OIN
    // catalog. However, the OIN team still maintains existing SWA apps."
    let mut swa_update = common::passing_json("SWAU", &common::days_ago(1).to_string());
    swa_update["path"] = json!("manager");
    swa_update["protocols"] = json!(["swa"]);
    swa_update["update_of"] = json!("Good SWA app");
    swa_update["change_summary"] = json!("New logo.");
    let mut swa_new = swa_update.clone();
    swa_new["id"] = json!("SWAN");
    swa_new["update_of"] = serde_json::Value::Null;
    sb.import_values(&[sha512, swa_update, swa_new]);
    let text = sb.ok(&["lint", "S512"]);
    assert!(
        text.contains(
            "[blocker] Sign SAML responses with SHA-256; the submission declares SHA-512."
        ),
        "{text}"
    );
    let rules = |id: &str| -> Vec<String> {
        let v: serde_json::Value =
            serde_json::from_str(&sb.ok(&["lint", id, "--format", "json"])).unwrap();
        v[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!rules("SWAU").contains(&"protocol.swa_not_accepted".to_string()));
    assert!(rules("SWAN").contains(&"protocol.swa_not_accepted".to_string()));
}

#[test]
fn the_whole_form_testing_instructions_certification_and_instances_is_held_shown_and_checked() {
    let sb = common::Sandbox::new();
    let at = common::days_ago(1).to_string();
    // 004:157 "Testing instructions Include any other information that you think the OIN
    // analyst needs to know about your integration (such as the admin account or the
    // testing configuration)."
    let mut told = common::passing_json("TI", &at);
    told["testing_instructions"] =
        json!("Admin: isvtest@okta.com.\nAdd users under Settings > Team.");
    told["tests_certified"] = json!(true);
    told["test_instances"] = json!([{"name": "good-dev", "protocols": ["saml"]}]);
    // 004:638 "Select I certify that I have successfully completed required tests."
    let mut uncertified = common::passing_json("NC", &at);
    uncertified["tests_certified"] = json!(false);
    // 004:622-623 "All required instances are detected. All required instances are
    // active."; 004:248-249 an update needs the CURRENT and the PUBLISHED VERSION's.
    let mut update = common::passing_json("UP", &at);
    update["update_of"] = json!("Good UP legacy");
    update["test_instances"] = json!([{"name": "up-now", "protocols": ["saml"], "active": false}]);
    // 004:257 "An instance is ineligible if it was generated from a previous version of the
    // integration submission and you later made edits to the submission."
    let mut stale = common::passing_json("ST", &at);
    stale["test_instances"] =
        json!([{"name": "good-dev", "protocols": ["saml"], "eligible": false}]);
    // 004:188 "The OIN Submission Tester can only test one protocol at a time."
    let mut two = common::passing_json("TW", &at);
    two["protocols"] = json!(["saml", "oidc"]);
    two["test_instances"] = json!([{"name": "both", "protocols": ["saml", "oidc"]}]);
    sb.import_values(&[told, uncertified, update, stale, two]);

    let shown = sb.ok(&["show", "TI"]);
    assert!(
        shown.contains(
            "  testing instructions\n    Admin: isvtest@okta.com.\n    Add users under Settings > Team.\n"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("  tests certified   yes (\"I certify that I have successfully completed required tests\")\n"),
        "{shown}"
    );
    assert!(
        shown.contains("  test instances    1 (1 active of the 5 a Developer Edition org allows)\n    - good-dev  SAML  current version  active, eligible\n"),
        "{shown}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "TI", "--format", "json"])).unwrap();
    assert_eq!(
        v["testing_instructions"],
        "Admin: isvtest@okta.com.\nAdd users under Settings > Team."
    );
    assert_eq!(v["tests_certified"], true);
    assert_eq!(
        v["test_instances"],
        json!([{"name": "good-dev", "protocols": ["saml"], "version": "current", "active": true, "eligible": true}])
    );

    let findings = |id: &str| -> Vec<(String, String)> {
        let v: serde_json::Value =
            serde_json::from_str(&sb.ok(&["lint", id, "--format", "json"])).unwrap();
        v[0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["message"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(findings("TI"), vec![], "a whole, certified form is clean");
    assert_eq!(
        findings("NC"),
        vec![(
            "tests.not_certified".to_string(),
            "Certify that you completed the required tests (\"I certify that I have successfully completed required tests\" in the OIN Wizard) when you submit.".to_string()
        )]
    );
    let up = findings("UP");
    assert!(
        up.contains(&(
            "tests.instances".to_string(),
            "Fix your test instances in the OIN Wizard, then rerun the required tests on them: the SAML instance of the current version, up-now, is inactive (activate it); the SAML instance of the published version is missing (generate it).".to_string()
        )),
        "{up:?}"
    );
    // Results from the ineligible instance no longer count: the test is missing again.
    let st = findings("ST");
    assert!(
        st.contains(&(
            "tests.instances".to_string(),
            "Fix your test instances in the OIN Wizard, then rerun the required tests on them: the SAML instance of the current version, good-dev, was generated before later edits and is ineligible (generate a new one).".to_string()
        )),
        "{st:?}"
    );
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "ST", "--format", "json"])).unwrap();
    assert_eq!(v["tests"]["required"][0]["status"], "missing", "{v}");
    let tw = findings("TW");
    assert!(
        tw.iter().any(|(rule, m)| rule == "tests.instances"
            && m.contains("both tests two SSO protocols, and the OIN Submission Tester tests one at a time (generate one instance for each)")),
        "{tw:?}"
    );
    // A file without the form's new parts says nothing about them: not recorded.
    let plain = sb.ok(&["show", "NC"]);
    assert!(
        plain.contains("  test instances    not listed\n"),
        "{plain}"
    );
}
