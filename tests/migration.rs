//! A queue made by the release before the projection (schema v4, commit efd8c96: 33
//! samples, tester results, a move, an undone batch, an assignment, an own finding, a promise
//! and a sent email) opens in this one and is upgraded in place, in one transaction: every
//! record kept, every line projected from its history; a queue the upgrade cannot read is
//! left exactly as it was.

mod common;

use common::Sandbox;
use oin_review::domain::{Policy, QueueLine};
use oin_review::store::{LineFilter, OpenOptions, Store, schema_version};
use rusqlite::Connection;
use std::sync::Arc;

const FIXTURE: &str = "tests/fixtures/queue-v4-efd8c96.db";

fn policy() -> Arc<Policy> {
    Arc::new(
        oin_review::config::policy_from_text(
            std::path::Path::new("policy.toml"),
            oin_review::config::BUILTIN_POLICY,
        )
        .unwrap(),
    )
}

fn counts(db: &std::path::Path) -> Vec<i64> {
    let c = Connection::open(db).unwrap();
    [
        "SELECT count(*) FROM submissions",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM test_results",
        "SELECT count(*) FROM assignments",
        "SELECT count(*) FROM batches",
        "SELECT count(*) FROM own_findings",
        "SELECT count(*) FROM promises",
        "SELECT count(*) FROM outbox WHERE status = 'sent'",
    ]
    .iter()
    .map(|q| c.query_row(q, [], |r| r.get(0)).unwrap())
    .collect()
}

fn version(db: &std::path::Path) -> i64 {
    Connection::open(db)
        .unwrap()
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_release_before_upgrades_in_place_keeping_every_record() {
    let sb = Sandbox::new();
    std::fs::copy(FIXTURE, sb.db()).unwrap();
    assert_eq!(version(&sb.db()), 4, "the fixture is the old release's");
    let before = counts(&sb.db());
    assert_eq!(before, vec![33, 99, 21, 1, 3, 1, 1, 1]);

    // The first command after the upgrade of the binary says what it does, once.
    let out = sb.run(&["list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "upgrade its schema from v4 to v{}: 33 submissions",
            oin_review::store::schema_version()
        )),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("33 submission(s)"));
    assert_eq!(
        version(&sb.db()),
        oin_review::store::schema_version(),
        "upgraded"
    );
    assert_eq!(counts(&sb.db()), before, "nothing lost");
    let again = sb.run(&["list"]);
    assert!(
        !String::from_utf8_lossy(&again.stderr).contains("upgrade"),
        "said once"
    );

    // Every line is its submission's projection; the old history drives the clocks.
    let p = policy();
    let store = Store::open(
        &sb.db(),
        &OpenOptions {
            policy: Some(p.clone()),
            ..OpenOptions::default()
        },
    )
    .unwrap();
    let far: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let mut lines = store.lines(&LineFilter::default(), far).unwrap().lines;
    lines.sort_by(|a, b| a.id().cmp(b.id()));
    let subs = store.load_submissions().unwrap();
    assert_eq!(lines.len(), 33);
    for (line, sub) in lines.iter().zip(&subs) {
        assert_eq!(line, &QueueLine::of(sub, &p), "{}", sub.id);
    }
    // `list --query` matches on the search text the upgrade wrote (v9 keeps it on the row).
    let (texts, _) = common::scored_read(&store, far, |_| None);
    let want: Vec<String> = subs.iter().map(|s| s.search_text()).collect();
    assert_eq!(texts, want);
    let c = Connection::open(sb.db()).unwrap();
    let ok: String = c
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    // v8 rebuilt the outbox to admit reminders: its guard on sent emails came with it.
    let e = c
        .execute(
            "UPDATE outbox SET status = 'queued' WHERE status = 'sent'",
            [],
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("a sent email is never changed"),
        "{e}"
    );
    let kinds: String = c
        .query_row(
            "SELECT sql FROM sqlite_master WHERE name = 'outbox'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(kinds.contains("'reminder'"), "{kinds}");
}

#[test]
fn an_upgrade_that_cannot_finish_leaves_the_queue_as_it_was() {
    let sb = Sandbox::new();
    std::fs::copy(FIXTURE, sb.db()).unwrap();
    // A record the projection cannot read (damaged by hand), in the file as the old release
    // leaves it: efd8c96 too switched every queue it opened for writing to WAL (the fixture
    // file itself is in rollback-journal mode). The connection closes here, so everything
    // is in the file itself.
    Connection::open(sb.db())
        .unwrap()
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             UPDATE submissions SET sso_json = '{not json' WHERE id = 'OIN-2026-0142';",
        )
        .unwrap();
    let before = std::fs::read(sb.db()).unwrap();
    assert_eq!((before[18], before[19]), (2, 2), "the header says WAL");
    let out = sb.run(&["list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("OIN-2026-0142"), "says which: {stderr}");
    // Byte for byte, read before anything here opens the file again.
    let after = std::fs::read(sb.db()).unwrap();
    assert_eq!(after.len(), before.len(), "the file's size is unchanged");
    let differs: Vec<(usize, u8, u8)> = (0..before.len())
        .filter(|&i| before[i] != after[i])
        .map(|i| (i, before[i], after[i]))
        .collect();
    assert!(
        differs.is_empty(),
        "the file is left as it was, but {} byte(s) changed; (offset, before, after): {:?}",
        differs.len(),
        &differs[..differs.len().min(8)]
    );
    for side in ["-wal", "-journal"] {
        let mut path = sb.db().into_os_string();
        path.push(side);
        let path = std::path::PathBuf::from(path);
        assert_eq!(
            std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
            0,
            "nothing left to replay into it: {}",
            path.display()
        );
    }
    assert_eq!(version(&sb.db()), 4, "not half upgraded");
    // The failed transaction left no change in the file (its journal rolled back).
    let c = Connection::open(sb.db()).unwrap();
    let tables: i64 = c
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'queue_log'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0);
}

/// The queue of the release before the covering index (schema v8, commit efeb562: a demo
/// of 53 submissions, a note with a mention, an assignment, a move) and what that release
/// listed from it, at one instant, in full and for two searches.
const FIXTURE_V8: &str = "tests/fixtures/queue-v8-efeb562.db";
const AS_OF: &str = "2026-12-03T15:00:00Z";

#[test]
fn the_release_before_the_covering_index_upgrades_and_lists_the_same() {
    let sb = Sandbox::new();
    std::fs::copy(FIXTURE_V8, sb.db()).unwrap();
    assert_eq!(version(&sb.db()), 8, "the fixture is the old release's");
    let tables = |q: &str| -> i64 {
        Connection::open(sb.db())
            .unwrap()
            .query_row(q, [], |r| r.get(0))
            .unwrap()
    };
    let before = [
        "SELECT count(*) FROM submissions",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM notes",
        "SELECT count(*) FROM attention",
        "SELECT count(*) FROM assignments",
    ]
    .map(tables);
    assert_eq!(before, [53, 170, 1, 1, 1]);

    let out = sb.run(&["--as-of", AS_OF, "list", "--format", "tsv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "upgrade its schema from v8 to v{}: 53 submissions",
            schema_version()
        )),
        "said: {stderr}"
    );
    assert_eq!(version(&sb.db()), schema_version());
    let want = std::fs::read_to_string("tests/fixtures/queue-v8-efeb562.list.tsv").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        want,
        "lists as the old release did"
    );
    for (query, file) in [("contoso", "contoso"), ("dev-1", "dev-1")] {
        let out = sb.run(&[
            "--as-of", AS_OF, "list", "--query", query, "--format", "tsv",
        ]);
        assert!(out.status.success());
        let want =
            std::fs::read_to_string(format!("tests/fixtures/queue-v8-efeb562.{file}.tsv")).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            want,
            "{query:?} finds what the old release found, in its order"
        );
    }
    assert_eq!(
        [
            "SELECT count(*) FROM submissions",
            "SELECT count(*) FROM events",
            "SELECT count(*) FROM notes",
            "SELECT count(*) FROM attention",
            "SELECT count(*) FROM assignments",
        ]
        .map(tables),
        before,
        "nothing lost"
    );
    assert_eq!(
        tables("SELECT count(*) FROM sqlite_master WHERE name = 'search_text'"),
        0,
        "the separate search text went"
    );
    assert_eq!(
        tables("SELECT count(*) FROM submissions WHERE search IS NULL"),
        0,
        "every row has its search text"
    );
    let ok: String = Connection::open(sb.db())
        .unwrap()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

/// Made by the release before the outbox knew its moves (schema v9, commit 45ccf44), on the
/// tests' clock: the samples and their tester results imported; OIN-2026-0131 moved to
/// isv_review with its email (09:10) and that email delivered to the file outbox (09:20);
/// OIN-2026-0132 moved the same way (09:30), its email left queued after a refused SMTP
/// attempt (10:15); a refused move, a note with a mention, an assignment.
const FIXTURE_V9: &str = "tests/fixtures/queue-v9-45ccf44.db";

#[test]
fn the_release_before_cancellable_emails_upgrades_and_an_undo_cancels_its_queued_email() {
    let sb = Sandbox::new();
    std::fs::copy(FIXTURE_V9, sb.db()).unwrap();
    assert_eq!(version(&sb.db()), 9, "the fixture is the old release's");
    let count = |q: &str| -> i64 {
        Connection::open(sb.db())
            .unwrap()
            .query_row(q, [], |r| r.get(0))
            .unwrap()
    };
    let tables = [
        "SELECT count(*) FROM submissions",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM batches",
        "SELECT count(*) FROM notes",
        "SELECT count(*) FROM assignments",
        "SELECT count(*) FROM outbox WHERE status = 'sent'",
        "SELECT count(*) FROM outbox WHERE status = 'queued'",
    ];
    let before = tables.map(count);
    assert_eq!(before[5..], [1, 1]);

    let out = sb.run(&["--as-of", "2026-12-04T11:00:00Z", "list", "--format", "tsv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "upgrade its schema from v9 to v{}",
            schema_version()
        )),
        "said: {stderr}"
    );
    assert_eq!(version(&sb.db()), schema_version());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string("tests/fixtures/queue-v9-45ccf44.list.tsv").unwrap(),
        "lists as the old release did"
    );
    assert_eq!(tables.map(count), before, "nothing lost");
    assert_eq!(
        count("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"),
        0
    );
    // Each old email found the move it went with.
    assert_eq!(
        count(
            "SELECT count(*) FROM outbox o JOIN events e
               ON e.batch_id = o.batch_id AND e.submission_id = o.submission_id"
        ),
        2
    );
    // The old release's last batch was 0132's move: undoing it cancels its queued email,
    // which the outbox keeps, and a flush sends nothing.
    let undo = sb.ok(&["undo"]);
    assert!(
        undo.contains("OIN-2026-0132  back to initial_review"),
        "{undo}"
    );
    assert!(
        undo.contains("OIN-2026-0132  email 2 cancelled before it was sent"),
        "{undo}"
    );
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    let e2 = ob.iter().find(|e| e["id"] == 2).unwrap();
    assert_eq!(e2["status"], "cancelled", "{e2}");
    assert!(e2["cancelled_by"].is_string(), "{e2}");
    let flush = sb.ok(&["outbox", "flush"]);
    assert!(flush.contains("0 sent, 0 waiting, 0 failed"), "{flush}");
}

/// A copy of the old release's queue `fixture` (schema `from`), upgraded by a `list` at the
/// tests' clock: it says so, lists byte for byte as `listed` (what the old release listed),
/// keeps every submission, event, email and test result, and passes `integrity_check`.
fn upgrades_losing_nothing(fixture: &str, from: i64, listed: &str) -> Sandbox {
    let sb = Sandbox::new();
    std::fs::copy(fixture, sb.db()).unwrap();
    assert_eq!(version(&sb.db()), from, "the fixture is the old release's");
    let count = |q: &str| -> i64 {
        Connection::open(sb.db())
            .unwrap()
            .query_row(q, [], |r| r.get(0))
            .unwrap()
    };
    let tables = [
        "SELECT count(*) FROM submissions",
        "SELECT count(*) FROM events",
        "SELECT count(*) FROM outbox",
        "SELECT count(*) FROM test_results",
    ];
    let before = tables.map(count);
    let out = sb.run(&["--as-of", "2026-12-04T11:00:00Z", "list", "--format", "tsv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "upgrade its schema from v{from} to v{}",
            schema_version()
        )),
        "said: {stderr}"
    );
    assert_eq!(version(&sb.db()), schema_version());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string(listed).unwrap(),
        "lists as the old release did"
    );
    assert_eq!(tables.map(count), before, "nothing lost");
    assert_eq!(
        count("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"),
        0
    );
    sb
}

/// Made by the release before versions were linked (schema v10, commit 7770938), on the
/// tests' clock: the samples and their tester results imported, OIN-2026-0131 moved to
/// isv_review with its email. OIN-2026-0130 is a draft update of "Contoso Wiki", which
/// OIN-2026-0135 is.
const FIXTURE_V10: &str = "tests/fixtures/queue-v10-7770938.db";

#[test]
fn the_release_before_linked_versions_upgrades_and_links_the_updates_it_holds() {
    let sb = upgrades_losing_nothing(FIXTURE_V10, 10, "tests/fixtures/queue-v10-7770938.list.tsv");
    // The update the old release held is linked to the published version it names.
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0130", "--format", "json"])).unwrap();
    assert_eq!(v["supersedes"], "OIN-2026-0135");
    let w: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0135", "--format", "json"])).unwrap();
    assert_eq!(w["new_versions"][0]["id"], "OIN-2026-0130");
}

/// A queue made by the release before the whole form (v11, commit 66360cc) at the tests'
/// clock: the samples and their tester results imported, OIN-2026-0136-v2 made a new
/// version of OIN-2026-0136 and moved to initial review, OIN-2026-0131 emailed into
/// isv_review.
const FIXTURE_V11: &str = "tests/fixtures/queue-v11-66360cc.db";

#[test]
fn the_release_before_the_whole_form_upgrades_in_place_and_finds_versions_by_query() {
    let sb = upgrades_losing_nothing(FIXTURE_V11, 11, "tests/fixtures/queue-v11-66360cc.list.tsv");
    // The old submissions hold no form parts they never had: not recorded, not false.
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0102", "--format", "json"])).unwrap();
    assert_eq!(v["testing_instructions"], serde_json::Value::Null);
    assert_eq!(v["tests_certified"], serde_json::Value::Null);
    assert_eq!(v["test_instances"], serde_json::json!([]));
    // The version the old release made is found with its published one.
    let tsv = sb.ok(&[
        "--as-of",
        "2026-12-04T11:00:00Z",
        "list",
        "--query",
        "versions:OIN-2026-0136-v2",
        "--format",
        "tsv",
    ]);
    let mut ids: Vec<&str> = tsv
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .collect();
    ids.sort();
    assert_eq!(ids, ["OIN-2026-0136", "OIN-2026-0136-v2"], "{tsv}");
    // The form's new parts import into the upgraded queue.
    let mut whole = common::passing_json("WHOLE", "2026-12-03T10:00:00Z");
    whole["testing_instructions"] = serde_json::json!("Admin: isvtest@okta.com.");
    whole["tests_certified"] = serde_json::json!(true);
    sb.import_values(&[whole]);
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "WHOLE", "--format", "json"])).unwrap();
    assert_eq!(v["testing_instructions"], "Admin: isvtest@okta.com.");
}

/// A queue made by the release before drafts were held by no one (v12, commit f7b07f4) at
/// the tests' clock: the samples and their tester results, a new version of 0136 in draft.
const FIXTURE_V12: &str = "tests/fixtures/queue-v12-f7b07f4.db";

#[test]
fn the_release_before_drafts_were_held_by_no_one_upgrades_and_with_isv_holds_no_draft() {
    // 000:81 "Draft — An in-progress integration that hasn't been submitted yet. The OIN
    // team doesn't review draft integrations."
    let sb = Sandbox::new();
    std::fs::copy(FIXTURE_V12, sb.db()).unwrap();
    assert_eq!(version(&sb.db()), 12, "the fixture is the old release's");
    let holders = || -> Vec<(String, String)> {
        let c = Connection::open(sb.db()).unwrap();
        let mut st = c
            .prepare("SELECT state, holder FROM submissions WHERE state = 'draft' ORDER BY id")
            .unwrap();
        st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert!(
        holders().iter().all(|(_, h)| h == "isv"),
        "the old release's drafts"
    );
    let out = sb.run(&["--as-of", "2026-12-04T11:00:00Z", "list", "--format", "tsv"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "upgrade its schema from v12 to v{}",
            schema_version()
        )),
        "said: {stderr}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        std::fs::read_to_string("tests/fixtures/queue-v12-f7b07f4.list.tsv").unwrap(),
        "lists as the old release did"
    );
    assert_eq!(holders().len(), 4);
    assert!(
        holders().iter().all(|(_, h)| h == "nobody"),
        "{:?}",
        holders()
    );
    let ids = |q: &str| -> Vec<String> {
        let tsv = sb.ok(&["list", &format!("--query={q}"), "--format", "tsv"]);
        let mut ids: Vec<String> = tsv
            .lines()
            .skip(1)
            .filter_map(|l| l.split('\t').next().map(String::from))
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(
        ids("holder:isv"),
        [
            "OIN-2026-0104",
            "OIN-2026-0106",
            "OIN-2026-0118",
            "OIN-2026-0134",
            "OIN-2026-0140"
        ],
        "only what waits on the ISV"
    );
    assert!(ids("holder:nobody").contains(&"OIN-2026-0136-v2".to_string()));
    // A query may start with a negated term, as typed.
    let out = sb.ok(&[
        "list",
        "--query",
        "-state:published state:final_review",
        "--format",
        "tsv",
    ]);
    assert_eq!(out.lines().count(), 4, "{out}");
}

/// A queue made by the release before replies were received (v13, commit 0a451fd) at the
/// tests' clock: the samples and their tester results, OIN-2026-0105 moved to
/// isv_fix_bugs with its issue-list email, sent through the file outbox.
const FIXTURE_V13: &str = "tests/fixtures/queue-v13-0a451fd.db";
/// That email's Message-ID, as the old release sent it.
const V13_SENT: &str = "<oin-review.OIN-2026-0105.1796382000010875473.21995.0@localhost>";

#[test]
fn the_release_before_replies_upgrades_in_place_and_threads_a_reply_to_its_old_email() {
    let sb = upgrades_losing_nothing(FIXTURE_V13, 13, "tests/fixtures/queue-v13-0a451fd.list.tsv");
    // The old release's email is still the one a reply answers.
    let host = tempfile::tempdir().unwrap();
    let md = host.path().join("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "{}[inbound]\nmaildir = \"{}\"\n",
            common::TEAM,
            md.display()
        ),
    );
    std::fs::write(
        md.join("new/1.host"),
        format!(
            "From: okta-escalations@harborview.example\r\nSubject: Re: issues\r\nMessage-ID: <r@harborview.example>\r\nIn-Reply-To: {V13_SENT}\r\n\r\nFixed, no Wizard edits.\r\n"
        ),
    )
    .unwrap();
    let out = sb.ok(&["mail", "fetch"]);
    assert!(out.contains("OIN-2026-0105 (by thread)"), "{out}");
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0105", "--format", "json"])).unwrap();
    assert_eq!(v["offered_move"], "qa_testing");
    assert_eq!(v["conversation"].as_array().unwrap().len(), 2, "{v:#}");
}
