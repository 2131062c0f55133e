//! The workflow layer as a user meets it from the command line: clocks that no undo or
//! correction can reset, the gates, the email of every phase, and the email content per
//! path and protocol. Seed citations are file:line in ../shared/seeds/.

mod common;

use common::{Sandbox, passing_json, submission_json, text};

use mail_parser::MessageParser;
use serde_json::{Value, json};

/// An instant `days` (and a minute) before the tests' now (the binary's clock): history
/// must not lie in the future of the writes.
fn ago(days: i64) -> String {
    common::days_ago(days).to_string()
}

/// A submission that passes every rule (what a gate lets through), with this history.
fn clean(id: &str, state: &str, history: Value) -> Value {
    let submitted = history
        .as_array()
        .and_then(|h| h.iter().rev().find(|e| e["to"] == "initial_review"))
        .map(|e| e["at"].as_str().unwrap().to_string())
        .unwrap_or_else(|| ago(0));
    let mut v = passing_json(id, &submitted);
    v["state"] = json!(state);
    v["history"] = history;
    v["sso"]["saml_signature"] = json!("SHA-256");
    v
}

fn show(sb: &Sandbox, id: &str) -> Value {
    serde_json::from_str(&sb.ok(&["show", id, "--format", "json"])).unwrap()
}

fn clocks(sb: &Sandbox, id: &str) -> Vec<Value> {
    show(sb, id)["sla"]["clocks"].as_array().unwrap().clone()
}

fn eml_files(sb: &Sandbox) -> Vec<mail_parser::Message<'static>> {
    let dir = sb.path("data/oin-review/outbox-files");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.sort();
    files
        .iter()
        .map(|f| {
            let bytes: &'static [u8] = Box::leak(std::fs::read(f).unwrap().into_boxed_slice());
            MessageParser::default().parse(bytes).unwrap()
        })
        .collect()
}

fn body(m: &mail_parser::Message) -> String {
    m.body_text(0).unwrap().to_string()
}

// ---------------------------------------------------------------------------------------
// SLA integrity: DOMAIN.md "An undo or a correction puts the item back where it was, clock
// included"; 002:152 the published targets.

#[test]
fn an_undo_restores_the_clock_and_the_breach_stays_on_record() {
    let sb = Sandbox::new();
    let history = json!([
        {"to": "draft", "at": ago(20), "by": "isv"},
        {"to": "initial_review", "at": ago(12), "by": "isv"}
    ]);
    sb.import_values(&[clean("U-1", "initial_review", history)]);
    let before = clocks(&sb, "U-1");
    assert_eq!(before.len(), 1);
    assert_eq!(before[0]["status"], "breached", "{before:?}");
    // The move the issue names, then an undo (the CLI and the console call the same undo).
    sb.ok(&["move", "--to", "qa_testing", "U-1"]);
    let moved = clocks(&sb, "U-1");
    assert_eq!(moved[0]["status"], "stopped");
    assert_eq!(
        moved[0]["breached_at"], before[0]["breached_at"],
        "the breach stays on record after the phase ends"
    );
    assert!(moved[0]["overrun_seconds"].as_i64().unwrap() > 0);
    assert_eq!(moved[1]["phase"], "qa_testing");
    sb.ok(&["undo"]);
    let after = clocks(&sb, "U-1");
    assert_eq!(after.len(), 1, "no fresh cycle: {after:?}");
    for key in ["phase", "entered_at", "started_at", "due", "breached_at"] {
        assert_eq!(after[0][key], before[0][key], "{key}");
    }
    assert_eq!(after[0]["status"], "breached");
    let text = sb.ok(&["show", "U-1"]);
    assert!(text.contains("initial review  breached"), "{text}");
    assert!(text.contains("      breached "), "{text}");
}

#[test]
fn a_correction_continues_the_phase_clock_unless_it_restarts_it() {
    let sb = Sandbox::new();
    let history = json!([
        {"to": "initial_review", "at": ago(12), "by": "isv"},
        {"to": "qa_testing", "at": ago(1), "by": "ana"}
    ]);
    sb.import_values(&[
        clean("C-1", "qa_testing", history.clone()),
        clean("C-2", "qa_testing", history),
    ]);
    let initial_before = clocks(&sb, "C-1")[0].clone();
    assert_eq!(initial_before["status"], "stopped");
    // qa_testing -> initial_review is outside the table: a correction, forced with a reason.
    let out = sb.run(&["move", "--to", "initial_review", "C-1"]);
    assert!(!out.status.success());
    sb.ok(&[
        "move",
        "--to",
        "initial_review",
        "--force",
        "--reason",
        "QA began too early",
        "C-1",
    ]);
    let c = clocks(&sb, "C-1");
    let initial: Vec<&Value> = c
        .iter()
        .filter(|c| c["phase"] == "initial_review")
        .collect();
    assert_eq!(initial.len(), 1, "the same clock continues: {c:?}");
    assert_eq!(initial[0]["status"], "breached");
    assert_eq!(initial[0]["started_at"], initial_before["started_at"]);
    assert_eq!(initial[0]["breached_at"], initial_before["breached_at"]);
    assert!(
        initial[0]["used_seconds"].as_i64() >= initial_before["used_seconds"].as_i64(),
        "the time used is kept"
    );
    // --restart-clock starts a fresh one, and the audit log says so.
    let refused = sb.run(&[
        "move",
        "--to",
        "initial_review",
        "--force",
        "--restart-clock",
        "C-2",
    ]);
    assert!(!refused.status.success(), "a restart needs a reason");
    sb.ok(&[
        "move",
        "--to",
        "initial_review",
        "--force",
        "--restart-clock",
        "--reason",
        "resubmitted from scratch",
        "C-2",
    ]);
    let c = clocks(&sb, "C-2");
    let last = c.last().unwrap();
    assert_eq!(last["phase"], "initial_review");
    assert_eq!(last["status"], "on_track", "{c:?}");
    let event = show(&sb, "C-2")["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(event["restart_clock"], true);
    assert!(sb.ok(&["show", "C-2"]).contains("[clock restarted]"));
}

// ---------------------------------------------------------------------------------------
// Gates: 000:84 "If QA testing is successful, your integration is automatically published".

#[test]
fn open_blockers_stop_publishing_and_passing_initial_review_unless_forced() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.run(&["move", "--to", "published", "OIN-2026-0105"]);
    assert_eq!(out.status.code(), Some(1));
    let (stdout, _) = text(&out);
    assert!(
        stdout.contains(
            "OIN-2026-0105  refused  stopped by 4 open blocker(s): config.variables_count"
        ),
        "{stdout}"
    );
    // The refusal lists each blocker with the sentence the ISV reads.
    assert!(
        stdout.contains("    config.variables_count  Use at most 3 integration variables"),
        "{stdout}"
    );
    assert_eq!(show(&sb, "OIN-2026-0105")["state"], "qa_testing");
    // Initial review to QA is gated too.
    let out = sb.run(&["move", "--to", "qa_testing", "OIN-2026-0116"]);
    assert!(
        text(&out).0.contains("stopped by 3 open blocker(s)"),
        "{}",
        text(&out).0
    );
    // A blocker the analyst left out (with a reason) no longer stops it; their own does.
    sb.ok(&[
        "finding",
        "leave-out",
        "OIN-2026-0116",
        "docs.config_doc_missing",
        "--reason",
        "the guide is in the portal",
    ]);
    let out = sb.run(&["move", "--to", "qa_testing", "OIN-2026-0116"]);
    assert!(
        text(&out).0.contains("stopped by 2 open blocker(s)"),
        "{}",
        text(&out).0
    );
    // --force --reason overrides, and the event records the blockers it overrode.
    let out = sb.ok(&[
        "move",
        "--to",
        "published",
        "--force",
        "--reason",
        "lead approved the exception",
        "OIN-2026-0105",
    ]);
    assert!(
        out.contains("OIN-2026-0105  moved    qa_testing -> published (forced)"),
        "{out}"
    );
    let s = show(&sb, "OIN-2026-0105");
    let last = s["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["forced"], true);
    assert_eq!(
        last["overrode"],
        json!([
            "config.variables_count",
            "config.variable_name",
            "config.variable_incomplete",
            "tests.not_valid_at_submission"
        ])
    );
    assert!(
        sb.ok(&["show", "OIN-2026-0105"])
            .contains("[overrode config.variables_count")
    );
    // A clean submission passes the gate.
    let history = json!([{"to": "initial_review", "at": ago(1), "by": "isv"}]);
    sb.import_values(&[clean("G-1", "initial_review", history)]);
    let out = sb.ok(&["move", "--to", "qa_testing", "G-1"]);
    assert!(
        out.contains("G-1  moved    initial_review -> qa_testing"),
        "{out}"
    );
}

#[test]
fn a_move_to_published_sends_the_published_email_never_an_issue_list() {
    let sb = Sandbox::new();
    sb.import_samples();
    // The issue's case: 0117 has an open blocker, so the gate refuses, and nothing is sent.
    let out = sb.run(&["mail", "send", "OIN-2026-0117", "--move-to", "published"]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .1
            .contains("stopped by 1 open blocker(s): scim.evidence_missing")
    );
    assert!(eml_files(&sb).is_empty());
    sb.ok(&[
        "mail",
        "send",
        "OIN-2026-0117",
        "--move-to",
        "published",
        "--force",
        "--reason",
        "links received by email",
    ]);
    let mails = eml_files(&sb);
    assert_eq!(mails.len(), 1);
    let subject = mails[0].subject().unwrap();
    assert_eq!(
        subject,
        "[OIN] Relecloud Directory Sync (OIN-2026-0117): published in the OIN catalog"
    );
    let b = body(&mails[0]);
    assert!(
        b.contains("is now published in the Okta Integration Network catalog"),
        "{b}"
    );
    assert!(
        !b.contains("issue"),
        "a published email lists no issues: {b}"
    );
}

// ---------------------------------------------------------------------------------------
// An email at every phase: 004:649 "Okta sends you an email at each phase of the process to
// inform you of the status, the expected phase completion date, and any issues for you to
// fix"; 000:74 "queued for review and also includes the date when the initial review is
// expected to finish"; 004:642.

#[test]
fn the_preview_of_each_move_is_the_email_of_its_phase_with_the_expected_date() {
    let sb = Sandbox::new();
    sb.import_samples();
    let results = sb.write(
        "results.json",
        include_str!("../data/sample-tester-results.json"),
    );
    sb.ok(&["import-results", results.to_str().unwrap()]);
    // Evaluated at a fixed instant: Mon 2026-11-23 09:00 UTC. (0142 is a SAML submission
    // through the OIN Manager, which the gate stops: previewed as a forced move.)
    let at = "2026-11-23T09:00:00Z";
    let qa = sb.ok(&[
        "--as-of",
        at,
        "mail",
        "preview",
        "OIN-2026-0142",
        "--move-to",
        "qa_testing",
        "--force",
    ]);
    assert!(
        qa.contains(
            "Subject: [OIN] Acme Expense (OIN-2026-0142): initial review passed, now in QA testing"
        ),
        "{qa}"
    );
    // Five business days from Monday 09:00, Thanksgiving (Thu 26 Nov) skipped: Tue 1 Dec.
    assert!(
        qa.contains("We expect to complete QA testing by Tuesday, December 1, 2026."),
        "{qa}"
    );
    assert!(!qa.contains("has no issues"), "{qa}");
    // Back from the ISV: received again, as a resubmission, with the initial review's date.
    let received = sb.ok(&[
        "--as-of",
        at,
        "mail",
        "preview",
        "OIN-2026-0104",
        "--move-to",
        "initial_review",
    ]);
    assert!(
        received.contains("resubmission queued for initial review"),
        "{received}"
    );
    assert!(
        received.contains("We expect to complete the initial review by"),
        "{received}"
    );
    let final_review = sb.ok(&[
        "--as-of",
        at,
        "mail",
        "preview",
        "OIN-2026-0106",
        "--move-to",
        "final_review",
    ]);
    assert!(
        final_review.contains("fixes received, in final review"),
        "{final_review}"
    );
    assert!(
        final_review.contains("We expect to complete the final review by"),
        "{final_review}"
    );
    // A move back to draft sends nothing, and the preview says so (exit 0).
    let none = sb.ok(&["mail", "preview", "OIN-2026-0108", "--move-to", "draft"]);
    assert_eq!(
        none.trim(),
        "OIN-2026-0108: no email: a move to draft sends no email"
    );
}

#[test]
fn a_move_sends_its_email_only_when_asked_and_the_audit_log_says_which() {
    let sb = Sandbox::new();
    sb.import_samples();
    // A plain move sends nothing (a script cannot surprise a thousand ISVs).
    sb.ok(&[
        "move",
        "--to",
        "isv_review",
        "OIN-2026-0142",
        "--reason",
        "logo",
    ]);
    assert!(sb.ok(&["outbox"]).contains("the outbox is empty"));
    let last = show(&sb, "OIN-2026-0142")["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["reason"], "logo [no email]");
    // --email queues each item's email with the move, in one transaction.
    let out = sb.ok(&[
        "move",
        "--to",
        "initial_review",
        "--email",
        "OIN-2026-0142",
        "OIN-2026-0104",
    ]);
    assert!(
        out.contains("OIN-2026-0142  email    received to okta-escalations@acme.example"),
        "{out}"
    );
    assert!(
        out.contains("2 moved to initial_review, 0 refused"),
        "{out}"
    );
    let listed: Vec<Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|e| e["kind"] == "received"));
    let last = show(&sb, "OIN-2026-0104")["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .starts_with("with the received email"),
        "{last}"
    );
    // The date the email states is recorded as the phase's promise.
    let s = show(&sb, "OIN-2026-0104");
    let current = &s["sla"]["current"];
    assert_eq!(current["phase"], "initial_review");
    assert!(current["promised"].is_string(), "{current}");
    let flushed = sb.ok(&["outbox", "flush"]);
    assert!(flushed.contains("2 sent"), "{flushed}");
    let mails = eml_files(&sb);
    let acme = mails
        .iter()
        .find(|m| m.subject().unwrap().contains("OIN-2026-0142"))
        .unwrap();
    assert_eq!(
        acme.subject().unwrap(),
        "[OIN] Acme Expense (OIN-2026-0142): resubmission queued for initial review"
    );
    // Its initial review clock resumes already overrun: no date is promised, and none in
    // the past is stated.
    let b = body(acme);
    assert!(!b.contains("We expect to complete"), "{b}");
    assert!(
        show(&sb, "OIN-2026-0142")["sla"]["current"]["promised"].is_null(),
        "{}",
        show(&sb, "OIN-2026-0142")["sla"]["current"]
    );
    // 0104's starts fresh: its email states the date recorded as its promise.
    let fresh = mails
        .iter()
        .find(|m| m.subject().unwrap().contains("OIN-2026-0104"))
        .unwrap();
    let promised = show(&sb, "OIN-2026-0104")["sla"]["current"]["promised"]
        .as_str()
        .unwrap()
        .to_string();
    let date: jiff::civil::Date = promised.parse().unwrap();
    assert!(
        body(fresh).contains(&format!(
            "We expect to complete the initial review by {}",
            date.strftime("%A, %B %-d, %Y")
        )),
        "{}",
        body(fresh)
    );
    // One whose email cannot be written is not moved (no escalation contact).
    let out = sb.run(&["move", "--to", "isv_review", "--email", "OIN-2026-0113"]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .0
            .contains("OIN-2026-0113  refused  no email, not moved: no escalation contact"),
        "{}",
        text(&out).0
    );
    assert_eq!(show(&sb, "OIN-2026-0113")["state"], "initial_review");
}

#[test]
fn import_notify_sends_the_received_email_and_a_plain_import_sends_none() {
    let sb = Sandbox::new();
    let mut v = submission_json("N-1", "initial_review");
    v["escalation_contact"] = json!("ops@isv.example");
    v["history"] = json!([
        {"to": "draft", "at": ago(3), "by": "isv"},
        {"to": "initial_review", "at": ago(0), "by": "isv"}
    ]);
    let mut quiet = submission_json("N-2", "initial_review");
    quiet["escalation_contact"] = json!("ops2@isv.example");
    sb.import_values(&[quiet]);
    assert!(sb.ok(&["outbox"]).contains("the outbox is empty"));
    let f = sb.write("new.json", serde_json::to_vec(&[v.clone()]).unwrap());
    let out = sb.ok(&["import", "--notify", f.to_str().unwrap()]);
    assert!(out.contains("1 \"received\" email(s) queued"), "{out}");
    // Importing it again (already in initial review) sends nothing more.
    let out = sb.ok(&["import", "--notify", f.to_str().unwrap()]);
    assert!(out.contains("0 \"received\" email(s) queued"), "{out}");
    sb.ok(&["outbox", "flush"]);
    let mails = eml_files(&sb);
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject().unwrap(),
        "[OIN] App N-1 (N-1): queued for initial review"
    );
    assert!(body(&mails[0]).contains("We expect to complete the initial review by"));
}

#[test]
fn each_kind_of_email_can_be_switched_off_in_the_config() {
    let sb = Sandbox::new();
    sb.import_samples();
    sb.write(
        "config/oin-review/config.toml",
        "[mail.emails]\nqa_started = false\n",
    );
    let out = sb.ok(&[
        "mail",
        "preview",
        "OIN-2026-0142",
        "--move-to",
        "qa_testing",
    ]);
    assert_eq!(
        out.trim(),
        "OIN-2026-0142: no email: QA started emails are switched off in the config ([mail.emails] qa_started = false)"
    );
    let out = sb.run(&["mail", "send", "OIN-2026-0142", "--move-to", "qa_testing"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("switched off"), "{}", text(&out).1);
    // Other kinds still go: with a blocker of the analyst's own (whatever the rules find),
    // a move to the ISV is the issue list.
    sb.ok(&[
        "finding",
        "add",
        "OIN-2026-0142",
        "--severity",
        "blocker",
        "The logo is cut off on the sign-in page.",
    ]);
    let out = sb.ok(&[
        "mail",
        "preview",
        "OIN-2026-0142",
        "--move-to",
        "isv_review",
    ]);
    assert!(
        out.contains(
            "Subject: [OIN] Acme Expense (OIN-2026-0142): issues found in initial review\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("[blocker] The logo is cut off on the sign-in page."),
        "{out}"
    );
    // A bad key is an error naming its line.
    sb.write(
        "config/oin-review/config.toml",
        "[mail.emails]\nrecieved = false\n",
    );
    let out = sb.run(&["list"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("line 2"), "{}", text(&out).1);
}

// ---------------------------------------------------------------------------------------
// Email content per path and protocol.

#[test]
fn scim_only_isvs_get_scim_instructions_not_the_submission_tester() {
    // 004:265 "The OIN Submission Tester only supports SSO integrations"; 004:458-470 the
    // three SCIM test sets.
    let sb = Sandbox::new();
    sb.import_samples();
    sb.ok(&["mail", "send", "OIN-2026-0117", "--move-to", "isv_fix_bugs"]);
    let mails = eml_files(&sb);
    let b = body(&mails[0]);
    assert!(!b.contains("Submission Tester"), "{b}");
    assert!(
        b.contains("Run the Runscope SCIM spec tests and CRUD tests again"),
        "{b}"
    );
    assert!(
        b.contains("certify that the manual Okta SCIM test plan passed"),
        "{b}"
    );
    // 004:651: a fix without Wizard (here Manager) edits lets QA continue.
    assert!(
        b.contains("If your fix needs no changes in the OIN Manager, reply"),
        "{b}"
    );
}

#[test]
fn an_update_names_the_instance_version_of_each_missing_test() {
    // 004:546 "test the flows for the updated version and the published version"; 004:574-575
    // PUBLISHED VERSION / CURRENT VERSION.
    let sb = Sandbox::new();
    let mut v = submission_json("UP-1", "initial_review");
    v["update_of"] = json!("Acme Old");
    v["change_summary"] = json!("New logo");
    v["escalation_contact"] = json!("ops@isv.example");
    v["sso"] = json!({"idp_flow": true, "sp_flow": true, "saml_signature": "sha256"});
    sb.import_values(&[v]);
    let lint = sb.ok(&["lint", "UP-1"]);
    assert!(
        lint.contains("(SAML IdP flow (current version), SAML SP flow (current version), SAML IdP flow (published version), SAML SP flow (published version))"),
        "{lint}"
    );
    let mail = sb.ok(&["mail", "preview", "UP-1", "--move-to", "isv_review"]);
    // 004:259 "A backwards-compatible instance is eligible if it was generated from the
    // published version of the integration before any edits are made".
    assert!(
        mail.contains("test the published version too (backwards compatibility), with the instance\ngenerated from the published integration before your edits")
            || mail.contains("test the published version too (backwards compatibility), with the instance generated from the published integration before your edits"),
        "{mail}"
    );
    assert!(
        mail.contains("generate new instances of your updated integration"),
        "{mail}"
    );
}

#[test]
fn a_promised_date_shows_only_in_its_phase_and_cannot_precede_it() {
    let sb = Sandbox::new();
    let mut v = submission_json("P-1", "qa_testing");
    v["escalation_contact"] = json!("ops@isv.example");
    v["history"] = json!([
        {"to": "initial_review", "at": "2026-11-02T09:00:00Z", "by": "isv"},
        {"to": "qa_testing", "at": "2026-11-05T09:00:00Z", "by": "ana"}
    ]);
    sb.import_values(&[v]);
    let out = sb.run(&[
        "promise",
        "P-1",
        "--phase",
        "qa_testing",
        "--date",
        "2026-11-04",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .1
            .contains("2026-11-04 is before QA testing began (2026-11-05)"),
        "{}",
        text(&out).1
    );
    sb.ok(&[
        "promise",
        "P-1",
        "--phase",
        "qa_testing",
        "--date",
        "2026-11-12",
    ]);
    sb.ok(&[
        "finding",
        "add",
        "P-1",
        "--severity",
        "blocker",
        "SSO fails.",
    ]);
    let mail = sb.ok(&["mail", "preview", "P-1", "--move-to", "isv_fix_bugs"]);
    assert!(
        !mail.contains("November 12"),
        "a QA promise is not a fix-bugs date: {mail}"
    );
    assert!(!mail.contains("2026-11-12"), "{mail}");
    assert!(
        mail.contains("Once you resubmit your fixes, final review takes up to 1 business day."),
        "{mail}"
    );
}

#[test]
fn a_phone_or_url_escalation_contact_is_a_finding_and_gets_no_email() {
    // 001:83 "Escalation support contact: This is an email distribution list".
    let sb = Sandbox::new();
    sb.import_samples();
    let lint = sb.ok(&["lint", "OIN-2026-0139"]);
    assert!(lint.contains("support.escalation_not_email"), "{lint}");
    let out = sb.run(&[
        "mail",
        "preview",
        "OIN-2026-0139",
        "--move-to",
        "isv_review",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains(
            "the escalation contact \"https://contoso.example/escalations\" is not an email address"
        ),
        "{}",
        text(&out).1
    );
}

#[test]
fn a_window_of_whole_business_days_is_promised_for_its_last_day_not_the_day_after() {
    // 002:41 "Initial review by Okta - 5 business days": entered on Saturday 12 Dec, the
    // five days are Mon 14 to Fri 18, so the ISV is promised Friday 18.
    let sb = Sandbox::new();
    let mut d1 = submission_json("D1", "draft");
    d1["escalation_contact"] = json!("ops@isv.example");
    sb.import_values(&[d1]);
    let preview = sb.ok(&[
        "--as-of",
        "2026-12-12T10:00:00Z",
        "mail",
        "preview",
        "D1",
        "--move-to",
        "initial_review",
    ]);
    assert!(
        preview.contains("We expect to complete the initial review by Friday, December 18, 2026."),
        "{preview}"
    );
    // In initial review since Saturday 28 Nov: the window is Mon 30 Nov to Fri 4 Dec, and
    // `show` says so, while JSON keeps the instant it runs out.
    let mut sub = submission_json("S1", "initial_review");
    sub["history"] = json!([
        {"to": "draft", "at": "2026-11-27T09:00:00Z", "by": "isv@isv.example"},
        {"from": "draft", "to": "initial_review", "at": "2026-11-28T10:00:00Z", "by": "isv@isv.example"}
    ]);
    sb.import_values(&[sub]);
    let shown = sb.ok(&["--as-of", "2026-12-02T12:00:00Z", "show", "S1"]);
    assert!(shown.contains("due end of Fri 2026-12-04"), "{shown}");
    let json = show(&sb, "S1");
    let clock = &json["sla"]["clocks"][0];
    assert_eq!(clock["due"], "2026-12-07T00:00:00Z", "{clock}");
}

/// 000:74 promises "the date when the initial review is expected to finish"; a QA clock
/// that ran out while the ISV fixed bugs resumes overrun, and the email that says QA
/// continues names no day already gone by (policy, README "SLA clocks").
#[test]
fn a_clock_already_overrun_promises_the_isv_no_date_in_the_past() {
    let sb = Sandbox::new();
    let mut sub = submission_json("Q1", "isv_fix_bugs");
    sub["escalation_contact"] = json!("ops@isv.example");
    sub["history"] = json!([
        {"to": "draft", "at": "2026-11-02T09:00:00Z", "by": "isv@isv.example"},
        {"from": "draft", "to": "initial_review", "at": "2026-11-02T10:00:00Z", "by": "isv@isv.example"},
        {"from": "initial_review", "to": "qa_testing", "at": "2026-11-03T10:00:00Z", "by": "ana"},
        {"from": "qa_testing", "to": "isv_fix_bugs", "at": "2026-11-16T10:00:00Z", "by": "ana"}
    ]);
    sb.import_values(&[sub]);
    let preview = |at: &str| {
        sb.ok(&[
            "--as-of",
            at,
            "mail",
            "preview",
            "Q1",
            "--move-to",
            "qa_testing",
        ])
    };
    // The clock ran out on Tue 10 Nov (five business days from Tue 3 Nov 10:00).
    let late = preview("2026-11-20T10:00:00Z");
    assert!(late.contains("QA testing continues"), "{late}");
    assert!(!late.contains("We expect to complete QA testing"), "{late}");
    assert!(!late.contains("November 10, 2026"), "{late}");
    // With time left when it paused, the same email names its date.
    let mut early = submission_json("Q2", "isv_fix_bugs");
    early["escalation_contact"] = json!("ops@isv.example");
    early["history"] = json!([
        {"to": "draft", "at": "2026-11-02T09:00:00Z", "by": "isv@isv.example"},
        {"from": "draft", "to": "initial_review", "at": "2026-11-02T10:00:00Z", "by": "isv@isv.example"},
        {"from": "initial_review", "to": "qa_testing", "at": "2026-11-03T10:00:00Z", "by": "ana"},
        {"from": "qa_testing", "to": "isv_fix_bugs", "at": "2026-11-04T10:00:00Z", "by": "ana"}
    ]);
    sb.import_values(&[early]);
    let in_time = sb.ok(&[
        "--as-of",
        "2026-11-20T10:00:00Z",
        "mail",
        "preview",
        "Q2",
        "--move-to",
        "qa_testing",
    ]);
    assert!(
        in_time.contains("We expect to complete QA testing by"),
        "{in_time}"
    );
}

#[test]
fn a_private_only_integration_is_stopped_at_publishing_and_a_forced_one_is_told_it_is_internal_only()
 {
    // 002:55: an application "that uses a custom header expression for the Header Auth":
    // "The Okta OIN team will work with you to create an internal-only integration that
    // isn't included in the OIN."
    let sb = Sandbox::new();
    let mut sub = clean(
        "H1",
        "qa_testing",
        json!([
            {"to": "initial_review", "at": ago(3), "by": "isv"},
            {"from": "initial_review", "to": "qa_testing", "at": ago(1), "by": "asha"}
        ]),
    );
    sub["protocols"] = json!(["saml", "header_auth"]);
    sb.import_values(&[sub]);
    let lint: Value = serde_json::from_str(&sb.ok(&["lint", "H1", "--format", "json"])).unwrap();
    let finding = lint[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "protocol.private_only")
        .unwrap_or_else(|| panic!("{lint}"))
        .clone();
    assert_eq!(finding["severity"], "blocker", "{finding}");
    // The gate stops publishing it.
    let out = sb.run(&["move", "--to", "published", "--email", "H1"]);
    assert!(!out.status.success());
    assert!(
        text(&out).0.contains("protocol.private_only"),
        "{:?}",
        text(&out)
    );
    assert!(eml_files(&sb).is_empty());
    // Forced, with a reason: the ISV is told it is internal-only, not in the catalog.
    sb.ok(&[
        "move",
        "--to",
        "published",
        "--email",
        "--force",
        "--reason",
        "internal-only integration agreed with the ISV",
        "H1",
    ]);
    sb.ok(&["outbox", "flush"]);
    let mails = eml_files(&sb);
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].subject().unwrap(),
        "[OIN] Good H1 (H1): ready as an internal-only integration"
    );
    let b = body(&mails[0]);
    let words = b.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("Because it uses a custom Header Auth expression, it is not published in the Okta Integration Network catalog: the OIN team has made it an internal-only integration"),
        "{b}"
    );
    assert!(!b.contains("is now published"), "{b}");
}

#[test]
fn an_sso_submission_through_the_manager_is_flagged_and_no_email_mixes_the_two_tools() {
    // 000:13 SSO integrations go through "the new OIN Wizard"; 004:544 "All SSO integrations
    // published from the OIN Manager have been migrated to the OIN Wizard".
    let sb = Sandbox::new();
    sb.import_samples();
    let lint: Value =
        serde_json::from_str(&sb.ok(&["lint", "OIN-2026-0142", "--format", "json"])).unwrap();
    let finding = lint[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "protocol.sso_via_manager")
        .unwrap_or_else(|| panic!("{lint}"))
        .clone();
    assert_eq!(finding["severity"], "blocker");
    // The Manager submission's issue list: the Manager's resubmission, no Tester.
    let manager = sb.ok(&["mail", "preview", "OIN-2026-0142"]);
    assert!(manager.contains("Resubmit in the OIN Manager"), "{manager}");
    assert!(!manager.contains("OIN Submission Tester"), "{manager}");
    assert!(
        manager.contains("Submit the SAML integration through the OIN Wizard"),
        "{manager}"
    );
    // A Wizard SSO submission's: the Tester and the Wizard, never the Manager.
    let wizard = sb.ok(&["mail", "preview", "OIN-2026-0116"]);
    assert!(wizard.contains("OIN Submission Tester"), "{wizard}");
    assert!(wizard.contains("Resubmit in the OIN Wizard"), "{wizard}");
    assert!(!wizard.contains("OIN Manager"), "{wizard}");
}

#[test]
fn a_fix_without_wizard_edits_is_told_qa_continues_not_that_initial_review_passed() {
    // 004: "inform the OIN team of your fix so that they can continue QA testing".
    let sb = Sandbox::new();
    sb.import_samples();
    let mail = sb.ok(&[
        "mail",
        "preview",
        "OIN-2026-0106",
        "--move-to",
        "qa_testing",
    ]);
    assert!(
        mail.contains("Subject: [OIN] Tidepool Analytics (OIN-2026-0106): QA testing continues"),
        "{mail}"
    );
    assert!(
        mail.contains("Thank you for your fix: Tidepool Analytics (submission OIN-2026-0106) is back\nin QA testing with the Okta OIN team, and testing continues where it stopped."),
        "{mail}"
    );
    assert!(!mail.contains("passed the initial review"), "{mail}");
}

#[test]
fn an_update_lives_from_edit_to_publish_and_replaces_the_published_version() {
    // 001: "The new version replaces the old one in the OIN catalog"; 004:546 "test the
    // flows for the updated version and the published version".
    let sb = Sandbox::new();
    sb.import_samples();
    // A published integration is not moved back to draft: it is edited as a new version.
    let out = sb.run(&["move", "--to", "draft", "OIN-2026-0136"]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .0
            .contains("a published integration is edited as a new version"),
        "{:?}",
        text(&out)
    );
    let made = sb.ok(&["new-version", "OIN-2026-0136"]);
    assert!(
        made.contains("OIN-2026-0136-v2: new version of OIN-2026-0136 (Contoso Assets), in draft"),
        "{made}"
    );
    let v2 = show(&sb, "OIN-2026-0136-v2");
    assert_eq!(v2["state"], "draft");
    // 000:81 "Draft Draft—ISV new": the OIN Manager's name, then the OIN Wizard's.
    assert!(
        sb.ok(&["show", "OIN-2026-0136-v2"])
            .contains("  state             Draft—ISV new (Draft; draft)\n"),
        "the Manager calls a draft \"Draft—ISV new\""
    );
    assert_eq!(v2["supersedes"], "OIN-2026-0136");
    assert_eq!(v2["update_of"], "Contoso Assets");
    let v1 = show(&sb, "OIN-2026-0136");
    assert_eq!(v1["state"], "published", "the published one stays live");
    assert_eq!(
        v1["new_versions"],
        json!([{"id": "OIN-2026-0136-v2", "state": "draft"}])
    );
    // One new version at a time.
    let again = sb.run(&["new-version", "OIN-2026-0136"]);
    assert!(
        text(&again)
            .1
            .contains("its new version OIN-2026-0136-v2 is already open (in draft)"),
        "{:?}",
        text(&again)
    );
    // In review, the update needs the published version's tests too (004:248-249, "The
    // PUBLISHED VERSION status indicates the instances that you need to test backwards
    // compatibility if you edit a previously published integration").
    sb.ok(&["move", "--to", "initial_review", "OIN-2026-0136-v2"]);
    let lint = sb.ok(&["lint", "OIN-2026-0136-v2"]);
    assert!(lint.contains("SAML IdP flow (published version)"), "{lint}");
    let out = sb.run(&["move", "--to", "qa_testing", "OIN-2026-0136-v2"]);
    assert!(
        !out.status.success(),
        "the gate stops it without both versions' tests"
    );
    // Both versions tested within 48 hours before the submission: the gate lets it through.
    let ran = (common::now() - jiff::SignedDuration::from_hours(2)).to_string();
    let runs: Vec<Value> = ["current", "published"]
        .iter()
        .flat_map(|version| {
            let ran = ran.clone();
            ["idp_flow", "sp_flow", "jit_idp"].map(move |case| {
                json!({"submission_id": "OIN-2026-0136-v2", "instance": format!("assets-{version}"),
                       "instance_version": version, "protocol": "saml", "test_case": case,
                       "result": "passed", "run_at": ran})
            })
        })
        .collect();
    let f = sb.write("runs.json", serde_json::to_vec(&runs).unwrap());
    sb.ok(&["import-results", f.to_str().unwrap()]);
    assert!(
        sb.ok(&["lint", "OIN-2026-0136-v2"])
            .contains("0 blocker(s), 0 warning(s)")
    );
    // Through QA to published, each move past its gate.
    for to in ["qa_testing", "published"] {
        sb.ok(&["move", "--to", to, "OIN-2026-0136-v2"]);
    }
    let v1 = show(&sb, "OIN-2026-0136");
    assert_eq!(v1["state"], "published", "kept with its history");
    assert_eq!(v1["superseded_by"], "OIN-2026-0136-v2");
    let text_v1 = sb.ok(&["show", "OIN-2026-0136"]);
    assert!(
        text_v1.contains("replaced by       OIN-2026-0136-v2"),
        "{text_v1}"
    );
    let text_v2 = sb.ok(&["show", "OIN-2026-0136-v2"]);
    assert!(
        text_v2.contains("new version of    OIN-2026-0136"),
        "{text_v2}"
    );
    // A query finds both versions of the integration, from either one's id, and nothing
    // else (other Contoso integrations stay out).
    for of in ["OIN-2026-0136", "oin-2026-0136-v2"] {
        let both: Vec<Value> = serde_json::from_str(&sb.ok(&[
            "list",
            "--query",
            &format!("versions:{of}"),
            "--format",
            "json",
        ]))
        .unwrap();
        let mut ids: Vec<&str> = both.iter().map(|v| v["id"].as_str().unwrap()).collect();
        ids.sort();
        assert_eq!(ids, ["OIN-2026-0136", "OIN-2026-0136-v2"], "versions:{of}");
    }
    // The replaced version is listed as such, the new one as published.
    let tsv = sb.ok(&[
        "list",
        "--query",
        "versions:OIN-2026-0136",
        "--format",
        "tsv",
    ]);
    let state_of = |id: &str| -> String {
        tsv.lines()
            .find(|l| l.split('\t').next() == Some(id))
            .and_then(|l| l.split('\t').nth(3))
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(state_of("OIN-2026-0136"), "replaced", "{tsv}");
    assert_eq!(state_of("OIN-2026-0136-v2"), "published", "{tsv}");
    // Undoing the publish makes the old version live again.
    sb.ok(&["undo"]);
    assert!(show(&sb, "OIN-2026-0136").get("superseded_by").is_none());
}

#[test]
fn a_new_version_tests_the_published_one_on_its_instances_and_is_not_yet_certified() {
    // 004:568 "If the OIN Wizard detects an instance based on your published integration,
    // the dialog doesn't appear. This is usually the case if you tested and submitted your
    // published integration from the same org."
    let sb = Sandbox::new();
    let mut live = common::passing_json("LIVE", &common::days_ago(30).to_string());
    live["state"] = json!("published");
    live["history"]
        .as_array_mut()
        .unwrap()
        .push(json!({"to": "published", "at": common::days_ago(20).to_string(), "by": "ben"}));
    live["tests_certified"] = json!(true);
    live["testing_instructions"] = json!("Admin: isvtest@okta.com.");
    live["test_instances"] = json!([{"name": "good-dev", "protocols": ["saml"]}]);
    sb.import_values(&[live]);
    sb.ok(&["new-version", "LIVE"]);
    let v2 = show(&sb, "LIVE-v2");
    assert_eq!(
        v2["test_instances"],
        json!([{"name": "good-dev", "protocols": ["saml"], "version": "published", "active": true, "eligible": true}])
    );
    assert_eq!(
        v2["tests_certified"],
        Value::Null,
        "certified when it is submitted"
    );
    assert_eq!(v2["testing_instructions"], "Admin: isvtest@okta.com.");
    // Its own instance is still to be generated: the lint says so.
    let lint = sb.ok(&["lint", "LIVE-v2"]);
    assert!(
        lint.contains("the SAML instance of the current version is missing (generate it)"),
        "{lint}"
    );
}

#[test]
fn an_update_already_in_the_queue_is_linked_to_the_published_version_it_names() {
    // 0130 is a draft update of "Contoso Wiki", published as 0135: linked at import.
    let sb = Sandbox::new();
    sb.import_samples();
    assert_eq!(show(&sb, "OIN-2026-0130")["supersedes"], "OIN-2026-0135");
    let out = sb.run(&["new-version", "OIN-2026-0135"]);
    assert!(
        text(&out)
            .1
            .contains("its new version OIN-2026-0130 is already open (in draft)"),
        "{:?}",
        text(&out)
    );
}
