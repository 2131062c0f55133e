//! The real binary in a real terminal: tmux, one server socket per test, fixed size.

mod common;

use common::me;
use common::tmux::Tmux;
use common::{Sandbox, is_colour, sgr_params};
use std::process::Command;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(10);

fn queue_with_samples() -> Sandbox {
    let sb = Sandbox::new();
    sb.import_samples();
    let f = sb.write(
        "results.json",
        include_str!("../data/sample-tester-results.json"),
    );
    sb.ok(&["import-results", f.to_str().unwrap()]);
    sb
}

/// Searches for `id` and waits until the detail pane shows it with its app's name.
fn select_by_search(t: &Tmux, id: &str, app: &str) {
    t.keys(&["/"]);
    t.literal(id);
    t.keys(&["Enter"]);
    t.wait_for(&format!("{id} {app}"), WAIT);
}

#[test]
fn search_detail_help_resize_and_quit_restore_the_terminal() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "tour", &[], &[], 80, 24);
    t.wait_for("1 Needs OIN", WAIT);
    assert!(t.alternate_screen_on());
    t.keys(&["5", "/"]);
    t.literal("acme");
    // The results come after the typing: wait for the search to select Acme Expense.
    t.wait_until(
        "the search /acme to select OIN-2026-0142",
        |s| s.contains("/acme") && s.lines().any(|l| l.starts_with("▶ OIN-2026-0142")),
        WAIT,
    );
    t.keys(&["Enter", "Enter"]);
    let s = t.wait_for("── State and SLA", WAIT);
    assert!(s.contains("OIN-2026-0142 Acme Expense"), "{s}");
    assert!(!s.contains("s3cret"));
    t.keys(&["Escape"]);
    // The queue, its other tabs shrunk to their digits beside the search chip.
    t.wait_for(" 5 All ", WAIT);
    t.keys(&["?"]);
    t.wait_for("help: every key", WAIT);
    // Ctrl-L repaints over the help in a real terminal (it asks the terminal nothing that
    // could stall), and the help stays open.
    t.keys(&["C-l"]);
    t.keys(&["j"]);
    t.wait_for("help: every key", WAIT);
    t.keys(&["Escape"]);
    // Closed before the resizes: at 200 columns " detail " shows beside an open help too.
    t.wait_until(
        "the help to close",
        |s| !s.contains("help: every key"),
        WAIT,
    );
    t.resize(200, 35);
    t.wait_for(" detail ", WAIT);
    t.resize(50, 10);
    t.wait_for("terminal too small: need 60x15, have 50x10", WAIT);
    t.resize(80, 24);
    t.wait_for(" 5 All ", WAIT);
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    assert!(!t.alternate_screen_on(), "the alternate screen was left");
}

#[test]
fn no_color_keeps_the_selection_in_reverse_video() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "nocolor", &[("NO_COLOR", "1")], &[], 80, 24);
    t.wait_for("OIN-2026-0116", WAIT);
    let styled = t.screen_with_styles();
    let row = styled
        .lines()
        .find(|l| l.contains("OIN-2026-0116"))
        .unwrap();
    assert!(
        sgr_params(row).contains(&7),
        "selected row not reverse: {row:?}"
    );
    let colours: Vec<u32> = sgr_params(&styled)
        .into_iter()
        .filter(|p| is_colour(*p))
        .collect();
    assert!(colours.is_empty(), "colours under NO_COLOR: {colours:?}");
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn another_process_move_shows_within_three_seconds() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "live", &[], &[], 120, 30);
    t.wait_for("1 Needs OIN", WAIT);
    t.keys(&["5", "/"]);
    t.literal("Acme Expense");
    t.keys(&["Enter"]);
    // Acme Expense's own row, selected by the search: other rows say the same states, so
    // the waits look at this row only (the search's results come after the typing).
    let acme_says = |s: &str, state: &str| {
        s.lines()
            .any(|l| l.starts_with("▶ OIN-2026-0142 Acme Expense") && l.contains(state))
    };
    t.wait_until(
        "the search to select Acme Expense, to be reviewed",
        |s| acme_says(s, "To be reviewed by Okta"),
        WAIT,
    );
    let started = Instant::now();
    sb.ok(&["move", "--to", "isv_review", "OIN-2026-0142"]);
    t.wait_until(
        "Acme Expense's row to say ISV needs to review, and why",
        |s| {
            acme_says(s, "ISV needs to review")
                && s.contains("reloaded: another analyst changed the queue")
        },
        Duration::from_secs(3),
    );
    assert!(started.elapsed() < Duration::from_secs(3));
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn sigterm_sighup_and_sigint_restore_the_terminal() {
    for (i, signal) in ["TERM", "HUP", "INT"].iter().enumerate() {
        let sb = queue_with_samples();
        let t = Tmux::start(&sb, &format!("sig{i}"), &[], &[], 80, 24);
        t.wait_for("1 Needs OIN", WAIT);
        // The pane's shell runs the console as its child.
        let shell =
            String::from_utf8_lossy(&t.tmux(&["display-message", "-p", "#{pane_pid}"]).stdout)
                .trim()
                .to_string();
        let out = Command::new("pkill")
            .args([&format!("-{signal}"), "-P", &shell])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "pkill found no console under shell {shell}"
        );
        t.wait_for("EXITED rc=0", WAIT);
        assert!(
            !t.alternate_screen_on(),
            "SIG{signal} left the alternate screen on"
        );
    }
}

#[test]
fn without_a_terminal_it_points_to_the_subcommands() {
    let sb = queue_with_samples();
    let out = sb.run(&[]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the console needs a terminal"), "{err}");
    assert!(err.contains("list, show, move"), "{err}");
    assert!(out.stdout.is_empty(), "nothing garbles the pipe");
}

#[test]
fn mark_three_move_them_then_undo() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "triage", &[], &[], 120, 40);
    t.wait_for("1 Needs OIN", WAIT);
    // Only initial review: the filter menu's second item; then all tabs.
    t.keys(&["f", "j", "Space"]);
    t.wait_for("State: To be reviewed by Okta", WAIT);
    t.escape();
    t.keys(&["5"]);
    t.wait_for("State: To be reviewed by Okta", WAIT);
    t.keys(&["Space", "Space", "Space"]);
    let s = t.wait_for("3 marked", WAIT);
    let marked: Vec<String> = s
        .lines()
        .filter(|l| l.starts_with(" ●") || l.starts_with("▶●"))
        .filter_map(|l| {
            l.split_whitespace()
                .next()
                .map(|w| w.trim_start_matches(['▶', '●']).to_string())
        })
        .collect();
    assert_eq!(marked.len(), 3, "{s}");
    let clock_of = |id: &str| -> serde_json::Value {
        let s: serde_json::Value =
            serde_json::from_str(&sb.ok(&["show", id, "--format", "json"])).unwrap();
        s["sla"]["clocks"][0].clone()
    };
    let clocks_before: Vec<serde_json::Value> = marked.iter().map(|id| clock_of(id)).collect();
    // m, then the second target (QA testing): a gate stops all three (open blockers), and
    // the preview says why instead of sending or moving anything.
    t.keys(&["m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    t.wait_for("applies to", WAIT);
    t.wait_for("gate stops 3 (open blockers)", WAIT);
    t.keys(&["Down", "Enter"]);
    t.wait_for("Reason for moving 0 of 3", WAIT);
    t.literal("passed initial review");
    t.keys(&["Enter"]);
    t.wait_for("nothing to send", WAIT);
    t.wait_for("stopped by", WAIT);
    t.escape();
    t.wait_for("not sent: nothing was queued or moved", WAIT);
    // The first target (ISV needs to review) goes through the preview; m moves without email.
    t.keys(&["m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    t.wait_for("applies to", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving 3 of 3", WAIT);
    t.literal("asked for the config doc by phone");
    t.keys(&["Enter"]);
    t.wait_for("m: move 3 without email", WAIT);
    // m plans the move again without email, and the confirmation shows it before y.
    t.keys(&["m"]);
    t.wait_for("Move 3 of 3 submission(s) to ISV needs to review?", WAIT);
    t.keys(&["y"]);
    t.wait_for("moved 3 of 3 to ISV needs to review", WAIT);
    let state_of = |id: &str| -> (String, serde_json::Value) {
        let s: serde_json::Value =
            serde_json::from_str(&sb.ok(&["show", id, "--format", "json"])).unwrap();
        (
            s["state"].as_str().unwrap().to_string(),
            s["history"].as_array().unwrap().last().unwrap().clone(),
        )
    };
    for id in &marked {
        let (state, last) = state_of(id);
        assert_eq!(state, "isv_review", "{id}");
        assert!(
            last["reason"]
                .as_str()
                .unwrap()
                .starts_with("asked for the config doc by phone [no email]"),
            "{id}: the audit log says no email went: {last}"
        );
    }
    assert!(sb.ok(&["outbox"]).contains("the outbox is empty"));
    // u shows what the undo will do; y does it.
    t.keys(&["u"]);
    let s = t.wait_for(
        "Undo your last batch: 3 of 3 back from ISV needs to review?",
        WAIT,
    );
    assert!(
        s.contains("OIN-2026-0116: back to To be reviewed by Okta"),
        "{s}"
    );
    t.keys(&["y"]);
    t.wait_for("undid 3 move(s)", WAIT);
    for (id, before) in marked.iter().zip(&clocks_before) {
        let (state, last) = state_of(id);
        assert_eq!(state, "initial_review", "{id}");
        assert_eq!(last["kind"], "undo");
        // The undo restores the clock: same start, same due instant, the breach kept.
        let after = clock_of(id);
        for key in ["phase", "started_at", "due", "breached_at"] {
            assert_eq!(after[key], before[key], "{id}: {key}");
        }
        assert_eq!(after["status"], "breached", "{id}");
    }
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn findings_then_move_to_isv_review_sends_the_issue_list() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "mail", &[], &[], 160, 48);
    t.wait_for("1 Needs OIN", WAIT);
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    // The issue list the console found, then one of the analyst's own.
    t.keys(&["x"]);
    let s = t.wait_for("issue list of OIN-2026-0116", WAIT);
    assert!(s.contains("docs.config_doc_missing"), "{s}");
    t.keys(&["n"]);
    t.wait_for("new finding", WAIT);
    t.keys(&["Tab"]);
    t.literal("SP-initiated login returns HTTP 500.");
    t.keys(&["Enter"]);
    t.wait_for("issue list saved (1 change(s))", WAIT);
    // n came back to the issue list; Esc leaves it.
    t.wait_for("issue list of OIN-2026-0116", WAIT);
    t.escape();
    // m, the first target (ISV needs to review), a reason, then the preview.
    t.keys(&["m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    t.wait_for("applies to", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving 1", WAIT);
    t.keys(&["Enter"]);
    // The whole preview: its last line drawn (a capture may catch a frame mid-draw).
    t.wait_for("email preview", WAIT);
    let s = t.wait_for("[blocker] SP-initiated login returns HTTP 500.", WAIT);
    assert!(s.contains("To: okta-escalations@coho.example"), "{s}");
    t.keys(&["y"]);
    t.wait_for("1 sent", WAIT);
    let shown: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0116", "--format", "json"])).unwrap();
    assert_eq!(shown["state"], "isv_review");
    let dir = sb.path("data/oin-review/outbox-files");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let eml = std::fs::read_to_string(&files[0])
        .unwrap()
        .replace("=\n", "");
    assert!(eml.contains("SP-initiated login returns HTTP 500."));
    assert!(eml.contains("customer configuration document"));
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn with_the_smtp_server_down_the_email_waits_in_the_outbox() {
    let sb = queue_with_samples();
    // A loopback address of this test's own, where nothing listens: no other test binds it,
    // and a port under 1024 is never handed out for port 0, so the connection is refused.
    sb.write(
        "config/oin-review/config.toml",
        "[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"127.83.0.1\"\nport = 25\ntls = \"none\"\n",
    );
    sb.ok(&["finding", "add", "OIN-2026-0116", "Fix the logo."]);
    let t = Tmux::start(&sb, "maildown", &[], &[], 160, 48);
    t.wait_for("1 Needs OIN", WAIT);
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    t.keys(&["M"]);
    t.wait_for("email preview", WAIT);
    t.keys(&["y"]);
    t.wait_for("✉ 1 queued", WAIT);
    // The delivery attempt fails after the queueing is shown.
    t.wait_for("waiting to retry", WAIT);
    t.keys(&["O"]);
    let s = t.wait_for("outbox (Enter opens, r retries", WAIT);
    assert!(s.contains("queued"), "{s}");
    t.escape();
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(ob.len(), 1);
    assert_eq!(ob[0]["status"], "queued");
}

#[test]
fn hostile_text_reaches_the_screen_only_as_visible_placeholders() {
    let sb = Sandbox::new();
    let mut v = common::submission_json("EVIL-1", "initial_review");
    v["app_name"] = serde_json::json!(
        "Evil\u{1b}]0;pwned-title\u{7}\u{1b}]52;c;cHduZWQ=\u{7}\u{1b}[2J\u{1b}]8;;http://x\u{7}link\u{1b}]8;;\u{7}\rOVER\u{202e}txet\u{200b}\u{9b}31m"
    );
    v["isv"] = serde_json::json!("宽字符宽字符宽字符 e\u{301}\u{301} 🎉🎉🎉");
    v["description"] = serde_json::json!("line1\u{1b}[31mred\u{1b}[0m\r\nline2");
    let f = sb.write(
        "evil.json",
        serde_json::json!([v, common::submission_json("OK-2", "initial_review")]).to_string(),
    );
    sb.ok(&["import", f.to_str().unwrap()]);
    let t = Tmux::start(&sb, "hostile", &[], &[], 160, 40);
    let s = t.wait_for("EVIL-1", WAIT);
    // Controls show as placeholders; the OSC title change and clipboard write did nothing.
    assert!(s.contains("Evil␛]0;pwned-title␇"), "{s}");
    let title =
        String::from_utf8_lossy(&t.tmux(&["display-message", "-p", "#{pane_title}"]).stdout)
            .into_owned();
    assert!(!title.contains("pwned"), "the title was changed: {title}");
    let buffers = String::from_utf8_lossy(&t.tmux(&["list-buffers"]).stdout).into_owned();
    assert!(
        !buffers.contains("pwned"),
        "OSC 52 reached the clipboard: {buffers}"
    );
    // The layout holds: every row fits, the other submission's row is intact.
    for line in s.lines() {
        assert!(
            unicode_width::UnicodeWidthStr::width(line) <= 160,
            "a line overflows: {line:?}"
        );
    }
    assert!(
        s.lines()
            .any(|l| l.contains("OK-2") && l.contains("App OK-2")),
        "{s}"
    );
    assert!(!s.contains("OVER") || s.contains("␍OVER"), "{s}");
    // With colours on, the only escapes tmux reports are its own SGR styles.
    let styled = t.screen_with_styles();
    for (i, _) in styled.match_indices('\u{1b}') {
        let next = styled[i + 1..].chars().next();
        assert_eq!(next, Some('['), "a non-SGR escape reached the pane");
        let end = styled[i + 2..]
            .find(|c: char| !(c.is_ascii_digit() || c == ';' || c == ':'))
            .map(|j| &styled[i + 2 + j..i + 3 + j]);
        assert_eq!(
            end,
            Some("m"),
            "only SGR sequences: {:?}",
            &styled[i..(i + 12).min(styled.len())]
        );
    }
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

/// An SMTP server on loopback that takes one email's DATA and then never answers: a send
/// that is under way for as long as the test likes. Reports each DATA it received.
fn stalling_smtp_server() -> (u16, std::sync::mpsc::Receiver<()>) {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut out) = conn else { return };
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut input = BufReader::new(out.try_clone().unwrap());
                let _ = out.write_all(b"220 stall.test ESMTP\r\n");
                let mut in_data = false;
                let mut line = String::new();
                while input.read_line(&mut line).unwrap_or(0) > 0 {
                    let cmd = line.trim_end().to_ascii_uppercase();
                    let reply: &[u8] = if in_data {
                        if cmd == "." {
                            let _ = tx.send(());
                            // Never answer: the client waits with the email half-sent.
                            std::thread::sleep(Duration::from_secs(600));
                            return;
                        }
                        b""
                    } else if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 stall.test\r\n"
                    } else if cmd == "DATA" {
                        in_data = true;
                        b"354 go on\r\n"
                    } else if cmd == "QUIT" {
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = out.write_all(reply);
                    line.clear();
                }
            });
        }
    });
    (port, rx)
}

#[test]
fn sighup_during_a_batch_and_a_send_restores_the_terminal_and_loses_nothing() {
    let _timing = common::one_at_a_time();
    // SIGHUP as the batch is asked for, the moment its write transaction is seen open, and
    // after it committed. Each round asserts the terminal, the queue and the email itself.
    let mut seen = Vec::new();
    for (round, when) in [
        Hangup::AsAsked,
        Hangup::InsideTheTransaction,
        Hangup::AfterTheCommit,
    ]
    .into_iter()
    .enumerate()
    {
        seen.push((when, sighup_round(round, when)));
    }
    eprintln!("SIGHUP rounds (landed, email): {seen:?}");
}

/// Whether a write transaction holds the queue now (a `BEGIN IMMEDIATE` that may not wait
/// is refused only then).
fn write_lock_held(c: &rusqlite::Connection) -> bool {
    match c.execute_batch("BEGIN IMMEDIATE") {
        Ok(()) => {
            c.execute_batch("ROLLBACK").unwrap();
            false
        }
        Err(_) => true,
    }
}

/// When a round sends its SIGHUP, counted from the `y` that confirms the batch.
#[derive(Clone, Copy, Debug)]
enum Hangup {
    /// At once, as the batch is asked for: it lands whole or not at all.
    AsAsked,
    /// The moment its write transaction is seen open: whole or not at all.
    InsideTheTransaction,
    /// Once its events are all in the queue: it must have landed whole.
    AfterTheCommit,
}

/// One dropped session, `when` after the batch is confirmed; returns whether the batch
/// landed and the email's status.
fn sighup_round(round: usize, when: Hangup) -> (bool, String) {
    let sb = Sandbox::new();
    let out = sb.run(&["demo", "--rows", "6000", "--no-open"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (port, received) = stalling_smtp_server();
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "mouse = true\n[mail]\ntransport = \"smtp\"\nhold = \"0s\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n\n\
             # The batch goes straight to its confirmation: no issue-list emails with moves.\n\
             [mail.emails]\nissues = false\n"
        ),
    );
    sb.ok(&["finding", "add", "OIN-2026-0116", "Fix the logo."]);
    sb.ok(&["mail", "send", "OIN-2026-0116", "--queue-only"]);
    let before: i64 = events(&sb);

    let t = Tmux::start(&sb, &format!("hup{round}"), &[], &[], 160, 48);
    // Loaded: the 33 samples and the 6 000 generated.
    t.wait_for(" of 6033 ", WAIT);
    // The console's mailer is now in the middle of sending.
    received
        .recv_timeout(WAIT)
        .expect("the console started delivering the queued email");
    // Every submission in initial review, marked, moved to ISV review; SIGHUP at once.
    t.keys(&["f", "j", "Space"]);
    t.wait_for("State: To be reviewed by Okta", WAIT);
    t.escape();
    t.keys(&["5", "V"]);
    let s = t.wait_for("marked the ", WAIT);
    let marked: i64 = s
        .split("marked the ")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{s}"));
    assert!(marked > 500, "{s}");
    t.keys(&["m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    // The targets once the workflow has planned them.
    t.wait_for("applies to", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("to ISV needs to review?", WAIT);
    let shell = String::from_utf8_lossy(&t.tmux(&["display-message", "-p", "#{pane_pid}"]).stdout)
        .trim()
        .to_string();
    let probe = rusqlite::Connection::open(sb.db()).unwrap();
    probe.busy_timeout(Duration::ZERO).unwrap();
    t.keys(&["y"]);
    match when {
        Hangup::AsAsked => {}
        Hangup::InsideTheTransaction => {
            let started = Instant::now();
            while !write_lock_held(&probe) {
                assert!(
                    started.elapsed() < WAIT,
                    "the batch's transaction was never seen"
                );
                // Poll, but leave the writer its core and its lock.
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        Hangup::AfterTheCommit => {
            let started = Instant::now();
            while events(&sb) < before + marked {
                assert!(
                    started.elapsed() < WAIT,
                    "the batch of {marked} never committed"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    let hup = Command::new("pkill")
        .args(["-HUP", "-P", &shell])
        .output()
        .unwrap();
    assert!(hup.status.success(), "pkill found no console");
    t.wait_for("EXITED rc=0", WAIT);

    // The terminal is as the shell left it: main screen, cursor shown, mouse reporting off.
    let flags = String::from_utf8_lossy(
        &t.tmux(&[
            "display-message",
            "-p",
            "#{alternate_on} #{cursor_flag} #{mouse_any_flag}",
        ])
        .stdout,
    )
    .trim()
    .to_string();
    assert_eq!(
        flags, "0 1 0",
        "alternate screen, cursor, mouse after SIGHUP"
    );

    // The database: sound, every state agrees with its last event, the batch all or nothing.
    let (integrity, _) = common::consistent(&sb.db());
    assert_eq!(integrity, "ok");
    let added = events(&sb) - before;
    assert!(
        added == 0 || added == marked,
        "the batch of {marked} is all or nothing, yet {added} events were added"
    );
    if let Hangup::AfterTheCommit = when {
        assert_eq!(added, marked, "a committed batch survives the SIGHUP");
    }
    // The email was never accepted by the server: it is queued, or claimed by the console
    // that died (claims older than ten minutes go back to the queue); never sent, never lost.
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(ob.len(), 1);
    let status = ob[0]["status"].as_str().unwrap();
    assert!(["queued", "sending"].contains(&status), "{status}");
    if status == "sending" {
        // The list says when the dead console's claim runs out.
        let listed = sb.ok(&["outbox", "list"]);
        assert!(listed.contains("if that process stopped"), "{listed}");
        assert!(ob[0]["claimed_at"].is_string());
    }
    assert!(received.try_recv().is_err(), "sent once only");
    (added > 0, status.to_string())
}

fn events(sb: &Sandbox) -> i64 {
    let c = rusqlite::Connection::open(sb.db()).unwrap();
    c.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn y_copies_the_id_into_tmux_s_paste_buffer() {
    // tmux's default `set-clipboard external` drops an application's OSC 52: the console
    // hands the text to tmux itself.
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "copy", &[("TMUX", "\"$TMUX\"")], &[], 80, 24);
    t.wait_for("1 Needs OIN", WAIT);
    t.keys(&["y"]);
    t.wait_for("copied OIN-2026-0116 to tmux's", WAIT);
    let buffer = t.tmux(&["show-buffer"]);
    assert_eq!(String::from_utf8_lossy(&buffer.stdout), "OIN-2026-0116");
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn at_80x24_the_full_detail_reaches_every_finding_the_first_event_and_the_last_field() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "reach", &[], &[], 80, 24);
    t.wait_for("1 Needs OIN", WAIT);
    t.keys(&["5", "/"]);
    t.literal("OIN-2026-0105");
    t.wait_for("▶ OIN-2026-0105", WAIT);
    t.keys(&["Enter", "Enter"]);
    t.wait_for("── State and SLA", WAIT);
    let lint = sb.ok(&["lint", "OIN-2026-0105", "--format", "json"]);
    let lint: serde_json::Value = serde_json::from_str(&lint).unwrap();
    let rules: Vec<String> = lint[0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    assert!(rules.len() >= 4, "{rules:?}");
    // Down a line at a time, each press waited for, until the detail's title says it is at
    // the end (100%).
    let mut seen = t.screen();
    let mut presses = 0;
    while !detail_at_end(&seen) {
        presses += 1;
        assert!(presses < 300, "never reached the end:\n{seen}");
        let s = t.key_and_wait("j");
        seen.push_str(&s);
    }
    for rule in &rules {
        assert!(seen.contains(rule.as_str()), "{rule} never shown");
    }
    assert!(seen.contains("— → draft"), "the history's first event");
    assert!(seen.contains("OIDC auth server"), "the last field");
    // G and g jump to the ends.
    t.keys(&["g"]);
    t.wait_for("OIN-2026-0105 Harborview Tickets", WAIT);
    t.keys(&["G"]);
    t.wait_for("OIDC auth server", WAIT);
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

/// Whether the last screen in `seen` shows the full detail scrolled to its end: its title
/// reads 100%.
fn detail_at_end(seen: &str) -> bool {
    let last = seen.rsplit(" detail ").next().unwrap_or("");
    last.lines()
        .next()
        .is_some_and(|title| title.contains("100%"))
}

#[test]
fn an_explicit_theme_beats_no_color_and_as_of_pins_the_header() {
    let sb = queue_with_samples();
    let t = Tmux::start(
        &sb,
        "theme",
        &[("NO_COLOR", "1")],
        &["--theme", "light", "--as-of", "2026-11-20T09:00:00Z"],
        100,
        30,
    );
    let s = t.wait_for("as of Fri 2026-11-20 09:00 UTC", WAIT);
    assert!(s.contains("1 Needs OIN"), "{s}");
    let styled = t.screen_with_styles();
    let params = sgr_params(&styled);
    assert!(
        params
            .iter()
            .any(|p| (30..=37).contains(p) || (90..=97).contains(p) || *p == 38),
        "--theme light draws colours under NO_COLOR: {params:?}"
    );
    // The queue as it was is not the queue as it is: a console at a past instant writes
    // nothing, and says why.
    t.keys(&["a"]);
    t.wait_for(
        "cannot claim submissions (opened --as-of 2026-11-20T09:00:00Z",
        WAIT,
    );
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn ctrl_u_clears_the_search_line_and_a_shift_binding_fires() {
    let sb = queue_with_samples();
    sb.write(
        "config/oin-review/config.toml",
        "[keys]\n\"queue.findings\" = [\"shift-z\"]\n",
    );
    let t = Tmux::start(&sb, "keys", &[], &[], 80, 24);
    t.wait_for("1 Needs OIN", WAIT);
    t.keys(&["5", "/"]);
    t.literal("coho");
    t.wait_for("/coho", WAIT);
    // The search runs off the UI thread: the frame after a key may still show the last
    // results, so wait for the cleared line with every item.
    t.wait_until("a matched /coho", |s| !s.contains("33 of 33"), WAIT);
    t.keys(&["C-u"]);
    t.wait_until(
        "the search line cleared and 33 of 33",
        |s| s.contains("33 of 33") && !s.contains("/coho"),
        WAIT,
    );
    t.literal("acme exp");
    t.wait_for("/acme exp", WAIT);
    t.keys(&["C-w"]);
    t.wait_until(
        "Ctrl-W took the last word: the search line reads /acme without exp",
        |s| {
            s.lines()
                .find(|l| l.contains("/acme"))
                .is_some_and(|l| !l.contains("exp"))
        },
        WAIT,
    );
    t.keys(&["Enter"]);
    t.keys(&["Z"]);
    t.wait_for("issue list of", WAIT);
    t.escape();
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn the_debug_log_records_the_console_reads_and_a_colleagues_change_and_never_the_screen() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "log", &[("OIN_REVIEW_LOG", "debug")], &[], 80, 24);
    t.wait_for("1 Needs OIN", WAIT);
    // A colleague's commit: the console reads what changed, and the log says so.
    sb.ok(&["assign", "--to", "bea", "OIN-2026-0142"]);
    let log = sb.path("home/.local/state/oin-review/oin-review.log");
    let started = Instant::now();
    let written = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("reloaded what changed") {
            break text;
        }
        assert!(started.elapsed() < WAIT, "no reload in the log:\n{text}");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(written.contains("queue read"), "{written}");
    assert!(written.contains("external=true"), "{written}");
    let screen = t.screen();
    for word in ["DEBUG", "INFO", "oin_review::", "queue read"] {
        assert!(!screen.contains(word), "{word} on the screen:\n{screen}");
    }
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&log).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the log is the analyst's own");
}

#[test]
fn config_views_become_tabs_with_wizard_state_names_the_chosen_theme_and_the_mouse() {
    let sb = queue_with_samples();
    sb.write(
        "config/oin-review/config.toml",
        "state_names = \"wizard\"\ntheme = \"high-contrast\"\nmouse = true\n\n\
         [views]\n\"Contoso open\" = \"isv:contoso -state:published\"\n",
    );
    let t = Tmux::start(&sb, "views", &[], &[], 120, 30);
    // The view is a tab after the built-in ones, with its count (the samples' ten open
    // Contoso items); the header counts the Wizard's groups.
    let s = t.wait_for("Contoso open 10", WAIT);
    assert!(s.contains("OIN to review 22 · ISV to review 5"), "{s}");
    // Wizard names in the state column: no Manager name such as "init review".
    assert!(
        s.contains(" OIN to review ") && !s.contains("init review"),
        "{s}"
    );
    // The mouse is reported while the console runs.
    let mouse = t.tmux(&["display-message", "-p", "#{mouse_any_flag}"]);
    assert_eq!(String::from_utf8_lossy(&mouse.stdout).trim(), "1");
    // High contrast: bright colours, not the dark theme's palette.
    let params = sgr_params(&t.screen_with_styles());
    assert!(params.contains(&107) && params.contains(&93), "{params:?}");
    // ] walks the tabs to the view: ten rows, each a Contoso item.
    let mut s = s;
    for _ in 0..6 {
        if s.contains("10 of 33") {
            break;
        }
        s = t.key_and_wait("]");
    }
    assert!(s.contains("10 of 33"), "{s}");
    // The frame is written top down: wait for its last row before reading the rows.
    let count = |s: &str| {
        s.lines()
            .filter(|l| l.split('│').next().unwrap_or(l).contains("OIN-2026-"))
            .count()
    };
    let s = t.wait_until("the view's ten rows", |s| count(s) == 10, WAIT);
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("OIN-2026-"))
        .map(|l| l.split('│').next().unwrap_or(l))
        .filter(|l| l.contains("OIN-2026-"))
        .collect();
    let mut shown: Vec<String> = rows
        .iter()
        .filter_map(|r| {
            r.split_whitespace()
                .map(|w| w.trim_start_matches(['▶', '~', '●']))
                .find(|w| w.starts_with("OIN-2026-"))
        })
        .map(str::to_string)
        .collect();
    shown.sort();
    // The same rows `list --view` gives for the view, from the same config file.
    let listed: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["list", "--view", "Contoso open", "--format", "json"]))
            .unwrap();
    let mut listed: Vec<String> = listed
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();
    listed.sort();
    assert_eq!(shown.len(), 10, "{rows:#?}");
    assert_eq!(shown, listed, "{rows:#?}");
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn an_open_move_picker_keeps_its_item_when_a_colleague_moves_it_and_never_retargets() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "pinned", &[], &[], 120, 40);
    t.wait_for("1 Needs OIN", WAIT);
    // The initial-review items, and OIN-2026-0131 selected among them.
    t.keys(&["/"]);
    t.literal("state:initial_review");
    t.keys(&["Enter"]);
    t.wait_for("14 of 33  /state:initial_review", WAIT);
    // j or k, one at a time, each waiting for its frame, until 0131 is the selected row.
    for _ in 0..20 {
        let s = t.screen();
        let rows: Vec<&str> = s.lines().filter(|l| l.contains(" OIN-2026-")).collect();
        let selected = rows.iter().position(|l| l.starts_with('▶'));
        let target = rows.iter().position(|l| l.contains("OIN-2026-0131"));
        match (selected, target) {
            (Some(a), Some(b)) if a == b => break,
            (Some(a), Some(b)) if a < b => t.key_and_wait("j"),
            (Some(_), Some(_)) => t.key_and_wait("k"),
            _ => t.wait_until(
                "a selected row and 0131",
                |s| s.contains("▶ OIN-") && s.contains("OIN-2026-0131"),
                WAIT,
            ),
        };
    }
    t.wait_for("▶ OIN-2026-0131", WAIT);
    t.keys(&["m"]);
    t.wait_for("Move 1 submission(s) to:", WAIT);
    // A colleague moves it while the picker is open: the view drops it, the selection
    // falls on a neighbour, and the picker still acts on 0131 alone, as it was seen.
    sb.ok(&["move", "--to", "isv_review", "OIN-2026-0131"]);
    // Planned again: it names who changed it and when.
    let s = t.wait_for(
        &format!("OIN-2026-0131: changed by {} at 2026-12-04", me()),
        WAIT,
    );
    assert!(s.contains("looked (now isv_review)"), "{s}");
    assert!(
        s.contains("0 of 1 left as you saw them: nothing to move"),
        "{s}"
    );
    assert!(
        !s.contains("applies to 1 of 1"),
        "no target is offered: {s}"
    );
    let now_selected = s
        .lines()
        .find(|l| l.starts_with("▶ OIN-"))
        .expect("a selected row");
    assert!(!now_selected.contains("OIN-2026-0131"), "{s}");
    // Enter chooses nothing; nothing is moved or emailed. (States, holders and histories:
    // the clocks' figures move on with the time.)
    let records = || -> Vec<(String, String, String, usize)> {
        sb.list_json()
            .iter()
            .map(|v| {
                (
                    v["id"].to_string(),
                    v["state"].to_string(),
                    v["assignee"].to_string(),
                    v["history"].as_array().map_or(0, Vec::len),
                )
            })
            .collect()
    };
    let before = records();
    t.keys(&["Enter"]);
    t.escape();
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    assert!(records() == before, "something was moved or assigned");
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert!(ob.is_empty(), "{ob:?}");
}

#[test]
fn a_held_email_cancelled_from_the_console_or_undone_with_its_move_is_never_delivered() {
    let sb = queue_with_samples();
    let listener = common::smtp::loopback_listener();
    let port = listener.local_addr().unwrap().port();
    let received = common::smtp::start_server(listener, None, None);
    // SMTP with the default hold (2 minutes).
    sb.write(
        "config/oin-review/config.toml",
        format!(
            "[mail]\ntransport = \"smtp\"\nhost = \"127.0.0.1\"\nport = {port}\ntls = \"none\"\n"
        ),
    );
    let t = Tmux::start(&sb, "held", &[], &[], 120, 40);
    t.wait_for("1 Needs OIN", WAIT);
    // OIN-2026-0116 to ISV needs to review with its email: held, and the header says so.
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    t.keys(&["m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    t.wait_for("applies to", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving 1 of 1", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("y send", WAIT);
    t.keys(&["y"]);
    t.wait_for(
        "moved 1 to ISV needs to review; held 2 min (u: undo with the move, O then c: cancel)",
        WAIT,
    );
    t.wait_for("✉ 1 held, first goes in 2 min (O then c cancels)", WAIT);
    // Cancelled from the outbox.
    t.keys(&["O"]);
    t.wait_for("outbox (Enter opens, r retries, c cancels", WAIT);
    t.keys(&["c"]);
    t.wait_for("email 1 cancelled: it will not be sent", WAIT);
    t.wait_for(&format!("cancelled 12-04 11:00 by {}", me()), WAIT);
    t.escape();
    // The search for 0116 goes too.
    t.escape();
    // OIN-2026-0131 the same way, then u: the undo cancels its email with the move.
    select_by_search(&t, "OIN-2026-0131", "Contoso HR");
    t.keys(&["m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    t.wait_for("applies to", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving 1 of 1", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("y send", WAIT);
    t.keys(&["y"]);
    t.wait_for("✉ 1 held", WAIT);
    t.keys(&["u"]);
    let s = t.wait_for(
        "Undo your last batch: 1 of 1 back from ISV needs to review?",
        WAIT,
    );
    assert!(s.contains("email 2 cancelled before it was sent"), "{s}");
    t.keys(&["y"]);
    t.wait_for("undid 1 move(s); 1 email(s) cancelled before sending", WAIT);
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    // Even skipping the hold, nothing goes: both are cancelled.
    let flush = sb.ok(&["outbox", "flush", "--now"]);
    assert!(flush.contains("0 sent, 0 waiting, 0 failed"), "{flush}");
    assert!(received.settled().is_empty(), "an ISV was emailed");
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert_eq!(ob.len(), 2, "{ob:?}");
    assert!(ob.iter().all(|e| e["status"] == "cancelled"), "{ob:?}");
    let state = |id: &str| -> String {
        let v: serde_json::Value =
            serde_json::from_str(&sb.ok(&["show", id, "--format", "json"])).unwrap();
        v["state"].as_str().unwrap().to_string()
    };
    // Cancelling an email leaves its move; undoing the move takes back both.
    assert_eq!(state("OIN-2026-0116"), "isv_review");
    assert_eq!(state("OIN-2026-0131"), "initial_review");
}

#[test]
fn a_gated_move_is_overridden_in_the_console_with_a_reason_and_audited_as_the_cli_does() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "override", &[], &[], 120, 40);
    t.wait_for("1 Needs OIN", WAIT);
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    // To QA testing: a gate stops it (open blockers).
    t.keys(&["m"]);
    t.wait_for("gate stops 1 (open blockers)", WAIT);
    t.keys(&["Down", "Enter"]);
    t.wait_for("Reason for moving 0 of 1", WAIT);
    t.literal("lead approved the exception");
    t.keys(&["Enter"]);
    t.wait_for("o: override the gate for the 1 a gate stops", WAIT);
    t.keys(&["o"]);
    let s = t.wait_for("Overriding the gate for 1", WAIT);
    assert!(
        s.contains("OIN-2026-0116: docs.config_doc_missing, tests.not_valid_at_submission, tenancy.not_multi_tenant"),
        "{s}"
    );
    t.keys(&["y"]);
    t.wait_until(
        "OIN-2026-0116 in QA testing",
        |s| {
            s.lines()
                .any(|l| l.starts_with("▶ OIN-2026-0116") && l.contains("To be QA tested by Okta"))
        },
        WAIT,
    );
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0116", "--format", "json"])).unwrap();
    assert_eq!(v["state"], "qa_testing");
    let last = v["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["forced"], true, "{last}");
    assert_eq!(last["reason"], "lead approved the exception", "{last}");
    let overrode: Vec<&str> = last["overrode"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["key"].as_str().or(b.as_str()).unwrap())
        .collect();
    assert_eq!(
        overrode,
        [
            "docs.config_doc_missing",
            "tests.not_valid_at_submission",
            "tenancy.not_multi_tenant"
        ],
        "{last}"
    );
    // The same record as the CLI's `move --force --reason` on an item with the same blockers.
    let cli = Sandbox::new();
    cli.import_samples();
    let f = cli.write(
        "results.json",
        include_str!("../data/sample-tester-results.json"),
    );
    cli.ok(&["import-results", f.to_str().unwrap()]);
    cli.run(&[
        "move",
        "--to",
        "qa_testing",
        "--force",
        "--reason",
        "lead approved the exception",
        "OIN-2026-0116",
    ]);
    let w: serde_json::Value =
        serde_json::from_str(&cli.ok(&["show", "OIN-2026-0116", "--format", "json"])).unwrap();
    let cli_last = w["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(cli_last["forced"], last["forced"]);
    assert_eq!(cli_last["overrode"], last["overrode"]);
}

#[test]
fn a_colleagues_move_while_the_confirmation_is_open_is_planned_again_and_y_moves_nothing() {
    let sb = queue_with_samples();
    // Issue-list emails off: the move to ISV review goes to the confirmation.
    sb.write(
        "config/oin-review/config.toml",
        format!("{}\n[mail.emails]\nissues = false\n", common::TEAM),
    );
    let t = Tmux::start(&sb, "confirm-stale", &[], &[], 120, 40);
    t.wait_for("1 Needs OIN", WAIT);
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    t.keys(&["m"]);
    t.wait_for("applies to", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving 1 of 1", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Move 1 of 1 submission(s) to ISV needs to review?", WAIT);
    // A colleague moves it to QA testing past the gate: the confirmation plans again for the
    // same item and names who changed it; it never turns to another item.
    sb.ok(&[
        "move",
        "--to",
        "qa_testing",
        "--force",
        "--reason",
        "lead approved",
        "OIN-2026-0116",
    ]);
    let s = t.wait_for("Move 0 of 1 submission(s) to ISV needs to review?", WAIT);
    assert!(
        s.contains(&format!(
            "OIN-2026-0116: changed by {} at 2026-12-04T11:",
            me()
        )),
        "{s}"
    );
    assert!(s.contains("(now qa_testing); not moved."), "{s}");
    t.keys(&["y"]);
    t.wait_for("nothing moved: no item can make this move now", WAIT);
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    let v: serde_json::Value =
        serde_json::from_str(&sb.ok(&["show", "OIN-2026-0116", "--format", "json"])).unwrap();
    assert_eq!(v["state"], "qa_testing", "the colleague's move stands");
    assert_eq!(
        v["history"].as_array().unwrap().last().unwrap()["reason"],
        "lead approved [no email]"
    );
}

#[test]
fn a_write_refused_because_a_colleague_changed_the_item_names_who_and_what_it_is_now() {
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "stale", &[], &[], 120, 40);
    t.wait_for("1 Needs OIN", WAIT);
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    // The move is planned and previewed on the analyst's screen...
    t.keys(&["m"]);
    t.wait_for("move to (Enter chooses)", WAIT);
    t.wait_for("applies to", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("Reason for moving 1", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("y send", WAIT);
    // ...when a colleague moves the item first: the preview plans again and says so,
    // naming who and when, before y...
    sb.ok(&["move", "--to", "isv_review", "OIN-2026-0116"]);
    let colleague = me();
    let s = t.wait_for(
        &format!("OIN-2026-0116: changed by {colleague} at 2026-12-04T11:"),
        WAIT,
    );
    assert!(s.contains("since you looked (now isv_review)"), "{s}");
    assert!(s.contains("email will not be sent"), "{s}");
    assert!(
        s.contains("nothing to send · m: move 0 without email"),
        "{s}"
    );
    // ...and y has nothing to send: the item the analyst saw is not there any more.
    t.keys(&["y"]);
    t.escape();
    t.wait_for("not sent: nothing was queued or moved", WAIT);
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    // Nothing was emailed, and the colleague's move is the item's last event.
    let ob: Vec<serde_json::Value> =
        serde_json::from_str(&sb.ok(&["outbox", "list", "--format", "json"])).unwrap();
    assert!(ob.is_empty(), "{ob:?}");
}

#[test]
fn e_steps_aside_for_the_editor_and_comes_back_with_the_edited_issue_list() {
    use std::os::unix::fs::PermissionsExt;
    let sb = queue_with_samples();
    // An editor that adds a finding of the analyst's own to the file it is given.
    let editor = sb.write(
        "editor.sh",
        "#!/bin/sh\nprintf '[x] warning Added in the editor.\\n' >> \"$1\"\n",
    );
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = Tmux::start(
        &sb,
        "editor",
        &[("EDITOR", editor.to_str().unwrap())],
        &[],
        120,
        40,
    );
    t.wait_for("1 Needs OIN", WAIT);
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    t.keys(&["x"]);
    t.wait_for("issue list of OIN-2026-0116", WAIT);
    t.keys(&["e"]);
    // The console came back to the full screen with the edit saved.
    t.wait_for("issue list saved (1 change(s))", WAIT);
    assert!(t.alternate_screen_on(), "the console took the screen back");
    // The issue list shows the editor's finding.
    t.keys(&["x"]);
    t.wait_for("Added in the editor.", WAIT);
    t.escape();
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    let listed = sb.ok(&["finding", "list", "OIN-2026-0116"]);
    assert!(listed.contains("Added in the editor."), "{listed}");
}

#[test]
fn an_edited_issue_list_with_a_mistake_reopens_with_the_line_marked_and_nothing_typed_is_lost() {
    use std::os::unix::fs::PermissionsExt;
    let sb = queue_with_samples();
    // The first edit adds a good finding and a bad line; the second (on the text it is
    // given again) fixes the bad line. Each run keeps a copy of what it was given.
    let dir = sb.path("");
    let editor = sb.write(
        "editor.sh",
        format!(
            "#!/bin/sh\nd={d}\nn=$(cat $d/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > $d/count\n\
             cp \"$1\" $d/seen$n.txt\n\
             if [ $n = 1 ]; then printf '[x] warning Keep this sentence.\\nthis line is wrong\\n' >> \"$1\";\n\
             else sed -i 's/^this line is wrong$/[x] warning And this one./' \"$1\"; fi\n",
            d = dir.display()
        ),
    );
    std::fs::set_permissions(&editor, std::fs::Permissions::from_mode(0o755)).unwrap();
    let t = Tmux::start(
        &sb,
        "draft",
        &[("EDITOR", editor.to_str().unwrap())],
        &[],
        200,
        40,
    );
    t.wait_for("1 Needs OIN", WAIT);
    select_by_search(&t, "OIN-2026-0116", "Coho Winery");
    t.keys(&["e"]);
    let s = t.wait_for("issue list not saved: line ", WAIT);
    let draft = sb.path("data/oin-review/drafts/OIN-2026-0116.txt");
    assert!(
        s.contains("start the line with [x] (in the email) or [ ] (left out); nothing was changed; e reopens your text with the mistake marked, kept in"),
        "{s}"
    );
    let kept = std::fs::read_to_string(&draft).expect("the draft is kept");
    assert!(kept.contains("Keep this sentence."), "{kept}");
    let mode = std::fs::metadata(&draft).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the draft is the analyst's alone");
    // e again: the analyst's own text, the mistake marked above its line.
    t.keys(&["e"]);
    t.wait_for("issue list saved (2 change(s))", WAIT);
    let seen = std::fs::read_to_string(sb.path("seen2.txt")).unwrap();
    assert!(seen.contains("[x] warning Keep this sentence.\n"), "{seen}");
    assert!(
        seen.contains(
            "# oin-review: the next line: start the line with [x] (in the email) or [ ] (left out); fix it or delete it, then save\nthis line is wrong\n"
        ),
        "{seen}"
    );
    assert!(!draft.exists(), "a saved list leaves no draft");
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    let listed = sb.ok(&["finding", "list", "OIN-2026-0116"]);
    assert!(listed.contains("Keep this sentence."), "{listed}");
    assert!(listed.contains("And this one."), "{listed}");
}

#[test]
fn y_outside_tmux_copies_the_id_through_osc_52() {
    // No $TMUX in the console's environment: it writes OSC 52, which a terminal that
    // allows it (here tmux with set-clipboard on, standing for the analyst's terminal)
    // puts on the clipboard.
    let sb = queue_with_samples();
    let t = Tmux::start(&sb, "osc52", &[], &[], 80, 24);
    let set = t.tmux(&["set-option", "-s", "set-clipboard", "on"]);
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    t.wait_for("1 Needs OIN", WAIT);
    t.keys(&["y"]);
    t.wait_for(
        "sent OIN-2026-0116 to the terminal's clipboard (OSC 52)",
        WAIT,
    );
    let buffer = t.tmux(&["show-buffer"]);
    assert_eq!(String::from_utf8_lossy(&buffer.stdout), "OIN-2026-0116");
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
}

#[test]
fn demo_in_a_terminal_opens_the_console_on_the_demo_queue() {
    let sb = Sandbox::new();
    // `demo` without --no-open, in a terminal: it builds the queue (here at --db) and
    // opens the console on it; q returns to the shell.
    let t = Tmux::start(&sb, "demo", &[], &["demo", "--rows", "7"], 100, 30);
    let s = t.wait_for("1 Needs OIN", WAIT);
    assert!(s.contains("5 All"), "{s}");
    t.keys(&["5"]);
    t.wait_for("40 of 40", WAIT);
    t.keys(&["q"]);
    t.wait_for("EXITED rc=0", WAIT);
    assert!(!t.alternate_screen_on());
    let listed = sb.list_json();
    assert_eq!(listed.len(), 40, "33 samples and 7 generated");
}

#[test]
fn ctrl_z_suspends_to_the_shell_with_the_terminal_restored_and_fg_resumes() {
    let sb = queue_with_samples();
    let t = Tmux::shell(&sb, "suspend", 100, 30);
    t.type_command(&sb, &[]);
    t.wait_for("1 Needs OIN", WAIT);
    assert!(t.alternate_screen_on());
    t.keys(&["C-z"]);
    // The shell has the terminal back as it left it: main screen, cursor shown.
    // The job-control line and the prompt after it (the shell may print them apart).
    t.wait_until(
        "Stopped, then the shell's prompt",
        |s| s.contains("Stopped") && s.lines().any(|l| l.trim() == "shell$"),
        WAIT,
    );
    let flags = t.tmux(&["display-message", "-p", "#{alternate_on} #{cursor_flag}"]);
    assert_eq!(String::from_utf8_lossy(&flags.stdout).trim(), "0 1");
    // fg: the console takes the screen again and draws it whole.
    t.literal("fg");
    t.keys(&["Enter"]);
    t.wait_for("1 Needs OIN", WAIT);
    assert!(t.alternate_screen_on());
    t.keys(&["5"]);
    t.wait_for("33 of 33", WAIT);
    t.keys(&["q"]);
    t.wait_until(
        "the shell's prompt after q",
        |s| {
            s.contains("shell$ fg")
                && s.lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .is_some_and(|l| l.trim() == "shell$")
        },
        WAIT,
    );
    assert!(!t.alternate_screen_on());
    t.literal("echo rc=$?");
    t.keys(&["Enter"]);
    t.wait_for("rc=0", WAIT);
}

/// Not a check of its own: the console's terminal set up as `tui::run` sets it up (its
/// panic hook, raw mode, the alternate screen, mouse reporting), then a panic, as a bug in
/// the console would panic. `a_panic_restores_the_terminal_before_its_message` runs it in a
/// real terminal; nothing else can make the real console panic.
#[test]
#[ignore = "run in a tmux pane by a_panic_restores_the_terminal_before_its_message"]
fn a_console_that_panics() {
    oin_review::tui::terminal::install_panic_hook();
    let _term = oin_review::tui::terminal::enter(true).expect("a terminal");
    print!("drawn on the alternate screen");
    panic!("a bug in the console");
}

/// Not a check of its own: the console's work run as `tui::run` runs it, failing after it
/// has entered the terminal (as a write to a terminal that went away fails), and its error
/// printed as `main` prints it. Nothing else can make the real console fail in a terminal.
#[test]
#[ignore = "run in a tmux pane by an_error_restores_the_terminal_before_its_message"]
fn a_console_that_fails() {
    let result: anyhow::Result<()> = oin_review::tui::terminal::owned(|| {
        let _term = oin_review::tui::terminal::enter(true)?;
        print!("drawn on the alternate screen");
        anyhow::bail!("the terminal went away")
    });
    if let Err(e) = result {
        eprintln!("oin-review: {e}");
        std::process::exit(1);
    }
}

#[test]
fn an_error_restores_the_terminal_before_its_message() {
    let sb = Sandbox::new();
    let me = std::env::current_exe().expect("the test binary");
    let line = format!(
        "{} --exact a_console_that_fails --ignored --nocapture --test-threads=1",
        me.display()
    );
    let t = Tmux::start_command(&sb, "error", &[], &line, 100, 30);
    let s = t.wait_for("EXITED rc=", WAIT);
    // The message ends a line of the main screen (after the test harness's own words), and
    // the shell's next line starts at column 0: a terminal left in raw mode would not
    // return the carriage.
    assert!(
        s.lines()
            .any(|l| l.ends_with("oin-review: the terminal went away")),
        "{s}"
    );
    assert!(!s.contains("drawn on the alternate screen"), "{s}");
    assert!(s.lines().any(|l| l.starts_with("EXITED rc=1")), "{s}");
    let flags = t.tmux(&[
        "display-message",
        "-p",
        "#{alternate_on} #{cursor_flag} #{mouse_any_flag}",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&flags.stdout).trim(),
        "0 1 0",
        "alternate screen, cursor, mouse after the error"
    );
}

#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    let sb = Sandbox::new();
    let me = std::env::current_exe().expect("the test binary");
    let line = format!(
        "{} --exact a_console_that_panics --ignored --nocapture --test-threads=1",
        me.display()
    );
    let t = Tmux::start_command(&sb, "panic", &[], &line, 100, 30);
    let s = t.wait_for("EXITED rc=", WAIT);
    // The message is on the main screen, and the shell's next line starts at column 0
    // (a terminal left in raw mode would not return the carriage).
    assert!(s.contains("a bug in the console"), "{s}");
    assert!(!s.contains("drawn on the alternate screen"), "{s}");
    assert!(s.lines().any(|l| l.starts_with("EXITED rc=101")), "{s}");
    let flags = t.tmux(&[
        "display-message",
        "-p",
        "#{alternate_on} #{cursor_flag} #{mouse_any_flag}",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&flags.stdout).trim(),
        "0 1 0",
        "alternate screen, cursor, mouse after the panic"
    );
}

#[test]
fn after_a_resize_and_an_editor_round_trip_quitting_leaves_nothing_of_the_console_on_the_shell() {
    // The issue-list overlay used to stay printed over the shell after 80x24 -> 120x40,
    // an `e` round trip and `q` (tmux keeps the alternate screen's last frame there when
    // the pane was resized): the console blanks its screen before it leaves it.
    let sb = queue_with_samples();
    let t = Tmux::shell(&sb, "resize-editor", 80, 24);
    t.literal("clear; EDITOR=true VISUAL=true ");
    t.type_command(&sb, &[]);
    t.wait_for("1 Needs OIN", WAIT);
    t.resize(200, 40);
    t.wait_for(" detail ", WAIT);
    t.keys(&["x"]);
    t.wait_for("issue list of", WAIT);
    t.keys(&["e"]);
    // Back from the editor, in the queue.
    t.wait_for("issue list unchanged", WAIT);
    t.keys(&["q"]);
    let s = t.wait_until(
        "the shell's prompt after q",
        |s| s.lines().filter(|l| l.trim() == "shell$").count() == 1,
        WAIT,
    );
    assert!(!t.alternate_screen_on(), "the alternate screen was left");
    let left: Vec<&str> = s
        .lines()
        .filter(|l| !l.trim().is_empty() && l.trim() != "shell$")
        .collect();
    assert_eq!(
        left,
        Vec::<&str>::new(),
        "nothing of the console stays: {s}"
    );
}
