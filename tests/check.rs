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
    // Line 2 is not a console setting: nothing can trust the file (a console setting's
    // mistake stops only the console: the next test).
    sb.write(
        "config/oin-review/config.toml",
        "mouse = true\ndatabase = \n",
    );
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
    // Issue 28, point 2: what the file says about the theme and the keys was not read, so
    // they are not called ok.
    for unread in ["theme", "keys", "views"] {
        assert!(line(&report, unread).is_empty(), "{unread}: {report}");
    }
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

/// Issue 28, point 1: a console-only setting (`mouse`, `state_names`, `theme`, `[keys]`,
/// `[views]`) that is wrong, even one TOML cannot read, stops only the console, naming the
/// file and line; `list`, a cron `outbox flush` and `backup` warn the same words and work,
/// and `check` reports it.
#[test]
fn a_console_setting_s_mistake_stops_only_the_console_and_says_where() {
    let sb = Sandbox::new();
    sb.import_samples();
    let path = sb.path("config/oin-review/config.toml");
    for (bad, line_no, says) in [
        (
            "mouse = \"yes\"",
            1,
            "invalid type: string \"yes\", expected a boolean",
        ),
        ("state_names = \"wizrd\"", 1, "unknown variant `wizrd`"),
        ("theme = dark", 1, "string values must be quoted"),
        (
            "[keys]\nqueue.down = [\"j\"]",
            2,
            "write it in quotes: \"queue.down\" = ...",
        ),
    ] {
        sb.write(
            "config/oin-review/config.toml",
            format!("{bad}\n{}", common::TEAM),
        );
        let at = format!("{}: line {line_no}: ", path.display());
        for args in [&["list"][..], &["outbox", "flush"], &["backup"]] {
            let out = sb.run(args);
            let (_, stderr) = text(&out);
            assert!(out.status.success(), "{bad}: {args:?}: {stderr}");
            assert!(
                stderr.contains(&format!("oin-review: warning: {at}")) && stderr.contains(says),
                "{bad}: {args:?}: {stderr}"
            );
        }
        // The console (no terminal here) refuses before anything else, with the same line.
        let out = sb.run(&[]);
        let (_, stderr) = text(&out);
        assert!(!out.status.success());
        assert!(
            stderr.contains("the console's settings need fixing first") && stderr.contains(&at),
            "{bad}: {stderr}"
        );
        let (ok, report) = check(&sb);
        assert!(!ok, "{report}");
        assert!(
            line(&report, "console")
                .iter()
                .any(|l| l.contains(&at) && l.contains(says)),
            "{bad}: {report}"
        );
        // The rest of the file still counts: the team is read. A setting left out is not
        // called ok.
        assert!(line(&report, "config")[0].starts_with("ok"), "{report}");
        if bad.starts_with("theme") {
            assert!(line(&report, "theme").is_empty(), "{report}");
        }
        if bad.starts_with("[keys]") {
            assert!(line(&report, "keys").is_empty(), "{report}");
        }
    }
}

/// Issue 28, point 7: every cron table in the README sets a PATH that holds the folder its
/// install step puts the binary in (`--root /usr/local`: /usr/local/bin), and each of its
/// lines runs in cron's own environment (nothing but that PATH, HOME and SHELL=/bin/sh;
/// /usr/local/bin stands for a folder of the test's).
#[test]
fn the_readme_s_cron_lines_run_in_cron_s_own_environment() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("the README");
    assert!(readme.contains("cargo install --locked --path . --root /usr/local"));
    let tables: Vec<&str> = readme
        .split("```cron\n")
        .skip(1)
        .filter_map(|t| t.split("```").next())
        .collect();
    assert!(tables.len() >= 2, "the README's cron tables");
    let sb = Sandbox::new();
    sb.import_samples();
    let home = sb.path("cron-home");
    std::fs::create_dir_all(home.join(".config/oin-review")).unwrap();
    // Replies come to a Maildir on the host (the `mail fetch` line).
    let maildir = sb.path("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    std::fs::write(
        home.join(".config/oin-review/config.toml"),
        format!(
            "database = {:?}\n{}[inbound]\nmaildir = {:?}\nreply_to = \"oin@okta.example\"\n",
            sb.db().display().to_string(),
            common::TEAM,
            maildir.display().to_string()
        ),
    )
    .unwrap();
    let bin = sb.path("usr-local-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_oin-review"), bin.join("oin-review")).unwrap();
    let mut ran = 0;
    for table in tables {
        let path = table
            .lines()
            .find_map(|l| l.strip_prefix("PATH="))
            .unwrap_or_else(|| panic!("a cron table without PATH=:\n{table}"));
        assert!(
            path.split(':').any(|d| d == "/usr/local/bin") && !path.contains('$'),
            "cron expands no variables, and the binary is in /usr/local/bin: {path}"
        );
        let path = path.replace("/usr/local/bin", &bin.display().to_string());
        for line in table
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("PATH="))
        {
            // Five time fields, then the command as cron gives it to /bin/sh.
            let command = (0..5).fold(line, |rest, _| {
                rest.trim_start()
                    .trim_start_matches(|c: char| !c.is_whitespace())
            });
            let command = command.replace("/srv/oin/queue.db", &sb.db().display().to_string());
            let mut sh = std::process::Command::new("/bin/sh");
            sh.arg("-c")
                .arg(&command)
                .env_clear()
                .env("PATH", &path)
                .env("HOME", &home)
                .env("SHELL", "/bin/sh");
            for (k, v) in common::clock_env() {
                sh.env(k, v);
            }
            let out = sh.output().expect("/bin/sh");
            assert!(
                out.status.success(),
                "{line}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            ran += 1;
        }
    }
    assert!(ran >= 4, "the README's cron lines");
}

/// Issue 28, point 2: the holiday calendar running out within a year is warned about (a
/// WARN line, not a failure): after its last date promised dates would ignore holidays
/// silently. The built-in calendar, listed to 2028, is ok today.
#[test]
fn a_holiday_calendar_that_ends_within_a_year_is_warned_about() {
    let sb = Sandbox::new();
    sb.import_samples();
    let (ok, report) = check(&sb);
    assert!(ok, "{report}");
    let holidays = line(&report, "holidays");
    assert!(
        holidays[0].starts_with("ok") && holidays[0].contains("listed to 2028-12-25"),
        "{report}"
    );
    // A team calendar whose last date is three months after the tests' today (2026-12-04).
    sb.write(
        "config/oin-review/holidays/team.toml",
        "name = \"Team\"\n\n[dates]\n2026-12-25 = \"Christmas Day\"\n2027-03-01 = \"Spring day\"\n",
    );
    sb.write(
        "config/oin-review/policy.toml",
        "[sla]\nholidays = [\"team\"]\n",
    );
    let (ok, report) = check(&sb);
    assert!(ok, "a warning is not a failure: {report}");
    let holidays = line(&report, "holidays");
    assert!(
        holidays[0].starts_with("WARN")
            && holidays[0].contains("the holiday calendar ends on 2027-03-01"),
        "{report}"
    );
}
