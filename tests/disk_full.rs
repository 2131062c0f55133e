//! A full disk, on a real small tmpfs (mounted by root, as CI runs): every write fails with
//! a clear message and changes nothing, reads go on, the console stays up and says so, and
//! everything works again once space is freed.

mod common;

use common::tmux::Tmux;
use common::{Sandbox, consistent_in, submission_json, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(15);

/// A tmpfs of `mb` MB at `dir`, unmounted when dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    /// Mounts it; `None` when this machine cannot, which fails the test under `CI=true` (CI
    /// runs as root and `.ci/run` checks that it can mount) and is said loudly elsewhere.
    fn mount(dir: PathBuf, mb: u32) -> Option<Tmpfs> {
        std::fs::create_dir_all(&dir).unwrap();
        let out = Command::new("mount")
            .args([
                "-t",
                "tmpfs",
                "-o",
                &format!("size={mb}m,mode=0755"),
                "tmpfs",
            ])
            .arg(&dir)
            .output();
        let why = match out {
            Ok(out) if out.status.success() => return Some(Tmpfs(dir)),
            Ok(out) => format!(
                "mount -t tmpfs failed (it needs root): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            Err(e) => format!("mount could not be run ({e}): install util-linux's mount"),
        };
        common::cannot_run(&format!("a small full disk: {why}"));
        None
    }

    fn available(&self) -> u64 {
        let out = Command::new("stat")
            .args(["-f", "-c", "%a %S"])
            .arg(&self.0)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let mut it = text.split_whitespace().map(|n| n.parse::<u64>().unwrap());
        it.next().unwrap() * it.next().unwrap()
    }

    /// Fills the disk with `name` until only `leave` bytes (rounded to a page) are free.
    fn fill(&self, name: &str, leave: u64) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.0.join(name)).unwrap();
        let block = vec![0u8; 4096];
        while self.available() > leave {
            if f.write_all(&block).and_then(|_| f.flush()).is_err() {
                break;
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The binary on the queue in the tmpfs, with its data folder (the .eml outbox) there too.
/// An `import` into a tmpfs with no queue yet makes it first (`init`), as the README does.
fn run(sb: &Sandbox, disk: &Path, args: &[&str]) -> Output {
    if args.first() == Some(&"import") && !disk.join("queue.db").exists() {
        let made = run(sb, disk, &["init"]);
        assert!(made.status.success(), "init: {}", text(&made).1);
    }
    common::clean_command(env!("CARGO_BIN_EXE_oin-review"))
        .env("HOME", sb.path("home"))
        .env("XDG_DATA_HOME", disk.join("data"))
        .env("XDG_CONFIG_HOME", sb.path("config"))
        .arg("--db")
        .arg(disk.join("queue.db"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(sb: &Sandbox, disk: &Path, args: &[&str]) -> String {
    let out = run(sb, disk, args);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{args:?}: {stderr}");
    stdout
}

fn refused(sb: &Sandbox, disk: &Path, args: &[&str]) -> String {
    let out = run(sb, disk, args);
    let (_, stderr) = text(&out);
    assert!(!out.status.success(), "{args:?} must fail on a full disk");
    stderr
}

fn emls(disk: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(disk.join("data/oin-review/outbox-files")) {
        Ok(d) => d.map(|e| e.unwrap().path()).collect(),
        Err(_) => Vec::new(),
    }
}

/// The queue file as it is on disk, read without creating anything beside it (the disk may
/// be full; every process that wrote it has exited, so its WAL is checkpointed).
fn reader(disk: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open_with_flags(
        format!("file:{}?immutable=1", disk.join("queue.db").display()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .unwrap()
}

/// Everything the queue says about itself: states, events, outbox rows.
fn snapshot(disk: &Path) -> (Vec<(String, i64)>, i64, i64) {
    let c = reader(disk);
    let (integrity, states) = consistent_in(&c);
    assert_eq!(integrity, "ok");
    let count = |t: &str| -> i64 {
        c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    (states, count("events"), count("outbox"))
}

#[test]
fn on_a_full_disk_every_write_fails_cleanly_reads_go_on_and_freeing_space_recovers() {
    let sb = Sandbox::new();
    let Some(fs) = Tmpfs::mount(sb.path("disk"), 16) else {
        return;
    };
    let disk = fs.0.clone();
    let subs: Vec<_> = (0..3000)
        .map(|i| {
            let mut s = submission_json(&format!("F-{i:04}"), "initial_review");
            s["escalation_contact"] = serde_json::json!("dev@isv.example");
            s
        })
        .collect();
    let more = sb.write("more.json", serde_json::to_vec(&subs[2000..]).unwrap());
    let first = sb.write("first.json", serde_json::to_vec(&subs[..2000]).unwrap());
    ok(&sb, &disk, &["import", first.to_str().unwrap()]);
    ok(
        &sb,
        &disk,
        &[
            "finding",
            "add",
            "F-0001",
            "--severity",
            "blocker",
            "Logo is blurry.",
        ],
    );
    let ids: Vec<String> = (0..2000).map(|i| format!("F-{i:04}")).collect();
    let mut batch = vec!["move", "--to", "isv_review"];
    batch.extend(ids.iter().map(String::as_str));
    let before = snapshot(&disk);

    // Nearly full: the queue opens, but the batch does not fit; none of it is applied.
    fs.fill("filler-1", 96 * 1024);
    let said = refused(&sb, &disk, &batch);
    assert!(said.contains("the disk is full"), "{said}");
    assert!(said.contains("nothing was changed"), "{said}");
    assert!(
        said.contains(&disk.join("queue.db").display().to_string()),
        "{said}"
    );
    assert_eq!(snapshot(&disk), before, "the batch is whole or absent");

    // Full: reading goes on (a snapshot), saying why; each write is refused up front.
    fs.fill("filler-2", 0);
    let out = run(&sb, &disk, &["list", "--format", "tsv"]);
    let (listed, warned) = text(&out);
    assert!(out.status.success(), "{warned}");
    assert_eq!(listed.lines().count(), 2001, "every submission is listed");
    assert!(
        warned.contains("open for reading only: the disk that holds it is full"),
        "{warned}"
    );
    assert!(warned.contains(&disk.display().to_string()), "{warned}");
    ok(&sb, &disk, &["show", "F-0001"]);
    for args in [
        batch.clone(),
        vec!["import", more.to_str().unwrap()],
        vec!["mail", "send", "F-0001", "--move-to", "isv_review"],
    ] {
        let said = refused(&sb, &disk, &args);
        assert!(
            said.contains("the disk that holds it is full") && said.contains("nothing was changed"),
            "{args:?}: {said}"
        );
    }
    let said = refused(&sb, &disk, &["backup"]);
    assert!(said.contains("the disk is full"), "{said}");
    assert!(said.contains("nothing was changed"), "{said}");
    let backups: Vec<_> = std::fs::read_dir(disk.join("backups")).unwrap().collect();
    assert!(backups.is_empty(), "no partial backup is left: {backups:?}");
    assert_eq!(snapshot(&disk), before, "nothing was applied");
    assert!(emls(&disk).is_empty());

    // Space freed: everything works, and each .eml has its outbox row.
    std::fs::remove_file(disk.join("filler-1")).unwrap();
    std::fs::remove_file(disk.join("filler-2")).unwrap();
    ok(&sb, &disk, &["import", more.to_str().unwrap()]);
    ok(&sb, &disk, &batch);
    let sent = ok(
        &sb,
        &disk,
        &[
            "mail",
            "send",
            "F-2001",
            "--move-to",
            "isv_review",
            "--force",
            "--reason",
            "disk test",
        ],
    );
    assert!(sent.contains("1 sent"), "{sent}");
    ok(&sb, &disk, &["backup"]);
    let (states, _, outbox) = snapshot(&disk);
    assert_eq!(
        states,
        [
            ("initial_review".to_string(), 999),
            ("isv_review".to_string(), 2001)
        ]
    );
    assert_eq!(outbox, emls(&disk).len() as i64, "one .eml per sent email");
}

#[test]
fn an_email_that_cannot_be_written_to_a_full_disk_stays_queued_with_no_file_left() {
    let sb = Sandbox::new();
    let Some(fs) = Tmpfs::mount(sb.path("disk"), 4) else {
        return;
    };
    let disk = fs.0.clone();
    let mut s = submission_json("E-1", "initial_review");
    s["escalation_contact"] = serde_json::json!("dev@isv.example");
    let f = sb.write("one.json", serde_json::to_vec(&[s]).unwrap());
    ok(&sb, &disk, &["import", f.to_str().unwrap()]);
    ok(
        &sb,
        &disk,
        &[
            "finding",
            "add",
            "E-1",
            "--severity",
            "blocker",
            "Logo is blurry.",
        ],
    );
    // Queue the email while there is room, then fill the disk before delivery.
    ok(&sb, &disk, &["mail", "send", "E-1", "--queue-only"]);
    std::fs::create_dir_all(disk.join("data/oin-review/outbox-files")).unwrap();
    fs.fill("filler", 0);
    let out = run(&sb, &disk, &["outbox", "flush"]);
    let (stdout, stderr) = text(&out);
    assert!(!out.status.success(), "{stdout}{stderr}");
    let said = format!("{stdout}{stderr}");
    assert!(said.contains("disk") && said.contains("full"), "{said}");
    assert!(
        emls(&disk).is_empty(),
        "no half-written .eml: {:?}",
        emls(&disk)
    );
    let (_, _, rows) = snapshot(&disk);
    assert_eq!(rows, 1);
    std::fs::remove_file(disk.join("filler")).unwrap();
    let out = ok(&sb, &disk, &["outbox", "flush"]);
    assert!(out.contains("1 sent"), "{out}");
    assert_eq!(emls(&disk).len(), 1);
}

#[test]
fn the_console_stays_up_on_a_full_disk_says_so_and_writes_again_once_space_is_freed() {
    let sb = Sandbox::new();
    let Some(fs) = Tmpfs::mount(sb.path("disk"), 8) else {
        return;
    };
    let disk = fs.0.clone();
    let subs: Vec<_> = (0..40)
        .map(|i| submission_json(&format!("C-{i:02}"), "initial_review"))
        .collect();
    let f = sb.write("c.json", serde_json::to_vec(&subs).unwrap());
    ok(&sb, &disk, &["import", f.to_str().unwrap()]);
    let t = Tmux::start_on(&sb, &disk.join("queue.db"), "diskfull", &[], &[], 100, 30);
    t.wait_for("C-00", WAIT);
    fs.fill("filler", 0);
    // Claim everything shown: the write fails, the console says why and stays.
    t.keys(&["V"]);
    t.wait_for(" marked ", WAIT);
    t.keys(&["a"]);
    let screen = t.wait_for("disk is full", WAIT);
    assert!(
        screen.contains("C-0"),
        "the queue is still shown:\n{screen}"
    );
    assert!(!screen.contains("EXITED"), "{screen}");
    std::fs::remove_file(disk.join("filler")).unwrap();
    t.keys(&["a"]);
    let start = Instant::now();
    loop {
        let s = t.screen();
        if s.contains("assigned") && !s.contains("disk is full") {
            break;
        }
        assert!(start.elapsed() < WAIT, "no claim after freeing space:\n{s}");
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    // Space is free again: a normal connection sees what the console committed.
    let c = rusqlite::Connection::open(disk.join("queue.db")).unwrap();
    let (_, states) = consistent_in(&c);
    assert_eq!(states, [("initial_review".to_string(), 40)]);
    let claimed: i64 = c
        .query_row(
            "SELECT count(*) FROM submissions WHERE assignee IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(claimed, 40, "the claim went through once space was freed");
}
