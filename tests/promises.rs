//! Promises of the README that no other test file shows: the shape of `list --format json`
//! and a quiet stop on a closed pipe, every sort key (and the console's reverse), where the
//! queue lives and the modes it is created with, `assign --to none`, `finding include`,
//! `note list`, `mail preview --html`, `outbox retry` through to delivery, implicit TLS,
//! cc/from and template overrides in delivered mail, and `demo` without a terminal.

mod common;

use common::smtp::{Received, loopback_listener, start_server};
use common::{Sandbox, submission_json, text};
use mail_parser::MessageParser;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

const BIN: &str = env!("CARGO_BIN_EXE_oin-review");

/// The instant the sort tests list the samples at (the README's console picture's).
const AS_OF: &str = "2026-11-23T12:00:00Z";

/// The binary with the sandbox's HOME and XDG folders and no `--db`: the queue is found
/// as a user's would be.
fn bare(sb: &Sandbox) -> Command {
    let mut c = common::clean_command(BIN);
    c.env("HOME", sb.path("home"))
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("XDG_CONFIG_HOME", sb.path("config"));
    c
}

fn ok_out(mut c: Command, what: &str) -> String {
    let out = c.output().expect("run oin-review");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{what} failed: {stderr}\n{stdout}");
    stdout
}

fn ids_of(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|s| s["id"].as_str().expect("an id").to_string())
        .collect()
}

fn mode_of(p: &Path) -> u32 {
    std::fs::metadata(p)
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        .permissions()
        .mode()
        & 0o777
}

fn outbox(sb: &Sandbox) -> Vec<Value> {
    serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap()
}

// ---------------------------------------------------------------------------------------
// 1. `list --format json` and a closed pipe

#[test]
fn list_format_json_is_an_array_with_one_submission_object_per_line() {
    let sb = Sandbox::new();
    sb.import_samples();
    let out = sb.ok(&["list", "--format", "json", "--as-of", AS_OF]);
    assert!(
        out.ends_with("]\n"),
        "ends the array on its own line: {out:.200}"
    );
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.first(), Some(&"["), "the array opens on its own line");
    assert_eq!(lines.last(), Some(&"]"));
    let objects = &lines[1..lines.len() - 1];
    assert_eq!(objects.len(), 33, "one line per sample submission");
    let mut per_line = Vec::new();
    for (i, line) in objects.iter().enumerate() {
        let body = if i + 1 == objects.len() {
            assert!(!line.ends_with(','), "no comma after the last: {line:.80}");
            *line
        } else {
            line.strip_suffix(',')
                .unwrap_or_else(|| panic!("line {} ends with a comma: {line:.80}", i + 2))
        };
        let v: Value = serde_json::from_str(body)
            .unwrap_or_else(|e| panic!("line {} is one JSON value ({e}): {body:.80}", i + 2));
        assert!(
            v.is_object() && v["id"].is_string(),
            "a submission: {body:.80}"
        );
        per_line.push(v);
    }
    let whole: Vec<Value> = serde_json::from_str(&out).expect("the whole output is an array");
    assert_eq!(whole, per_line, "the lines are the array's elements");
    let ids: HashSet<String> = ids_of(&whole).into_iter().collect();
    assert_eq!(ids.len(), 33, "each submission once");
}

/// Runs `list --format FMT | head -1` in sh; returns the pipeline's status, what head
/// printed, the pipeline's stderr, oin-review's own stderr and exit status.
fn list_into_head(sb: &Sandbox, format: &str) -> (i32, String, String, String, String) {
    let status = sb.path(&format!("status-{format}"));
    let err = sb.path(&format!("stderr-{format}"));
    let out = common::clean_command("sh")
        .env("HOME", sb.path("home"))
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("XDG_CONFIG_HOME", sb.path("config"))
        .env("OIN", BIN)
        .env("DB", sb.db())
        .env("FMT", format)
        .env("ERR", &err)
        .env("STATUS", &status)
        .args([
            "-c",
            r#"{ "$OIN" --db "$DB" list --format "$FMT" 2>"$ERR"; echo $? >"$STATUS"; } | head -1"#,
        ])
        .output()
        .expect("run sh");
    let (stdout, stderr) = text(&out);
    (
        out.status.code().expect("sh exited"),
        stdout,
        stderr,
        std::fs::read_to_string(&err).expect("oin-review's stderr was captured"),
        std::fs::read_to_string(&status)
            .expect("oin-review's status was written")
            .trim()
            .to_string(),
    )
}

#[test]
fn list_piped_into_head_stops_quietly_exit_0_and_nothing_on_stderr() {
    let sb = Sandbox::new();
    sb.ok(&["demo", "--no-open", "--rows", "1500", "--seed", "1"]);
    for format in ["table", "json"] {
        let full = sb.ok(&["list", "--format", format]);
        // More than a pipe holds (64 KiB) plus what head reads (8 KiB) before it
        // exits: the writer meets the closed pipe.
        assert!(full.len() > 96 * 1024, "{format}: {} bytes", full.len());
        let first = format!("{}\n", full.lines().next().unwrap());
        let (pipeline, head, sh_err, oin_err, oin_status) = list_into_head(&sb, format);
        assert_eq!(pipeline, 0, "{format}: the pipeline's exit status");
        assert_eq!(head, first, "{format}: head printed the first line");
        assert_eq!(sh_err, "", "{format}: nothing on the pipeline's stderr");
        assert_eq!(oin_err, "", "{format}: oin-review said nothing on stderr");
        assert_eq!(oin_status, "0", "{format}: oin-review's own exit status");
    }
}

// ---------------------------------------------------------------------------------------
// 2. Sort keys

/// The state keys in the README's table order (draft first, published last).
const STATES: [&str; 7] = [
    "draft",
    "initial_review",
    "isv_review",
    "qa_testing",
    "isv_fix_bugs",
    "final_review",
    "published",
];

/// The order of `rows` (list JSON) by `key`, ties by id, computed from the JSON fields:
/// `sla` running clocks by time left (breached, most overdue, first), then paused ones
/// by time left, then items without a clock; `age` longest in its state first; `app`,
/// `isv` case-insensitively; `state` in the README's table order; `tests` worst first
/// (failed, missing, expired, expiring, fresh), items no test applies to last.
fn expected_order(rows: &[Value], key: &str) -> Vec<String> {
    let mut keyed: Vec<((i64, i64, String), String)> = rows
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap().to_string();
            let k = match key {
                "id" => (0, 0, String::new()),
                "sla" => {
                    let left = r["sla"]["current"]["left_seconds"].as_i64();
                    match r["sla"]["status"].as_str() {
                        Some("breached" | "at_risk" | "on_track") => {
                            (0, left.unwrap(), String::new())
                        }
                        Some("paused") => (1, left.unwrap(), String::new()),
                        None => (2, 0, String::new()),
                        Some(other) => panic!("{id}: unexpected SLA status {other}"),
                    }
                }
                "age" => {
                    let history = r["history"].as_array().unwrap();
                    let at: jiff::Timestamp = history.last().unwrap()["at"]
                        .as_str()
                        .unwrap()
                        .parse()
                        .unwrap();
                    (0, at.as_second(), String::new())
                }
                "app" => (0, 0, r["app_name"].as_str().unwrap().to_lowercase()),
                "isv" => (0, 0, r["isv"].as_str().unwrap().to_lowercase()),
                "state" => {
                    let s = r["state"].as_str().unwrap();
                    (
                        STATES.iter().position(|k| *k == s).unwrap() as i64,
                        0,
                        String::new(),
                    )
                }
                "tests" => {
                    let rank = match r["tests"]["overall"].as_str() {
                        Some("failed") => 0,
                        Some("missing") => 1,
                        Some("expired") => 2,
                        Some("expiring") => 3,
                        Some("fresh") => 4,
                        None => 9,
                        Some(other) => panic!("{id}: unexpected tests status {other}"),
                    };
                    (rank, 0, String::new())
                }
                other => panic!("no sort key {other}"),
            };
            (k, id)
        })
        .collect();
    keyed.sort();
    keyed.into_iter().map(|(_, id)| id).collect()
}

/// A queue of the samples and their tester results (every test status at `AS_OF`).
fn samples_with_results() -> Sandbox {
    let sb = Sandbox::new();
    sb.import_samples();
    let results = sb.write(
        "results.json",
        include_str!("../data/sample-tester-results.json"),
    );
    sb.ok(&["import-results", results.to_str().unwrap()]);
    sb
}

fn listed(sb: &Sandbox, sort: &str) -> Vec<Value> {
    serde_json::from_str(&sb.ok(&["list", "--format", "json", "--as-of", AS_OF, "--sort", sort]))
        .unwrap()
}

#[test]
fn list_sort_orders_by_each_key_the_readme_and_help_list() {
    let sb = samples_with_results();
    let help = sb.ok(&["list", "--help"]);
    assert!(
        help.contains("[possible values: sla, id, age, app, isv, state, tests]"),
        "{help}"
    );
    // The default is the SLA sort.
    let default: Vec<Value> =
        serde_json::from_str(&sb.ok(&["list", "--format", "json", "--as-of", AS_OF])).unwrap();
    assert_eq!(ids_of(&default), ids_of(&listed(&sb, "sla")));
    for key in ["sla", "id", "age", "app", "isv", "state", "tests"] {
        let rows = listed(&sb, key);
        assert_eq!(rows.len(), 33, "{key}");
        assert_eq!(ids_of(&rows), expected_order(&rows, key), "--sort {key}");
    }
    // The sort's values are not all alike (else an order would prove nothing).
    let rows = listed(&sb, "sla");
    let statuses: HashSet<&str> = rows
        .iter()
        .map(|r| r["sla"]["status"].as_str().unwrap_or("none"))
        .collect();
    for s in ["breached", "on_track", "paused", "none"] {
        assert!(statuses.contains(s), "the samples have {s}: {statuses:?}");
    }
    assert_eq!(rows[0]["sla"]["status"], "breached", "breached first");
    let overall: HashSet<&str> = rows
        .iter()
        .map(|r| r["tests"]["overall"].as_str().unwrap_or("none"))
        .collect();
    assert_eq!(overall.len(), 6, "every test status, and none: {overall:?}");
}

#[test]
fn console_s_cycles_every_sort_key_and_shift_s_reverses_it() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use oin_review::tui::app::Msg;
    use oin_review::tui::queue_state::SortKey;
    let key = |c: char| Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    let header = |app: &oin_review::tui::app::App| -> String {
        let (w, h) = app.size();
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        let theme = oin_review::tui::theme::Theme::load("dark").unwrap();
        term.draw(|f| oin_review::tui::views::draw(f, app, &theme))
            .unwrap();
        let buf = term.backend().buffer().clone();
        (0..2)
            .map(|y| {
                (0..buf.area.width)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    };

    // The values each order is computed from: the samples as `list` shows them.
    let sb = samples_with_results();
    let rows = listed(&sb, "id");

    // A console on that queue (as exported), at the same instant.
    let subs =
        oin_review::exchange::parse_submissions("export.json", sb.ok(&["export"]).as_bytes())
            .unwrap();
    let policy = std::sync::Arc::new(common::builtin_policy());
    let mut app = oin_review::tui::app::App::new(
        oin_review::tui::keymap::Keymap::defaults(),
        policy,
        "ben".into(),
        sb.db().display().to_string(),
        AS_OF.parse().unwrap(),
    );
    app.update(Msg::Resize(120, 50));
    common::feed_subs(&mut app, subs);
    app.update(key('5')); // the All tab
    let shown = |app: &oin_review::tui::app::App| -> Vec<String> {
        app.queue()
            .visible(0, 100)
            .map(|(_, r)| r.id().to_string())
            .collect()
    };
    assert_eq!(shown(&app).len(), 33);
    let keys = [
        (SortKey::Sla, "sla", "SLA"),
        (SortKey::Age, "age", "time in state"),
        (SortKey::App, "app", "app"),
        (SortKey::Isv, "isv", "ISV"),
        (SortKey::State, "state", "state"),
        (SortKey::Tests, "tests", "tests"),
    ];
    for (i, (sort, cli, name)) in keys.iter().enumerate() {
        if i > 0 {
            app.update(key('s'));
        }
        assert_eq!(app.queue().sort(), (*sort, false), "{name}");
        let want = expected_order(&rows, cli);
        assert_eq!(shown(&app), want, "sorted by {name}");
        let head = header(&app);
        assert!(head.contains(&format!("sort: {name}")), "{head}");
        assert!(!head.contains('↑'), "{head}");

        app.update(key('S'));
        assert_eq!(app.queue().sort(), (*sort, true), "{name} reversed");
        let mut reversed = want.clone();
        reversed.reverse();
        assert_eq!(shown(&app), reversed, "sorted by {name}, reversed");
        let head = header(&app);
        assert!(head.contains(&format!("sort: {name} ↑")), "{head}");
        app.update(key('S'));
        assert_eq!(shown(&app), want, "S again undoes the reverse ({name})");
    }
    // After the last key, `s` comes back to the SLA sort.
    app.update(key('s'));
    assert_eq!(app.queue().sort().0, SortKey::Sla);
}

// ---------------------------------------------------------------------------------------
// 3. Where the queue lives

fn one_submission_file(sb: &Sandbox, name: &str, id: &str) -> PathBuf {
    sb.write(name, json!([submission_json(id, "draft")]).to_string())
}

fn ids_listed(mut c: Command) -> Vec<String> {
    let out = ok_out(
        {
            c.args(["list", "--format", "json", "--sort", "id"]);
            c
        },
        "list",
    );
    ids_of(&serde_json::from_str::<Vec<Value>>(&out).unwrap())
}

#[test]
fn the_queue_is_the_db_flag_else_env_else_config_database_else_the_xdg_data_path() {
    let sb = Sandbox::new();
    let xdg_dir = sb.path("data/oin-review");
    let xdg_db = xdg_dir.join("queue.db");
    let cfg_db = sb.path("cfg.db");
    let env_db = sb.path("env.db");
    assert!(!sb.path("data").exists(), "no data folder yet");

    // Nothing said: $XDG_DATA_HOME/oin-review/queue.db, folders created, mode 0600.
    let f = one_submission_file(&sb, "xdg.json", "XDG-1");
    let mut c = bare(&sb);
    c.arg("init");
    ok_out(c, "init at the XDG default");
    let mut c = bare(&sb);
    c.arg("import").arg(&f);
    ok_out(c, "import to the XDG default");
    assert!(xdg_db.is_file(), "{} created", xdg_db.display());
    assert_eq!(mode_of(&xdg_db), 0o600, "a new queue is 0600");
    assert_eq!(ids_listed(bare(&sb)), ["XDG-1"]);

    // `database` in the config file.
    let config = sb.write(
        "config/oin-review/config.toml",
        format!("database = \"{}\"\n", cfg_db.display()),
    );
    let f = one_submission_file(&sb, "cfg.json", "CFG-1");
    let mut c = bare(&sb);
    c.arg("init");
    ok_out(c, "init at the config's database");
    let mut c = bare(&sb);
    c.arg("import").arg(&f);
    ok_out(c, "import to the config's database");
    assert!(cfg_db.is_file());
    assert_eq!(mode_of(&cfg_db), 0o600);
    assert_eq!(ids_listed(bare(&sb)), ["CFG-1"], "the config's queue");

    // $OIN_REVIEW_DB before the config.
    let f = one_submission_file(&sb, "env.json", "ENV-1");
    let mut c = bare(&sb);
    c.env("OIN_REVIEW_DB", &env_db).arg("init");
    ok_out(c, "init at $OIN_REVIEW_DB");
    let mut c = bare(&sb);
    c.env("OIN_REVIEW_DB", &env_db).arg("import").arg(&f);
    ok_out(c, "import to $OIN_REVIEW_DB");
    assert!(env_db.is_file());
    assert_eq!(mode_of(&env_db), 0o600);
    let mut c = bare(&sb);
    c.env("OIN_REVIEW_DB", &env_db);
    assert_eq!(
        ids_listed(c),
        ["ENV-1"],
        "$OIN_REVIEW_DB wins over the config"
    );

    // --db before both (before or after the subcommand).
    let mut c = bare(&sb);
    c.env("OIN_REVIEW_DB", &env_db).arg("--db").arg(&xdg_db);
    assert_eq!(ids_listed(c), ["XDG-1"], "--db wins over $OIN_REVIEW_DB");
    let out = ok_out(
        {
            let mut c = bare(&sb);
            c.env("OIN_REVIEW_DB", &env_db)
                .args(["list", "--format", "json", "--db"])
                .arg(&cfg_db);
            c
        },
        "list --db after the subcommand",
    );
    assert_eq!(
        ids_of(&serde_json::from_str::<Vec<Value>>(&out).unwrap()),
        ["CFG-1"]
    );

    // The config gone, the XDG default again.
    std::fs::remove_file(config).unwrap();
    assert_eq!(ids_listed(bare(&sb)), ["XDG-1"]);
}

/// A group for `db_group`: as root, one the process is not in (so the file must be given
/// to it); otherwise the process's own group.
fn a_group() -> (String, u32) {
    use nix::unistd::{Group, getegid, geteuid};
    if geteuid().is_root() {
        for name in ["mail", "adm", "daemon", "users", "nogroup"] {
            if let Ok(Some(g)) = Group::from_name(name)
                && g.gid != getegid()
            {
                return (g.name, g.gid.as_raw());
            }
        }
    }
    let g = Group::from_gid(getegid())
        .ok()
        .flatten()
        .expect("the process's group has a name");
    (g.name, g.gid.as_raw())
}

#[test]
fn db_group_in_the_config_creates_the_queue_0660_for_that_group() {
    let sb = Sandbox::new();
    let (group, gid) = a_group();
    let db = sb.path("shared/queue.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    sb.write(
        "config/oin-review/config.toml",
        format!("database = \"{}\"\ndb_group = \"{group}\"\n", db.display()),
    );
    let f = one_submission_file(&sb, "one.json", "GRP-1");
    let mut c = bare(&sb);
    c.arg("init");
    ok_out(c, "init of the shared queue");
    let mut c = bare(&sb);
    c.arg("import").arg(&f);
    ok_out(c, "import into the shared queue");
    assert_eq!(mode_of(&db), 0o660, "created 0660 for the group");
    assert_eq!(
        std::fs::metadata(&db).unwrap().gid(),
        gid,
        "the queue belongs to {group}"
    );
    assert_eq!(ids_listed(bare(&sb)), ["GRP-1"]);
}

// ---------------------------------------------------------------------------------------
// 4. assign --to none

#[test]
fn assign_to_none_clears_the_assignee_and_is_audited() {
    let sb = Sandbox::new();
    sb.import_samples();
    let id = "OIN-2026-0142";
    let out = sb.ok(&["assign", "--to", "asha", id]);
    assert!(out.contains("assigned to asha"), "{out}");
    let assignee = |sb: &Sandbox| -> Value {
        let all: Vec<Value> = serde_json::from_str(&sb.ok(&["list", "--format", "json"])).unwrap();
        all.into_iter().find(|s| s["id"] == id).unwrap()["assignee"].clone()
    };
    assert_eq!(assignee(&sb), "asha");

    let out = sb.ok(&["assign", "--to", "none", id]);
    assert_eq!(out.trim(), format!("{id}  assigned to nobody (was asha)"));
    assert_eq!(assignee(&sb), Value::Null, "no assignee in list's JSON");
    let unassigned: Vec<Value> =
        serde_json::from_str(&sb.ok(&["list", "--format", "json", "--query", "assignee:none"]))
            .unwrap();
    assert!(ids_of(&unassigned).contains(&id.to_string()));
    let table = sb.ok(&["list", "--sort", "id", "--state", "initial_review"]);
    let row = table.lines().find(|l| l.starts_with(id)).unwrap();
    let who = table.lines().next().unwrap().find("WHO").unwrap(); // an ASCII header
    let cell: String = row.chars().skip(who).take(2).collect();
    assert_eq!(cell, "- ", "WHO shows nobody: {row}");
    let show = sb.ok(&["show", id]);
    assert!(show.contains("\n  assignee          -\n"), "{show}");
    let json: Value = serde_json::from_str(&sb.ok(&["show", id, "--format", "json"])).unwrap();
    assert_eq!(json["assignee"], Value::Null);

    // Audited: the append-only assignments table has both changes, by this OS account.
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    let c =
        rusqlite::Connection::open_with_flags(sb.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut stmt = c
        .prepare(
            "SELECT from_assignee, to_assignee, analyst FROM assignments
             WHERE submission_id = ?1 ORDER BY id",
        )
        .unwrap();
    let audit: Vec<(Option<String>, Option<String>, String)> = stmt
        .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        audit,
        [
            (None, Some("asha".to_string()), me.clone()),
            (Some("asha".to_string()), None, me)
        ]
    );
}

// ---------------------------------------------------------------------------------------
// 5. finding include, note list, mail preview --html

fn one_with_findings(sb: &Sandbox) {
    let mut v = submission_json("OIN-7", "initial_review");
    v["app_name"] = json!("Tom & Jerry <Apps>");
    v["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[v]);
    sb.ok(&[
        "finding",
        "add",
        "OIN-7",
        "--severity",
        "blocker",
        "SP-initiated login fails.",
    ]);
}

const DESCRIPTION: &str = "Add a description of the integration for the OIN catalog.";

#[test]
fn finding_include_puts_a_left_out_finding_back_in_the_list_and_the_email() {
    let sb = Sandbox::new();
    one_with_findings(&sb);
    let line_of = |sb: &Sandbox, what: &str| -> String {
        let list = sb.ok(&["finding", "list", "OIN-7"]);
        list.lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("{what} in\n{list}"))
            .to_string()
    };
    assert!(line_of(&sb, DESCRIPTION).starts_with("[x] blocker catalog.description_missing"));
    assert!(line_of(&sb, "SP-initiated").starts_with("[x] blocker #1"));

    sb.ok(&[
        "finding",
        "leave-out",
        "OIN-7",
        "catalog.description_missing",
        "--reason",
        "agreed with the lead",
    ]);
    sb.ok(&[
        "finding",
        "leave-out",
        "OIN-7",
        "#1",
        "--reason",
        "fixed on a call",
    ]);
    let out_line = line_of(&sb, DESCRIPTION);
    assert!(out_line.starts_with("[ ] "), "{out_line}");
    assert!(
        out_line.contains("left out: agreed with the lead"),
        "{out_line}"
    );
    assert!(line_of(&sb, "SP-initiated").starts_with("[ ] "));
    let preview = sb.ok(&["mail", "preview", "OIN-7"]);
    assert!(
        !preview.contains(DESCRIPTION),
        "left out of the email: {preview}"
    );
    assert!(!preview.contains("SP-initiated"), "{preview}");

    let out = sb.ok(&["finding", "include", "OIN-7", "catalog.description_missing"]);
    assert!(out.contains("OIN-7: 1 change(s) saved"), "{out}");
    sb.ok(&["finding", "include", "OIN-7", "#1"]);
    assert!(line_of(&sb, DESCRIPTION).starts_with("[x] blocker catalog.description_missing"));
    assert!(!line_of(&sb, DESCRIPTION).contains("left out"));
    assert!(line_of(&sb, "SP-initiated").starts_with("[x] blocker #1"));
    let preview = sb.ok(&["mail", "preview", "OIN-7"]);
    assert!(
        preview.contains(&format!("] {DESCRIPTION}")),
        "back in the email: {preview}"
    );
    assert!(preview.contains("] SP-initiated login fails."), "{preview}");
}

#[test]
fn note_list_prints_each_note_with_its_time_author_and_text() {
    let sb = Sandbox::new();
    sb.import_samples();
    let before =
        common::now().round(jiff::Unit::Second).unwrap() - jiff::SignedDuration::from_secs(1);
    sb.ok(&[
        "note",
        "add",
        "OIN-2026-0142",
        "Waiting",
        "on",
        "@asha",
        "for",
        "SCIM.",
    ]);
    sb.ok(&["note", "add", "OIN-2026-0142", "Logo looks fine now."]);
    let after = common::now();
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .unwrap()
        .name;
    let out = sb.ok(&["note", "list", "OIN-2026-0142"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "one line a note: {out}");
    let mut texts = HashSet::new();
    for line in lines {
        let mut parts = line.splitn(3, "  ");
        let at: jiff::Timestamp = parts
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|e| panic!("a time first ({e}): {line}"));
        assert!(before <= at && at <= after, "written now: {line}");
        assert_eq!(parts.next(), Some(me.as_str()), "the OS account: {line}");
        texts.insert(parts.next().unwrap().to_string());
    }
    assert_eq!(
        texts,
        HashSet::from([
            "Waiting on @asha for SCIM.".to_string(),
            "Logo looks fine now.".to_string()
        ])
    );
    // Another submission's notes are not listed.
    let other = sb.ok(&["note", "list", "OIN-2026-0101"]);
    assert!(
        !other.contains("SCIM.") && !other.contains("Logo"),
        "{other}"
    );
}

#[test]
fn mail_preview_html_prints_the_html_part_with_isv_text_escaped_and_sends_nothing() {
    let sb = Sandbox::new();
    one_with_findings(&sb);
    let html = sb.ok(&["mail", "preview", "OIN-7", "--html"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.trim_end().ends_with("</html>"), "{html}");
    assert!(
        html.contains("Tom &amp; Jerry &lt;Apps&gt;"),
        "the ISV's text escaped: {html}"
    );
    assert!(!html.contains("<Apps>"), "{html}");
    assert!(html.contains("SP-initiated login fails."), "{html}");
    assert!(html.contains("<li>"), "the issues as an HTML list: {html}");
    let plain = sb.ok(&["mail", "preview", "OIN-7"]);
    assert!(
        plain.contains("Subject: [OIN] Tom & Jerry <Apps> (OIN-7)"),
        "{plain}"
    );
    assert!(!plain.contains("<html"), "{plain}");
    assert!(outbox(&sb).is_empty(), "a preview queues nothing");
    assert!(!sb.path("data/oin-review/outbox-files").exists());
}

// ---------------------------------------------------------------------------------------
// SMTP servers on loopback

/// An SMTP server speaking TLS from the first byte (implicit TLS, the port-465 kind) with
/// `cert`'s certificate; mailin only does STARTTLS, so the SMTP side is written here.
fn implicit_tls_server(listener: TcpListener, cert: &rcgen::CertifiedKey) -> Received {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(cert.cert.der().to_vec())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(cert.key_pair.serialize_der())),
    )
    .unwrap();
    let config = Arc::new(config);
    let received = Received::default();
    let got = received.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(tcp) = conn else { continue };
            // Counted at the accept, before the client can read a byte.
            let session = got.session();
            let (config, got) = (config.clone(), got.clone());
            std::thread::spawn(move || {
                let _session = session;
                let tls = rustls::ServerConnection::new(config).unwrap();
                let mut stream = BufReader::new(rustls::StreamOwned::new(tls, tcp));
                let say = |s: &mut BufReader<rustls::StreamOwned<_, _>>, what: &[u8]| {
                    s.get_mut()
                        .write_all(what)
                        .and_then(|_| s.get_mut().flush())
                };
                if say(&mut stream, b"220 localhost implicit-TLS test ESMTP\r\n").is_err() {
                    return;
                }
                let mut rcpts = Vec::new();
                let mut line = String::new();
                loop {
                    line.clear();
                    if stream.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let upper = line.to_ascii_uppercase();
                    let reply: &[u8] = if upper.starts_with("EHLO") {
                        b"250-localhost\r\n250 8BITMIME\r\n"
                    } else if upper.starts_with("RCPT TO:") {
                        let addr = line[8..].trim().trim_matches(['<', '>']).to_string();
                        rcpts.push(addr);
                        b"250 ok\r\n"
                    } else if upper.starts_with("DATA") {
                        if say(&mut stream, b"354 go ahead\r\n").is_err() {
                            return;
                        }
                        let mut body = Vec::new();
                        loop {
                            line.clear();
                            if stream.read_line(&mut line).unwrap_or(0) == 0 {
                                return;
                            }
                            if line == ".\r\n" {
                                break;
                            }
                            body.extend_from_slice(line.as_bytes());
                        }
                        got.accept(std::mem::take(&mut rcpts), body);
                        b"250 2.0.0 accepted over implicit TLS\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = say(&mut stream, b"221 bye\r\n");
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    if say(&mut stream, reply).is_err() {
                        return;
                    }
                }
            });
        }
    });
    received
}

fn smtp_config(port: u16, tls: &str, extra: &str) -> String {
    format!(
        "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"{tls}\"\n\
         from = \"OIN Review <oin@okta.example>\"\n{extra}"
    )
}

// ---------------------------------------------------------------------------------------
// 6. outbox retry

#[test]
fn outbox_retry_delivers_a_failed_email_once_the_server_takes_it() {
    // A server that refuses the recipient for good (550): the email is *failed*.
    let refusing = loopback_listener();
    let refusing_port = refusing.local_addr().unwrap().port();
    let refused = start_server(refusing, Some((550, "5.1.1 mailbox unavailable")), None);
    let sb = Sandbox::new();
    let config = sb.write(
        "config/oin-review/config.toml",
        smtp_config(refusing_port, "none", ""),
    );
    one_with_findings(&sb);
    let out = sb.run(&["mail", "send", "OIN-7"]);
    let (stdout, stderr) = text(&out);
    assert!(
        !out.status.success(),
        "a refused email is a failure: {stdout}{stderr}"
    );
    assert!(
        stdout.contains("FAILED") && stdout.contains("oin-review outbox retry 1"),
        "{stdout}"
    );
    let ob = outbox(&sb);
    assert_eq!(ob.len(), 1);
    assert_eq!(ob[0]["status"], "failed");
    assert!(
        ob[0]["last_error"].as_str().unwrap().contains("550"),
        "{ob:?}"
    );
    let message_id = ob[0]["message_id"].as_str().unwrap().to_string();
    // A flush leaves a failed email alone: it waits for the analyst.
    sb.ok(&["outbox", "flush"]);
    assert_eq!(outbox(&sb)[0]["status"], "failed");
    assert!(
        refused.settled().is_empty(),
        "the refusing server accepted nothing"
    );

    // The analyst fixes the cause (another server) and retries it.
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = start_server(listener, None, None);
    std::fs::write(&config, smtp_config(port, "none", "")).unwrap();
    let out = sb.ok(&["outbox", "retry", "1"]);
    assert!(out.contains("1 sent, 0 waiting, 0 failed"), "{out}");
    let ob = outbox(&sb);
    assert_eq!(ob.len(), 1, "retried, not queued again as a new email");
    assert_eq!(ob[0]["status"], "sent");
    assert_eq!(ob[0]["attempts"], 2);
    assert!(
        ob[0]["server_reply"].as_str().unwrap().starts_with("250"),
        "{ob:?}"
    );
    // Sent is never sent again.
    sb.ok(&["outbox", "flush"]);
    let got = received.settled();
    assert_eq!(got.len(), 1, "delivered exactly once");
    let common::smtp::Delivered { rcpts, bytes } = &got[0];
    assert_eq!(rcpts, &["dev@isv.example"]);
    let msg = MessageParser::default().parse(bytes).unwrap();
    assert_eq!(
        msg.message_id().map(|m| format!("<{m}>")),
        Some(message_id),
        "the very email that failed"
    );
    assert!(
        msg.body_text(0)
            .unwrap()
            .contains("SP-initiated login fails.")
    );
    // A second retry of a sent email is refused.
    let again = sb.run(&["outbox", "retry", "1"]);
    assert!(!again.status.success());
    assert!(
        text(&again).1.contains("already sent"),
        "{}",
        text(&again).1
    );
    assert_eq!(received.settled().len(), 1);
}

// ---------------------------------------------------------------------------------------
// 7. Implicit TLS, cc and from, template overrides

#[test]
fn implicit_tls_delivers_to_a_tls_smtp_server_trusting_the_ca_file() {
    let sb = Sandbox::new();
    let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let ca = sb.write("ca.pem", ck.cert.pem());
    let listener = loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = implicit_tls_server(listener, &ck);
    let config = |ca_file: &str| {
        format!(
            "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"localhost\"\nport = {port}\n\
             tls = \"implicit\"\nfrom = \"OIN Review <oin@okta.example>\"\n{ca_file}"
        )
    };
    one_with_findings(&sb);

    // Without the private CA the server's certificate is not trusted: nothing goes.
    let untrusting = Sandbox::new();
    untrusting.write("config/oin-review/config.toml", config(""));
    one_with_findings(&untrusting);
    let out = untrusting.run(&["mail", "send", "OIN-7"]);
    let (stdout, stderr) = text(&out);
    assert!(stdout.contains("0 sent"), "{stdout}{stderr}");
    assert_ne!(outbox(&untrusting)[0]["status"], "sent");
    assert!(
        received.settled().is_empty(),
        "nothing accepted without trust"
    );

    sb.write(
        "config/oin-review/config.toml",
        config(&format!("ca_file = \"{}\"\n", ca.display())),
    );
    let out = sb.run(&["mail", "send", "OIN-7"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("1 sent, 0 waiting, 0 failed"), "{stdout}");
    let got = received.settled();
    assert_eq!(got.len(), 1, "one message over implicit TLS");
    assert_eq!(got[0].rcpts, ["dev@isv.example"]);
    let msg = MessageParser::default().parse(&got[0].bytes).unwrap();
    assert!(
        msg.body_text(0)
            .unwrap()
            .contains("SP-initiated login fails.")
    );
    let ob = outbox(&sb);
    assert_eq!(ob[0]["status"], "sent");
    assert_eq!(
        ob[0]["server_reply"],
        "250 2.0.0 accepted over implicit TLS"
    );
}

fn delivered_eml(sb: &Sandbox) -> Vec<u8> {
    let dir = sb.path("data/oin-review/outbox-files");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|f| f.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    std::fs::read(&files[0]).unwrap()
}

#[test]
fn from_cc_and_signature_of_the_config_are_in_the_delivered_eml() {
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        "[mail]\nfrom = \"Ben at OIN <ben@okta.example>\"\n\
         cc = [\"oin-leads@okta.example\", \"qa@okta.example\"]\nsignature = \"Ben, the OIN desk\"\n",
    );
    one_with_findings(&sb);
    let out = sb.ok(&["mail", "send", "OIN-7"]);
    assert!(out.contains("1 sent"), "{out}");
    let bytes = delivered_eml(&sb);
    let msg = MessageParser::default().parse(&bytes).unwrap();
    let from = msg.from().unwrap().first().unwrap();
    assert_eq!(from.address(), Some("ben@okta.example"));
    assert_eq!(from.name(), Some("Ben at OIN"));
    let to: Vec<&str> = msg
        .to()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(to, ["dev@isv.example"], "to the escalation contact");
    let cc: Vec<&str> = msg
        .cc()
        .unwrap()
        .iter()
        .filter_map(|a| a.address())
        .collect();
    assert_eq!(cc, ["oin-leads@okta.example", "qa@okta.example"]);
    assert_eq!(
        msg.subject(),
        Some("[OIN] Tom & Jerry <Apps> (OIN-7): issues found in initial review")
    );
    let plain = msg.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(
        plain.trim_end().ends_with("Regards,\nBen, the OIN desk"),
        "{plain}"
    );
    let recipients = &outbox(&sb)[0]["recipients"];
    assert_eq!(
        recipients,
        &json!([
            "dev@isv.example",
            "oin-leads@okta.example",
            "qa@okta.example"
        ])
    );
}

#[test]
fn a_template_in_the_config_folder_overrides_the_delivered_text() {
    let sb = Sandbox::new();
    let builtin = include_str!("../data/templates/issue-list.txt");
    assert!(builtin.contains("Reply to this email with any questions."));
    sb.write(
        "config/oin-review/templates/issue-list.txt",
        builtin.replace(
            "Reply to this email with any questions.",
            "Questions? Book office hours at https://oin.example/hours.",
        ),
    );
    one_with_findings(&sb);
    sb.ok(&["mail", "send", "OIN-7"]);
    let bytes = delivered_eml(&sb);
    let msg = MessageParser::default().parse(&bytes).unwrap();
    let plain = msg.body_text(0).unwrap();
    assert!(
        plain.contains("Questions? Book office hours at https://oin.example/hours."),
        "the override's text: {plain}"
    );
    assert!(
        !plain.contains("Reply to this email with any questions."),
        "{plain}"
    );
    assert!(plain.contains("SP-initiated login fails."), "{plain}");
    // Only the plain part was overridden: the HTML part is still the built-in one.
    let html = msg.body_html(0).unwrap();
    assert!(
        html.contains("Reply to this email with any questions."),
        "{html}"
    );
    assert!(!html.contains("office hours"), "{html}");
}

// ---------------------------------------------------------------------------------------
// 8. demo without a terminal

#[test]
fn demo_without_a_terminal_builds_the_demo_queue_and_prints_it_as_a_table() {
    let sb = Sandbox::new();
    // A real queue named by $OIN_REVIEW_DB, which the demo must not touch.
    let real = sb.path("real.db");
    let f = sb.write("samples.json", common::SAMPLES);
    let mut c = bare(&sb);
    c.env("OIN_REVIEW_DB", &real).arg("init");
    ok_out(c, "init of the real queue");
    let mut c = bare(&sb);
    c.env("OIN_REVIEW_DB", &real).arg("import").arg(&f);
    ok_out(c, "import the real queue");
    let real_before = std::fs::read(&real).unwrap();

    let demo_db = sb.path("data/oin-review/demo.db");
    let out = bare(&sb)
        .env("OIN_REVIEW_DB", &real)
        .args(["demo", "--rows", "7", "--seed", "3"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let mut lines = stdout.lines();
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "demo queue at {}: 33 sample + 7 generated submissions",
                demo_db.display()
            )
            .as_str()
        ),
        "{stdout}"
    );
    let header = lines.next().unwrap();
    for col in ["ID", "APP", "ISV", "STATE", "SLA", "TESTS"] {
        assert!(header.contains(col), "a table header: {header}");
    }
    let rows: Vec<&str> = stdout
        .lines()
        .skip(2)
        .take_while(|l| !l.ends_with("submission(s)"))
        .collect();
    assert_eq!(rows.len(), 40, "one row per submission: {stdout}");
    assert!(stdout.contains("\n40 submission(s)\n"), "{stdout}");
    assert!(
        stderr.contains("no terminal here") && stderr.contains("as a table instead of the console"),
        "says why there is no console: {stderr}"
    );
    assert!(!stdout.contains('\x1b'), "no terminal control: {stdout:?}");
    // The demo queue is where the README says, and the real one is untouched.
    let mut c = bare(&sb);
    c.arg("--db").arg(&demo_db);
    assert_eq!(ids_listed(c).len(), 40);
    assert_eq!(
        std::fs::read(&real).unwrap(),
        real_before,
        "the real queue is untouched"
    );
    assert!(!sb.path("data/oin-review/queue.db").exists());
}

#[test]
fn the_demo_built_on_any_day_looks_like_a_working_day_and_as_of_its_day_is_the_samples() {
    use std::collections::BTreeSet;
    // Built at the tests' clock (11 days after the samples' day): the samples move by whole
    // days, so their clocks are not all breached, and the queue holds every status.
    let sb = Sandbox::new();
    sb.ok(&["demo", "--no-open", "--rows", "200"]);
    let all = sb.list_json();
    let statuses = |ids: &dyn Fn(&str) -> bool, key: &str, field: &str| -> BTreeSet<String> {
        all.iter()
            .filter(|v| ids(v["id"].as_str().unwrap()))
            .filter_map(|v| v[key][field].as_str().map(String::from))
            .collect()
    };
    let samples = |id: &str| id.starts_with("OIN-");
    let everything = |_: &str| true;
    let sample_clocks = statuses(&samples, "sla", "status");
    for s in ["breached", "at_risk", "paused"] {
        assert!(sample_clocks.contains(s), "samples {s}: {sample_clocks:?}");
    }
    let clocks = statuses(&everything, "sla", "status");
    for s in ["breached", "at_risk", "on_track", "paused"] {
        assert!(clocks.contains(s), "{s}: {clocks:?}");
    }
    let tests = statuses(&everything, "tests", "overall");
    for s in ["fresh", "expiring", "expired"] {
        assert!(tests.contains(s), "{s}: {tests:?}");
    }
    // No sample event lies after the demo's instant.
    let now = common::now().to_string();
    for v in all.iter().filter(|v| samples(v["id"].as_str().unwrap())) {
        for e in v["history"].as_array().unwrap() {
            assert!(e["at"].as_str().unwrap() <= now.as_str(), "{}", v["id"]);
        }
    }
    // At the samples' own day nothing moves: the README's screenshot.
    let day = Sandbox::new();
    day.ok(&[
        "--as-of",
        "2026-11-23T12:00:00Z",
        "demo",
        "--no-open",
        "--rows",
        "0",
    ]);
    let shown: serde_json::Value =
        serde_json::from_str(&day.ok(&["show", "OIN-2026-0142", "--format", "json"])).unwrap();
    let file: Vec<serde_json::Value> = serde_json::from_str(common::SAMPLES).unwrap();
    let sample = file.iter().find(|s| s["id"] == "OIN-2026-0142").unwrap();
    let at = |v: &serde_json::Value| -> Vec<String> {
        v["history"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["at"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(at(&shown), at(sample));
}
