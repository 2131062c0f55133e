//! `oin-review backup`: a consistent online copy while colleagues write, rotation, restore.

mod common;

use common::Sandbox;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn count(db: &Path, table: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.busy_timeout(Duration::from_secs(15)).unwrap();
    c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_backup_taken_while_another_process_writes_in_a_loop_is_sound_and_whole() {
    let sb = Sandbox::new();
    sb.import_samples();
    // A colleague's process assigns and unassigns in a loop (one write transaction each).
    let bin = env!("CARGO_BIN_EXE_oin-review");
    let db = sb.db();
    let mut writer = common::clean_command("sh")
        .arg("-c")
        .arg(r#"while :; do "$0" --db "$1" assign --to bea OIN-2026-0142 >/dev/null && "$0" --db "$1" assign --to none OIN-2026-0142 >/dev/null || exit 1; done"#)
        .arg(bin)
        .arg(&db)
        .env("HOME", sb.path("home"))
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("XDG_CONFIG_HOME", sb.path("config"))
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while count(&db, "assignments") < 6 {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the writer writes"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut seen = Vec::new();
    for k in 0..3 {
        let before = count(&db, "assignments");
        let dest = sb.path(&format!("copies/queue-{k}.db"));
        let out = sb.ok(&["backup", dest.to_str().unwrap()]);
        let after = count(&db, "assignments");
        assert!(out.contains("backed up 33 submission(s)"), "{out}");
        assert!(out.contains("integrity check ok"), "{out}");
        let (integrity, states) = common::consistent(&dest);
        assert_eq!(integrity, "ok");
        assert_eq!(states.iter().map(|(_, n)| n).sum::<i64>(), 33, "whole");
        let copied = count(&dest, "assignments");
        assert!(
            (before..=after).contains(&copied),
            "a snapshot of one instant: {before} <= {copied} <= {after}"
        );
        // One file, private as the queue (0600), no journal left beside it.
        assert!(!dest.with_extension("db-wal").exists());
        let mode = std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        seen.push(copied);
    }
    assert!(
        writer.try_wait().unwrap().is_none(),
        "the writer was never locked out"
    );
    writer.kill().unwrap();
    writer.wait().unwrap();
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    // No half-written file is left in the folder.
    let names: Vec<String> = std::fs::read_dir(sb.path("copies"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains("partial")), "{names:?}");
}

#[test]
fn backups_rotate_refuse_to_overwrite_and_restore_as_the_readme_says() {
    let sb = Sandbox::new();
    sb.import_samples();
    for _ in 0..3 {
        let out = sb.ok(&["backup", "--keep", "2"]);
        assert!(out.contains("backups/queue-"), "{out}");
    }
    let dir = sb.path("backups");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "--keep 2 keeps the newest two: {names:?}");
    let newest = dir.join(&names[1]);
    // A backup never overwrites.
    let again = sb.run(&["backup", newest.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("already there"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    // A change after the backup, then the README's restore: stop the consoles, move the
    // damaged queue and its -wal/-shm aside, copy the backup in its place.
    sb.ok(&["assign", "--to", "bea", "OIN-2026-0142"]);
    let db = sb.db();
    for ext in ["", "-wal", "-shm"] {
        let p = Path::new(&format!("{}{ext}", db.display())).to_path_buf();
        if p.exists() {
            std::fs::rename(&p, format!("{}.damaged", p.display())).unwrap();
        }
    }
    std::fs::copy(&newest, &db).unwrap();
    let list = sb.ok(&["list", "--format", "tsv"]);
    assert_eq!(
        list.lines().count(),
        1 + 33,
        "a header and every sample: {list}"
    );
    let show = sb.ok(&["show", "OIN-2026-0142", "--format", "json"]);
    assert!(
        !show.contains("\"bea\""),
        "the restored queue is the backup's: {show}"
    );
}

/// Issue 28, point 6: a shared queue's backups folder is the team's, as the queue is: made
/// with the queue's group, group-writable and setgid (it was 2755, so a colleague's
/// `backup` failed with a bare "Permission denied"). A queue of one analyst keeps a folder
/// of its own.
#[test]
fn a_shared_queue_s_backups_folder_is_group_writable_and_setgid() {
    use std::os::unix::fs::MetadataExt;
    let group = nix::unistd::Group::from_gid(nix::unistd::getegid())
        .unwrap()
        .expect("this account's group")
        .name;
    let sb = Sandbox::new();
    sb.write(
        "config/oin-review/config.toml",
        format!("db_group = {group:?}\n{}", common::TEAM),
    );
    sb.import_samples();
    let queue = std::fs::metadata(sb.db()).unwrap();
    assert_eq!(queue.mode() & 0o777, 0o660, "the shared queue");
    sb.ok(&["backup"]);
    let folder = std::fs::metadata(sb.path("backups")).unwrap();
    assert_eq!(folder.mode() & 0o7777, 0o2770, "{:o}", folder.mode());
    assert_eq!(folder.gid(), queue.gid());
    // One analyst's queue: the folder is as the umask makes it, not the group's.
    let own = Sandbox::new();
    own.import_samples();
    own.ok(&["backup"]);
    let folder = std::fs::metadata(own.path("backups")).unwrap();
    assert_eq!(folder.mode() & 0o2020, 0, "{:o}", folder.mode() & 0o7777);
}

/// A colleague: another account (nobody's uid) whose groups are only the queue's group.
fn as_colleague(sb: &Sandbox, gid: u32, args: &[&str]) -> std::process::Output {
    common::clean_command("setpriv")
        .arg("--reuid=65534")
        .arg("--regid=65534")
        .arg(format!("--groups={gid}"))
        .arg(env!("CARGO_BIN_EXE_oin-review"))
        .arg("--db")
        .arg(sb.db())
        .args(args)
        .env("HOME", sb.path("home"))
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("XDG_CONFIG_HOME", sb.path("config"))
        .output()
        .expect("setpriv")
}

#[test]
fn a_colleague_in_the_queue_s_group_takes_a_backup_and_a_folder_they_cannot_write_is_named_with_its_fix()
 {
    if !nix::unistd::geteuid().is_root()
        && common::cannot_run("root, to run oin-review as a second account with setpriv")
    {
        return;
    }
    let gid = nix::unistd::getegid();
    let group = nix::unistd::Group::from_gid(gid)
        .unwrap()
        .expect("this account's group")
        .name;
    let sb = Sandbox::new();
    std::fs::set_permissions(sb.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    sb.write(
        "config/oin-review/config.toml",
        format!("db_group = {group:?}\n{}", common::TEAM),
    );
    sb.import_samples();
    // The owner's first backup makes the folder; the colleague's lands beside it.
    sb.ok(&["backup"]);
    let out = as_colleague(&sb, gid.as_raw(), &["backup"]);
    let (stdout, stderr) = common::text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    let owners: Vec<u32> = std::fs::read_dir(sb.path("backups"))
        .unwrap()
        .map(|e| std::os::unix::fs::MetadataExt::uid(&e.unwrap().metadata().unwrap()))
        .collect();
    assert!(owners.contains(&65534) && owners.len() == 2, "{owners:?}");
    // A folder made before it was the team's: the colleague is told which and the fix.
    std::fs::set_permissions(sb.path("backups"), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = as_colleague(&sb, gid.as_raw(), &["backup"]);
    let (_, stderr) = common::text(&out);
    assert!(!out.status.success());
    let folder = sb.path("backups");
    assert!(
        stderr.contains(&format!(
            "this account cannot write in {0}; for a shared queue its owner makes it the team's: chgrp {group} {0} && chmod 2770 {0}",
            folder.display()
        )),
        "{stderr}"
    );
}
