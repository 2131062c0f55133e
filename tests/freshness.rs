//! Test-result freshness: required tests, the 48 h window, status at the edges, import.

mod common;

use common::{Sandbox, submission_json, text};
use jiff::Timestamp;
use oin_review::domain::freshness::{InstanceVersion, assess, required_tests};
use oin_review::domain::{
    Freshness, FreshnessPolicy, Protocol, ReviewState, SsoSettings, StateChange, Submission,
    TestCase, TestOutcome, TestRun,
};
use oin_review::exchange::parse_submissions;
use serde_json::json;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn sso_sub(idp: bool, sp: bool, jit: bool) -> Submission {
    let mut s = parse_submissions(
        "t.json",
        json!([submission_json("T-1", "initial_review")])
            .to_string()
            .as_bytes(),
    )
    .unwrap()
    .remove(0);
    s.sso = Some(SsoSettings {
        idp_flow: idp,
        sp_flow: sp,
        jit,
        saml_signature: Some("sha256".into()),
        oidc_auth_server: None,
    });
    s.history = vec![StateChange {
        from: Some(ReviewState::Draft),
        to: ReviewState::InitialReview,
        at: ts("2026-11-10T12:00:00Z"),
        by: "isv".into(),
        reason: None,
        forced: false,
        kind: Default::default(),
        restart_clock: false,
        overrode: Vec::new(),
    }];
    s
}

fn run(case: TestCase, result: TestOutcome, at: &str) -> TestRun {
    TestRun {
        instance: "dev".into(),
        instance_version: InstanceVersion::Current,
        protocol: Protocol::Saml,
        test_case: case,
        result,
        run_at: ts(at),
    }
}

#[test]
fn required_tests_follow_from_what_the_app_supports() {
    let cases =
        |s: &Submission| -> Vec<TestCase> { required_tests(s).into_iter().map(|r| r.1).collect() };
    assert_eq!(cases(&sso_sub(true, false, false)), vec![TestCase::IdpFlow]);
    assert_eq!(
        cases(&sso_sub(true, true, true)),
        vec![TestCase::IdpFlow, TestCase::SpFlow, TestCase::JitIdp]
    );
    // JIT with only the SP flow: JIT is tested with the SP flow.
    assert_eq!(
        cases(&sso_sub(false, true, true)),
        vec![TestCase::SpFlow, TestCase::JitSp]
    );
    // An update of a published integration: current and published instances.
    let mut update = sso_sub(true, false, false);
    update.update_of = Some("Old App".into());
    let versions: Vec<InstanceVersion> = required_tests(&update).into_iter().map(|r| r.2).collect();
    assert_eq!(
        versions,
        vec![InstanceVersion::Current, InstanceVersion::Published]
    );
    // Non-SSO submissions need no tester runs.
    let mut scim = sso_sub(true, true, false);
    scim.protocols = vec![Protocol::Scim];
    assert!(required_tests(&scim).is_empty());
}

#[test]
fn a_result_is_valid_for_48_hours_after_its_run() {
    let mut s = sso_sub(true, false, false);
    s.test_results = vec![run(
        TestCase::IdpFlow,
        TestOutcome::Passed,
        "2026-11-10T00:00:00Z",
    )];
    let p = FreshnessPolicy::default();
    let status = |now: &str| assess(&s, &p, ts(now)).required[0].status;
    assert_eq!(status("2026-11-10T06:00:00Z"), Freshness::Fresh);
    assert_eq!(status("2026-11-11T11:59:59Z"), Freshness::Fresh);
    assert_eq!(
        status("2026-11-11T12:00:00Z"),
        Freshness::Expiring,
        "12 h left is expiring"
    );
    assert_eq!(
        status("2026-11-11T23:59:00Z"),
        Freshness::Expiring,
        "47h59m"
    );
    assert_eq!(
        status("2026-11-12T00:00:00Z"),
        Freshness::Expired,
        "exactly 48 h"
    );
    let report = assess(&s, &p, ts("2026-11-11T23:59:00Z"));
    assert_eq!(
        report.required[0].expires_at,
        Some(ts("2026-11-12T00:00:00Z"))
    );
    assert_eq!(report.required[0].left_seconds, Some(60));
    // Before the run happened (an --as-of in the past), the test is missing.
    assert_eq!(status("2026-11-09T00:00:00Z"), Freshness::Missing);
}

#[test]
fn a_failed_rerun_after_a_pass_is_failed() {
    let mut s = sso_sub(true, false, false);
    s.test_results = vec![
        run(
            TestCase::IdpFlow,
            TestOutcome::Passed,
            "2026-11-10T00:00:00Z",
        ),
        run(
            TestCase::IdpFlow,
            TestOutcome::Failed,
            "2026-11-10T08:00:00Z",
        ),
    ];
    let report = assess(&s, &FreshnessPolicy::default(), ts("2026-11-10T13:00:00Z"));
    assert_eq!(report.required[0].status, Freshness::Failed);
    assert_eq!(report.overall, Some(Freshness::Failed));
    // Submitted at 12:00 with the latest run failed: not valid at submission.
    assert_eq!(report.valid_at_submission, Some(false));
}

#[test]
fn validity_at_submission_and_overall_worst() {
    let mut s = sso_sub(true, true, false);
    s.test_results = vec![
        run(
            TestCase::IdpFlow,
            TestOutcome::Passed,
            "2026-11-08T12:00:01Z",
        ),
        run(
            TestCase::SpFlow,
            TestOutcome::Passed,
            "2026-11-09T12:00:00Z",
        ),
    ];
    let p = FreshnessPolicy::default();
    // Submitted 2026-11-10T12:00: IdP ran 47h59m59s before, SP 24h before: valid.
    let report = assess(&s, &p, ts("2026-11-10T13:00:00Z"));
    assert_eq!(report.valid_at_submission, Some(true));
    assert_eq!(report.submitted_at, Some(ts("2026-11-10T12:00:00Z")));
    // An hour after submission the IdP run is 49 h old.
    assert_eq!(report.overall, Some(Freshness::Expired));
    // One second earlier and the IdP run is exactly 48 h old at submission: not valid.
    s.test_results[0].run_at = ts("2026-11-08T12:00:00Z");
    assert_eq!(
        assess(&s, &p, ts("2026-11-10T13:00:00Z")).valid_at_submission,
        Some(false)
    );
    // A missing test makes the overall status missing.
    s.test_results.pop();
    assert_eq!(
        assess(&s, &p, ts("2026-11-10T13:00:00Z")).overall,
        Some(Freshness::Missing)
    );
}

#[test]
fn scim_evidence_is_reported_per_item() {
    let sb = Sandbox::new();
    sb.import_samples();
    let s: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0117", "--format", "json"])).unwrap();
    assert_eq!(
        s["tests"]["scim"],
        json!({"spec_results": true, "crud_results": false, "manual_plan_certified": false})
    );
    assert_eq!(s["tests"]["overall"], serde_json::Value::Null);
}

#[test]
fn import_results_then_list_shows_every_freshness_status() {
    let sb = Sandbox::new();
    sb.import_samples();
    let f = sb.write(
        "results.json",
        include_str!("../data/sample-tester-results.json"),
    );
    let out = sb.ok(&["import-results", f.to_str().unwrap()]);
    assert!(out.contains("imported 21 new test result(s)"), "{out}");
    let again = sb.ok(&["import-results", f.to_str().unwrap()]);
    assert!(
        again.contains("imported 0 new test result(s) (21 read, 21 already known)"),
        "{again}"
    );
    let list: Vec<serde_json::Value> = serde_json::from_str(&sb.ok(&[
        "--as-of",
        "2026-11-23T12:00:00Z",
        "list",
        "--format",
        "json",
    ]))
    .unwrap();
    let overall =
        |id: &str| list.iter().find(|s| s["id"] == id).unwrap()["tests"]["overall"].clone();
    assert_eq!(overall("OIN-2026-0142"), "fresh");
    assert_eq!(overall("OIN-2026-0105"), "expiring");
    assert_eq!(overall("OIN-2026-0102"), "expired");
    assert_eq!(overall("OIN-2026-0115"), "failed");
    assert_eq!(overall("OIN-2026-0112"), "missing");
    let acme = list.iter().find(|s| s["id"] == "OIN-2026-0142").unwrap();
    assert_eq!(acme["tests"]["valid_at_submission"], true);
    let filtered: Vec<serde_json::Value> = serde_json::from_str(&sb.ok(&[
        "--as-of",
        "2026-11-23T12:00:00Z",
        "list",
        "--format",
        "json",
        "--tests",
        "expiring",
    ]))
    .unwrap();
    assert_eq!(filtered.len(), 1);
    assert_eq!(filtered[0]["id"], "OIN-2026-0105");
    let table = sb.ok(&[
        "--as-of",
        "2026-11-23T12:00:00Z",
        "list",
        "--tests",
        "expiring",
    ]);
    assert!(table.contains("exp 6h"), "{table}");
}

#[test]
fn bad_results_files_import_nothing() {
    let sb = Sandbox::new();
    sb.import_samples();
    let good = json!({"submission_id": "OIN-2026-0142", "instance": "i", "protocol": "saml", "test_case": "idp_flow", "result": "passed", "run_at": "2026-11-20T10:00:00Z", "some_new_field": 1});
    // Each refused with one line naming the file, where in it (line:column and the JSON
    // path of the result) and what is wrong; an unknown submission by the result's index.
    let cases = [
        (
            json!({"results": [good.clone(), {"submission_id": "NOPE-1", "instance": "i", "protocol": "saml", "test_case": "idp_flow", "result": "passed", "run_at": "2026-11-20T10:00:00Z"}]}),
            "nothing was imported: result 1: no submission \"NOPE-1\" in the queue; import the submission first",
        ),
        (
            json!([good.clone(), {"submission_id": "OIN-2026-0142", "instance": "i", "protocol": "saml", "test_case": "slo", "result": "passed", "run_at": "2026-11-20T10:00:00Z"}]),
            "{file}:18:3: at [1]: unknown variant `slo`, expected one of `idp_flow`, `sp_flow`, `jit_idp`, `jit_sp`",
        ),
        (
            json!([{"submission_id": "OIN-2026-0142", "instance": "i", "protocol": "scim", "test_case": "idp_flow", "result": "passed", "run_at": "2026-11-20T10:00:00Z"}]),
            "{file}:2:3: at [0].protocol: the Submission Tester runs saml or oidc, not scim",
        ),
        (
            json!([{"submission_id": "OIN-2026-0142", "instance": "i", "protocol": "saml", "test_case": "idp_flow", "result": "ok", "run_at": "2026-11-20T10:00:00Z"}]),
            "{file}:9:3: at [0]: unknown variant `ok`, expected `passed` or `failed`",
        ),
        (
            json!([{"submission_id": "OIN-2026-0142", "protocol": "saml", "test_case": "idp_flow", "result": "passed", "run_at": "2026-11-20T10:00:00Z"}]),
            "{file}:8:3: at [0]: missing field `instance`",
        ),
    ];
    for (i, (doc, expected)) in cases.iter().enumerate() {
        let f = sb.write(
            &format!("r{i}.json"),
            serde_json::to_string_pretty(doc).unwrap(),
        );
        let out = sb.run(&["import-results", f.to_str().unwrap()]);
        let (stdout, err) = text(&out);
        assert!(!out.status.success(), "case {i}: {stdout}");
        assert_eq!(stdout, "", "case {i}");
        let expected = expected.replace("{file}", &f.display().to_string());
        assert_eq!(
            err,
            format!("oin-review: import-results: {expected}\n"),
            "case {i}"
        );
    }
    let acme: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0142", "--format", "json"])).unwrap();
    assert!(acme.get("test_results").is_none(), "nothing was imported");
    // Unknown fields are ignored in a good file: its one result is imported.
    let f = sb.write("ok.json", json!([good]).to_string());
    let out = sb.ok(&["import-results", f.to_str().unwrap()]);
    assert_eq!(
        out,
        "imported 1 new test result(s) (1 read, 0 already known) from 1 file(s)\n"
    );
    let acme: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0142", "--format", "json"])).unwrap();
    assert_eq!(
        acme["test_results"],
        json!([{"instance": "i", "instance_version": "current", "protocol": "saml",
                "test_case": "idp_flow", "result": "passed", "run_at": "2026-11-20T10:00:00Z"}])
    );
}
