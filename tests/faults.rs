//! Faults: a batch move killed at random moments leaves the queue consistent and the batch
//! either wholly applied or not at all; processes racing on the same items lose nothing.

mod common;

use common::{Sandbox, consistent, submission_json};
use rusqlite::Connection;
use std::process::Stdio;
use std::time::{Duration, Instant};

const ITEMS: usize = 10_000;
/// Kills at random moments: each lands before or after the commit about evenly, so both
/// outcomes occur in all but one run in 2 000 (a failure prints the seed that replays it).
const ROUNDS: usize = 12;

/// A queue of `ITEMS` submissions in initial review named `PREFIX-00000`..., and the ids, one
/// per line, for `move -`.
fn big_queue(prefix: &str) -> (Sandbox, String) {
    let sb = Sandbox::new();
    let subs: Vec<_> = (0..ITEMS)
        .map(|i| submission_json(&format!("{prefix}-{i:05}"), "initial_review"))
        .collect();
    sb.import_values(&subs);
    let ids = (0..ITEMS).map(|i| format!("{prefix}-{i:05}\n")).collect();
    (sb, ids)
}

/// `move --to TO -` of every id, started (not waited for).
fn start_batch(sb: &Sandbox, ids: &str, to: &str) -> std::process::Child {
    use std::io::Write;
    let mut child = sb
        .cmd()
        .args(["move", "--to", to, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ids.as_bytes())
        .unwrap();
    child
}

#[test]
fn a_batch_killed_at_random_moments_is_all_or_nothing() {
    let _timing = common::one_at_a_time();
    let (sb, ids) = big_queue("K");
    // How long one uninterrupted batch takes, to spread the kills over it.
    let run = |to: &str| start_batch(&sb, &ids, to);
    let started = Instant::now();
    assert!(run("isv_review").wait().unwrap().success());
    let full = started.elapsed();
    let mut state = "isv_review";
    let first_seed = common::seed(0x9e37_79b9_7f4a_7c15);
    let mut seed = first_seed;
    let mut applied = 0;
    for round in 0..ROUNDS {
        let to = if state == "isv_review" {
            "initial_review"
        } else {
            "isv_review"
        };
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        // Anywhere from the start to twice a whole batch: about half land before its commit.
        let delay = full.mul_f64((seed % 1000) as f64 / 1000.0 * 2.0);
        let mut child = run(to);
        // The schedule of the kill: this sleep is the random moment, not a wait for anything.
        std::thread::sleep(delay);
        // SIGKILL, sent whether or not it has finished (an unreaped child still takes it).
        child.kill().expect("SIGKILL the batch");
        let _ = child.wait();
        let (integrity, states) = consistent(&sb.db());
        assert_eq!(integrity, "ok", "round {round}");
        assert_eq!(
            states.len(),
            1,
            "round {round} (killed after {delay:?}): the batch is whole or absent: {states:?}"
        );
        assert_eq!(states[0].1, ITEMS as i64);
        if states[0].0 == to {
            applied += 1;
        }
        state = if states[0].0 == "isv_review" {
            "isv_review"
        } else {
            "initial_review"
        };
    }
    // Both outcomes are exercised: some kills land after the commit, some before.
    eprintln!("{applied} of {ROUNDS} killed batches had committed; one batch takes {full:?}");
    assert!(
        (1..ROUNDS).contains(&applied),
        "{applied} of {ROUNDS} killed batches had committed: both outcomes must occur (seed {first_seed}; OIN_TEST_SEED replays it)"
    );
}

/// Whether another process holds the queue's write lock now: a `BEGIN IMMEDIATE` that
/// may not wait is refused only while a write transaction is open.
fn write_lock_held(c: &Connection) -> bool {
    match c.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => {
            c.execute_batch("ROLLBACK").unwrap();
            false
        }
        Err(e) => {
            assert_eq!(
                e.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy),
                "{e}"
            );
            true
        }
    }
}

#[test]
fn a_kill_that_lands_inside_the_batch_transaction_leaves_no_part_of_it() {
    let _timing = common::one_at_a_time();
    let (sb, ids) = big_queue("T");
    let probe = Connection::open(sb.db()).unwrap();
    probe.busy_timeout(Duration::ZERO).unwrap();
    let run = |to: &str| start_batch(&sb, &ids, to);
    let mut inside = 0;
    for round in 0..5 {
        let mut child = run("isv_review");
        // Kill it the moment its write transaction is seen open.
        let started = Instant::now();
        let mut seen = false;
        while child.try_wait().unwrap().is_none() {
            if write_lock_held(&probe) {
                child.kill().expect("SIGKILL the batch");
                seen = true;
                break;
            }
            // Poll, but leave the batch its core: a probe that never pauses fights the
            // writer for the lock and for one of the two cores.
            std::thread::sleep(Duration::from_micros(200));
            assert!(started.elapsed() < Duration::from_secs(60), "round {round}");
        }
        let _ = child.wait();
        let (integrity, states) = consistent(&sb.db());
        assert_eq!(integrity, "ok", "round {round}");
        assert_eq!(
            states.len(),
            1,
            "round {round}: whole or absent: {states:?}"
        );
        if states[0].0 == "isv_review" {
            // It committed between the probe and the kill: move it back and go again.
            assert!(run("initial_review").wait().unwrap().success());
            continue;
        }
        assert!(seen, "round {round}: the batch ended without being seen");
        assert_eq!(states[0], ("initial_review".to_string(), ITEMS as i64));
        inside += 1;
        // The queue takes writes again at once (no stale lock, no hot journal left).
        assert!(!write_lock_held(&probe), "round {round}");
    }
    assert!(inside >= 1, "no kill landed inside the transaction");
    eprintln!("{inside} of 5 kills landed inside the batch transaction");
}

#[test]
fn racing_processes_lose_no_update_and_never_see_database_is_locked() {
    let _timing = common::one_at_a_time();
    let sb = Sandbox::new();
    let subs: Vec<_> = (0..20)
        .map(|i| {
            let mut s = submission_json(&format!("R-{i:02}"), "initial_review");
            s["escalation_contact"] = serde_json::json!("okta@isv.example");
            s
        })
        .collect();
    sb.import_values(&subs);
    let ids: Vec<String> = (0..20).map(|i| format!("R-{i:02}")).collect();
    // A console in a real terminal races too: everything marked, ready to claim and move.
    let t = common::tmux::Tmux::start(&sb, "race", &[], &[], 160, 48);
    t.wait_for("1 Needs OIN", WAIT);
    t.keys(&["5"]);
    t.wait_for("20 of 20", WAIT);
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let ids = ids.clone();
            let db = sb.db();
            let root = sb.dir.path().to_path_buf();
            std::thread::spawn(move || {
                let mut added = 0;
                let mut outputs = Vec::new();
                for round in 0..6 {
                    let mine: Vec<&str> = ids
                        .iter()
                        .skip((w + round) % 3)
                        .step_by(2)
                        .map(String::as_str)
                        .collect();
                    let to = if (w + round) % 2 == 0 {
                        "isv_review"
                    } else {
                        "initial_review"
                    };
                    let run =
                        |args: &[&str]| common::command_in(&root, &db).args(args).output().unwrap();
                    let mut args = vec!["move", "--to", to];
                    args.extend(&mine);
                    outputs.push(run(&args));
                    let mut args = vec!["assign", "--to", ["ana", "ben", "carla", "dmitri"][w]];
                    args.extend(&mine[..3]);
                    outputs.push(run(&args));
                    let note = format!("worker {w} round {round}");
                    let out = run(&["finding", "add", mine[0], &note]);
                    if out.status.success() {
                        added += 1;
                    }
                    outputs.push(out);
                }
                (added, outputs)
            })
        })
        .collect();
    let mut console = Vec::new();
    for round in 0..4 {
        console.push(console_claim_and_move(&t, round));
    }
    let mut added = 0;
    for w in workers {
        let (a, outputs) = w.join().unwrap();
        added += a;
        for o in outputs {
            let stderr = String::from_utf8_lossy(&o.stderr);
            let stdout = String::from_utf8_lossy(&o.stdout);
            assert!(
                !stderr.contains("locked") && !stdout.contains("locked"),
                "{stderr}{stdout}"
            );
            // Every refusal is reported with its reason, one line per submission.
            if !o.status.success() {
                assert!(stdout.contains("refused") || !stderr.is_empty(), "{stdout}");
            }
        }
    }
    for (round, said) in console.iter().enumerate() {
        assert!(!said.contains("locked"), "console round {round}: {said}");
    }
    eprintln!("the console said: {console:#?}");
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    assert_eq!(added, 24, "every finding add committed");
    let (integrity, _) = consistent(&sb.db());
    assert_eq!(integrity, "ok");
    let c = Connection::open(sb.db()).unwrap();
    let findings: i64 = c
        .query_row("SELECT count(*) FROM own_findings", [], |r| r.get(0))
        .unwrap();
    assert_eq!(findings, 24, "no finding was lost");
    let assigned_ok: i64 = c
        .query_row(
            "SELECT count(*) FROM submissions s WHERE s.assignee IS NOT (
                 SELECT a.to_assignee FROM assignments a WHERE a.submission_id = s.id
                 ORDER BY a.id DESC LIMIT 1)",
            [],
            |r| r.get(0),
        )
        .unwrap_or(-1);
    assert_eq!(
        assigned_ok, 0,
        "each assignee equals its last audited assignment"
    );
}

const WAIT: Duration = Duration::from_secs(15);

/// The console's message line (above the key hints).
fn message_line(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines
        .len()
        .checked_sub(2)
        .map(|i| lines[i].trim().to_string())
        .unwrap_or_default()
}

/// Waits until the message line shows something other than `before` that contains one of
/// `words`; returns it.
/// A report of refusals drawn with the message is dismissed.
fn next_message(t: &common::tmux::Tmux, before: &str, words: &[&str]) -> String {
    let start = Instant::now();
    loop {
        let screen = t.screen();
        let m = message_line(&screen);
        assert!(!screen.contains("locked"), "{screen}");
        if m != before && words.iter().any(|w| m.contains(w)) {
            if screen.contains("not moved") || screen.contains("not assigned to") {
                t.escape();
                return format!("{m} (report of refusals shown)");
            }
            return m;
        }
        assert!(
            start.elapsed() < WAIT,
            "waited for {words:?}; screen:\n{screen}"
        );
        std::thread::sleep(Duration::from_millis(30));
    }
}

/// One console round: mark everything shown, claim it, then move it to the first target the
/// picker offers (through the email preview when that target emails the ISV). Returns what
/// the console said of each, refusals and conflicts included.
fn console_claim_and_move(t: &common::tmux::Tmux, round: usize) -> String {
    let mut said = Vec::new();
    t.keys(&["V"]);
    t.wait_for(" 20 marked ", WAIT);
    let before = message_line(&t.screen());
    t.keys(&["a"]);
    let m = next_message(t, &before, &["assigned", "refused"]);
    said.push(m.clone());
    t.keys(&["V", "m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    // Colleagues may have changed every marked item since it was seen: the plan says so
    // and offers nothing to move.
    let s = t.wait_until(
        "the planned targets",
        |s| s.contains("applies to") || s.contains("nothing to move"),
        WAIT,
    );
    if !s.contains("applies to") {
        t.escape();
        return format!("{} | nothing to move", said.join(" | "));
    }
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving", WAIT);
    t.literal(&format!("console round {round}"));
    t.keys(&["Enter"]);
    let start = Instant::now();
    loop {
        let s = t.screen();
        if s.contains("email preview") || s.contains("submission(s) to") {
            break;
        }
        if s.contains("no email written") {
            t.escape();
            return format!("{} | no email written", said.join(" | "));
        }
        assert!(start.elapsed() < WAIT, "no confirmation: {s}");
        std::thread::sleep(Duration::from_millis(30));
    }
    // Colleagues may have moved every item meanwhile: then nothing is left to email, and
    // the preview offers the move without email instead.
    if t.screen().contains("nothing to send") {
        // Planned again without email and confirmed.
        t.keys(&["m"]);
        t.wait_for("submission(s) to", WAIT);
        t.keys(&["y"]);
    } else {
        t.keys(&["y"]);
    }
    let moved = next_message(t, &m, &["moved", "refused", "queued", "sent"]);
    if moved.starts_with("queued") {
        // The mail thread reports its delivery next; let it land before the next round.
        said.push(moved.clone());
        said.push(next_message(t, &moved, &["mail:"]));
    } else {
        said.push(moved);
    }
    said.join(" | ")
}

#[test]
fn a_writer_waits_for_a_colleagues_write_lock_and_then_succeeds_without_locked() {
    let _timing = common::one_at_a_time();
    let sb = Sandbox::new();
    sb.import_values(&[submission_json("W-1", "initial_review")]);
    // A colleague's transaction holds the write lock for three seconds.
    let colleague = Connection::open(sb.db()).unwrap();
    colleague.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = Instant::now();
    let mut child = sb
        .cmd()
        .args(["assign", "--to", "bea", "W-1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while started.elapsed() < Duration::from_secs(3) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "the writer gave up after {:?} instead of waiting",
            started.elapsed()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    colleague.execute_batch("COMMIT").unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.to_lowercase().contains("locked"), "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "it went on as soon as the lock was free"
    );
    let list = sb.list_json();
    assert_eq!(list[0]["assignee"], "bea");
}
