//! `oin-review check`: one line per check, exit 1 on any problem, nothing changed.

mod common;

use common::{Sandbox, text};

fn check(sb: &Sandbox) -> (bool, String) {
    let out = sb.run(&["check"]);
    let (stdout, stderr) = text(&out);
    assert!(
        stderr.is_empty(),
        "check says everything on stdout: {stderr}"
    );
    (out.status.success(), stdout)
}

fn line<'a>(report: &'a str, what: &str) -> Vec<&'a str> {
    report
        .lines()
        .filter(|l| l.split_whitespace().nth(1) == Some(what))
        .collect()
}

#[test]
fn a_healthy_host_passes_every_check_and_check_changes_nothing() {
    let sb = Sandbox::new();
    sb.import_samples();
    let before = common::file_bytes(&sb.db());
    let (ok, report) = check(&sb);
    assert!(ok, "{report}");
    for what in [
        "config",
        "theme",
        "keys",
        "policy",
        "templates",
        "mail",
        "queue",
    ] {
        let l = line(&report, what);
        assert!(
            !l.is_empty() && l.iter().all(|l| l.starts_with("ok ")),
            "{what}: {report}"
        );
    }
    assert!(report.contains("integrity ok"), "{report}");
    assert!(report.contains("33 submission(s)"), "{report}");
    assert!(report.contains("nothing sent"), "{report}");
    assert!(
        report.ends_with("everything checked is ready\n"),
        "{report}"
    );
    assert_eq!(
        common::file_bytes(&sb.db()),
        before,
        "check wrote to the queue"
    );
}

#[test]
fn twelve_kib_of_garbage_in_the_middle_of_the_queue_is_found() {
    let sb = Sandbox::new();
    sb.import_samples();
    let mut bytes = std::fs::read(sb.db()).unwrap();
    let middle = bytes.len() / 2;
    for (i, b) in bytes[middle..middle + 12 * 1024].iter_mut().enumerate() {
        *b = (i as u8).wrapping_mul(37).wrapping_add(11);
    }
    std::fs::write(sb.db(), &bytes).unwrap();
    let (ok, report) = check(&sb);
    assert!(!ok, "a damaged queue fails the check: {report}");
    let queue = line(&report, "queue");
    assert_eq!(queue.len(), 1, "{report}");
    assert!(queue[0].starts_with("FAIL"), "{report}");
    assert!(queue[0].contains("is damaged"), "{report}");
    assert!(queue[0].contains("restore it from a backup"), "{report}");
    // The other checks still ran and passed.
    assert!(line(&report, "templates")[0].starts_with("ok "), "{report}");
    assert!(report.ends_with("1 problem(s) found\n"), "{report}");
}

#[test]
fn a_bad_binding_names_its_line_and_each_broken_template_is_named() {
    let sb = Sandbox::new();
    sb.import_samples();
    sb.write(
        "config/oin-review/config.toml",
        "mouse = false\n\n[keys]\n\"queue.down\" = [\"j\"]\n\"queue.donw\" = [\"n\"]\n\"detail.up\" = [\"ctrl-\"]\n",
    );
    // A syntax error, and a name the emails do not have.
    sb.write(
        "config/oin-review/templates/issue-list.txt",
        "Hello {{ isv }\n",
    );
    sb.write(
        "config/oin-review/templates/published.html",
        "<p>Hello</p>\n<p>{{ isv_name }}</p>\n",
    );
    let (ok, report) = check(&sb);
    assert!(!ok, "{report}");
    let keys = line(&report, "keys");
    assert_eq!(keys.len(), 2, "each bad binding on its line: {report}");
    assert!(keys[0].contains("config.toml: line 6:"), "{report}");
    assert!(keys[0].contains("\"detail.up\""), "{report}");
    assert!(keys[1].contains("config.toml: line 5:"), "{report}");
    assert!(keys[1].contains("no command \"donw\" in queue"), "{report}");
    let templates = line(&report, "templates");
    assert_eq!(templates.len(), 2, "{report}");
    assert!(
        templates
            .iter()
            .any(|l| l.contains("issue-list.txt (") && l.contains("line 1: syntax error")),
        "{report}"
    );
    assert!(
        templates.iter().any(|l| l.contains("published email")
            && l.contains("published.html (")
            && l.contains("line 2: undefined value")),
        "{report}"
    );
    assert!(line(&report, "queue")[0].starts_with("ok "), "{report}");
    assert!(report.ends_with("4 problem(s) found\n"), "{report}");
}

#[test]
fn a_config_that_does_not_parse_is_one_line_and_the_rest_is_still_checked() {
    let sb = Sandbox::new();
    sb.import_samples();
    sb.write("config/oin-review/config.toml", "mouse = true\ntheme = \n");
    sb.write(
        "config/oin-review/policy.toml",
        "[sla]\ntime_zone = \"Mars/Olympus\"\n",
    );
    let (ok, report) = check(&sb);
    assert!(!ok, "{report}");
    let config = line(&report, "config");
    assert!(config[0].starts_with("FAIL"), "{report}");
    assert!(config[0].contains("config.toml: line 2:"), "{report}");
    let policy = line(&report, "policy");
    assert!(
        policy[0].contains("policy.toml: line 2: sla.time_zone"),
        "{report}"
    );
    assert!(line(&report, "queue")[0].starts_with("ok "), "{report}");
    // The same config stops other commands, with check's own words: which file, which line,
    // what is wrong there; they list nothing.
    let out = sb.run(&["list"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}");
    assert_eq!(stdout, "", "nothing is listed");
    let config_path = sb.path("config/oin-review/config.toml");
    let said = config[0]
        .strip_prefix("FAIL  config     ")
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(
        said,
        format!(
            "{}: line 2: string values must be quoted, expected literal string",
            config_path.display()
        ),
        "{report}"
    );
    assert_eq!(stderr, format!("oin-review: {said}\n"));
}

#[test]
fn smtp_settings_are_built_without_sending_and_a_missing_password_is_named() {
    let sb = Sandbox::new();
    sb.import_samples();
    sb.write(
        "config/oin-review/config.toml",
        "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"127.0.0.1\"\nport = 9\ntls = \"none\"\nusername = \"bea\"\n",
    );
    let (ok, report) = check(&sb);
    assert!(!ok, "{report}");
    let mail = line(&report, "mail");
    assert!(mail[0].starts_with("FAIL"), "{report}");
    assert!(
        mail[0].contains("username = \"bea\" needs a password"),
        "{report}"
    );
    let out = sb
        .cmd()
        .env("OIN_REVIEW_SMTP_PASSWORD", "s3cret-pw")
        .arg("check")
        .output()
        .unwrap();
    let (report, _) = text(&out);
    assert!(out.status.success(), "{report}");
    let mail = line(&report, "mail");
    assert!(mail[0].contains("smtp://127.0.0.1:9"), "{report}");
    assert!(!report.contains("s3cret-pw"), "{report}");
}
