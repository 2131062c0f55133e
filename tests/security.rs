//! Secrets and access: passwords stay out of every output, identity comes from the uid,
//! files are private, and ISV text cannot inject email headers.

mod common;

use common::{SAMPLES, Sandbox, submission_json, text};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

/// Each sample submission's id and its test account password, for those that have one.
fn sample_passwords() -> Vec<(String, String)> {
    let v: serde_json::Value = serde_json::from_str(SAMPLES).unwrap();
    let subs = v
        .as_array()
        .cloned()
        .or_else(|| v["submissions"].as_array().cloned())
        .unwrap();
    subs.iter()
        .filter_map(|s| {
            let pw = s["test_account"]["password"].as_str()?;
            Some((s["id"].as_str().unwrap().to_string(), pw.to_string()))
        })
        .collect()
}

/// What a reader of `bytes` sees: the bytes as they are, again with quoted-printable's soft
/// line breaks joined (a password may be split across two lines), and, when `email`, every
/// text and HTML part decoded as a mail client would.
fn readable(bytes: &[u8], email: bool) -> String {
    let raw = String::from_utf8_lossy(bytes);
    let mut all = format!("{raw}\n{}", raw.replace("=\r\n", "").replace("=\n", ""));
    if email {
        let msg = mail_parser::MessageParser::default()
            .parse(bytes)
            .expect("an email parses");
        for i in 0..msg.text_body_count() {
            all.push('\n');
            all.push_str(&msg.body_text(i).unwrap());
        }
        for i in 0..msg.html_body_count() {
            all.push('\n');
            all.push_str(&msg.body_html(i).unwrap());
        }
    }
    all
}

/// The submissions of the samples that `mail preview` and `mail send` refuse, and why.
const UNMAILABLE: &[(&str, &str)] = &[
    (
        "OIN-2026-0107",
        "the escalation contact \"1-800-555-0199\" is not an email address",
    ),
    ("OIN-2026-0113", "no escalation contact to send to"),
    ("OIN-2026-0119", "no issues to email"),
    ("OIN-2026-0120", "no issues to email"),
    (
        "OIN-2026-0139",
        "the escalation contact \"https://contoso.example/escalations\" is not an email address",
    ),
];

#[test]
fn passwords_appear_in_no_output_without_include_secrets() {
    let sb = Sandbox::new();
    let owned = sample_passwords();
    let passwords: Vec<&str> = owned
        .iter()
        .map(|(_, p)| p.as_str())
        .filter(|p| p.len() >= 4)
        .collect();
    assert!(passwords.len() > 10);
    // Every command logs at the finest level to one file, checked at the end.
    let log = sb.path("trace.log");
    let run = |args: &[&str]| {
        sb.cmd()
            .env("OIN_REVIEW_LOG", "trace")
            .arg("--log")
            .arg(&log)
            .args(args)
            .output()
            .expect("run oin-review")
    };
    // What each command must do: print its answer (success, stdout, nothing on stderr), or
    // refuse this submission for this reason (exit 1, one line on stderr, nothing on stdout).
    let expect = |what: &str, out: &std::process::Output, refusal: Option<(&str, &str)>| {
        let (stdout, stderr) = text(out);
        match refusal {
            None => assert!(
                out.status.success() && !stdout.trim().is_empty() && stderr.is_empty(),
                "{what} should succeed and print: {:?}\nstdout: {stdout}\nstderr: {stderr}",
                out.status
            ),
            Some((id, why)) => assert!(
                out.status.code() == Some(1)
                    && stdout.is_empty()
                    && stderr.lines().count() == 1
                    && stderr.starts_with(&format!("oin-review: mail: {id}: {why}")),
                "{what} should be refused ({why}): {:?}\nstdout: {stdout}\nstderr: {stderr}",
                out.status
            ),
        }
    };
    let samples = sb.write("samples.json", SAMPLES);
    sb.init();
    let out = run(&["import", samples.to_str().unwrap()]);
    expect("import", &out, None);
    let mut outputs = vec![("import".to_string(), out)];
    let listed = run(&["list", "--format", "json"]);
    expect("list --format json", &listed, None);
    let ids: Vec<String> = serde_json::from_slice::<Vec<serde_json::Value>>(&listed.stdout)
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 33);
    outputs.push(("list --format json".into(), listed));
    for args in [
        vec!["list"],
        vec!["list", "--format", "csv"],
        vec!["list", "--format", "tsv"],
        vec!["export"],
        vec!["lint", "--all", "--format", "json"],
    ] {
        let out = run(&args);
        expect(&args.join(" "), &out, None);
        outputs.push((args.join(" "), out));
    }
    let refusal = |id: &str| UNMAILABLE.iter().find(|u| u.0 == id).copied();
    for id in &ids {
        for args in [
            vec!["show", id.as_str()],
            vec!["show", id.as_str(), "--format", "json"],
            vec!["finding", "list", id.as_str()],
        ] {
            let out = run(&args);
            expect(&args.join(" "), &out, None);
            if args.len() == 4 {
                // The password is known, and said to be set, not shown.
                let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                let account = &shown["test_account"];
                if owned.iter().any(|(with, _)| with == id) {
                    assert_eq!(account["password_set"], true, "{id}: {account}");
                }
                assert!(account.get("password").is_none(), "{id}: {account}");
            }
            outputs.push((args.join(" "), out));
        }
        for args in [
            vec!["mail", "preview", id.as_str()],
            vec!["mail", "preview", id.as_str(), "--html"],
        ] {
            let out = run(&args);
            expect(&args.join(" "), &out, refusal(id));
            outputs.push((args.join(" "), out));
        }
    }
    // Queue and deliver every email that can be written; the outbox files too.
    for id in &ids {
        let out = run(&["mail", "send", id]);
        expect(&format!("mail send {id}"), &out, refusal(id));
        if refusal(id).is_none() {
            let (stdout, _) = text(&out);
            assert!(
                stdout.contains("1 sent, 0 waiting, 0 failed"),
                "mail send {id}: {stdout}"
            );
        }
        outputs.push((format!("mail send {id}"), out));
    }
    let out = run(&["outbox", "list", "--format", "json"]);
    expect("outbox list", &out, None);
    let outbox: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mailable = ids.len() - UNMAILABLE.len();
    assert_eq!(outbox.len(), mailable, "one email per mailable submission");
    assert!(outbox.iter().all(|e| e["status"] == "sent"), "{outbox:?}");
    outputs.push(("outbox list".into(), out));
    // Every command did as expected: 8 on the whole queue, 6 per submission of which the
    // 3 mail commands are refused for the unmailable ones.
    let refused = outputs.iter().filter(|(_, o)| !o.status.success()).count();
    assert_eq!(refused, 3 * UNMAILABLE.len());
    assert_eq!(
        outputs.len() - refused,
        8 + 6 * ids.len() - 3 * UNMAILABLE.len()
    );
    for (what, out) in &outputs {
        let (stdout, stderr) = text(out);
        for p in &passwords {
            assert!(!stdout.contains(p), "{what} printed a password");
            assert!(!stderr.contains(p), "{what} printed a password on stderr");
        }
    }
    let dir = sb.path("data/oin-review/outbox-files");
    let mut files = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        let body = readable(&std::fs::read(&f).unwrap(), true);
        for p in &passwords {
            assert!(!body.contains(p), "{} holds a password", f.display());
        }
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is readable by others", f.display());
        files += 1;
    }
    assert_eq!(files, mailable, "every email was written");
    // With --include-secrets each submission's own password is there: the checks above
    // can fail.
    let out = run(&["export", "--include-secrets"]);
    expect("export --include-secrets", &out, None);
    let with: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let exported: Vec<(String, Option<String>)> = with["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let pw = s["test_account"]["password"].as_str().map(str::to_string);
            (s["id"].as_str().unwrap().to_string(), pw)
        })
        .collect();
    let mut expected: Vec<(String, Option<String>)> = ids
        .iter()
        .map(|id| {
            let pw = owned
                .iter()
                .find(|(with, _)| with == id)
                .map(|p| p.1.clone());
            (id.clone(), pw)
        })
        .collect();
    let mut sorted = exported.clone();
    sorted.sort();
    expected.sort();
    assert_eq!(
        sorted, expected,
        "the export holds each submission's own password"
    );

    // The queue keeps the passwords, by design, in the submissions' test_password column and
    // nowhere else: not in the audit log, the notes, the outbox's emails and previews, the
    // search column or any other table or column.
    let c =
        rusqlite::Connection::open_with_flags(sb.db(), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let tables: Vec<String> = c
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for t in [
        "submissions",
        "events",
        "notes",
        "outbox",
        "own_findings",
        "assignments",
    ] {
        assert!(tables.iter().any(|n| n == t), "no table {t} in {tables:?}");
    }
    let mut holding = std::collections::BTreeMap::<(String, String), usize>::new();
    for t in &tables {
        let columns: Vec<String> = c
            .prepare(&format!("SELECT name FROM pragma_table_info('{t}')"))
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        for col in &columns {
            let mut st = c
                .prepare(&format!("SELECT \"{col}\" FROM \"{t}\""))
                .unwrap();
            let values = st
                .query_map([], |r| r.get::<_, rusqlite::types::Value>(0))
                .unwrap()
                .map(Result::unwrap);
            for v in values {
                let bytes = match v {
                    rusqlite::types::Value::Text(s) => s.into_bytes(),
                    rusqlite::types::Value::Blob(b) => b,
                    _ => continue,
                };
                let seen = readable(&bytes, t == "outbox" && col == "message");
                let n = passwords.iter().filter(|p| seen.contains(*p)).count();
                if n > 0 {
                    *holding.entry((t.clone(), col.clone())).or_default() += n;
                }
            }
        }
    }
    assert_eq!(
        holding.into_iter().collect::<Vec<_>>(),
        [(
            ("submissions".to_string(), "test_password".to_string()),
            passwords.len()
        )],
        "where the queue holds test account passwords"
    );
    let stored: Vec<(String, Option<String>)> = c
        .prepare("SELECT id, test_password FROM submissions ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored, expected, "each submission keeps its own password");
    // The files that hold them are private: the queue, its WAL and shared memory if any.
    for f in ["queue.db", "queue.db-wal", "queue.db-shm"] {
        let Ok(meta) = std::fs::metadata(sb.path(f)) else {
            assert_ne!(f, "queue.db");
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{f} is readable by others");
    }
    // The log recorded every command, and no password.
    let logged = std::fs::read_to_string(&log).unwrap();
    let started = logged.lines().filter(|l| l.contains(" started ")).count();
    assert_eq!(started, outputs.len() + 1, "one start per command");
    assert!(logged.contains("TRACE"), "the log is at trace level");
    for p in &passwords {
        assert!(!logged.contains(p), "the log holds a password");
    }
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the log is readable by others");
}

#[test]
fn the_analyst_comes_from_the_uid_not_the_environment() {
    let sb = Sandbox::new();
    let f = sb.write(
        "s.json",
        json!([submission_json("S-1", "initial_review")]).to_string(),
    );
    sb.ok(&["import", f.to_str().unwrap()]);
    let out = sb
        .cmd()
        .env("USER", "mallory")
        .env("LOGNAME", "mallory")
        .env("OIN_REVIEW_ANALYST", "mallory")
        .args(["move", "--to", "isv_review", "S-1"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let shown: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "S-1", "--format", "json"])).unwrap();
    let by = shown["history"].as_array().unwrap().last().unwrap()["by"]
        .as_str()
        .unwrap()
        .to_string();
    let me = nix::unistd::User::from_uid(nix::unistd::getuid())
        .unwrap()
        .map(|u| u.name)
        .unwrap_or_else(|| nix::unistd::getuid().to_string());
    assert_eq!(by, me);
    assert_ne!(by, "mallory");
}

#[test]
fn isv_text_cannot_inject_email_headers() {
    let sb = Sandbox::new();
    let mut v = submission_json("S-1", "initial_review");
    v["app_name"] = json!("Evil App\r\nBcc: attacker@evil.example\r\nX-Injected: yes");
    v["isv"] = json!("Evil\r\nReply-To: attacker@evil.example");
    v["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[v]);
    sb.ok(&[
        "finding",
        "add",
        "S-1",
        "Fix it.\r\nBcc: attacker@evil.example",
    ]);
    sb.ok(&["mail", "send", "S-1"]);
    let raw = sb.ok(&["outbox", "show", "1"]);
    let headers = raw.split("\r\n\r\n").next().unwrap();
    for line in headers.split("\r\n") {
        assert!(
            !line.starts_with("Bcc:")
                && !line.starts_with("X-Injected:")
                && !line.starts_with("Reply-To:"),
            "injected header line {line:?} in:\n{headers}"
        );
    }
    let msg = mail_parser::MessageParser::default()
        .parse(raw.as_bytes())
        .unwrap();
    assert!(msg.bcc().is_none());
    assert_eq!(msg.to().unwrap().iter().count(), 1);

    // A contact with CR/LF is not an address: nothing is queued.
    let mut v = submission_json("S-2", "initial_review");
    v["escalation_contact"] = json!("dev@isv.example\r\nBcc: attacker@evil.example");
    sb.import_values(&[v]);
    sb.ok(&["finding", "add", "S-2", "Fix it."]);
    let out = sb.run(&["mail", "send", "S-2"]);
    assert!(!out.status.success());
    let (_, stderr) = text(&out);
    assert!(stderr.contains("escalation contact"), "{stderr}");
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(ob.len(), 1, "only the first email is queued");
}

#[test]
fn the_smtp_password_is_never_written_to_disk() {
    let sb = Sandbox::new();
    let secret = "smtp-Pa55-never-on-disk";
    sb.write(
        "config/oin-review/config.toml",
        "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nusername = \"u\"\n",
    );
    let mut v = submission_json("S-1", "initial_review");
    v["escalation_contact"] = json!("dev@isv.example");
    sb.import_values(&[v]);
    sb.ok(&["finding", "add", "S-1", "Fix it."]);
    let out = sb
        .cmd()
        .env("OIN_REVIEW_SMTP_PASSWORD", secret)
        .args(["mail", "send", "S-1"])
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(!stdout.contains(secret) && !stderr.contains(secret));
    fn walk(dir: &std::path::Path, secret: &str) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, secret);
            } else {
                let bytes = std::fs::read(&p).unwrap();
                assert!(
                    !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                    "{} holds the SMTP password",
                    p.display()
                );
            }
        }
    }
    walk(sb.dir.path(), secret);
}

#[test]
fn a_database_readable_by_others_gets_a_warning() {
    let sb = Sandbox::new();
    sb.import_samples();
    let quiet = sb.run(&["list"]);
    assert!(!String::from_utf8_lossy(&quiet.stderr).contains("readable by every user"));
    std::fs::set_permissions(sb.db(), std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = sb.run(&["list"]);
    assert!(out.status.success(), "a warning, not a refusal");
    let (_, stderr) = text(&out);
    assert!(
        stderr.contains("readable by every user of this host (mode 644)"),
        "{stderr}"
    );
}

/// Splits one CSV record (RFC 4180 quoting) into its cells.
fn csv_cells(line: &str) -> Vec<String> {
    let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

/// The rows of `list`'s table, each cut where its header's columns start: column → cell.
fn table_rows(table: &str) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut lines = table.lines();
    let header: Vec<char> = lines.next().unwrap().chars().collect();
    let starts: Vec<usize> = (0..header.len())
        .filter(|&i| header[i] != ' ' && (i == 0 || header[i - 1] == ' '))
        .collect();
    lines
        .filter(|l| l.starts_with("OIN-"))
        .map(|l| {
            let chars: Vec<char> = l.chars().collect();
            starts
                .iter()
                .enumerate()
                .map(|(k, &from)| {
                    let name: String = header[from..].iter().take_while(|c| **c != ' ').collect();
                    let to = starts
                        .get(k + 1)
                        .map_or(chars.len(), |&e| e.min(chars.len()));
                    let cell: String = chars[from.min(to)..to].iter().collect();
                    (name, cell.trim().to_string())
                })
                .collect()
        })
        .collect()
}

#[test]
fn csv_and_tsv_of_hostile_submissions_hold_no_control_byte_and_no_formula() {
    let sb = Sandbox::new();
    // id, state, assignee, path, protocols, app name, ISV, update of, submitter: every
    // column differs from its neighbours somewhere, so a shifted column shows.
    let hostile = [
        (
            "OIN-H-1",
            "initial_review",
            None,
            "wizard",
            vec!["saml"],
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "Evil Corp",
            None,
            Some("dev@h1.example"),
        ),
        (
            "OIN-H-2",
            "qa_testing",
            Some("asha"),
            "manager",
            vec!["scim"],
            "\u{1b}[31mRed\u{7} App",
            "+1+cmd|' /C calc'!A0",
            Some("Old Red App"),
            None,
        ),
        (
            "OIN-H-3",
            "isv_review",
            Some("ben"),
            "wizard",
            vec!["oidc", "scim"],
            "@SUM(A1:A9)",
            "-2+3",
            None,
            Some("=cmd@h3.example"),
        ),
        (
            "OIN-H-4",
            "final_review",
            Some("carla"),
            "manager",
            vec!["saml", "oidc"],
            "Bidi \u{202e}txt.exe",
            "-cmd",
            Some("-Old"),
            None,
        ),
        (
            "OIN-H-5",
            "draft",
            None,
            "wizard",
            vec!["saml"],
            "\tTabbed",
            "\rCarriage",
            None,
            None,
        ),
    ];
    // How CSV and TSV show each hostile text: control characters as the table shows them, a
    // cell a spreadsheet would evaluate behind a `'`, a number as it is.
    let shown = |raw: &str| -> String {
        let hostile_shown = [
            (
                "=HYPERLINK(\"http://evil.example\",\"x\")",
                "'=HYPERLINK(\"http://evil.example\",\"x\")",
            ),
            ("\u{1b}[31mRed\u{7} App", "\u{241b}[31mRed\u{2407} App"),
            ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
            ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
            ("=cmd@h3.example", "'=cmd@h3.example"),
            ("Bidi \u{202e}txt.exe", "Bidi \u{fffd}txt.exe"),
            ("-cmd", "'-cmd"),
            ("-Old", "'-Old"),
            ("\tTabbed", " Tabbed"),
            ("\rCarriage", "\u{240d}Carriage"),
        ];
        hostile_shown
            .iter()
            .find(|h| h.0 == raw)
            .map_or(raw.to_string(), |h| h.1.to_string())
    };
    let subs: Vec<serde_json::Value> = hostile
        .iter()
        .map(
            |(id, state, assignee, path, protocols, app, isv, update_of, email)| {
                let mut s = common::submission_json(id, state);
                s["assignee"] = json!(assignee);
                s["path"] = json!(path);
                s["protocols"] = json!(protocols);
                s["app_name"] = json!(app);
                s["isv"] = json!(isv);
                if let Some(old) = update_of {
                    s["update_of"] = json!(old);
                    s["change_summary"] = json!("New logo");
                }
                s["submitter_email"] = json!(email);
                s
            },
        )
        .collect();
    sb.import_values(&subs);
    let as_of = common::PINNED;
    let list = |format: &str| sb.ok(&["list", "--as-of", as_of, "--format", format]);
    let (csv, tsv, table) = (list("csv"), list("tsv"), list("table"));
    let json: Vec<serde_json::Value> = serde_json::from_str(&list("json")).unwrap();
    for (name, out) in [("csv", &csv), ("tsv", &tsv)] {
        let raw: Vec<char> = out
            .chars()
            .filter(|c| (c.is_control() && *c != '\n' && *c != '\t') || *c == '\u{202e}')
            .collect();
        assert!(
            raw.is_empty(),
            "{name} holds raw control characters {raw:?}:\n{out}"
        );
    }
    let csv_rows: Vec<Vec<String>> = csv.lines().map(csv_cells).collect();
    let tsv_rows: Vec<Vec<String>> = tsv
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    assert_eq!(
        csv_rows[0].join(","),
        "id,app_name,isv,protocols,state,assignee,path,update_of,submitter_email,sla_status,sla_left,sla_due,tests"
    );
    assert_eq!(tsv_rows[0].join(","), "id,app,isv,state,assignee,sla,tests");
    for cell in csv_rows.iter().chain(&tsv_rows).flatten() {
        let mut c = cell.chars();
        let formula = match c.next() {
            Some('=' | '+' | '@') => true,
            Some('-') => c.next().is_some_and(|d| !d.is_ascii_digit()),
            _ => false,
        };
        assert!(!formula, "cell {cell:?} would be evaluated:\n{csv}\n{tsv}");
    }
    // Row by row, in the list's order: CSV says what the JSON list says (in the shown
    // form), TSV what the table says; the tests column is the table's.
    let rows = table_rows(&table);
    assert_eq!(json.len(), hostile.len(), "{json:?}");
    assert_eq!(rows.len(), hostile.len(), "{table}");
    assert_eq!(csv_rows.len(), hostile.len() + 1, "{csv}");
    assert_eq!(tsv_rows.len(), hostile.len() + 1, "{tsv}");
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    for (i, (j, t)) in json.iter().zip(&rows).enumerate() {
        let id = text(&j["id"]);
        let (_, _, _, _, _, app, isv, ..) = hostile.iter().find(|h| h.0 == id).unwrap();
        assert_eq!(
            (text(&j["app_name"]), text(&j["isv"])),
            (app.to_string(), isv.to_string()),
            "JSON keeps the text as it is"
        );
        assert_eq!(t["ID"], id, "{table}");
        let protocols: Vec<String> = j["protocols"]
            .as_array()
            .unwrap()
            .iter()
            .map(text)
            .collect();
        let csv_expected = [
            id.clone(),
            shown(&text(&j["app_name"])),
            shown(&text(&j["isv"])),
            protocols.join(" "),
            text(&j["state"]),
            text(&j["assignee"]),
            text(&j["path"]),
            shown(&text(&j["update_of"])),
            shown(&text(&j["submitter_email"])),
            text(&j["sla"]["status"]),
            text(&j["sla"]["left"]),
            text(&j["sla"]["current"]["due"]),
            t["TESTS"].clone(),
        ];
        assert_eq!(csv_rows[i + 1], csv_expected, "CSV row {}:\n{csv}", i + 1);
        let tsv_expected = [
            id.clone(),
            shown(&text(&j["app_name"])),
            shown(&text(&j["isv"])),
            t["STATE"].clone(),
            t["WHO"].clone(),
            t["SLA"].clone(),
            t["TESTS"].clone(),
        ];
        assert_eq!(tsv_rows[i + 1], tsv_expected, "TSV row {}:\n{tsv}", i + 1);
    }
}

#[test]
fn c1_controls_never_reach_an_output_raw_and_json_escapes_them_losslessly() {
    // U+009B is CSI as one character: some terminals start an escape sequence with it.
    let sb = Sandbox::new();
    let mut sub = common::passing_json("C1-1", "2026-12-03T10:00:00Z");
    sub["app_name"] = serde_json::json!("Evil\u{9b}31mRed\u{85}App");
    sub["isv"] = serde_json::json!("ISV \u{9d}0;title\u{9c}");
    sb.import_values(&[sub]);
    let raw_c1 = |bytes: &[u8]| {
        bytes
            .windows(2)
            .any(|w| w[0] == 0xc2 && (0x80..=0x9f).contains(&w[1]))
    };
    let commands: [&[&str]; 8] = [
        &["show", "C1-1"],
        &["show", "C1-1", "--format", "json"],
        &["list"],
        &["list", "--format", "json"],
        &["list", "--format", "csv"],
        &["list", "--format", "tsv"],
        &["lint", "C1-1", "--format", "json"],
        &["export"],
    ];
    for args in commands {
        let out = sb.run(args);
        assert!(out.status.success(), "{args:?}: {}", common::text(&out).1);
        assert!(!raw_c1(&out.stdout), "{args:?} wrote a raw C1 control");
    }
    // JSON escapes them, so the text is what the ISV gave.
    let shown = sb.ok(&["show", "C1-1", "--format", "json"]);
    assert!(
        shown.contains(r#""app_name": "Evil\u009b31mRed\u0085App""#),
        "{shown}"
    );
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["app_name"], "Evil\u{9b}31mRed\u{85}App");
    // Text shows a placeholder for each.
    assert!(sb.ok(&["show", "C1-1"]).contains("C1-1  Evil�31mRed�App"));
    // An export imports back to the same text.
    let exported = sb.ok(&["export"]);
    let again = Sandbox::new();
    let f = again.write("export.json", &exported);
    again.ok(&["import", f.to_str().unwrap()]);
    let v: serde_json::Value =
        serde_json::from_str(&again.ok(&["show", "C1-1", "--format", "json"])).unwrap();
    assert_eq!(v["app_name"], "Evil\u{9b}31mRed\u{85}App");
    assert_eq!(v["isv"], "ISV \u{9d}0;title\u{9c}");
}
