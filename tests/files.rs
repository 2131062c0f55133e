//! Disk and files: a queue the analyst may read but not write, one they may not read, a data
//! folder they cannot create, and a damaged database file. Each is a clear error or a
//! read-only mode, and the file is never changed.
//!
//! File permissions do not bind root, so when the tests run as root the binary runs as the
//! `nobody` account (util-linux `setpriv`), as a colleague without access would.

mod common;

use common::{Sandbox, text};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Runs `oin-review` as a user the file permissions apply to: this one, or `nobody` when
/// the tests run as root. The sandbox is opened up so that user can reach it.
struct Other {
    bin: PathBuf,
    root: bool,
}

impl Other {
    fn new(sb: &Sandbox) -> Other {
        chmod(sb.dir.path(), 0o755);
        let root = nix::unistd::geteuid().is_root();
        let bin = if root {
            // The build folder may be out of nobody's reach: run a copy from the sandbox.
            let copy = sb.path("oin-review");
            std::fs::copy(env!("CARGO_BIN_EXE_oin-review"), &copy).unwrap();
            chmod(&copy, 0o755);
            copy
        } else {
            PathBuf::from(env!("CARGO_BIN_EXE_oin-review"))
        };
        Other { bin, root }
    }

    /// The shell command line that runs the console as this user on `db`.
    fn console_line(&self, db: &Path) -> String {
        let prefix = if self.root {
            "setpriv --reuid=65534 --regid=65534 --clear-groups "
        } else {
            ""
        };
        format!("{prefix}{} --db {}", self.bin.display(), db.display())
    }

    fn run(&self, sb: &Sandbox, db: &Path, args: &[&str]) -> Output {
        let mut c = if self.root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(&self.bin);
            c
        } else {
            Command::new(&self.bin)
        };
        c.env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .envs(common::clock_env())
            .env("HOME", sb.path("home"))
            .env("XDG_DATA_HOME", sb.path("data"))
            .env("XDG_CONFIG_HOME", sb.path("config"))
            .arg("--db")
            .arg(db)
            .args(args)
            .output()
            .expect("run oin-review")
    }
}

/// Everything the queue holds, as `export` writes it, plus the audit log's length.
fn contents(sb: &Sandbox) -> String {
    let mut export: serde_json::Value = serde_json::from_str(&sb.ok(&["export"])).unwrap();
    export["exported_at"] = serde_json::Value::Null;
    let conn = rusqlite::Connection::open(sb.db()).unwrap();
    let events: i64 = conn
        .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap();
    format!("{export}\nevents {events}")
}

#[test]
fn a_read_only_queue_can_be_browsed_and_refuses_every_write_unchanged() {
    let sb = Sandbox::new();
    sb.import_samples();
    let maildir = sb.path("Maildir");
    for sub in ["new", "cur", "tmp"] {
        std::fs::create_dir_all(maildir.join(sub)).unwrap();
    }
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "{}[inbound]\nmaildir = {:?}\n",
            common::TEAM,
            maildir.display().to_string()
        ),
    );
    let results = sb.write(
        "results.json",
        include_str!("../data/sample-tester-results.json"),
    );
    chmod(&results, 0o644);
    let before = contents(&sb);
    // Both ways a queue is read-only: the file, and the folder SQLite keeps its journal in.
    let dir = sb.path("shared");
    std::fs::create_dir(&dir).unwrap();
    let in_dir = dir.join("queue.db");
    std::fs::copy(sb.db(), &in_dir).unwrap();
    chmod(&in_dir, 0o644);
    chmod(&dir, 0o555);
    chmod(&sb.db(), 0o444);
    let other = Other::new(&sb);

    for db in [sb.db(), in_dir.clone()] {
        let out = other.run(&sb, &db, &["list", "--format", "json"]);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "browsing works: {stderr}");
        let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout).unwrap();
        assert!(rows.len() >= 10, "{}", rows.len());
        let out = other.run(&sb, &db, &["show", "OIN-2026-0142"]);
        assert!(out.status.success(), "{}", text(&out).1);

        let samples = sb.path("samples.json");
        let writes: Vec<(Vec<&str>, &str)> = vec![
            (
                vec!["move", "--to", "qa_testing", "OIN-2026-0142"],
                "move submissions",
            ),
            (vec!["claim", "OIN-2026-0142"], "assign submissions"),
            (
                vec!["assign", "--to", "carla", "OIN-2026-0142"],
                "assign submissions",
            ),
            (vec!["undo"], "undo a batch"),
            (
                vec!["import", samples.to_str().unwrap()],
                "import submissions",
            ),
            (
                vec!["import-results", results.to_str().unwrap()],
                "import test results",
            ),
            (
                vec!["finding", "add", "OIN-2026-0142", "Logo is blurry"],
                "save the issue list",
            ),
            (
                vec![
                    "promise",
                    "OIN-2026-0142",
                    "--phase",
                    "initial_review",
                    "--date",
                    "2026-12-01",
                ],
                "record a promised date",
            ),
            (
                vec!["mail", "send", "OIN-2026-0142", "--queue-only"],
                "queue an email",
            ),
            (vec!["outbox", "retry", "1"], "retry an email"),
            (
                vec![
                    "finding",
                    "leave-out",
                    "OIN-2026-0103",
                    "catalog.display_name_length",
                    "--reason",
                    "agreed",
                ],
                "save the issue list",
            ),
            (
                vec![
                    "finding",
                    "include",
                    "OIN-2026-0103",
                    "catalog.display_name_length",
                ],
                "save the issue list",
            ),
            (
                vec!["mail", "send", "OIN-2026-0103", "--queue-only"],
                "queue an email",
            ),
            (
                vec!["mail", "send", "OIN-2026-0142", "--move-to", "qa_testing"],
                "queue an email",
            ),
            (vec!["outbox", "flush"], "claim an email for delivery"),
            // Replies: fetching (the Maildir below) and attaching write.
            (vec!["mail", "fetch"], "take the fetch lease"),
            (
                vec!["mail", "attach", "1", "OIN-2026-0142"],
                "attach a received message",
            ),
            // Refused before the editor opens (no editor is set: one would fail).
            (
                vec!["finding", "edit", "OIN-2026-0142"],
                "save the issue list",
            ),
        ];
        for (args, action) in writes {
            let out = other.run(&sb, &db, &args);
            let (_, stderr) = text(&out);
            assert!(!out.status.success(), "{args:?} must fail");
            assert!(
                stderr.contains(&format!("{} is read-only for you", db.display()))
                    && stderr.contains(&format!("could not {action}; nothing was changed")),
                "{args:?}: {stderr}"
            );
        }
        let out = other.run(&sb, &db, &["list"]);
        assert!(out.status.success());
    }
    chmod(&sb.db(), 0o600);
    assert!(contents(&sb) == before, "nothing was written");
    chmod(&dir, 0o755);
    let copy = Sandbox::new();
    std::fs::copy(&in_dir, copy.db()).unwrap();
    assert!(
        contents(&copy) == before,
        "nothing was written in the folder"
    );
}

#[test]
fn an_unreadable_queue_and_an_uncreatable_data_folder_are_clear_errors() {
    let sb = Sandbox::new();
    sb.import_samples();
    chmod(&sb.db(), 0o600);
    let other = Other::new(&sb);
    if other.root {
        // nobody is not the owner: 0600 already keeps them out.
    } else {
        chmod(&sb.db(), 0o000);
    }
    let out = other.run(&sb, &sb.db(), &["list"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert_eq!(
        stderr.trim(),
        format!(
            "oin-review: cannot read the review queue at {}: Permission denied (os error 13); ask its owner for access (or for the shared group, `db_group`)",
            sb.db().display()
        )
    );

    // A queue in a folder that cannot be created: `init` says where and what to do.
    let locked = sb.path("locked");
    std::fs::create_dir(&locked).unwrap();
    chmod(&locked, 0o555);
    let target = locked.join("team/queue.db");
    let samples = sb.path("samples.json");
    chmod(&samples, 0o644);
    let _ = &samples;
    let out = other.run(&sb, &target, &["init"]);
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains(&format!(
            "cannot create the review queue at {}: Permission denied",
            target.display()
        )) && stderr.contains("pass --db PATH (or set `database` in the config)"),
        "{stderr}"
    );
    assert!(!target.exists());
}

/// Overwrites the root pages of the queue's lines and of the submissions (what `list` and
/// `export` read first), past the header.
fn damage(db: &Path) {
    use std::io::{Seek, SeekFrom, Write};
    let (page, roots): (u64, Vec<u64>) = {
        let c = rusqlite::Connection::open(db).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let roots = c
            .prepare(
                "SELECT rootpage FROM sqlite_master WHERE name IN ('queue_lines', 'submissions')",
            )
            .unwrap()
            .query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|r| r.unwrap() as u64)
            .collect();
        (page as u64, roots)
    };
    let mut f = std::fs::OpenOptions::new().write(true).open(db).unwrap();
    for root in roots {
        assert!(root > 1);
        f.seek(SeekFrom::Start((root - 1) * page)).unwrap();
        f.write_all(&vec![0xde; page as usize]).unwrap();
    }
}

#[test]
fn a_damaged_queue_is_refused_with_a_message_and_never_repaired() {
    let sb = Sandbox::new();
    let out = sb.run(&["demo", "--rows", "300", "--no-open"]);
    assert!(out.status.success(), "{}", text(&out).1);
    // `demo --db` writes the demo queue to the sandbox's db.
    damage(&sb.db());
    let before = std::fs::read(sb.db()).unwrap();

    for args in [
        vec!["list"],
        vec!["list", "--query", "contoso"],
        vec!["export"],
    ] {
        let out = sb.run(&args);
        let (_, stderr) = text(&out);
        assert!(!out.status.success(), "{args:?} reads a damaged file");
        assert!(
            stderr.contains("the queue database is damaged")
                && stderr.contains("restore it from a backup")
                && stderr.contains("will not be repaired silently"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            stderr.matches("malformed").count(),
            1,
            "said once: {stderr}"
        );
    }
    assert_eq!(std::fs::read(sb.db()).unwrap(), before, "left as it was");

    // The console checks the whole file after its first frame and turns read-only.
    let store = oin_review::store::Store::open(&sb.db(), &Default::default()).unwrap();
    let problems = store.quick_check().unwrap().expect("damage found");
    assert!(!problems.contains('\n'), "{problems}");
    drop(store);
    assert_eq!(std::fs::read(sb.db()).unwrap(), before);
}

/// The console in a real terminal on `db`, run by `other`: opens read-only, shows it in the
/// header, and a write key (`a`, claim) says why it cannot act; then q exits 0. Returns the
/// message line.
fn console_refuses_a_claim(sb: &Sandbox, other: &Other, db: &Path, name: &str) -> String {
    use common::tmux::Tmux;
    let wait = std::time::Duration::from_secs(10);
    let t = Tmux::start_command(sb, name, &[], &other.console_line(db), 100, 30);
    let s = t.wait_for("1 Needs OIN", wait);
    let header = s.lines().next().unwrap_or_default();
    assert!(header.contains("READ-ONLY"), "{s}");
    t.keys(&["a"]);
    let s = t.wait_for("read-only: cannot claim submissions", wait);
    let message = s
        .lines()
        .find(|l| l.starts_with("read-only: cannot claim"))
        .unwrap_or_default()
        .to_string();
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", wait);
    message
}

#[test]
fn the_console_opens_a_queue_it_cannot_write_read_only_and_a_write_key_says_why() {
    let sb = Sandbox::new();
    sb.import_samples();
    let dir = sb.path("shared");
    std::fs::create_dir(&dir).unwrap();
    let in_dir = dir.join("queue.db");
    std::fs::copy(sb.db(), &in_dir).unwrap();
    chmod(&in_dir, 0o644);
    chmod(&dir, 0o555);
    chmod(&sb.db(), 0o444);
    let file_bytes = std::fs::read(sb.db()).unwrap();
    let dir_bytes = std::fs::read(&in_dir).unwrap();
    let other = Other::new(&sb);

    let said = console_refuses_a_claim(&sb, &other, &sb.db(), "ro-file");
    assert!(said.contains("(no write permission on the file"), "{said}");
    let said = console_refuses_a_claim(&sb, &other, &in_dir, "ro-dir");
    assert!(
        said.contains("read-only: cannot claim submissions ("),
        "{said}"
    );
    assert_eq!(
        std::fs::read(sb.db()).unwrap(),
        file_bytes,
        "the file is untouched"
    );
    assert_eq!(
        std::fs::read(&in_dir).unwrap(),
        dir_bytes,
        "the file is untouched"
    );
}

#[test]
fn the_console_finds_a_damaged_queue_says_so_and_turns_read_only() {
    let sb = Sandbox::new();
    sb.import_samples();
    // A table the first screen does not read: the queue loads, and the whole-file check
    // after the first frame finds the damage.
    {
        use std::io::{Seek, SeekFrom, Write};
        let c = rusqlite::Connection::open(sb.db()).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
        let page: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
        let root: i64 = c
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'notes'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        drop(c);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(sb.db())
            .unwrap();
        f.seek(SeekFrom::Start((root as u64 - 1) * page as u64))
            .unwrap();
        f.write_all(&vec![0xde; page as usize]).unwrap();
    }
    let before = std::fs::read(sb.db()).unwrap();
    let t = common::tmux::Tmux::start(&sb, "damaged", &[], &[], 100, 30);
    let wait = std::time::Duration::from_secs(10);
    let s = t.wait_for("the queue database is damaged", wait);
    assert!(
        s.lines().next().unwrap_or_default().contains("READ-ONLY"),
        "{s}"
    );
    t.keys(&["a"]);
    t.wait_for(
        "read-only: cannot claim submissions (the database is damaged: restore it from a backup)",
        wait,
    );
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", wait);
    assert_eq!(std::fs::read(sb.db()).unwrap(), before, "never repaired");
}
