//! The real binary against a temp queue: import, list, show, move, export, demo, bad input.

mod common;

use common::{Sandbox, submission_json, text};
use serde_json::{Value, json};
use std::time::Duration;

/// The queue's content as the user sees it, with secrets, to compare before and after.
fn snapshot(sb: &Sandbox) -> Value {
    if !sb.db().exists() {
        return Value::Null;
    }
    let mut v: Value = serde_json::from_str(&sb.ok(&["export", "--include-secrets"])).unwrap();
    v.as_object_mut().unwrap().remove("exported_at");
    v
}

/// Imports `contents` as a file named `name`; asserts refusal, no change, and returns stderr.
fn refused_import(sb: &Sandbox, name: &str, contents: impl AsRef<[u8]>) -> String {
    if !sb.db().exists() {
        sb.init();
    }
    let before = snapshot(sb);
    let f = sb.write(name, contents);
    let out = sb.run(&["import", f.to_str().unwrap()]);
    let (_, err) = text(&out);
    assert!(!out.status.success(), "import of {name} should fail");
    assert!(err.contains(name), "error names the file: {err}");
    assert_eq!(snapshot(sb), before, "a refused import changes nothing");
    err
}

#[test]
fn import_list_show_in_every_format() {
    let sb = Sandbox::new();
    sb.import_samples();
    let table = sb.ok(&["list"]);
    for line in table.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 80,
            "table line wider than 80 columns: {line:?}"
        );
    }
    assert!(table.starts_with("ID            APP"));
    assert!(table.contains("OIN-2026-0142 Acme Expense"));
    assert!(table.contains("33 submission(s)"));
    // ISV text with escapes is shown as visible placeholders, never raw.
    assert!(!table.contains('\u{1b}'));
    assert!(table.contains("Evil␛[31m"), "{table}");

    let list = sb.list_json();
    assert_eq!(list.len(), 33);
    let acme = list.iter().find(|s| s["id"] == "OIN-2026-0142").unwrap();
    assert_eq!(acme["state"], "initial_review");
    assert_eq!(acme["test_account"]["password_set"], true);
    assert!(acme["test_account"].get("password").is_none());
    assert_eq!(acme["history"][1]["at"], "2026-11-16T15:30:00Z");

    let csv = sb.ok(&["list", "--format", "csv", "--state", "qa_testing"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "id,app_name,isv,protocols,state,assignee,path,update_of,submitter_email,sla_status,sla_left,sla_due,tests"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains(",qa_testing,")), "{rows:?}");

    let show = sb.ok(&["show", "OIN-2026-0142"]);
    assert!(show.contains("To be reviewed by Okta (OIN to review; initial_review)"));
    assert!(show.contains("password set"));
    assert!(!show.contains("s3cret"));
    let json: Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0142", "--format", "json"])).unwrap();
    assert_eq!(json["test_account"]["password_set"], true);
    assert!(!json.to_string().contains("s3cret"));
    let secret: Value = serde_json::from_str(&sb.ok(&[
        "show",
        "OIN-2026-0142",
        "--format",
        "json",
        "--include-secrets",
    ]))
    .unwrap();
    assert_eq!(secret["test_account"]["password"], "s3cret");

    let out = sb.run(&["show", "OIN-9999"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("no submission \"OIN-9999\""));
}

#[test]
fn list_query_is_fuzzy_and_ranked() {
    let sb = Sandbox::new();
    sb.import_samples();
    let hits: Vec<Value> =
        serde_json::from_str(&sb.ok(&["list", "--query", "acmexp", "--format", "json"])).unwrap();
    assert_eq!(hits[0]["id"], "OIN-2026-0142");
    let none: Vec<Value> =
        serde_json::from_str(&sb.ok(&["list", "--query", "zzzqqq", "--format", "json"])).unwrap();
    assert!(none.is_empty());
}

#[test]
fn move_reports_each_item_and_fails_if_any_refused() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.run(&[
        "move",
        "--to",
        "isv_review",
        "OIN-2026-0142",
        "OIN-2026-0101",
        "OIN-2026-0102",
    ]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("OIN-2026-0142  moved    initial_review -> isv_review"),
        "{stdout}"
    );
    assert!(
        stdout.contains("OIN-2026-0101  refused  draft -> isv_review is not an allowed move"),
        "{stdout}"
    );
    assert!(stdout.contains("OIN-2026-0102  moved"), "{stdout}");
    assert!(
        stdout.contains("2 moved to isv_review, 1 refused"),
        "{stdout}"
    );
    let states: Vec<(String, String)> = sb
        .list_json()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap().to_string(),
                s["state"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(states.contains(&("OIN-2026-0142".into(), "isv_review".into())));
    assert!(states.contains(&("OIN-2026-0101".into(), "draft".into())));

    // Every item's state equals the target of its last event.
    for s in sb.list_json() {
        let last = s["history"].as_array().unwrap().last().unwrap();
        assert_eq!(last["to"], s["state"], "{}", s["id"]);
    }
}

#[test]
fn all_or_nothing_move_refuses_the_whole_batch() {
    let sb = Sandbox::new();
    sb.import_samples();
    let before = snapshot(&sb);
    let out = sb.run(&[
        "move",
        "--all-or-nothing",
        "--to",
        "isv_review",
        "OIN-2026-0142",
        "OIN-2026-0101",
    ]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout.contains("OIN-2026-0142  refused  not moved: the batch was all-or-nothing"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0 moved to isv_review, 2 refused"),
        "{stdout}"
    );
    assert_eq!(snapshot(&sb), before);
}

#[test]
fn forced_move_needs_a_reason_and_is_audited() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.run(&["move", "--to", "draft", "--force", "OIN-2026-0142"]);
    assert!(!out.status.success());
    assert!(
        text(&out)
            .1
            .contains("a forced move needs a reason (--reason TEXT)"),
        "{}",
        text(&out).1
    );
    sb.ok(&[
        "move",
        "--to",
        "draft",
        "--force",
        "--reason",
        "ISV withdrew",
        "OIN-2026-0142",
    ]);
    let s: Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0142", "--format", "json"])).unwrap();
    let last = s["history"].as_array().unwrap().last().unwrap();
    assert_eq!(last["forced"], true);
    assert_eq!(last["reason"], "ISV withdrew");
    assert_eq!(last["from"], "initial_review");
}

#[test]
fn move_reads_ids_from_stdin() {
    use std::io::Write;
    let sb = Sandbox::new();
    sb.import_samples();
    let mut child = sb
        .cmd()
        .args(["move", "--to", "isv_review", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"OIN-2026-0142\nOIN-2026-0102 OIN-2026-0142\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert!(text(&out).0.contains("2 moved to isv_review, 0 refused"));
}

#[test]
fn a_move_whose_phase_has_an_email_says_when_none_was_sent() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.ok(&["move", "--to", "isv_review", "OIN-2026-0102"]);
    assert!(
        out.ends_with(
            "1 moved to isv_review, 0 refused; no email sent (add --email to send the issue list email)\n"
        ),
        "{out}"
    );
    assert_eq!(sb.ok(&["outbox", "list"]).trim(), "the outbox is empty");
    // With --email it is queued and nothing says otherwise; a state without email says nothing.
    let out = sb.ok(&["move", "--to", "isv_review", "--email", "OIN-2026-0131"]);
    assert!(out.ends_with("1 moved to isv_review, 0 refused\n"), "{out}");
    let out = sb.ok(&[
        "move",
        "--to",
        "draft",
        "--force",
        "--reason",
        "ISV withdrew it",
        "OIN-2026-0102",
    ]);
    assert!(out.ends_with("1 moved to draft, 0 refused\n"), "{out}");
    // An issue list sent without its move says the clock keeps running, and which move
    // would hand it to the ISV.
    let out = sb.ok(&["mail", "send", "OIN-2026-0132"]);
    assert!(
        out.contains(
            "OIN-2026-0132  stays in initial_review with its clock running; `oin-review move --to isv_review OIN-2026-0132` hands it to the ISV without a second email\n"
        ),
        "{out}"
    );
}

#[test]
fn export_then_import_into_an_empty_queue_round_trips() {
    let sb = Sandbox::new();
    sb.import_samples();
    sb.ok(&["move", "--to", "isv_review", "OIN-2026-0142"]);
    let exported = sb.ok(&["export", "--include-secrets"]);
    let other = Sandbox::new();
    let f = other.write("export.json", &exported);
    other.ok(&["import", f.to_str().unwrap()]);
    assert_eq!(snapshot(&other), snapshot(&sb));

    // Without --include-secrets no password is written.
    let plain = sb.ok(&["export"]);
    assert!(!plain.contains("s3cret"));
    assert!(plain.contains("\"password_set\": true"));
}

#[test]
fn malformed_json_names_line_and_column() {
    let sb = Sandbox::new();
    let err = refused_import(
        &sb,
        "broken.json",
        "[\n  {\"id\": \"A-1\",\n   \"app_name\": \"x\" \"isv\": 1}\n]",
    );
    assert!(err.contains("broken.json:3:"), "{err}");
    assert!(err.contains("expected `,` or `}`"), "{err}");
}

#[test]
fn wrong_type_names_the_json_path() {
    let sb = Sandbox::new();
    let mut s = submission_json("A-1", "draft");
    s["multi_tenant"] = json!("yes");
    let err = refused_import(
        &sb,
        "types.json",
        serde_json::to_string_pretty(&json!([s])).unwrap(),
    );
    assert!(err.contains("at [0].multi_tenant"), "{err}");
    assert!(
        err.contains("invalid type: string \"yes\", expected a boolean"),
        "{err}"
    );
}

#[test]
fn missing_required_field() {
    let sb = Sandbox::new();
    let mut s = submission_json("A-1", "draft");
    s.as_object_mut().unwrap().remove("isv");
    let err = refused_import(&sb, "missing.json", json!({"submissions": [s]}).to_string());
    assert!(err.contains("missing field `isv`"), "{err}");
    assert!(err.contains("submissions[0]"), "{err}");
}

#[test]
fn unknown_state_and_protocol_list_what_is_expected() {
    let sb = Sandbox::new();
    let mut s = submission_json("A-1", "draft");
    s["state"] = json!("qa");
    let err = refused_import(
        &sb,
        "state.json",
        serde_json::to_string_pretty(&json!([s])).unwrap(),
    );
    assert!(err.contains("at [0].state"), "{err}");
    assert!(
        err.contains("unknown variant `qa`, expected one of `draft`, `initial_review`"),
        "{err}"
    );
    assert!(err.contains("state.json:"), "{err}");

    let mut s = submission_json("A-1", "draft");
    s["protocols"] = json!(["saml", "ldap"]);
    let err = refused_import(
        &sb,
        "proto.json",
        serde_json::to_string_pretty(&json!([s])).unwrap(),
    );
    assert!(err.contains("at [0].protocols[1]"), "{err}");
    assert!(err.contains("unknown variant `ldap`"), "{err}");
}

#[test]
fn invalid_timestamp() {
    let sb = Sandbox::new();
    let mut s = submission_json("A-1", "draft");
    s["history"][0]["at"] = json!("2026-13-45 nine o'clock");
    let err = refused_import(
        &sb,
        "time.json",
        serde_json::to_string_pretty(&json!([s])).unwrap(),
    );
    assert!(err.contains("at [0].history[0].at"), "{err}");
}

#[test]
fn duplicate_id_inside_one_import() {
    let sb = Sandbox::new();
    let a = submission_json("A-1", "draft");
    let err = refused_import(
        &sb,
        "dups.json",
        serde_json::to_string_pretty(&json!([a, submission_json("B-1", "draft"), a])).unwrap(),
    );
    assert!(
        err.contains("at [2].id: duplicate id \"A-1\" (first at [0])"),
        "{err}"
    );
}

#[test]
fn history_must_end_in_the_current_state() {
    let sb = Sandbox::new();
    let mut s = submission_json("A-1", "qa_testing");
    s["history"] = json!([{"to": "draft", "at": "2026-11-01T09:00:00Z", "by": "isv"},
                          {"to": "initial_review", "at": "2026-11-02T09:00:00Z", "by": "isv"}]);
    let err = refused_import(
        &sb,
        "hist.json",
        serde_json::to_string_pretty(&json!([s])).unwrap(),
    );
    assert!(
        err.contains("the last history entry moves to initial_review but state is qa_testing"),
        "{err}"
    );
}

#[test]
fn non_utf8_file() {
    let sb = Sandbox::new();
    let mut bytes = b"[\n {\"id\": \"A-1\", \"app_name\": \"Caf".to_vec();
    bytes.extend([0xE9, b'"']);
    let err = refused_import(&sb, "latin1.json", bytes);
    assert!(err.contains("latin1.json:2:"), "{err}");
    assert!(err.contains("not valid UTF-8"), "{err}");
}

#[test]
fn unknown_field_is_refused_rather_than_dropped() {
    let sb = Sandbox::new();
    let mut s = submission_json("A-1", "draft");
    s["protocol"] = json!(["saml"]);
    let err = refused_import(
        &sb,
        "typo.json",
        serde_json::to_string_pretty(&json!([s])).unwrap(),
    );
    assert!(err.contains("unknown field `protocol`"), "{err}");
}

#[test]
fn one_bad_file_in_three_leaves_the_queue_unchanged() {
    let sb = Sandbox::new();
    sb.import_samples();
    let before = snapshot(&sb);
    let a = sb.write(
        "a.json",
        json!([submission_json("A-1", "draft")]).to_string(),
    );
    let b = sb.write(
        "b.json",
        json!([submission_json("B-1", "draft")]).to_string(),
    );
    let mut bad = submission_json("C-1", "draft");
    bad["state"] = json!("nope");
    let c = sb.write("c.json", json!([bad]).to_string());
    let out = sb.run(&[
        "import",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        c.to_str().unwrap(),
    ]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("c.json"));
    assert_eq!(snapshot(&sb), before);
    // The same id in two files is refused too.
    let b2 = sb.write(
        "b2.json",
        json!([submission_json("A-1", "draft")]).to_string(),
    );
    let out = sb.run(&["import", a.to_str().unwrap(), b2.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("id \"A-1\" is also in"));
    assert_eq!(snapshot(&sb), before);
}

#[test]
fn control_characters_are_kept_in_the_database() {
    let sb = Sandbox::new();
    let mut s = submission_json("A-1", "draft");
    s["app_name"] = json!("Evil\u{1b}]0;x\u{7}\u{202e}");
    sb.import_values(&[s]);
    let got = &sb.list_json()[0];
    assert_eq!(got["app_name"], "Evil\u{1b}]0;x\u{7}\u{202e}");
}

#[test]
fn foreign_database_is_refused_by_every_command() {
    let sb = Sandbox::new();
    {
        let c = rusqlite::Connection::open(sb.db()).unwrap();
        c.execute_batch("CREATE TABLE photos (id INTEGER);")
            .unwrap();
    }
    let before = std::fs::read(sb.db()).unwrap();
    for args in [vec!["list"], vec!["move", "--to", "draft", "X"]] {
        let out = sb.run(&args);
        assert!(!out.status.success());
        assert!(
            text(&out).1.contains("not an oin-review queue"),
            "{:?}",
            text(&out)
        );
    }
    let f = sb.write(
        "a.json",
        json!([submission_json("A-1", "draft")]).to_string(),
    );
    assert!(!sb.run(&["import", f.to_str().unwrap()]).status.success());
    assert_eq!(std::fs::read(sb.db()).unwrap(), before);
}

#[test]
fn demo_builds_a_queue_and_never_overwrites_a_real_one() {
    let sb = Sandbox::new();
    let out = sb.ok(&["demo", "--no-open", "--rows", "50", "--seed", "7"]);
    assert!(
        out.contains("33 sample + 50 generated submissions"),
        "{out}"
    );
    // The hint names the demo's database both ways.
    let db = sb.db().display().to_string();
    assert!(out.contains(&format!("oin-review --db {db} list")), "{out}");
    assert!(out.contains(&format!("export OIN_REVIEW_DB={db}")), "{out}");
    let list = sb.list_json();
    assert_eq!(list.len(), 83);
    let states: std::collections::HashSet<&str> =
        list.iter().map(|s| s["state"].as_str().unwrap()).collect();
    assert_eq!(states.len(), 7, "every state is in the demo: {states:?}");
    // Running it again replaces the demo queue.
    sb.ok(&["demo", "--no-open", "--rows", "10"]);
    assert_eq!(sb.list_json().len(), 43);

    // A real queue at that path is refused.
    let real = Sandbox::new();
    real.import_samples();
    let out = real.run(&["demo", "--no-open"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("is not a demo queue"));
    assert_eq!(real.list_json().len(), 33);
}

#[test]
fn bad_as_of_and_missing_database_are_clear() {
    let sb = Sandbox::new();
    let out = sb.run(&["--as-of", "yesterday", "list"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("expected an RFC 3339 timestamp"));
    let out = sb.run(&["list"]);
    assert!(!out.status.success());
    assert!(text(&out).1.contains("no review queue at"));
    assert!(!sb.db().exists());
}

/// Issue 28, point 8: queues are made on purpose. `import` into a path with no queue (a typo
/// in --db) refuses and names it with the hint to run `init`, and makes no file; the console
/// at the default path on first use says the same; `init` makes the queue (0600, or 0660
/// for a group) and will not make it twice.
#[test]
fn a_queue_is_made_by_init_and_no_other_command_makes_one() {
    use std::os::unix::fs::MetadataExt;
    let sb = Sandbox::new();
    let samples = sb.write("samples.json", common::SAMPLES);
    let typo = sb.path("qeue.db");
    // A command with the sandbox's HOME and config but no --db of its own.
    let bare = || {
        let mut c = common::clean_command(env!("CARGO_BIN_EXE_oin-review"));
        c.env("HOME", sb.path("home"))
            .env("XDG_DATA_HOME", sb.path("data"))
            .env("XDG_CONFIG_HOME", sb.path("config"));
        c
    };
    let out = bare()
        .arg("--db")
        .arg(&typo)
        .args(["import", samples.to_str().unwrap()])
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!("no review queue at {}", typo.display()))
            && stderr.contains("make one with `oin-review init`"),
        "{stderr}"
    );
    assert!(!typo.exists(), "no queue made by a typo");
    // The console on first use, at the default path (no --db, no config's database).
    let out = bare().output().unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "no review queue at {}",
            sb.path("data/oin-review/queue.db").display()
        )) && stderr.contains("oin-review init"),
        "{stderr}"
    );
    // init makes it, yours only; a second init leaves it alone.
    let said = sb.ok(&["init"]);
    assert!(said.contains("made an empty queue at"), "{said}");
    assert_eq!(std::fs::metadata(sb.db()).unwrap().mode() & 0o777, 0o600);
    let out = sb.run(&["init"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains("there is already a queue at"),
        "{}",
        text(&out).1
    );
    sb.ok(&["import", samples.to_str().unwrap()]);
    assert_eq!(sb.list_json().len(), 33);
    // --group shares it.
    let group = nix::unistd::Group::from_gid(nix::unistd::getegid())
        .unwrap()
        .expect("this account's group")
        .name;
    let shared = sb.path("shared/queue.db");
    let out = bare()
        .arg("--db")
        .arg(&shared)
        .args(["init", "--group", &group])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out).1);
    let meta = std::fs::metadata(&shared).unwrap();
    assert_eq!(meta.mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), nix::unistd::getegid().as_raw());
}

#[test]
fn ids_match_whatever_their_case_and_sla_values_are_spelled_as_in_json() {
    let sb = Sandbox::new();
    sb.import_samples();
    let show = sb.ok(&["show", "oin-2026-0142"]);
    assert!(show.starts_with("OIN-2026-0142"), "{show}");
    let assigned = sb.ok(&["assign", "--to", "bea", "oin-2026-0142"]);
    assert!(
        assigned.contains("OIN-2026-0142  assigned to bea"),
        "{assigned}"
    );
    let moved = sb.ok(&[
        "move",
        "--to",
        "isv_review",
        "--reason",
        "r",
        "Oin-2026-0142",
    ]);
    assert!(moved.contains("OIN-2026-0142  moved"), "{moved}");
    // snake_case as JSON and the README say it, the kebab-case spelling as an alias. On
    // Friday 2026-11-20 at noon seven samples were at risk (0142 among them: the move above
    // came later).
    let at = "2026-11-20T12:00:00Z";
    let snake = sb.ok(&["list", "--as-of", at, "--sla", "at_risk", "--format", "tsv"]);
    let kebab = sb.ok(&["list", "--as-of", at, "--sla", "at-risk", "--format", "tsv"]);
    assert_eq!(snake, kebab);
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["list", "--as-of", at, "--format", "json"])).unwrap();
    let mut at_risk: Vec<&str> = json
        .iter()
        .filter(|s| s["sla"]["status"] == "at_risk")
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    at_risk.sort();
    let mut listed: Vec<&str> = snake
        .lines()
        .skip(1)
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    listed.sort();
    assert_eq!(
        listed,
        [
            "OIN-2026-0102",
            "OIN-2026-0107",
            "OIN-2026-0111",
            "OIN-2026-0113",
            "OIN-2026-0115",
            "OIN-2026-0133",
            "OIN-2026-0142"
        ],
        "{snake}"
    );
    assert_eq!(listed, at_risk, "the filter keeps exactly the at-risk rows");
}

#[test]
fn completions_and_manual_pages_come_from_the_same_definitions_even_with_a_broken_config() {
    let sb = Sandbox::new();
    sb.write("config/oin-review/config.toml", "this is = = not toml\n");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = sb.ok(&["completions", shell]);
        assert!(
            out.contains("oin-review") && out.contains(shell),
            "{shell}: {out}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let subcommands = values(completions_from(&sb, shell, &["oin-review", ""]));
        assert!(
            subcommands.contains(&"backup".to_string())
                && subcommands.contains(&"list".to_string()),
            "{shell} completes subcommands: {subcommands:?}"
        );
        let flags = values(completions_from(&sb, shell, &["oin-review", "list", "--f"]));
        assert!(flags.contains(&"--format".to_string()), "and their flags");
    }
    let man = sb.ok(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH oin-review"),
        "roff: {man}"
    );
    assert!(man.contains("backup"), "{man}");
    let dir = sb.path("man1");
    let out = sb.ok(&["man", "--dir", dir.to_str().unwrap()]);
    assert!(out.contains("wrote the manual pages"), "{out}");
    for page in ["oin-review.1", "oin-review-list.1", "oin-review-backup.1"] {
        let text = std::fs::read_to_string(dir.join(page)).unwrap();
        assert!(text.contains(".TH"), "{page}: {text}");
    }
    // Issue 28, point 4: the query syntax, the config file and the policy file have pages of
    // their own, beside man1, whole (they used to point to a README that is not installed).
    let topic = |page: &str| std::fs::read_to_string(sb.path(page)).unwrap();
    let query = topic("man7/oin-review-query.7");
    assert!(
        query.starts_with(".TH \"OIN-REVIEW-QUERY\" \"7\""),
        "{query}"
    );
    for field in ["holder:", "versions:", "sla:", "due:"] {
        assert!(
            query.contains(&format!("\\fB{field}\\fR")),
            "{field}: {query}"
        );
    }
    let config = topic("man5/oin-review-config.5");
    assert!(
        config.contains("db_group") && config.contains("password_command"),
        "{config}"
    );
    let policy = topic("man5/oin-review-policy.5");
    assert!(
        policy.contains("[sla]") && policy.contains("on_return"),
        "{policy}"
    );
    for page in [&query, &config, &policy] {
        assert!(!page.contains("README"), "self-contained: {page}");
    }
    let list = std::fs::read_to_string(dir.join("oin-review-list.1")).unwrap();
    assert!(list.contains(r"oin\-review\-query(7)"), "{list}");
    // The broken config still breaks what reads it, with its file and line named.
    let list = sb.run(&["list"]);
    assert!(!list.status.success());
    let (_, err) = text(&list);
    let file = sb.path("config/oin-review/config.toml");
    assert!(
        err.contains(&format!("{}: line 1: key with no value", file.display())),
        "{err}"
    );
}

/// Issue 28, point 3: bash completes a subcommand's options and its values (states, sorts,
/// formats), asked as bash asks a completion function: COMP_WORDS, COMP_CWORD and the
/// function's three arguments (command, word, word before). clap_complete's script for a
/// hyphenated name dispatched on a name it never set, so nothing after a subcommand
/// completed but file names.
/// What a shell gets back for the words typed so far, the last being the word at the
/// cursor, through clap_complete's protocol as each shell's registration script speaks it
/// (`COMPLETE=<shell> oin-review -- <words>`): the values, each with its description when
/// the shell shows one.
fn completions_from(sb: &Sandbox, shell: &str, words: &[&str]) -> Vec<(String, String)> {
    let cword = (words.len() - 1).to_string();
    let mut cmd = common::clean_command(env!("CARGO_BIN_EXE_oin-review"));
    cmd.env("HOME", sb.path("home"))
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("XDG_CONFIG_HOME", sb.path("config"))
        .env("OIN_REVIEW_DB", sb.db())
        .env("COMPLETE", shell)
        .env("_CLAP_IFS", "\n")
        .env("_CLAP_COMPLETE_INDEX", &cword)
        .env("_CLAP_COMPLETE_COMP_TYPE", "9")
        .arg("--")
        .args(words);
    let out = cmd.output().expect("run oin-review");
    assert!(
        out.status.success(),
        "{shell} {words:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    text.lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (value, help) = match shell {
                "fish" => l.split_once('\t').unwrap_or((l, "")),
                // zsh: `value:help`, a colon in the value escaped.
                "zsh" => {
                    let cut = l
                        .char_indices()
                        .find(|&(i, c)| c == ':' && !l[..i].ends_with('\\'))
                        .map_or(l.len(), |(i, _)| i);
                    (&l[..cut], l.get(cut + 1..).unwrap_or(""))
                }
                _ => (l, ""),
            };
            (value.replace("\\:", ":"), help.to_string())
        })
        .collect()
}

fn values(pairs: Vec<(String, String)>) -> Vec<String> {
    pairs.into_iter().map(|(v, _)| v).collect()
}

#[test]
fn every_shell_completes_options_values_ids_and_analysts_through_the_completion_protocol() {
    let sb = Sandbox::new();
    sb.import_samples();
    for shell in ["bash", "zsh", "fish"] {
        let opts = values(completions_from(&sb, shell, &["oin-review", "move", "--"]));
        for o in ["--to", "--reason", "--force", "--dry-run", "--email"] {
            assert!(opts.contains(&o.to_string()), "{shell}: {o} in {opts:?}");
        }
        assert_eq!(
            values(completions_from(
                &sb,
                shell,
                &["oin-review", "move", "--to", "q"]
            )),
            ["qa_testing"],
            "{shell}: a state, not a file name"
        );
        assert_eq!(
            values(completions_from(
                &sb,
                shell,
                &["oin-review", "list", "--sla", "a"]
            )),
            ["at_risk"]
        );
        assert_eq!(
            values(completions_from(
                &sb,
                shell,
                &["oin-review", "list", "--sort", "ag"]
            )),
            ["age"]
        );
        assert_eq!(
            values(completions_from(
                &sb,
                shell,
                &["oin-review", "list", "--format", "j"]
            )),
            ["json"]
        );
        assert_eq!(
            values(completions_from(
                &sb,
                shell,
                &["oin-review", "list", "--state", "isv"]
            )),
            ["isv_review", "isv_fix_bugs"]
        );
        assert_eq!(
            values(completions_from(
                &sb,
                shell,
                &["oin-review", "completions", "fi"]
            )),
            ["fish"]
        );
        // Ids come from the queue, any case typed, as the queue spells them.
        let ids = completions_from(&sb, shell, &["oin-review", "show", "oin-2026-014"]);
        assert_eq!(
            values(ids.clone()),
            ["OIN-2026-0140", "OIN-2026-0142"],
            "{shell}"
        );
        if shell != "bash" {
            assert_eq!(ids[1].1, "Acme Expense (initial_review)", "{shell}");
        }
        let moved = values(completions_from(
            &sb,
            shell,
            &[
                "oin-review",
                "move",
                "--to",
                "qa",
                "OIN-2026-0101",
                "OIN-2026-010",
            ],
        ));
        assert!(
            moved.len() == 9 && moved.iter().all(|id| id.starts_with("OIN-2026-010")),
            "{shell}: every id after the first too: {moved:?}"
        );
        // Analysts: the team, and `none`.
        let who = values(completions_from(
            &sb,
            shell,
            &["oin-review", "assign", "--to", ""],
        ));
        for name in ["ana", "ben", "zed", "none"] {
            assert!(
                who.contains(&name.to_string()),
                "{shell}: {name} in {who:?}"
            );
        }
        // `--db` on the line is the queue the ids come from.
        let other = sb.path("other.db");
        sb.ok(&["init", "--db", other.to_str().unwrap()]);
        let none = completions_from(
            &sb,
            shell,
            &["oin-review", "show", "--db", other.to_str().unwrap(), "OIN"],
        );
        assert_eq!(none, [], "{shell}: an empty queue has no ids");
        std::fs::remove_file(&other).unwrap();
    }
}

#[test]
fn the_bash_script_calls_the_binary_back_and_completes_in_bash_itself() {
    let sb = Sandbox::new();
    sb.import_samples();
    let script = sb.path("oin-review.bash");
    std::fs::write(&script, sb.ok(&["completions", "bash"])).unwrap();
    let complete = |words: &[&str]| -> Vec<String> {
        let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
        let cword = words.len() - 1;
        let program = format!(
            "source '{}'; COMP_WORDS=({}); COMP_CWORD={cword}; COMP_TYPE=9; \
             _clap_complete_oin_review oin-review '{}' '{}'; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script.display(),
            quoted.join(" "),
            words[cword],
            words[cword - 1],
        );
        let out = common::clean_command("bash")
            .env("HOME", sb.path("home"))
            .env("XDG_DATA_HOME", sb.path("data"))
            .env("XDG_CONFIG_HOME", sb.path("config"))
            .env("OIN_REVIEW_DB", sb.db())
            .arg("--norc")
            .arg("-c")
            .arg(&program)
            .output()
            .expect("bash");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        complete(&["oin-review", "move", "--to", "q"]),
        ["qa_testing"]
    );
    assert_eq!(
        complete(&["oin-review", "note", "add", "OIN-2026-014"]),
        ["OIN-2026-0140", "OIN-2026-0142"]
    );
    let fish = sb.ok(&["completions", "fish"]);
    assert!(
        fish.contains("COMPLETE=fish") && fish.contains(env!("CARGO_BIN_EXE_oin-review")),
        "{fish}"
    );
    let zsh = sb.ok(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef oin-review"), "{zsh}");
}

#[test]
fn a_console_setting_mistake_is_a_warning_for_subcommands_naming_its_line() {
    let sb = Sandbox::new();
    sb.import_samples();
    sb.write("config/oin-review/config.toml", "theme = \"nope\"\n");
    let out = sb.run(&["list"]);
    assert!(out.status.success(), "list does not need a theme");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("warning: theme: no theme \"nope\""), "{err}");
    let config = sb.write(
        "config/oin-review/config.toml",
        "theme = \"dark\"\n[keys]\n\"queue.donw\" = [\"j\"]\n",
    );
    let out = sb.run(&["outbox", "list"]);
    assert!(out.status.success(), "a cron flush keeps working");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}: line 3", config.display())) && err.contains("donw"),
        "{err}"
    );
}

#[test]
fn the_debug_log_goes_to_its_file_only_and_a_bad_level_is_named() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb
        .cmd()
        .env("OIN_REVIEW_LOG", "debug")
        .args(["list", "--format", "tsv"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.is_empty(),
        "nothing of the log on the terminal: {stderr}"
    );
    assert!(!stdout.contains("DEBUG"), "{stdout}");
    let log = sb.path("home/.local/state/oin-review/oin-review.log");
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(
        written.contains("INFO  oin_review::cli: started"),
        "{written}"
    );
    assert!(written.contains("\"list\""), "{written}");

    // --log FILE alone turns it on at debug; errors are logged as they are said.
    let file = sb.path("logs/mine.log");
    let out = sb
        .cmd()
        .arg("--log")
        .arg(&file)
        .args(["show", "NO-SUCH-ID"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(written.contains("ERROR oin_review: stopped"), "{written}");
    assert!(written.contains("NO-SUCH-ID"), "{written}");

    // Issue 28, point 5: a write and a refusal are in the log, with the command, the ids,
    // the outcome and the analyst (a refused move used to leave only "started").
    let file = sb.path("logs/writes.log");
    let out = sb
        .cmd()
        .arg("--log")
        .arg(&file)
        .args([
            "move",
            "--to",
            "published",
            "OIN-2026-0142",
            "OIN-2026-0116",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    sb.cmd()
        .arg("--log")
        .arg(&file)
        .args(["move", "--to", "isv_review", "OIN-2026-0142"])
        .output()
        .unwrap();
    let written = std::fs::read_to_string(&file).unwrap();
    let me = common::me();
    for want in [
        format!(
            "move refused analyst=\"{me}\" id=OIN-2026-0142 why=initial_review -> published is not an allowed move"
        ),
        format!("move refused analyst=\"{me}\" id=OIN-2026-0116"),
        format!(
            "finished with exit 1: something asked was refused or failed (said above and on stderr) command=\"move\" analyst=\"{me}\""
        ),
        format!(
            "moved analyst=\"{me}\" id=OIN-2026-0142 from=\"initial_review\" to=\"isv_review\" forced=false"
        ),
        format!("finished command=\"move\" analyst=\"{me}\""),
    ] {
        assert!(written.contains(&want), "{want}\n{written}");
    }

    let out = sb
        .cmd()
        .env("OIN_REVIEW_LOG", "loud")
        .arg("list")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("OIN_REVIEW_LOG=\"loud\": use error, warn, info, debug or trace"),
        "{stderr}"
    );
}

#[test]
fn every_positional_argument_is_described_and_time_and_theme_flags_show_only_where_they_matter() {
    use clap::CommandFactory;
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_positionals() {
            if arg.get_help().is_none() {
                out.push(format!("{path} <{}>", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut root = oin_review::cli::Cli::command();
    root.build();
    let mut undescribed = Vec::new();
    walk(&root, "oin-review", &mut undescribed);
    assert!(
        undescribed.is_empty(),
        "positionals without help: {undescribed:?}"
    );

    let sb = Sandbox::new();
    let help = |args: &[&str]| sb.ok(args);
    for reads in ["list", "show", "lint", "demo"] {
        assert!(help(&[reads, "--help"]).contains("--as-of"), "{reads}");
    }
    for read in [["finding", "list"], ["mail", "preview"], ["outbox", "list"]] {
        assert!(
            help(&[read[0], read[1], "--help"]).contains("--as-of"),
            "{read:?}"
        );
    }
    for writes in [
        "move", "assign", "claim", "undo", "import", "promise", "backup",
    ] {
        let h = help(&[writes, "--help"]);
        assert!(!h.contains("--as-of"), "{writes}: {h}");
        assert!(!h.contains("--theme"), "{writes}: {h}");
        assert!(h.contains("--db"), "{writes}: {h}");
    }
    for plain in ["completions", "man"] {
        let h = help(&[plain, "--help"]);
        assert!(
            !h.contains("--db") && !h.contains("--as-of"),
            "{plain}: {h}"
        );
    }
    // Given where it does not apply, a flag is refused with what does take it, before
    // anything is done.
    sb.import_samples();
    let out = sb.run(&[
        "--as-of",
        "2026-11-23T09:00:00Z",
        "move",
        "--to",
        "qa_testing",
        "OIN-2026-0142",
    ]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--as-of does not apply to `move`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("writes are recorded at the real time"),
        "{stderr}"
    );
    assert_eq!(
        sb.list_json()
            .iter()
            .find(|s| s["id"] == "OIN-2026-0142")
            .unwrap()["state"],
        "initial_review"
    );
    // After the subcommand too: the same message, not clap's "a similar argument exists".
    let out = sb.run(&[
        "move",
        "--as-of",
        "2026-11-23T09:00:00Z",
        "--to",
        "qa_testing",
        "OIN-2026-0142",
    ]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--as-of does not apply to `move`") && !stderr.contains("similar"),
        "{stderr}"
    );
    let out = sb.run(&["--theme", "light", "list"]);
    assert!(text(&out).1.contains("--theme is for the console"));
    // Both places work for a read: before the subcommand and after it.
    let at = "2026-11-23T12:00:00Z";
    assert_eq!(
        sb.ok(&["--as-of", at, "list", "--format", "tsv"]),
        sb.ok(&["list", "--as-of", at, "--format", "tsv"])
    );
}

#[test]
fn list_fills_the_terminal_is_80_columns_in_a_pipe_and_wide_has_every_column_uncut() {
    let sb = Sandbox::new();
    sb.import_samples();
    let widest = |s: &str| {
        s.lines()
            .map(unicode_width::UnicodeWidthStr::width)
            .max()
            .unwrap_or(0)
    };
    // Not a terminal: 80 columns, as scripts and the README expect.
    let piped = sb.ok(&["list"]);
    assert!(widest(&piped) <= 79, "{piped}");
    assert!(piped.contains("Coho Winery…"), "{piped}");

    // In a 150-column terminal the names get the room.
    let t = common::tmux::Tmux::start(
        &sb,
        "listwide",
        &[],
        &["list", "--state", "initial_review"],
        150,
        40,
    );
    let screen = t.wait_for("submission(s)", Duration::from_secs(10));
    assert!(screen.contains("Coho Winery Inventory"), "{screen}");
    assert!(screen.contains("Coho Vineyard"), "{screen}");
    assert!(widest(&screen) <= 149, "{screen}");
    assert!(widest(&screen) > 80, "{screen}");

    // --wide: every column, none cut, whatever the width.
    let wide = sb.ok(&["list", "--wide"]);
    let header = wide.lines().next().unwrap();
    for title in ["PROTOCOLS", "PATH", "DUE", "SUBMITTER"] {
        assert!(header.contains(title), "{header}");
    }
    assert!(!wide.contains('…'), "{wide}");
    assert!(wide.contains("integrations@coho.example"), "{wide}");
    let rows: Vec<&str> = wide.lines().collect();
    assert_eq!(rows.len(), 33 + 2, "a header, a line each, the count");
}

#[test]
fn every_read_command_answers_as_of_the_instant_asked_and_writes_keep_the_real_time() {
    let sb = Sandbox::new();
    // Submitted on the 10th with results run just before; sent back; resubmitted on the
    // 20th without new runs: the old results do not count for the resubmission.
    let mut s = common::passing_json("ASOF-1", "2026-11-10T10:00:00Z");
    s["history"] = json!([
        {"to": "initial_review", "at": "2026-11-10T10:00:00Z", "by": "isv"},
        {"to": "isv_review", "at": "2026-11-12T10:00:00Z", "by": "ana"},
        {"to": "initial_review", "at": "2026-11-20T10:00:00Z", "by": "isv"}
    ]);
    sb.import_values(&[s]);
    let first = "2026-11-11T12:00:00Z";
    let second = "2026-11-23T12:00:00Z";

    let lint = |at: &str| sb.ok(&["lint", "--as-of", at, "ASOF-1"]);
    assert!(lint(first).contains("0 blocker(s)"), "{}", lint(first));
    assert!(
        lint(second).contains("tests.not_valid_at_submission"),
        "{}",
        lint(second)
    );

    let findings = |at: &str| sb.ok(&["finding", "list", "--as-of", at, "ASOF-1"]);
    assert!(
        findings(first).contains("no findings"),
        "{}",
        findings(first)
    );
    assert!(
        findings(second).contains("tests.not_valid_at_submission"),
        "{}",
        findings(second)
    );

    // The received email states the initial review's expected end, from the clock then.
    let preview = |at: &str| {
        sb.ok(&[
            "mail",
            "preview",
            "--as-of",
            at,
            "ASOF-1",
            "--move-to",
            "qa_testing",
            "--force",
        ])
    };
    let (a, b) = (preview(first), preview(second));
    assert_ne!(a, b, "the expected date follows the instant");
    // QA's 5 business days (002:42) from Wed 11 Nov 12:00, Veterans Day itself not counted:
    // Thu 12 to Wed 18 inclusive. The clock runs out at the start of Thu 19; the ISV is
    // promised the window's last day, Wednesday 18.
    assert!(a.contains("by Wednesday, November 18, 2026"), "{a}");
    // From Mon 23 Nov 12:00, Thanksgiving (Thu 26) not counted: Tue 1 Dec at 12:00.
    assert!(b.contains("by Tuesday, December 1, 2026"), "{b}");

    // A write under --as-of is recorded at the real time.
    let before = common::now();
    sb.ok(&["mail", "send", "--as-of", first, "ASOF-1", "--queue-only"]);
    let outbox: Vec<Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    let queued: jiff::Timestamp = outbox[0]["queued_at"].as_str().unwrap().parse().unwrap();
    assert!(
        queued
            >= before
                .checked_sub(jiff::SignedDuration::from_secs(2))
                .unwrap(),
        "{queued}"
    );
}

#[test]
fn field_queries_filter_exactly_combine_with_and_negate_and_name_what_is_wrong() {
    let sb = Sandbox::new();
    sb.import_samples();
    let samples: Vec<Value> = serde_json::from_str(common::SAMPLES).unwrap();
    let ids = |q: &str| -> Vec<String> {
        let listed: Vec<Value> = serde_json::from_str(
            &sb.ok(&["list", "--query", q, "--format", "json", "--sort", "id"]),
        )
        .unwrap();
        listed
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let expect = |f: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let mut v: Vec<String> = samples
            .iter()
            .filter(|s| f(s))
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let isv = |s: &Value| {
        s["isv"]
            .as_str()
            .unwrap_or("")
            .to_lowercase()
            .contains("contoso")
    };
    // The issue's complaint: fuzzy `contoso` matches other ISVs; the field does not.
    let contoso = ids("isv:contoso");
    assert_eq!(contoso, expect(&isv));
    assert!(
        ids("contoso").len() > contoso.len(),
        "fuzzy matching is broader"
    );
    // AND, negation, enumerations exactly.
    assert_eq!(
        ids("isv:Contoso -state:initial_review"),
        expect(&|s| isv(s) && s["state"] != "initial_review")
    );
    assert_eq!(
        ids("protocol:scim path:manager"),
        expect(&|s| s["path"] == "manager"
            && s["protocols"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p == "scim"))
    );
    assert_eq!(ids("kind:update"), expect(&|s| s["update_of"].is_string()));
    assert_eq!(
        ids(r#"app:"contoso hr""#),
        expect(&|s| s["app_name"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("contoso hr"))
    );
    // assignee:me is whoever runs it; assignee:none the unassigned.
    sb.ok(&["claim", "OIN-2026-0142"]);
    assert_eq!(ids("assignee:me"), ["OIN-2026-0142"]);
    let unassigned: Vec<Value> = sb
        .list_json()
        .into_iter()
        .filter(|s| s["assignee"].is_null())
        .collect();
    assert_eq!(ids("assignee:none").len(), unassigned.len());
    // Statuses at the instant asked, as the JSON reports them.
    let at = "2026-11-23T12:00:00Z";
    let listed: Vec<Value> =
        serde_json::from_str(&sb.ok(&["list", "--as-of", at, "--format", "json"])).unwrap();
    let by = |f: &dyn Fn(&Value) -> bool| -> Vec<String> {
        let mut v: Vec<String> = listed
            .iter()
            .filter(|s| f(s))
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    let status = |s: &Value| s["sla"]["status"].as_str().unwrap_or("").to_string();
    let q = |q: &str| -> Vec<String> {
        let out: Vec<Value> = serde_json::from_str(
            &sb.ok(&["list", "--as-of", at, "--query", q, "--format", "json"]),
        )
        .unwrap();
        let mut v: Vec<String> = out
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(q("sla:breached"), by(&|s| status(s) == "breached"));
    assert_eq!(
        q("tests:expired"),
        by(&|s| s["tests"]["overall"] == "expired")
    );
    let now: jiff::Timestamp = at.parse().unwrap();
    let within = |s: &Value, hours: i64| {
        s["sla"]["current"]["due"]
            .as_str()
            .and_then(|d| d.parse::<jiff::Timestamp>().ok())
            .is_some_and(|d| {
                d >= now
                    && d <= now
                        .checked_add(jiff::SignedDuration::from_hours(hours))
                        .unwrap()
            })
            && !["paused", "stopped"].contains(&status(s).as_str())
    };
    assert_eq!(q("due:<2d"), by(&|s| within(s, 48)));
    assert!(
        !q("due:<2d").is_empty(),
        "the samples have clocks due within two days"
    );
    // Free words still rank fuzzily among what the terms keep.
    let out = sb.ok(&[
        "list",
        "--query",
        "state:initial_review acme",
        "--format",
        "tsv",
    ]);
    assert!(
        out.lines().nth(1).unwrap().starts_with("OIN-2026-0142"),
        "{out}"
    );

    for (query, says) in [
        ("stat:qa", "unknown field \"stat\""),
        ("state:qa_test", "no state \"qa_test\"; use one of draft"),
        ("sla:late", "use one of breached, at_risk, on_track, paused"),
        ("due:soon", "use today, tomorrow, or <N"),
        ("protocol:", "protocol: needs a value"),
    ] {
        let out = sb.run(&["list", "--query", query]);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{query}");
        assert!(stderr.contains(says), "{query}: {stderr}");
    }
}

#[test]
fn saved_views_list_by_name_redefine_a_builtin_tab_and_a_bad_one_names_its_line() {
    let sb = Sandbox::new();
    sb.import_samples();
    let config = sb.write(
        "config/oin-review/config.toml",
        "[views]\n\"Contoso open\" = \"isv:contoso -state:published\"\n\"mine\" = \"assignee:me state:qa_testing\"\n",
    );
    let ids = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["list", "--format", "json", "--sort", "id"];
        a.extend_from_slice(args);
        let v: Vec<Value> = serde_json::from_str(&sb.ok(&a)).unwrap();
        v.iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ids(&["--view", "contoso OPEN"]),
        ids(&["--query", "isv:contoso -state:published"]),
        "a view is its query, named in any case"
    );
    // Combined with --query.
    assert_eq!(
        ids(&["--view", "Contoso open", "--query", "state:qa_testing"]),
        ids(&["--query", "isv:contoso -state:published state:qa_testing"])
    );
    // The built-in "Mine" is redefined; the others stay as built.
    sb.ok(&["claim", "OIN-2026-0142", "OIN-2026-0133"]);
    assert_eq!(
        ids(&["--view", "Mine"]),
        ["OIN-2026-0133"],
        "only my QA work"
    );
    assert_eq!(
        ids(&["--view", "With ISV"]),
        ids(&["--query", "holder:isv"])
    );
    let out = sb.run(&["list", "--view", "nope"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("no view \"nope\"; the views are \"Needs OIN\""),
        "{stderr}"
    );
    assert!(stderr.contains("\"Contoso open\""), "{stderr}");

    std::fs::write(&config, "mouse = false\n[views]\n\"Late\" = \"sla:late\"\n").unwrap();
    let out = sb.run(&["list", "--view", "Late"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "{}: line 3: views.\"Late\": sla:late",
            config.display()
        )),
        "{stderr}"
    );
    let out = sb.run(&["check"]);
    let (report, _) = text(&out);
    assert!(!out.status.success());
    assert!(
        report.contains("FAIL  views") && report.contains("line 3"),
        "{report}"
    );
    // Other commands warn and go on (the console would not open).
    let out = sb.run(&["list"]);
    assert!(out.status.success());
    assert!(text(&out).1.contains("warning:"), "{}", text(&out).1);
}

#[test]
fn dry_runs_say_exactly_what_move_mail_send_and_undo_would_do_and_change_nothing() {
    let sb = Sandbox::new();
    sb.import_samples();
    // The whole queue as export writes it, without its time of writing.
    let state = || -> String {
        sb.ok(&["export", "--include-secrets"])
            .lines()
            .filter(|l| !l.contains("\"exported_at\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let before = state();
    // move: the same lines as the real move, then the dry-run line.
    let dry = sb.run(&[
        "move",
        "--to",
        "isv_review",
        "--email",
        "--dry-run",
        "OIN-2026-0131",
        "OIN-2026-0105",
    ]);
    // 0105 is in QA: refused, so the status is 1, as the real move's.
    assert_eq!(dry.status.code(), Some(1));
    let dry = String::from_utf8_lossy(&dry.stdout).into_owned();
    assert!(
        dry.ends_with("dry run: this is what the move would do now; nothing was moved or queued\n"),
        "{dry}"
    );
    assert!(state() == before, "the dry run changed the queue");
    assert_eq!(sb.ok(&["outbox", "list"]).trim(), "the outbox is empty");
    let real = sb.run(&[
        "move",
        "--to",
        "isv_review",
        "--email",
        "OIN-2026-0131",
        "OIN-2026-0105",
    ]);
    assert_eq!(real.status.code(), Some(1));
    let real = String::from_utf8_lossy(&real.stdout).into_owned();
    assert_eq!(
        dry.lines()
            .filter(|l| !l.starts_with("dry run"))
            .collect::<Vec<_>>(),
        real.lines().collect::<Vec<_>>(),
        "the rehearsal said what the move did"
    );
    // undo: names the email it would cancel, and cancels nothing.
    let after_move = state();
    let undo = sb.ok(&["undo", "--dry-run"]);
    assert!(
        undo.contains("OIN-2026-0131  email 1 cancelled before it was sent"),
        "{undo}"
    );
    assert!(
        undo.ends_with("dry run: this is what undo would do now; nothing was changed\n"),
        "{undo}"
    );
    assert!(state() == after_move, "the dry undo changed the queue");
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(ob[0]["status"], "queued");
    // mail send: nothing queued, nothing delivered.
    let send = sb.ok(&["mail", "send", "OIN-2026-0132", "--dry-run"]);
    assert!(
        send.ends_with(
            "dry run: this is what would be queued and moved now; nothing was changed or sent\n"
        ),
        "{send}"
    );
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(ob.len(), 1, "{ob:?}");
}

#[test]
fn a_state_is_accepted_in_every_spelling_the_tools_show_and_a_wizard_group_is_named_as_such() {
    // 000's table of statuses gives each state an OIN Wizard and an OIN Manager name; the
    // console shows a short one ("QA testing"): each is accepted where a state is typed.
    let sb = Sandbox::new();
    sb.import_samples();
    let ids = |q: &str| -> Vec<String> {
        sb.ok(&["list", "--query", q, "--format", "tsv"])
            .lines()
            .skip(1)
            .map(|l| l.split('\t').next().unwrap().to_string())
            .collect()
    };
    let keyed = ids("state:qa_testing");
    assert_eq!(keyed.len(), 5);
    for spelling in [
        "state:\"QA testing\"",
        "state:\"To be QA tested by Okta\"",
        "state:QA-Testing",
        // The workload table's column (`report workload`: DRAFT INIT ISV QA FIX FINAL).
        "state:qa",
    ] {
        assert_eq!(ids(spelling), keyed, "{spelling}");
    }
    assert_eq!(ids("state:init"), ids("state:initial_review"));
    assert_eq!(ids("state:fix"), ids("state:isv_fix_bugs"));
    // "isv" heads a column and counts the ISV's items in the header: which state is asked.
    let out = sb.run(&["list", "--query", "state:isv"]);
    assert!(
        text(&out)
            .1
            .contains("\"isv\" could be isv_review or isv_fix_bugs: name one"),
        "{}",
        text(&out).1
    );
    assert_eq!(ids("state:\"Draft—ISV new\"").len(), 3);
    let out = sb.ok(&[
        "move",
        "--to",
        "ISV needs to fix bugs",
        "--dry-run",
        "OIN-2026-0105",
    ]);
    assert!(out.contains("qa_testing -> isv_fix_bugs"), "{out}");
    // "OIN to review" is a Wizard group of three states: which one is asked.
    let out = sb.run(&["move", "--to", "OIN to review", "OIN-2026-0104"]);
    assert!(!out.status.success());
    assert!(
        text(&out).1.contains(
            "\"OIN to review\" is an OIN Wizard group of 3 states (initial_review, qa_testing, final_review): name one"
        ),
        "{}",
        text(&out).1
    );
}

#[test]
fn as_of_lists_the_queue_as_it_was_states_assignees_and_only_what_existed() {
    // The samples at the tests' clock; an hour later (real writes are recorded at the
    // clock's instant) OIN-2026-0142 is claimed and moved, and a new submission arrives.
    let sb = Sandbox::new();
    sb.import_samples();
    let before = "2026-12-04T10:00:00Z";
    let row = |args: &[&str], id: &str| -> Option<(String, String)> {
        sb.ok(args)
            .lines()
            .find(|l| l.split('\t').next() == Some(id))
            .map(|l| {
                let cells: Vec<&str> = l.split('\t').collect();
                (cells[3].to_string(), cells[4].to_string())
            })
    };
    let then = |id: &str| row(&["--as-of", before, "list", "--format", "tsv"], id);
    let was = then("OIN-2026-0142");
    sb.ok(&["claim", "OIN-2026-0142"]);
    sb.ok(&[
        "move",
        "--to",
        "qa_testing",
        "--force",
        "--reason",
        "checked",
        "OIN-2026-0142",
    ]);
    let mut late = common::passing_json("LATE-1", "2026-12-04T10:30:00Z");
    late["history"] = json!([{"to": "initial_review", "at": "2026-12-04T10:30:00Z", "by": "isv"}]);
    sb.import_values(&[late]);
    // Now: moved, claimed, and the new one listed.
    let now = row(&["list", "--format", "tsv"], "OIN-2026-0142").unwrap();
    assert_eq!(now.0, "QA testing");
    assert_eq!(now.1, common::me());
    assert!(row(&["list", "--format", "tsv"], "LATE-1").is_some());
    // As of before: the state and the assignee of then, and no LATE-1.
    assert_eq!(then("OIN-2026-0142"), was);
    assert_eq!(was.as_ref().map(|w| w.0.as_str()), Some("init review"));
    assert_eq!(then("LATE-1"), None, "made after the instant");
    // `show` and its JSON, and `lint`, read the submission as it was then too: its state,
    // assignee and history of then.
    let shown: Value = serde_json::from_str(&sb.ok(&[
        "--as-of",
        before,
        "show",
        "OIN-2026-0142",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(shown["state"], "initial_review");
    assert_eq!(shown["assignee"], Value::Null);
    assert!(
        shown["history"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["to"] != "qa_testing"),
        "{shown}"
    );
    let text_then = sb.ok(&["--as-of", before, "show", "OIN-2026-0142"]);
    assert!(text_then.contains("To be reviewed by Okta"), "{text_then}");
    let out = sb.run(&["--as-of", before, "show", "LATE-1"]);
    assert!(
        text(&out)
            .1
            .contains("LATE-1 was not in the queue yet at 2026-12-04T10:00:00Z"),
        "{}",
        text(&out).1
    );
    // A state filter at a past instant filters on the states of then.
    let listed = sb.ok(&[
        "--as-of",
        before,
        "list",
        "--state",
        "initial_review",
        "--format",
        "tsv",
    ]);
    assert!(listed.contains("OIN-2026-0142\t"), "{listed}");
    // A day alone is its start in the team's time zone (UTC in the built-in policy).
    assert_eq!(
        sb.ok(&["--as-of", "2026-12-04", "list", "--format", "tsv"]),
        sb.ok(&["--as-of", "2026-12-04T00:00:00Z", "list", "--format", "tsv"])
    );
}
