//! The analyst's issue list: the text edited in $EDITOR, read back exactly, and stored
//! all-or-nothing with version checks.

mod common;

use common::{Sandbox, submission_json};
use oin_review::domain::findings::{IssueEdit, edit_text, issue_list, parse_edit};
use oin_review::domain::{Finding, OwnFinding, ReviewNotes, RuleDecision, Severity};
use oin_review::store::{FindingRefused, OpenOptions, Store};
use serde_json::json;

fn lint() -> Vec<Finding> {
    vec![
        Finding {
            rule: "catalog.display_name_length",
            severity: Severity::Blocker,
            message: "Shorten the display name to 64 characters.".into(),
            source: "003",
        },
        Finding {
            rule: "contacts.generic_mailbox",
            severity: Severity::Warning,
            message: "Use a named support mailbox.".into(),
            source: "003",
        },
    ]
}

fn own() -> Vec<OwnFinding> {
    vec![OwnFinding {
        id: 7,
        severity: Severity::Warning,
        text: "The logo is blurry.".into(),
        included: true,
        by: "ben".into(),
        at: "2026-11-20T10:00:00Z".parse().unwrap(),
        version: 3,
    }]
}

fn notes() -> ReviewNotes {
    ReviewNotes {
        own: own(),
        decisions: vec![RuleDecision {
            rule: "contacts.generic_mailbox".into(),
            included: false,
            reason: Some("agreed with the ISV".into()),
            by: "ben".into(),
            at: "2026-11-20T10:00:00Z".parse().unwrap(),
        }],
    }
}

#[test]
fn the_list_round_trips_through_the_editor_text_unchanged() {
    let issues = issue_list(&lint(), &notes());
    assert_eq!(issues.len(), 3);
    assert!(!issues[1].included);
    let text = edit_text("OIN-1", "Acme", &issues);
    assert!(text.contains("[x] blocker catalog.display_name_length Shorten"));
    assert!(text.contains(
        "[ ] warning contacts.generic_mailbox Use a named support mailbox. -- reason: agreed with the ISV"
    ));
    assert!(text.contains("[x] warning #7 The logo is blurry."));
    assert_eq!(parse_edit(&text, &issues, &own()), Ok(vec![]));
}

#[test]
fn edits_are_read_back_as_changes() {
    let issues = issue_list(&lint(), &notes());
    let text = "\
# comment
[ ] blocker catalog.display_name_length whatever -- reason: the ISV's brand name is long
[x] warning contacts.generic_mailbox Use a named support mailbox.
[ ] blocker #7 The logo is blurry and too small.
[x] blocker Single logout does not end the Okta session.
";
    let edits = parse_edit(text, &issues, &own()).unwrap();
    assert_eq!(
        edits,
        vec![
            IssueEdit::Decide {
                rule: "catalog.display_name_length".into(),
                included: false,
                reason: Some("the ISV's brand name is long".into()),
            },
            IssueEdit::Decide {
                rule: "contacts.generic_mailbox".into(),
                included: true,
                reason: None,
            },
            IssueEdit::Update {
                id: 7,
                version: 3,
                severity: Severity::Blocker,
                text: "The logo is blurry and too small.".into(),
                included: false,
            },
            IssueEdit::Add {
                severity: Severity::Blocker,
                text: "Single logout does not end the Okta session.".into(),
                included: true,
            },
        ]
    );
}

#[test]
fn a_removed_own_line_deletes_it_and_an_empty_file_changes_nothing() {
    let issues = issue_list(&lint(), &notes());
    let edits = parse_edit(
        "[x] blocker catalog.display_name_length x\n",
        &issues,
        &own(),
    )
    .unwrap();
    assert_eq!(edits, vec![IssueEdit::Delete { id: 7, version: 3 }]);
    assert_eq!(parse_edit("# all gone\n\n", &issues, &own()), Ok(vec![]));
}

#[test]
fn mistakes_name_their_line_and_change_nothing() {
    let issues = issue_list(&lint(), &notes());
    let cases = [
        ("oops no box\n", 1, "start the line with [x]"),
        ("\n[x] critical text\n", 2, "severity \"critical\""),
        (
            "[ ] blocker catalog.display_name_length x\n",
            1,
            "needs a reason",
        ),
        (
            "[x] warning catalog.display_name_length x\n",
            1,
            "cannot be changed",
        ),
        ("[x] warning #99 text\n", 1, "no finding #99"),
        ("[x] warning #7\n", 1, "has no text"),
        ("[x] warning #7 a\n[x] warning #7 b\n", 2, "listed twice"),
        (
            "[x] blocker catalog.logo_size x\n",
            1,
            "does not apply to this submission",
        ),
    ];
    for (text, line, what) in cases {
        let err = parse_edit(text, &issues, &own()).unwrap_err();
        assert_eq!(err.line, line, "{text:?}: {err}");
        assert!(err.message.contains(what), "{text:?}: {err}");
    }
}

fn store_with(sb: &Sandbox) -> Store {
    let f = sb.write(
        "s.json",
        json!([submission_json("OIN-1", "initial_review")]).to_string(),
    );
    sb.ok(&["import", f.to_str().unwrap()]);
    Store::open(&sb.db(), &OpenOptions::default()).unwrap()
}

#[test]
fn the_store_applies_an_edit_whole_or_not_at_all() {
    let sb = Sandbox::new();
    let mut store = store_with(&sb);
    let at = "2026-11-22T10:00:00Z".parse().unwrap();
    store
        .apply_issue_edits(
            "OIN-1",
            &[IssueEdit::Add {
                severity: Severity::Blocker,
                text: "First".into(),
                included: true,
            }],
            "ben",
            at,
        )
        .unwrap()
        .unwrap();
    let sub = store.submission("OIN-1").unwrap().unwrap();
    let f = sub.notes.own[0].clone();
    assert_eq!(
        (f.text.as_str(), f.version, f.by.as_str()),
        ("First", 1, "ben")
    );

    // Carla changes it; Ben's edit, based on version 1, is refused whole: his new finding
    // in the same edit is not saved either.
    let update = |version, text: &str| IssueEdit::Update {
        id: f.id,
        version,
        severity: Severity::Blocker,
        text: text.into(),
        included: true,
    };
    store
        .apply_issue_edits("OIN-1", &[update(1, "Carla's")], "carla", at)
        .unwrap()
        .unwrap();
    let refused = store
        .apply_issue_edits(
            "OIN-1",
            &[
                IssueEdit::Add {
                    severity: Severity::Warning,
                    text: "Ben's new one".into(),
                    included: true,
                },
                update(1, "Ben's"),
            ],
            "ben",
            at,
        )
        .unwrap()
        .unwrap_err();
    assert!(
        matches!(&refused, FindingRefused::Conflict { by, .. } if by == "carla"),
        "{refused}"
    );
    let sub = store.submission("OIN-1").unwrap().unwrap();
    assert_eq!(sub.notes.own.len(), 1);
    assert_eq!(sub.notes.own[0].text, "Carla's");

    // Leaving a lint finding out without a reason is refused by the store too.
    let refused = store
        .apply_issue_edits(
            "OIN-1",
            &[IssueEdit::Decide {
                rule: "tests.missing".into(),
                included: false,
                reason: None,
            }],
            "ben",
            at,
        )
        .unwrap()
        .unwrap_err();
    assert_eq!(refused, FindingRefused::NeedsReason("tests.missing".into()));
}

#[test]
fn cli_leave_out_keeps_the_reason_and_the_email_skips_the_finding() {
    let sb = Sandbox::new();
    let mut v = submission_json("OIN-1", "initial_review");
    v["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[v]);
    let list = sb.ok(&["finding", "list", "OIN-1"]);
    let rule = list
        .lines()
        .find_map(|l| l.split_whitespace().nth(2).filter(|k| k.contains('.')))
        .expect("the bare sample has lint findings")
        .to_string();
    let refused = sb.run(&["finding", "leave-out", "OIN-1", &rule]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("needs"));
    sb.ok(&[
        "finding",
        "leave-out",
        "OIN-1",
        &rule,
        "--reason",
        "lead approved",
    ]);
    let list = sb.ok(&["finding", "list", "OIN-1"]);
    assert!(list.contains("[ ] "), "{list}");
    assert!(list.contains("(left out: lead approved)"), "{list}");
    sb.ok(&["finding", "add", "OIN-1", "Mine."]);
    let preview = sb.ok(&["mail", "preview", "OIN-1"]);
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["finding", "list", "OIN-1", "--format", "json"])).unwrap();
    let left_out = json
        .iter()
        .find(|i| i["key"]["id"] == rule.as_str())
        .unwrap();
    assert!(
        !preview.contains(left_out["text"].as_str().unwrap()),
        "{preview}"
    );
    assert!(preview.contains("Mine."));
}

/// A queue holding OIN-1 in initial review.
fn one_submission() -> Sandbox {
    let sb = Sandbox::new();
    let f = sb.write(
        "s.json",
        json!([submission_json("OIN-1", "initial_review")]).to_string(),
    );
    sb.ok(&["import", f.to_str().unwrap()]);
    sb
}

fn make_executable(script: &std::path::Path) {
    std::fs::set_permissions(script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

#[test]
fn editing_in_the_editor_applies_the_saved_text() {
    let sb = one_submission();
    // A scripted "editor" that appends a finding line to the file it is given.
    let editor = sb.write(
        "editor.sh",
        "#!/bin/sh\nprintf '[x] blocker Added from the editor.\\n' >> \"$1\"\n",
    );
    make_executable(&editor);
    let out = sb
        .cmd()
        .env("EDITOR", &editor)
        .args(["finding", "edit", "OIN-1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = sb.ok(&["finding", "list", "OIN-1"]);
    assert!(list.contains("[x] blocker #1"), "{list}");
    assert!(list.contains("Added from the editor."));
}

#[test]
fn the_editor_s_file_is_in_a_private_folder_of_its_own_removed_afterwards() {
    let sb = one_submission();
    let tmp = sb.path("tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    // The "editor" reports where its file is and the folder's mode.
    let log = sb.path("editor.log");
    let editor = sb.write(
        "editor.sh",
        format!(
            "#!/bin/sh\nd=$(dirname \"$1\")\necho \"$1\" > {log}\necho \"$d\" >> {log}\nstat -c %a \"$d\" >> {log}\nstat -c %a \"$1\" >> {log}\n",
            log = log.display()
        ),
    );
    make_executable(&editor);
    let out = sb
        .cmd()
        .env("EDITOR", &editor)
        .env("TMPDIR", &tmp)
        .args(["finding", "edit", "OIN-1"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seen = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<&str> = seen.lines().collect();
    let (file, dir, dir_mode, file_mode) = (lines[0], lines[1], lines[2], lines[3]);
    assert_ne!(
        std::path::Path::new(dir),
        tmp,
        "not the shared temp folder itself"
    );
    assert_eq!(std::path::Path::new(dir).parent(), Some(tmp.as_path()));
    assert_eq!(dir_mode, "700", "{seen}");
    assert_eq!(file_mode, "600", "{seen}");
    let name = std::path::Path::new(dir)
        .file_name()
        .unwrap()
        .to_str()
        .unwrap();
    assert!(
        name.starts_with("oin-review-") && name.len() >= "oin-review-".len() + 6,
        "a random name, not one from the pid: {name}"
    );
    assert!(!std::path::Path::new(file).exists(), "the file is removed");
    assert!(!std::path::Path::new(dir).exists(), "and its folder");
}
