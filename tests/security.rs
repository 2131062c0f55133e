//! Secrets and access: passwords stay out of every output, identity comes from the uid,
//! files are private, and ISV text cannot inject email headers.

mod common;

use common::{SAMPLES, Sandbox, submission_json, text};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;

fn sample_passwords() -> Vec<String> {
    let v: serde_json::Value = serde_json::from_str(SAMPLES).unwrap();
    let subs = v
        .as_array()
        .cloned()
        .or_else(|| v["submissions"].as_array().cloned())
        .unwrap();
    let mut pw: Vec<String> = subs
        .iter()
        .filter_map(|s| s["test_account"]["password"].as_str())
        .filter(|p| p.len() >= 4)
        .map(str::to_string)
        .collect();
    pw.sort();
    pw.dedup();
    pw
}

#[test]
fn passwords_appear_in_no_output_without_include_secrets() {
    let sb = Sandbox::new();
    sb.import_samples();
    let passwords = sample_passwords();
    assert!(passwords.len() > 10);
    let ids: Vec<String> = sb
        .list_json()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect();
    let mut outputs = Vec::new();
    for args in [
        vec!["list"],
        vec!["list", "--format", "json"],
        vec!["list", "--format", "csv"],
        vec!["export"],
        vec!["lint", "--all", "--format", "json"],
    ] {
        let out = sb.run(&args);
        outputs.push((args.join(" "), out));
    }
    for id in &ids {
        for args in [
            vec!["show", id.as_str()],
            vec!["show", id.as_str(), "--format", "json"],
            vec!["finding", "list", id.as_str()],
            vec!["mail", "preview", id.as_str()],
            vec!["mail", "preview", id.as_str(), "--html"],
        ] {
            let out = sb.run(&args);
            outputs.push((args.join(" "), out));
        }
    }
    // Queue and deliver every email that can be written; the outbox files too.
    for id in &ids {
        let out = sb.run(&["mail", "send", id]);
        outputs.push((format!("mail send {id}"), out));
    }
    let out = sb.run(&["outbox", "list", "--format", "json"]);
    outputs.push(("outbox list".into(), out));
    let mut checked = 0;
    for (what, out) in &outputs {
        let (stdout, stderr) = text(out);
        for p in &passwords {
            assert!(!stdout.contains(p.as_str()), "{what} printed a password");
            assert!(
                !stderr.contains(p.as_str()),
                "{what} printed a password on stderr"
            );
        }
        checked += 1;
    }
    let dir = sb.path("data/oin-review/outbox-files");
    let mut files = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let f = f.unwrap().path();
        let body = std::fs::read_to_string(&f).unwrap().replace("=\n", "");
        for p in &passwords {
            assert!(
                !body.contains(p.as_str()),
                "{} holds a password",
                f.display()
            );
        }
        let mode = std::fs::metadata(&f).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is readable by others", f.display());
        files += 1;
    }
    assert!(files > 5, "emails were written: {files}");
    assert!(checked > 100);
    // The audit log does not hold them either.
    let db = std::fs::read(sb.db()).unwrap();
    let wal = std::fs::read(sb.path("queue.db-wal")).unwrap_or_default();
    let events: Vec<String> = {
        let c = rusqlite::Connection::open(sb.db()).unwrap();
        let mut st = c
            .prepare("SELECT coalesce(reason, '') || analyst FROM events")
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    for p in &passwords {
        assert!(events.iter().all(|e| !e.contains(p.as_str())));
    }
    // With --include-secrets they are there: the check above can fail.
    let with = sb.ok(&["export", "--include-secrets"]);
    assert!(with.contains(passwords[0].as_str()));
    let _ = (db, wal);
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
        "[mail]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nusername = \"u\"\n",
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

#[test]
fn csv_and_tsv_of_hostile_submissions_hold_no_control_byte_and_no_formula() {
    let sb = Sandbox::new();
    let hostile = [
        (
            "OIN-H-1",
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            "Evil Corp",
        ),
        ("OIN-H-2", "\u{1b}[31mRed\u{7} App", "+1+cmd|' /C calc'!A0"),
        ("OIN-H-3", "@SUM(A1:A9)", "-2+3"),
        ("OIN-H-4", "Bidi \u{202e}txt.exe", "-cmd"),
        ("OIN-H-5", "\tTabbed", "\rCarriage"),
    ];
    let subs: Vec<serde_json::Value> = hostile
        .iter()
        .map(|(id, app, isv)| {
            let mut s = common::submission_json(id, "initial_review");
            s["app_name"] = serde_json::json!(app);
            s["isv"] = serde_json::json!(isv);
            s
        })
        .collect();
    sb.import_values(&subs);
    let csv = sb.ok(&["list", "--format", "csv"]);
    let tsv = sb.ok(&["list", "--format", "tsv"]);
    for (name, out) in [("csv", &csv), ("tsv", &tsv)] {
        let raw: Vec<char> = out
            .chars()
            .filter(|c| (c.is_control() && *c != '\n' && *c != '\t') || *c == '\u{202e}')
            .collect();
        assert!(
            raw.is_empty(),
            "{name} holds raw control characters {raw:?}:\n{out}"
        );
        let rows: Vec<Vec<String>> = out
            .lines()
            .skip(1)
            .map(|l| match name {
                "csv" => csv_cells(l),
                _ => l.split('\t').map(str::to_string).collect(),
            })
            .collect();
        assert_eq!(rows.len(), hostile.len(), "{out}");
        for cell in rows.iter().flatten() {
            let mut c = cell.chars();
            let formula = match c.next() {
                Some('=' | '+' | '@') => true,
                Some('-') => c.next().is_some_and(|d| !d.is_ascii_digit()),
                _ => false,
            };
            assert!(!formula, "{name} cell {cell:?} would be evaluated");
        }
        assert!(
            out.contains("'=HYPERLINK"),
            "defused, still readable: {out}"
        );
        assert!(
            out.contains("-2+3") && !out.contains("'-2+3"),
            "a number stays a number"
        );
    }
    // The TESTS column says what the table says.
    let table = sb.ok(&["list"]);
    let csv_tests: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| csv_cells(l)[12].clone())
        .collect();
    for t in &csv_tests {
        assert!(table.contains(t.as_str()), "{t:?} is a table cell: {table}");
    }
}
